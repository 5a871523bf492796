package io.personalize.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model small enough for one {@code _import} whose answer is lost: the node that took it drops the connection, and
 * Elasticsearch's REST client sends the same request to the next node. Both must carry the same {@code import_id}, so
 * that a node answers the resend with the version the first request made instead of importing the model twice.
 */
class OneRequestImportTest {

    @TempDir
    Path dir;

    @Test
    void aResentImportCarriesTheFirstOnesImportId() throws IOException {
        List<String> queries = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger imports = new AtomicInteger();
        List<HttpServer> nodes = new ArrayList<>();
        try {
            for (int n = 0; n < 2; n++) {
                HttpServer node = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
                node.createContext("/_recommend/models/m/_import", exchange -> {
                    exchange.getRequestBody().readAllBytes();
                    queries.add(exchange.getRequestURI().getQuery());
                    if (imports.incrementAndGet() == 1) {
                        // the node imported and dies before it answers: its connections, this one's included, close
                        new Thread(() -> node.stop(0)).start();
                        return;
                    }
                    byte[] answer =
                            "{\"result\": \"noop\", \"version\": {\"version\": 8}}".getBytes(StandardCharsets.UTF_8);
                    exchange.getResponseHeaders().add("Content-Type", "application/json");
                    exchange.sendResponseHeaders(200, answer.length);
                    exchange.getResponseBody().write(answer);
                    exchange.close();
                });
                node.start();
                nodes.add(node);
            }
            Path file = Files.writeString(dir.resolve("model.ndjson"), "{\"type\": \"popular\", \"items\": []}\n");
            String url = FakeNodes.url(nodes.get(0)) + "," + FakeNodes.url(nodes.get(1));

            JsonNode answer =
                    SparkTrain.importFile(new Elasticsearch(url, null, null), "m", file, 123L, null, false, l -> {});

            assertEquals("noop", answer.path("result").asText(), answer.toString());
            assertEquals(2, queries.size(), "sent once, then once more to the other node: " + queries);
            String first = importId(queries.get(0));
            assertFalse(first.isBlank(), queries.toString());
            assertEquals(first, importId(queries.get(1)), "the resend names the same import: " + queries);
            assertTrue(queries.get(1).contains("newest_event=123"), queries.toString());
        } finally {
            nodes.forEach(node -> node.stop(0));
        }
    }

    /**
     * The job's temporary file cannot be deleted once the node imported it (here it became a directory that is not
     * empty while the node imported, so that deleting it fails as a full disk or a read-only mount may): the job answers
     * the import and says that the file is left, rather than failing a job whose model is imported.
     */
    @Test
    void aTemporaryFileThatCannotBeDeletedDoesNotFailAnImportedModel() throws IOException {
        Path file = Files.writeString(dir.resolve("model.ndjson"), "{\"type\": \"popular\", \"items\": []}\n");
        HttpServer node = importingNode(() -> {
            Files.delete(file);
            Files.createDirectory(file);
            Files.writeString(file.resolve("left"), "x");
        });
        try {
            List<String> log = new ArrayList<>();
            JsonNode answer = SparkTrain.importFile(
                    new Elasticsearch(FakeNodes.url(node), null, null), "m", file, 123L, null, true, log::add);

            assertEquals(8, answer.path("version").path("version").asInt(), answer.toString());
            assertEquals(2, log.size(), log.toString());
            assertTrue(log.get(0).startsWith("imported into [m]"), log.get(0));
            assertTrue(log.get(1).startsWith("the temporary file " + file + " was not deleted ("), log.get(1));
            assertTrue(log.get(1).endsWith("): delete it by hand"), log.get(1));
        } finally {
            node.stop(0);
        }
    }

    /** The file is deleted once imported. */
    @Test
    void theTemporaryFileIsDeletedOnceImported() throws IOException {
        Path file = Files.writeString(dir.resolve("model.ndjson"), "{\"type\": \"popular\", \"items\": []}\n");
        HttpServer node = importingNode(() -> {});
        try {
            SparkTrain.importFile(
                    new Elasticsearch(FakeNodes.url(node), null, null), "m", file, 1L, null, true, l -> {});
            assertFalse(Files.exists(file));
        } finally {
            node.stop(0);
        }
    }

    /** A node whose {@code _import} runs {@code meanwhile}, then answers version 8. */
    private static HttpServer importingNode(IoAction meanwhile) throws IOException {
        HttpServer node = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        node.createContext("/_recommend/models/m/_import", exchange -> {
            exchange.getRequestBody().readAllBytes();
            meanwhile.run();
            FakeNodes.answer(exchange, 200, "{\"acknowledged\": true, \"version\": {\"version\": 8}}");
        });
        node.start();
        return node;
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private static String importId(String query) {
        for (String parameter : query.split("&")) {
            if (parameter.startsWith("import_id=")) {
                return parameter.substring("import_id=".length());
            }
        }
        return "";
    }
}
