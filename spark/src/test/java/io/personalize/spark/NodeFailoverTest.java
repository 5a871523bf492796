package io.personalize.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.personalize.serving.AttributeAffinities;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The job given several nodes ({@code --url a,b,c}) moves to another when one does not answer: the first address is
 * down from the start (nothing listens there), and a second node stops after it has taken two parts of the import;
 * the import still completes, every part 1 to N once, through the nodes that answer. The two "nodes" here are small
 * HTTP servers that share one session, as a cluster's nodes do (a session outlives the node that opened it).
 */
class NodeFailoverTest {

    static SparkSession spark;
    static HttpServer first;
    static HttpServer second;
    static final Map<Integer, String> parts = new ConcurrentHashMap<>();
    static final Map<String, AtomicInteger> served = new ConcurrentHashMap<>();
    static final List<String> completions = Collections.synchronizedList(new ArrayList<>());
    static final AtomicInteger aborts = new AtomicInteger();

    @BeforeAll
    static void start() throws IOException {
        spark = LocalSpark.session();
        first = node("first", 2);
        second = node("second", Integer.MAX_VALUE);
    }

    /** A node that answers {@code partsBeforeDying} parts, then stops listening and drops its connections. */
    static HttpServer node(String name, int partsBeforeDying) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        AtomicInteger taken = new AtomicInteger();
        server.createContext("/_recommend/models/m/_import/", exchange -> {
            served.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet();
            boolean part = exchange.getRequestMethod().equals("PUT");
            handle(exchange);
            if (part && taken.incrementAndGet() == partsBeforeDying) {
                new Thread(() -> server.stop(0)).start();
            }
        });
        server.start();
        return server;
    }

    @AfterAll
    static void stop() {
        first.stop(0);
        second.stop(0);
        spark.stop();
    }

    static void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String method = exchange.getRequestMethod();
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String answer = "{}";
        if (method.equals("POST") && path.endsWith("/_session")) {
            answer = "{\"session\": \"n1:7\", \"state\": \"open\"}";
        } else if (method.equals("PUT")) {
            parts.put(Integer.parseInt(path.substring(path.lastIndexOf('/') + 1)), body);
        } else if (method.equals("POST") && path.endsWith("/_complete")) {
            completions.add(exchange.getRequestURI().getQuery());
            long lines =
                    parts.values().stream().mapToLong(p -> p.lines().count()).sum();
            answer = "{\"acknowledged\": true, \"lines\": " + lines + "}";
        } else if (method.equals("DELETE")) {
            aborts.incrementAndGet();
        }
        byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    /** A port nothing listens on: bound, then closed. */
    static int deadPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    @Test
    void aNodeDownFromTheStartAndOneLostMidImportAreLeftForTheOthers() throws IOException {
        ModelSettings settings = SparkTrainerTest.settings("cosine");
        SparkTrainer.Result result = new SparkTrainer(spark, 3, 2)
                .train(
                        spark.createDataFrame(SparkTrainerTest.events(7), EventColumns.SCHEMA),
                        settings,
                        SparkTrainerTest.NOW);
        String url = "http://127.0.0.1:" + deadPort() + ", http://127.0.0.1:"
                + first.getAddress().getPort() + ",http://127.0.0.1:"
                + second.getAddress().getPort();
        List<String> log = new ArrayList<>();
        JsonNode answer = ExecutorImport.run(
                new Elasticsearch(url, null, null), result, AttributeAffinities.none(), 4_000, log::add);

        assertEquals(1, completions.size(), completions.toString());
        TreeMap<Integer, String> sorted = new TreeMap<>(parts);
        int n = sorted.lastKey();
        assertTrue(n > 4, "parts: " + n);
        assertEquals("parts=" + n + "&newest_event=" + result.newestMillis(), completions.get(0));
        assertEquals(n, sorted.size(), "parts 1 to " + n + " without a gap: " + sorted.keySet());
        assertEquals(0, aborts.get());
        assertTrue(served.get("first").get() >= 2, "the first node took parts before it stopped: " + served);
        assertTrue(served.get("second").get() > 2, "the second node took the rest: " + served);
        long lines = sorted.values().stream().mapToLong(p -> p.lines().count()).sum();
        assertEquals(result.users() + result.itemNames().length + 1, lines);
        assertEquals(lines, answer.path("lines").asLong());
    }

    @Test
    void aBadAddressIsNamed() {
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> new Elasticsearch("http://127.0.0.1:9200,es2:9200", null, null).open());
        assertEquals("[--url] [es2:9200] is not a node's address (scheme://host[:port])", e.getMessage());
    }
}
