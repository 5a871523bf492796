package io.personalize.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.personalize.serving.AttributeAffinities;
import java.io.IOException;
import java.net.InetSocketAddress;
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
 * The executors send their own parts: against a node's session API (served here by a small HTTP server that keeps
 * what it is sent, part by part, as the node does: a part sent again replaces it), every line arrives exactly once,
 * in parts numbered 1 to N with no gap whichever task sent them, each at most the bound; a task whose first attempt
 * fails (the node refuses one of its parts once) is run again by Spark and sends its parts again, replacing them.
 */
class ExecutorImportTest {

    static final int PORT = 21250;

    static SparkSession spark;
    static HttpServer server;
    static final Map<Integer, String> parts = new ConcurrentHashMap<>();
    static final Map<Integer, AtomicInteger> received = new ConcurrentHashMap<>();
    static final List<String> completions = Collections.synchronizedList(new ArrayList<>());
    static final AtomicInteger aborts = new AtomicInteger();
    static volatile int refuseOnce = -1;

    @BeforeAll
    static void start() throws IOException {
        // local[2,2]: a failed task is run once more, as on a cluster (spark.task.maxFailures)
        spark = SparkSession.builder()
                .master("local[2,2]")
                .appName("personalize-executor-import-test")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.driver.host", "127.0.0.1")
                .getOrCreate();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", PORT), 0);
        server.createContext("/_recommend/models/m/_import/", ExecutorImportTest::handle);
        server.start();
    }

    @AfterAll
    static void stop() {
        server.stop(0);
        spark.stop();
    }

    static void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String method = exchange.getRequestMethod();
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String answer = "{}";
        int status = 200;
        if (method.equals("POST") && path.endsWith("/_session")) {
            answer = "{\"session\": \"n1:7\", \"state\": \"open\"}";
        } else if (method.equals("PUT")) {
            int part = Integer.parseInt(path.substring(path.lastIndexOf('/') + 1));
            received.computeIfAbsent(part, p -> new AtomicInteger()).incrementAndGet();
            synchronized (ExecutorImportTest.class) {
                if (part == refuseOnce) {
                    refuseOnce = -1;
                    status = 400;
                    answer = "{\"error\": \"refused once, as a test\"}";
                } else {
                    parts.put(part, body); // sending a part again replaces it
                }
            }
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
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Test
    void everyPartitionSendsItsOwnNumberedPartsAndAFailedTaskSendsThemAgain() {
        ModelSettings settings = SparkTrainerTest.settings("cosine");
        SparkTrainer.Result result = new SparkTrainer(spark, 3, 2)
                .train(
                        spark.createDataFrame(SparkTrainerTest.events(7), EventColumns.SCHEMA),
                        settings,
                        SparkTrainerTest.NOW);
        long partBytes = 4_000;
        // the driver's parts come first (items and the popular line); the executors' after: refuse one of theirs once
        List<String> driverLines = new ArrayList<>();
        for (int i = 0; i < result.itemNames().length; i++) {
            driverLines.add(ModelLinesWriter.itemLine(result, i));
        }
        driverLines.add(ModelLinesWriter.popularLine(result));
        int driverParts = 0;
        for (ExecutorImport.Parts cut = new ExecutorImport.Parts(driverLines.iterator(), partBytes); cut.hasNext(); ) {
            cut.next();
            driverParts++;
        }
        refuseOnce = driverParts + 2;
        List<String> log = new ArrayList<>();
        JsonNode answer = ExecutorImport.run(
                new Elasticsearch("http://127.0.0.1:" + PORT, null, null),
                result,
                AttributeAffinities.none(),
                partBytes,
                log::add);

        assertEquals(1, completions.size(), completions.toString());
        TreeMap<Integer, String> sorted = new TreeMap<>(parts);
        int n = sorted.lastKey();
        assertEquals("parts=" + n + "&newest_event=" + result.newestMillis(), completions.get(0));
        assertEquals(n, sorted.size(), "parts 1 to " + n + " without a gap: " + sorted.keySet());
        assertEquals(1, sorted.firstKey());
        assertEquals(-1, refuseOnce, "the refused part was sent");
        assertTrue(received.values().stream().anyMatch(c -> c.get() > 1), "a part sent again: " + received);
        assertEquals(0, aborts.get());
        List<String> users = new ArrayList<>();
        int items = 0;
        int popular = 0;
        for (String part : sorted.values()) {
            assertTrue(part.length() <= partBytes || part.lines().count() == 1, "a part within the bound");
            for (String line : part.lines().toList()) {
                JsonNode json = SparkTrainerTest.parse(line);
                if (json.has("user")) {
                    users.add(json.path("user").asText());
                } else if (json.has("item")) {
                    items++;
                } else {
                    popular++;
                }
            }
        }
        assertEquals(result.users(), users.size(), "every user's line once");
        assertEquals(result.users(), users.stream().distinct().count());
        assertEquals(result.itemNames().length, items);
        assertEquals(1, popular);
        assertEquals(result.users() + items + 1, answer.path("lines").asLong());
        assertTrue(log.get(0).contains(" by the executors (3 partitions)"), log.toString());
    }
}
