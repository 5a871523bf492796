package io.personalize.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.personalize.serving.AttributeAffinities;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The job given several nodes ({@code --url a,b,c}) moves to another when one does not answer: the first address is
 * down from the start (nothing listens there), and a second node stops after it has taken two parts of the import;
 * the import still completes, every part 1 to N once, through the nodes that answer ({@link FakeNodes}). A node that
 * stalls with its connections open (a paused process) is left after the read timeout, as one that refused.
 */
class NodeFailoverTest extends LocalSparkTest {

    @Test
    void aNodeDownFromTheStartAndOneLostMidImportAreLeftForTheOthers() throws IOException {
        try (FakeNodes nodes = new FakeNodes()) {
            HttpServer first = nodes.node("first", 2);
            HttpServer second = nodes.node("second");
            SparkTrainer.Result result = LocalSpark.cosineModel(spark);
            String url = "http://127.0.0.1:" + FakeNodes.deadPort() + ", " + FakeNodes.url(first) + ","
                    + FakeNodes.url(second);
            List<String> log = new ArrayList<>();
            JsonNode answer = ExecutorImport.run(
                    new Elasticsearch(url, null, null), result, AttributeAffinities.none(), 4_000, log::add);

            assertEquals(1, nodes.completions.size(), nodes.completions.toString());
            TreeMap<Integer, String> sorted = new TreeMap<>(nodes.parts);
            int n = sorted.lastKey();
            assertTrue(n > 4, "parts: " + n);
            assertEquals("parts=" + n + "&newest_event=" + result.newestMillis(), nodes.completions.get(0));
            assertEquals(n, sorted.size(), "parts 1 to " + n + " without a gap: " + sorted.keySet());
            assertEquals(0, nodes.aborts.get());
            assertTrue(
                    nodes.served.get("first").get() >= 2,
                    "the first node took parts before it stopped: " + nodes.served);
            assertTrue(nodes.served.get("second").get() > 2, "the second node took the rest: " + nodes.served);
            long lines =
                    sorted.values().stream().mapToLong(p -> p.lines().count()).sum();
            assertEquals(result.users() + result.itemNames().length + 1, lines);
            assertEquals(lines, answer.path("lines").asLong());
        }
    }

    /**
     * A stalled node (connections taken, no answer: a paused process) and one that answers: with a read timeout of
     * 1 s every request is answered, the one sent to the stalled node first after about a second, by the other node.
     */
    @Test
    void aStalledNodeIsLeftForTheNextAfterTheReadTimeout() throws IOException {
        try (FakeNodes nodes = new FakeNodes();
                ServerSocket stalled = FakeNodes.stalledNode()) {
            HttpServer answering = nodes.node("answering");
            Elasticsearch es = new Elasticsearch(
                    "http://127.0.0.1:" + stalled.getLocalPort() + "," + FakeNodes.url(answering), null, null, 1_000);
            long started = System.nanoTime();
            try (Elasticsearch.Client client = es.open()) {
                // the client takes the nodes in turn: one of the two requests goes to the stalled node first
                for (int r = 0; r < 2; r++) {
                    JsonNode answer = client.send("POST", "/_recommend/models/m/_import/_session", (String) null);
                    assertEquals("n1:7", answer.path("session").asText());
                }
            }
            long millis = (System.nanoTime() - started) / 1_000_000;
            assertEquals(2, nodes.served.get("answering").get(), "both answered by the node that answers");
            assertTrue(millis >= 1_000, "one request waited for the read timeout: " + millis + " ms");
            assertTrue(millis < 20_000, "and no longer: " + millis + " ms");
        }
    }

    /** With only a stalled node the request fails after the read timeout, naming it, instead of waiting for ever. */
    @Test
    void aStalledNodeAloneFailsTheRequestAfterTheReadTimeout() throws IOException {
        try (ServerSocket stalled = FakeNodes.stalledNode();
                Elasticsearch.Client client =
                        new Elasticsearch("http://127.0.0.1:" + stalled.getLocalPort(), null, null, 500).open()) {
            long started = System.nanoTime();
            var e = assertThrows(UncheckedIOException.class, () -> client.get("/_recommend/models/m"));
            long millis = (System.nanoTime() - started) / 1_000_000;
            assertTrue(e.getMessage().startsWith("GET /_recommend/models/m failed: "), e.getMessage());
            assertTrue(e.getCause() instanceof java.net.SocketTimeoutException, String.valueOf(e.getCause()));
            assertTrue(millis >= 500 && millis < 20_000, millis + " ms");
        }
    }

    /**
     * {@code _complete} (which flushes the whole version before it answers) waits beyond the read timeout: an answer
     * that takes 3 s fails an ordinary request with a 1 s timeout (the client checks its timeouts about every second),
     * and is waited for by {@code sendWaiting}.
     */
    @Test
    void aCompletionWaitsBeyondTheReadTimeout() throws IOException {
        HttpServer slow = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        slow.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            try {
                Thread.sleep(3_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            FakeNodes.answer(exchange, 200, "{\"acknowledged\": true}");
        });
        slow.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(2));
        slow.start();
        try (Elasticsearch.Client client = new Elasticsearch(FakeNodes.url(slow), null, null, 1_000).open()) {
            assertThrows(
                    UncheckedIOException.class, () -> client.send("POST", "/m/_import/s/_complete", (String) null));
            assertTrue(client.sendWaiting("POST", "/m/_import/s/_complete", (String) null)
                    .path("acknowledged")
                    .asBoolean());
        } finally {
            slow.stop(0);
        }
    }

    @Test
    void aBadAddressOrTimeoutIsNamed() {
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> new Elasticsearch("http://127.0.0.1:9200,es2:9200", null, null).open());
        assertEquals("[--url] [es2:9200] is not a node's address (scheme://host[:port])", e.getMessage());
        var timeout = assertThrows(
                IllegalArgumentException.class, () -> new Elasticsearch("http://127.0.0.1:9200", null, null, 0));
        assertEquals("the read timeout must be positive, got [0 ms]", timeout.getMessage());
    }
}
