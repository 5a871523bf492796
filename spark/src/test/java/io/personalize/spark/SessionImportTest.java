package io.personalize.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The parts a model's file is sent in: each at most the bound, cut at line ends, together the whole file. */
class SessionImportTest {

    @TempDir
    Path dir;

    private List<long[]> ranges(String content, long max) throws Exception {
        Path file = dir.resolve("lines.ndjson");
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return SessionImport.ranges(file, max);
    }

    @Test
    void partsAreCutAtLineEndsWithinTheBound() throws Exception {
        // lines of 10 bytes (9 + newline): 25 bytes hold two of them
        String lines = "aaaaaaaaa\nbbbbbbbbb\nccccccccc\nddddddddd\neeeeeeeee\n";
        List<long[]> parts = ranges(lines, 25);
        assertEquals(3, parts.size());
        assertArrayEquals(new long[] {0, 20}, parts.get(0));
        assertArrayEquals(new long[] {20, 40}, parts.get(1));
        assertArrayEquals(new long[] {40, 50}, parts.get(2));
    }

    @Test
    void aFileThatFitsIsOnePartAndTheLastLineNeedsNoNewline() throws Exception {
        assertEquals(1, ranges("aaaa\nbbbb\n", 100).size());
        List<long[]> parts = ranges("aaaaaaaaa\nbbbbbbbbb\nccc", 20);
        assertEquals(2, parts.size());
        assertArrayEquals(new long[] {0, 20}, parts.get(0));
        assertArrayEquals(new long[] {20, 23}, parts.get(1));
    }

    @Test
    void aLineLongerThanTheBoundIsAPartOfItsOwn() throws Exception {
        List<long[]> parts = ranges("a\n" + "b".repeat(30) + "\nc\n", 10);
        assertEquals(3, parts.size());
        assertArrayEquals(new long[] {0, 2}, parts.get(0));
        assertArrayEquals(new long[] {2, 33}, parts.get(1));
        assertArrayEquals(new long[] {33, 35}, parts.get(2));
    }

    /**
     * The session's opening whose answer is lost (the node answers after the job's read timeout): the job sends it again
     * with the same {@code import_id}, and the node answers the session the first one opened, so the job goes on with
     * it rather than failing on a 409 for its own import.
     */
    @Test
    void anOpeningWhoseAnswerIsLostIsSentAgainWithTheSameImportId() throws Exception {
        List<String> queries = Collections.synchronizedList(new ArrayList<>());
        HttpServer node = openingNode(queries, opening -> {
            if (opening == 1) {
                Thread.sleep(2_000); // opened, but answered after the client stopped waiting
            }
            return 200;
        });
        try (Elasticsearch.Client client = new Elasticsearch(FakeNodes.url(node), null, null, 300).open()) {
            JsonNode opened = SessionImport.open(client, "/_recommend/models/m/_import/");
            assertEquals("n:1", opened.path("session").asText(), opened.toString());
            assertEquals(2, queries.size(), queries.toString());
            assertTrue(queries.get(0).matches("import_id=[0-9a-f-]{36}"), queries.toString());
            assertEquals(queries.get(0), queries.get(1), "the resend names the same import");
        } finally {
            node.stop(0);
        }
        // the next run names its own import
        List<String> next = Collections.synchronizedList(new ArrayList<>());
        HttpServer again = openingNode(next, opening -> 200);
        try (Elasticsearch.Client client = new Elasticsearch(FakeNodes.url(again), null, null).open()) {
            SessionImport.open(client, "/_recommend/models/m/_import/");
            assertTrue(next.size() == 1 && next.get(0).equals(queries.get(0)) == false, next + " " + queries);
        } finally {
            again.stop(0);
        }
    }

    /**
     * A refused opening (409: another import runs; 400) is not sent again: sending it again cannot change the answer.
     * Nor under a new id when the 409 says this id's import succeeded (the job completed none: not its own) or names
     * another import.
     */
    @Test
    void aRefusedOpeningIsNotSentAgain() throws Exception {
        for (String body : List.of(
                "{\"error\": \"already importing\"}",
                "{\"error\": {\"import_id\": \"%s\", \"import_state\": \"succeeded\"}, \"status\": 409}",
                "{\"error\": {\"import_id\": \"another\", \"import_state\": \"failed\"}, \"status\": 409}")) {
            List<String> queries = Collections.synchronizedList(new ArrayList<>());
            HttpServer node = openingNode(
                    queries, opening -> 409, query -> body.replace("%s", query.substring("import_id=".length())));
            try (Elasticsearch.Client client = new Elasticsearch(FakeNodes.url(node), null, null).open()) {
                Elasticsearch.ElasticsearchException e = assertThrows(
                        Elasticsearch.ElasticsearchException.class,
                        () -> SessionImport.open(client, "/_recommend/models/m/_import/"));
                assertEquals(409, e.status());
                assertEquals(1, queries.size(), body + " " + queries);
            } finally {
                node.stop(0);
            }
        }
    }

    /**
     * The opening's first attempt fails (503) after it reserved the version, and the node records its import as failed;
     * the attempt sent again with the same id is told that this import is over, failed: the job never had that session,
     * so it opens again under a new id rather than failing (SparkFailoverIT on CI, a node killed as the job opened).
     */
    @Test
    void anOpeningWhoseImportEndedUnansweredOpensAgainUnderANewId() throws Exception {
        List<String> queries = Collections.synchronizedList(new ArrayList<>());
        HttpServer node = openingNode(
                queries,
                opening -> opening == 1 ? 503 : opening == 2 ? 409 : 200,
                query -> "{\"error\": {\"type\": \"status_exception\", \"reason\": \"the import is over\","
                        + " \"import_id\": \"" + query.substring("import_id=".length())
                        + "\", \"import_state\": \"failed\"}, \"status\": 409}");
        try (Elasticsearch.Client client = new Elasticsearch(FakeNodes.url(node), null, null).open()) {
            JsonNode opened = SessionImport.open(client, "/_recommend/models/m/_import/");
            assertEquals("n:1", opened.path("session").asText(), opened.toString());
            assertEquals(3, queries.size(), queries.toString());
            assertEquals(queries.get(0), queries.get(1), "the 503 sent again under the same id");
            assertTrue(queries.get(2).equals(queries.get(1)) == false, "a new id: " + queries);
        } finally {
            node.stop(0);
        }
    }

    private interface Opening {
        int status(int opening) throws Exception;
    }

    /** A node answering the opening of session {@code n:1}; {@code opening} says with what status, after what delay. */
    private static HttpServer openingNode(List<String> queries, Opening opening) throws Exception {
        return openingNode(queries, opening, query -> "{\"error\": \"already importing\"}");
    }

    /** The same, an error answered with what {@code errorBody} makes of the opening's query. */
    private static HttpServer openingNode(
            List<String> queries, Opening opening, java.util.function.UnaryOperator<String> errorBody)
            throws Exception {
        AtomicInteger openings = new AtomicInteger();
        HttpServer node = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        node.setExecutor(Executors.newCachedThreadPool());
        node.createContext("/_recommend/models/m/_import/_session", exchange -> {
            queries.add(exchange.getRequestURI().getQuery());
            int status;
            try {
                status = opening.status(openings.incrementAndGet());
            } catch (Exception e) {
                throw new java.io.IOException(e);
            }
            FakeNodes.answer(
                    exchange,
                    status,
                    status == 200
                            ? "{\"session\": \"n:1\", \"state\": \"open\", \"pending_version\": 8}"
                            : errorBody.apply(exchange.getRequestURI().getQuery()));
        });
        node.start();
        return node;
    }
}
