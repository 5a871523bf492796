package io.personalize.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * A page of the events' point in time that fails because a shard copy's context is gone (the node answers 404
 * {@code search_context_missing_exception}) fails the Spark job that reads it; the driver then opens a new point in
 * time and reads every slice again from it, at most {@code attempts} times, then gives up naming the index. The node
 * here is a small HTTP server: it opens points in time {@code pit-1}, {@code pit-2}, ... and answers the pages of
 * those it was told have lost a context with a 404, the others with two events per slice.
 */
class PointInTimeRetryTest extends LocalSparkTest {

    /** A node whose points in time numbered in {@code lost} have lost a shard context. */
    record Node(
            HttpServer server,
            Set<String> lost,
            AtomicInteger opened,
            List<String> closed,
            List<String> pages,
            AtomicInteger rejections,
            List<String> rejected,
            List<String> bodies,
            Set<String> stalled,
            Set<Integer> failedOpenings,
            AtomicInteger openings)
            implements AutoCloseable {

        static Node start(Set<String> lost) throws IOException {
            return start(lost, 0);
        }

        /** A node that rejects the first {@code rejections} pages it is asked (429, as a full search queue). */
        static Node start(Set<String> lost, int rejections) throws IOException {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            Node node = new Node(
                    server,
                    lost,
                    new AtomicInteger(),
                    Collections.synchronizedList(new ArrayList<>()),
                    Collections.synchronizedList(new ArrayList<>()),
                    new AtomicInteger(rejections),
                    Collections.synchronizedList(new ArrayList<>()),
                    Collections.synchronizedList(new ArrayList<>()),
                    ConcurrentHashMap.newKeySet(),
                    ConcurrentHashMap.newKeySet(),
                    new AtomicInteger());
            // a stalled page holds its thread: the others are answered meanwhile
            server.setExecutor(Executors.newCachedThreadPool());
            server.createContext("/", exchange -> {
                String path = exchange.getRequestURI().getPath();
                String method = exchange.getRequestMethod();
                JsonNode body = Elasticsearch.JSON.readTree(
                        new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                boolean opening = method.equals("POST") && path.equals("/events/_pit");
                if (opening && node.failedOpenings.contains(node.openings.incrementAndGet())) {
                    FakeNodes.answer(
                            exchange,
                            503,
                            "{\"error\": {\"type\": \"no_shard_available_action_exception\"}, \"status\": 503}");
                } else if (opening) {
                    FakeNodes.answer(exchange, 200, "{\"id\": \"pit-" + node.opened.incrementAndGet() + "\"}");
                } else if (method.equals("DELETE") && path.equals("/_pit")) {
                    node.closed.add(body.path("id").asText());
                    FakeNodes.answer(exchange, 200, "{\"succeeded\": true}");
                } else if (path.startsWith("/_cluster/health/events")) {
                    FakeNodes.answer(exchange, 200, "{\"status\": \"yellow\", \"timed_out\": false}");
                } else if (method.equals("POST") && path.equals("/_search")) {
                    String pit = body.path("pit").path("id").asText();
                    node.pages.add(pit);
                    node.bodies.add(body.toString());
                    if (node.rejections.getAndDecrement() > 0) {
                        node.rejected.add(body.toString());
                        FakeNodes.answer(
                                exchange,
                                429,
                                "{\"error\": {\"type\": \"es_rejected_execution_exception\", \"reason\": \"rejected"
                                        + " execution of TimedRunnable (queue capacity 1000)\"}, \"status\": 429}");
                    } else if (node.stalled.contains(pit)) {
                        // a copy the point in time pinned is on a paused node: the coordinating node waits for it
                        try {
                            Thread.sleep(3_000);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        FakeNodes.answer(exchange, 200, page(pit, body));
                    } else if (lost.contains(pit)) {
                        FakeNodes.answer(
                                exchange,
                                404,
                                "{\"error\": {\"type\": \"search_context_missing_exception\", \"reason\": \"No search"
                                        + " context found for id [7]\"}, \"status\": 404}");
                    } else {
                        FakeNodes.answer(exchange, 200, page(pit, body));
                    }
                } else {
                    FakeNodes.answer(exchange, 400, "{\"error\": \"unexpected " + method + " " + path + "\"}");
                }
            });
            server.start();
            return node;
        }

        /** Two events of the slice on its first page, none after (fewer than a page: the last). */
        static String page(String pit, JsonNode body) {
            if (body.has("search_after")) {
                return "{\"pit_id\": \"" + pit + "\", \"hits\": {\"hits\": []}}";
            }
            int slice = body.path("slice").path("id").asInt();
            StringBuilder hits = new StringBuilder();
            for (int e = 0; e < 2; e++) {
                hits.append(e == 0 ? "" : ",")
                        .append("{\"fields\": {\"user_id\": [\"u")
                        .append(slice)
                        .append("\"], \"sku\": [\"sku-")
                        .append(e)
                        .append("\"], \"type\": [\"view\"], \"@timestamp\": [\"1700000000000\"]}, \"sort\": [")
                        .append(e)
                        .append("]}");
            }
            return "{\"pit_id\": \"" + pit + "\", \"hits\": {\"hits\": [" + hits + "]}}";
        }

        Elasticsearch es() {
            return es(Elasticsearch.Backoff.DEFAULT);
        }

        Elasticsearch es(Elasticsearch.Backoff rejections) {
            return new Elasticsearch(FakeNodes.url(server), null, null, 60_000, rejections);
        }

        Elasticsearch es(int readTimeoutMillis) {
            return new Elasticsearch(FakeNodes.url(server), null, null, readTimeoutMillis);
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    private static EventIndex.Read<List<Row>> read(Node node, int attempts, List<String> log) {
        return read(node, Elasticsearch.Backoff.DEFAULT, attempts, log);
    }

    private static EventIndex.Read<List<Row>> read(
            Node node, Elasticsearch.Backoff rejections, int attempts, List<String> log) {
        return read(node.es(rejections), attempts, log);
    }

    private static EventIndex.Read<List<Row>> read(Elasticsearch es, int attempts, List<String> log) {
        ModelSettings settings = SparkTrainerTest.settings("cosine");
        return EventIndex.readWithRetries(
                es,
                "events",
                EventIndex.PAGE,
                attempts,
                "in 2 slices",
                pit -> EventIndex.read(spark, pit, settings, 2).collectAsList(),
                log::add);
    }

    @Test
    void aLostShardContextMeansReadingEverythingAgainFromANewPointInTime() throws IOException {
        try (Node node = Node.start(Set.of("pit-1"))) {
            List<String> log = new ArrayList<>();
            EventIndex.Read<List<Row>> read = read(node, 3, log);
            assertEquals("pit-2", read.pit().id());
            assertEquals(4, read.value().size(), "both slices' events, once: " + read.value());
            assertEquals(
                    Set.of("u0", "u1"),
                    Set.copyOf(read.value().stream().map(r -> r.getString(0)).toList()));
            assertEquals(List.of("pit-1"), node.closed(), "the first point in time closed");
            assertEquals(3, log.size(), log.toString());
            assertEquals("reading [events] in 2 slices (point in time)", log.get(0));
            assertTrue(
                    log.get(1)
                            .startsWith("a shard copy of the point in time over [events] was lost while it was read"
                                    + " (slice "),
                    log.get(1));
            assertTrue(log.get(1).contains("search_context_missing_exception"), log.get(1));
            assertEquals("reading [events] in 2 slices (point in time, attempt 2 of 3)", log.get(2));
            // the second read's pages all went to the second point in time
            assertTrue(node.pages().contains("pit-2"));
            read.pit().close();
        }
    }

    @Test
    void afterTheLastAttemptTheReadFailsNamingTheIndex() throws IOException {
        try (Node node = Node.start(Set.of("pit-1", "pit-2"))) {
            List<String> log = new ArrayList<>();
            var e = assertThrows(EventIndex.ReadFailed.class, () -> read(node, 2, log));
            assertTrue(
                    e.getMessage()
                            .startsWith("reading [events] failed 2 times: each point in time lost a shard copy (or a"
                                    + " node holding one did not answer) while it was read; the last: slice "),
                    e.getMessage());
            assertTrue(
                    e.getMessage().endsWith("(the index needs a copy of every shard on the nodes that answer)"),
                    e.getMessage());
            assertEquals(2, node.opened().get());
            assertEquals(List.of("pit-1", "pit-2"), node.closed());
        }
    }

    /**
     * A page no node answers within the read timeout (the point in time pinned a copy on a paused node, for which
     * every coordinating node waits): read again from a new point in time, whose pages are answered.
     */
    @Test
    void aPageNoNodeAnswersMeansReadingEverythingAgainFromANewPointInTime() throws IOException {
        try (Node node = Node.start(Set.of())) {
            node.stalled().add("pit-1");
            List<String> log = new ArrayList<>();
            EventIndex.Read<List<Row>> read = read(node.es(1_000), 3, log);
            assertEquals("pit-2", read.pit().id());
            assertEquals(4, read.value().size(), "both slices' events, once: " + read.value());
            assertEquals(3, log.size(), log.toString());
            assertTrue(
                    log.get(1)
                            .matches(
                                    "a page of the point in time over \\[events\\] was not answered \\(slice [01] of 2:"
                                            + " no node answered the page \\(POST /_search.* failed: .*\\)\\): reading it all"
                                            + " again from a new point in time"),
                    log.get(1));
            assertEquals("reading [events] in 2 slices (point in time, attempt 2 of 3)", log.get(2));
            assertTrue(node.closed().contains("pit-1"), "the stalled point in time closed: " + node.closed());
            read.pit().close();
        }
    }

    /**
     * After a lost copy, a new point in time that cannot be opened yet (503: no copy of a shard answers, a primary not
     * yet promoted) costs an attempt, not the job: it is opened again.
     */
    @Test
    void aNewPointInTimeThatCannotBeOpenedYetIsOpenedAgain() throws IOException {
        try (Node node = Node.start(Set.of("pit-1"))) {
            node.failedOpenings().add(2); // the first opening gives pit-1, whose pages are lost; the second: 503
            List<String> log = new ArrayList<>();
            EventIndex.Read<List<Row>> read = read(node, 3, log);
            assertEquals("pit-2", read.pit().id());
            assertEquals(4, read.value().size());
            assertEquals(4, log.size(), log.toString());
            assertTrue(
                    log.get(2).startsWith("opening a new point in time over [events] failed (POST /events/_pit"),
                    log.get(2));
            assertTrue(log.get(2).endsWith("): trying again"), log.get(2));
            assertEquals("reading [events] in 2 slices (point in time, attempt 3 of 3)", log.get(3));
            read.pit().close();
        }
    }

    /**
     * Pages rejected for load (429) are asked again after growing waits, the same page of the same point in time (the
     * same body: point in time, slice, search_after): no new point in time, every event once.
     */
    @Test
    void aRejectedPageIsAskedAgainFromTheSamePointInTime() throws IOException {
        try (Node node = Node.start(Set.of(), 3)) {
            List<String> log = new ArrayList<>();
            long started = System.nanoTime();
            EventIndex.Read<List<Row>> read = read(node, new Elasticsearch.Backoff(100, 4), 3, log);
            long millis = (System.nanoTime() - started) / 1_000_000;
            assertEquals("pit-1", read.pit().id(), "no new point in time");
            assertEquals(1, node.opened().get());
            assertEquals(4, read.value().size(), "both slices' events, once: " + read.value());
            assertEquals(List.of("reading [events] in 2 slices (point in time)"), log);
            assertEquals(3, node.rejected().size());
            for (String rejected : node.rejected()) {
                assertTrue(
                        node.bodies().stream().filter(rejected::equals).count() >= 2,
                        "the rejected page was asked again as it was: " + rejected + " in " + node.bodies());
            }
            // the two slices read at once: at least the waits of the retries of one of them (100 ms, then 200 ms)
            assertTrue(millis >= 100, millis + " ms");
            read.pit().close();
        }
    }

    /** A page still rejected after the retries fails the read naming the index and the slice; nothing read again. */
    @Test
    void aPageRejectedBeyondTheRetriesFailsTheReadNamingTheIndex() throws IOException {
        try (Node node = Node.start(Set.of(), 1_000)) {
            var e = assertThrows(
                    EventIndex.ReadFailed.class,
                    () -> read(node, new Elasticsearch.Backoff(10, 2), 3, new ArrayList<>()));
            assertTrue(
                    e.getMessage()
                            .matches(
                                    "reading \\[events\\] failed: slice [01] of 2: the nodes rejected a page 3 times in"
                                            + " 0\\.0 s \\(429, too many requests\\); the last: POST /_search.* answered 429: .*"
                                            + "es_rejected_execution_exception.* \\(the cluster is too busy: read again later,"
                                            + " or with fewer --slices\\)"),
                    e.getMessage());
            assertEquals(1, node.opened().get(), "a rejection does not open a new point in time");
            assertEquals(List.of("pit-1"), node.closed());
        }
    }

    /** A page refused for another reason (400: the job's own request) is not read again: it fails as it is. */
    @Test
    void anotherFailureIsNotReadAgain() throws IOException {
        try (Node node = Node.start(Set.of())) {
            var e = assertThrows(
                    Elasticsearch.ElasticsearchException.class,
                    () -> EventIndex.readWithRetries(
                            node.es(),
                            "events",
                            EventIndex.PAGE,
                            3,
                            "in 1 slice",
                            pit -> {
                                try (Elasticsearch.Client client = node.es().open()) {
                                    return client.get("/not-a-page");
                                }
                            },
                            line -> {}));
            assertEquals(400, e.status());
            assertEquals(1, node.opened().get());
        }
    }

    /**
     * The point in time closed after the import, when the node that held its contexts was killed meanwhile: the node
     * answers the close 404 ({@code "succeeded": false}, as a real one did in {@code SparkFailoverIT}); the job says
     * so and goes on, its model imported.
     */
    @Test
    void aPointInTimeThatCannotBeClosedAnyMoreIsLeftToItsKeepAlive() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext(
                "/_pit", exchange -> FakeNodes.answer(exchange, 404, "{\"succeeded\":false,\"num_freed\":0}"));
        server.start();
        try {
            var pit = new EventIndex.PointInTime(
                    new Elasticsearch(FakeNodes.url(server), null, null, 5_000), "pit-1", EventIndex.PAGE);
            assertThrows(Elasticsearch.ElasticsearchException.class, pit::close, "close itself says it failed");
            List<String> log = new ArrayList<>();
            pit.release(log::add);
            assertEquals(1, log.size(), log.toString());
            assertTrue(log.get(0).startsWith("the point in time over the index was not closed ("), log.get(0));
            assertTrue(log.get(0).contains("404"), log.get(0));
            assertTrue(log.get(0).endsWith("its keep-alive of 30m ends what is left of it"), log.get(0));
        } finally {
            server.stop(0);
        }
    }
}
