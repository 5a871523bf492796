package io.personalize.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.personalize.serving.AttributeAffinities;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A {@code _complete} that goes unanswered (here: the node that took it dies before it answers, and the REST client
 * sends it to the next node, which answers 409 "is completing") does not fail the job by itself: the job asks the
 * model and the session what became of the version, again until the outcome is known or the bound has passed, and
 * succeeds only when that version (8) is active. The parts are never sent again ({@link FakeNodes}: two nodes sharing
 * one session, the first {@code _complete}'s node dying).
 */
class SessionCompletionTest extends LocalSparkTest {

    /** Short pauses; the bound: 4 s after the failure. */
    private static final SessionCompletion.Wait WAIT = new SessionCompletion.Wait(0, 4_000, 100, 400);

    private static JsonNode run(FakeNodes nodes, List<String> log) throws IOException {
        HttpServer first = nodes.node("first");
        HttpServer second = nodes.node("second");
        SparkTrainer.Result result = LocalSpark.cosineModel(spark);
        Elasticsearch es = new Elasticsearch(FakeNodes.url(first) + "," + FakeNodes.url(second), null, null);
        return ExecutorImport.run(es, result, AttributeAffinities.none(), 4_000, WAIT, log::add);
    }

    private static long partsSent(FakeNodes nodes) {
        return nodes.requests.stream().filter(r -> r.startsWith("PUT ")).count();
    }

    @Test
    void aCompletionWhoseAnswerIsLostIsFoundActivated() throws IOException {
        try (FakeNodes nodes = new FakeNodes()) {
            nodes.completion = FakeNodes.Completion.DIES_THEN_ACTIVATED;
            List<String> log = new ArrayList<>();
            JsonNode answer = run(nodes, log);

            assertEquals(8, answer.path("version").path("version").asLong(), answer.toString());
            assertEquals("activated", answer.path("state").asText());
            assertEquals(2, answer.path("version").path("users").asLong(), "the model's record of version 8");
            assertEquals(1, nodes.completions.size(), "completed once: " + nodes.requests);
            assertEquals(nodes.parts.size(), partsSent(nodes), "no part sent again: " + nodes.requests);
            assertEquals(0, nodes.aborts.get());
            assertTrue(nodes.requests.contains("GET /_recommend/models/m"), nodes.requests.toString());
            assertTrue(
                    log.stream()
                            .anyMatch(l -> l.startsWith("the completion of version [8] of [m] (import session [n1:7])"
                                    + " was not answered (")),
                    log.toString());
            assertTrue(
                    log.contains("version [8] of [m] (import session [n1:7]) is active: [active_version] is 8"),
                    log.toString());
            // the lines from the session's status read while it completed
            long lines = nodes.parts.values().stream()
                    .mapToLong(p -> p.lines().count())
                    .sum();
            assertEquals(lines, answer.path("lines").asLong(), answer.toString());
        }
    }

    @Test
    void aCompletionThatFailedOnTheNodeIsAnErrorNamingTheSessionAndTheReason() throws IOException {
        try (FakeNodes nodes = new FakeNodes()) {
            nodes.completion = FakeNodes.Completion.DIES_THEN_FAILED;
            List<String> log = new ArrayList<>();
            var e = assertThrows(SessionCompletion.NotActivated.class, () -> run(nodes, log));
            assertEquals(
                    "version [8] of [m] (import session [n1:7]) was not activated: [status.import] is failed (the"
                            + " version's index could not be flushed, as a test) and [active_version] is 7",
                    e.getMessage());
            assertEquals(1, nodes.completions.size());
            assertEquals(nodes.parts.size(), partsSent(nodes), "no part sent again");
        }
    }

    @Test
    void aSessionFoundOpenAgainIsCompletedAgain() throws IOException {
        try (FakeNodes nodes = new FakeNodes()) {
            nodes.completion = FakeNodes.Completion.DIES_THEN_OPEN;
            List<String> log = new ArrayList<>();
            JsonNode answer = run(nodes, log);
            assertTrue(answer.path("acknowledged").asBoolean(), answer.toString());
            assertEquals(8, nodes.activeVersion);
            assertEquals(2, nodes.completions.size(), "completed again: " + nodes.completions);
            assertEquals(nodes.completions.get(0), nodes.completions.get(1), "the same completion");
            assertEquals(nodes.parts.size(), partsSent(nodes), "no part sent again");
            assertTrue(log.contains("import session [n1:7] is open: completing it again (2 of 3)"), log.toString());
        }
    }

    @Test
    void aCompletionStillRunningAtTheBoundIsAnErrorSayingWhatTheNodesSay() throws IOException {
        try (FakeNodes nodes = new FakeNodes()) {
            nodes.completion = FakeNodes.Completion.DIES_STILL_COMPLETING;
            long started = System.nanoTime();
            var e = assertThrows(SessionCompletion.NotActivated.class, () -> run(nodes, new ArrayList<>()));
            long millis = (System.nanoTime() - started) / 1_000_000;
            assertTrue(
                    e.getMessage().startsWith("version [8] of [m] (import session [n1:7]) is not active "),
                    e.getMessage());
            assertTrue(
                    e.getMessage()
                            .endsWith("the nodes say: the import runs, its session is completing; see [status.import]"
                                    + " in GET _recommend/models/m"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("answered 409"), "the next node's answer: " + e.getMessage());
            assertTrue(millis >= 4_000, "it waited for the bound: " + millis + " ms");
            assertEquals(1, nodes.completions.size());
            assertEquals(nodes.parts.size(), partsSent(nodes), "no part sent again");
        }
    }
}
