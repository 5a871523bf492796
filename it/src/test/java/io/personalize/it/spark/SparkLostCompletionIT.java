package io.personalize.it.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import io.personalize.it.RealCluster;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Spark job's {@code _complete} lost on its way, against a real node: the job ({@code bin/spark-train}) talks to
 * the node through {@link CompletionLosingProxy}, which forwards everything but the first {@code _complete} of the
 * import session. When the node completed it and only its answer is lost (the job's connection closed as the node
 * answers), the job finds that exact version active and exits 0, without sending a part again or completing again.
 * When the request is lost before the node sees it, the job finds the session still open, completes it again and exits
 * 0. In both the node's model has the job's version active, whole (its parts once each), and serves it.
 */
class SparkLostCompletionIT {

    static final SparkShop SHOP = new SparkShop("spl-shop", "spl-products", "spl-events");
    static final String MODEL = SHOP.model();
    /** The proxy's port: in this run's range, clear of the clusters' (to port + 177) and of a bench's (port + 200). */
    static final int PROXY_PORT = Integer.parseInt(System.getenv().getOrDefault("PERSONALIZE_IT_PORT", "19250")) + 180;

    private static EsClient es;

    @BeforeAll
    static void shop() {
        es = RealCluster.single().any();
        SHOP.create(es, 1, 0);
    }

    @AfterAll
    static void cleanUp() {
        if (es != null) {
            SHOP.delete(es);
        }
    }

    @Test
    void aCompletionWhoseAnswerIsLostIsFoundActiveAndNothingIsSentAgain() throws Exception {
        try (CompletionLosingProxy proxy =
                new CompletionLosingProxy(PROXY_PORT, es.baseUrl(), CompletionLosingProxy.Loss.ANSWER)) {
            Job job = run(proxy);
            long version = job.version();
            assertTrue(
                    job.output()
                            .contains("version [" + version + "] of [" + MODEL + "] (import session [" + job.session()
                                    + "]) is active: [active_version] is " + version),
                    "found its exact version active: " + job.output());
            assertEquals(1, proxy.lost().size(), "one _complete's answer lost: " + proxy.lost());
            assertEquals(1, completions(proxy), "completed once, never again: " + proxy.forwarded());
            assertActiveAndWhole(version, job.session(), proxy, job.parts());
        }
    }

    @Test
    void aCompletionLostBeforeTheNodeSawItIsSentAgain() throws Exception {
        try (CompletionLosingProxy proxy =
                new CompletionLosingProxy(PROXY_PORT + 1, es.baseUrl(), CompletionLosingProxy.Loss.REQUEST)) {
            Job job = run(proxy);
            assertTrue(
                    job.output()
                            .contains("import session [" + job.session() + "] is open: completing it again (2 of 3)"),
                    "found the session open and completed it again: " + job.output());
            assertEquals(1, proxy.lost().size(), "one _complete never reached the node: " + proxy.lost());
            assertEquals(1, completions(proxy), "the node saw one _complete, the second: " + proxy.forwarded());
            assertActiveAndWhole(job.version(), job.session(), proxy, job.parts());
        }
    }

    /** What a job through the proxy said: its output, its version and session (from the lost answer's line), parts. */
    private record Job(String output, long version, String session, int parts) {}

    /** Runs the job through {@code proxy} until it exits, which must be 0, having lost its first completion's answer. */
    private static Job run(CompletionLosingProxy proxy) throws Exception {
        List<String> command = List.of(
                RealCluster.root().resolve("bin/spark-train").toString(),
                "--url",
                proxy.url(),
                "--model",
                MODEL,
                "--master",
                "local[2]",
                "--partitions",
                "2",
                // parts of 16 KB: many parts, sent by the executors, each of which must arrive once
                "--part-bytes",
                "16384");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        StringBuilder output = new StringBuilder();
        try {
            try (BufferedReader lines =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    output.append(line).append('\n');
                }
            }
            assertTrue(process.waitFor(10, TimeUnit.MINUTES), "bin/spark-train finished");
        } finally {
            process.destroyForcibly();
        }
        System.out.println("the job through the proxy said:\n" + output);
        assertEquals(0, process.exitValue(), output.toString());
        Matcher lost = Pattern.compile("the completion of version \\[(\\d+)\\] of \\[" + Pattern.quote(MODEL)
                        + "\\] \\(import session \\[([^\\]]+)\\]\\) was not answered")
                .matcher(output);
        assertTrue(lost.find(), "the job said its completion was not answered: " + output);
        Matcher parts = Pattern.compile("imported into \\[" + Pattern.quote(MODEL)
                        + "\\] in (\\d+) parts .* \\(2 partitions\\): ([\\d,]+) documents")
                .matcher(output);
        assertTrue(parts.find(), output.toString());
        return new Job(
                output.toString(), Long.parseLong(lost.group(1)), lost.group(2), Integer.parseInt(parts.group(1)));
    }

    private static long completions(CompletionLosingProxy proxy) {
        return proxy.forwarded().stream().filter(r -> r.contains("/_complete")).count();
    }

    /**
     * The session's version is active on the node, its import succeeded, every part went to the node exactly once
     * (none sent again), and it serves.
     */
    private static void assertActiveAndWhole(long version, String session, CompletionLosingProxy proxy, int parts) {
        JsonNode status = es.get("/_recommend/models/" + MODEL).ok().path("status");
        assertEquals(version, status.path("active_version").asLong(), status.toString());
        assertEquals("succeeded", status.path("import").path("state").asText(), status.toString());
        assertEquals(session, status.path("import").path("task_id").asText(), status.toString());
        assertEquals("import", status.path("versions").get(0).path("source").asText(), status.toString());
        Pattern part = Pattern.compile(
                "PUT /_recommend/models/" + Pattern.quote(MODEL) + "/_import/[^/ ]+/(\\d+)(\\?[^ ]*)? HTTP/1\\.1");
        Set<String> seen = new HashSet<>();
        for (String request : proxy.forwarded()) {
            Matcher m = part.matcher(request);
            if (m.matches()) {
                assertTrue(seen.add(m.group(1)), "part [" + m.group(1) + "] sent again: " + proxy.forwarded());
            }
        }
        assertEquals(parts, seen.size(), "every part once: " + seen);
        String user = OnlineRetail.load().purchases().get(0).user();
        JsonNode served = es.post("/_recommend", "{\"model\": \"" + MODEL + "\", \"user_id\": \"" + user + "\"}")
                .ok();
        assertTrue(served.path("recommendations").size() > 0, served.toString());
    }
}
