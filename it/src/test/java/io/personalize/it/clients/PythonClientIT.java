package io.personalize.it.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import io.personalize.it.RealCluster;
import io.personalize.it.StoreShop;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The plugin from Elastic's official Python client: runs it/src/test/resources/clients/python_client.py (the README's
 * example) against the node and compares what it got with the same requests sent as plain JSON. bin/test installs the
 * client with pip; without an {@code elasticsearch} package of 8.x or 9.x for python3 this class is skipped, with the
 * reason printed.
 */
class PythonClientIT {

    /** PERSONALIZE_PYTHON, else the first of python3 and Debian's /usr/bin/python3 that has the client. */
    static String python;

    private static EsClient es;
    /** Why this class cannot run here (no Python client), or null. */
    private static String skipReason;

    @BeforeEach
    void clientPresent() {
        // in each test, not in @BeforeAll, so that Surefire counts the test as skipped
        Assumptions.assumeTrue(skipReason == null, skipReason);
    }

    @BeforeAll
    static void client() throws IOException, InterruptedException {
        String wanted = System.getenv("PERSONALIZE_PYTHON");
        List<String> candidates = wanted == null ? List.of("python3", "/usr/bin/python3") : List.of(wanted);
        List<String> tried = new ArrayList<>();
        for (String candidate : candidates) {
            Run check = run(List.of(
                    candidate,
                    "-c",
                    "import elasticsearch, sys; print(elasticsearch.__versionstr__);"
                            + " sys.exit(0 if int(elasticsearch.__versionstr__.split('.')[0]) >= 7 else 3)"));
            if (check.exit() == 0) {
                python = candidate;
                System.out.println("PythonClientIT: " + candidate + " with the elasticsearch client "
                        + check.output().strip());
                break;
            }
            tried.add(candidate + ": " + check.output().strip().replace('\n', ' '));
        }
        if (python == null) {
            String reason =
                    "PythonClientIT skipped: no Python with the elasticsearch client (" + String.join("; ", tried)
                            + "); bin/test installs it with pip, or Debian's python3-elasticsearch where no package index is"
                            + " reachable";
            System.out.println(reason);
            skipReason = reason;
            return;
        }
        es = StoreShop.es();
    }

    record Run(int exit, String output) {}

    static Run run(List<String> command) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return new Run(127, e.getMessage());
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor(5, TimeUnit.MINUTES) == false) {
            process.destroyForcibly();
            return new Run(124, output + " (timed out)");
        }
        return new Run(process.exitValue(), output);
    }

    static List<String> ids(JsonNode array) {
        List<String> ids = new ArrayList<>();
        array.forEach(n -> ids.add(n.asText()));
        return ids;
    }

    static List<String> searchIds(String body) {
        List<String> ids = new ArrayList<>();
        es.post("/" + StoreShop.PRODUCTS + "/_search", body)
                .ok()
                .path("hits")
                .path("hits")
                .forEach(h -> ids.add(h.path("_id").asText()));
        return ids;
    }

    @Test
    void theReadmeExampleRunsAndAgreesWithTheJsonRequests() throws IOException, InterruptedException {
        Path script = RealCluster.root().resolve("it/src/test/resources/clients/python_client.py");
        Run run = run(List.of(
                python,
                script.toString(),
                es.baseUrl(),
                StoreShop.PRODUCTS,
                StoreShop.EVENTS,
                StoreShop.MODEL,
                StoreShop.SHOPPER_A));
        assertEquals(0, run.exit(), run.output());
        String last = run.output().strip().lines().reduce((a, b) -> b).orElse("");
        JsonNode out = EsClient.JSON.readTree(last);
        System.out.println("PythonClientIT: " + last);

        List<String> expected = searchIds(String.format(Locale.ROOT, """
            {"size": 10, "query": {"match": {"title": "heart holder"}},
             "rescore": {"window_size": 100, "personalize": {"model": "%s", "user_id": "%s"}}}""", StoreShop.MODEL, StoreShop.SHOPPER_A));
        assertEquals(expected, ids(out.path("rescored")), "the rescorer from search()");
        assertEquals(expected, ids(out.path("retriever")), "the rescorer retriever from search()");

        JsonNode shelf = es.post("/_recommend", String.format(Locale.ROOT, """
                        {"model": "%s", "user_id": "%s", "size": 5}""", StoreShop.MODEL, StoreShop.SHOPPER_A))
                .ok();
        List<String> forYou = new ArrayList<>();
        shelf.path("recommendations").forEach(r -> forYou.add(r.path("item_id").asText()));
        assertEquals(forYou, ids(out.path("for_you")), "_recommend from perform_request()");
        assertEquals(
                shelf.path("model_version").asLong(), out.path("model_version").asLong());
        assertEquals(4, out.path("similar").size());
        assertEquals(
                "because_you_viewed", out.path("visitor_reason").path("type").asText(), "the event counted");
        assertEquals("22423", out.path("visitor_reason").path("item_id").asText());
        assertTrue(out.path("trained_version").asLong() >= 1);
        assertEquals(
                out.path("trained_version").asLong(), out.path("active_version").asLong());
        assertEquals(404, out.path("after_delete").asInt(), "the model was deleted");
    }
}
