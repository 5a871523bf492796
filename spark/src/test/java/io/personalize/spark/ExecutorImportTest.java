package io.personalize.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.personalize.serving.AttributeAffinities;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The executors send their own parts: against a node's session API (served here by {@link FakeNodes}, which keeps
 * what it is sent, part by part, as the node does: a part sent again replaces it), every line arrives exactly once,
 * in parts numbered 1 to N with no gap whichever task sent them, each at most the bound; a task whose first attempt
 * fails (the node refuses one of its parts once) is run again by Spark and sends its parts again, replacing them.
 */
class ExecutorImportTest {

    static SparkSession spark;
    static FakeNodes nodes;
    static HttpServer node;

    @BeforeAll
    static void start() throws IOException {
        spark = LocalSpark.session("local[2,2]");
        nodes = new FakeNodes();
        node = nodes.node("node");
    }

    @AfterAll
    static void stop() {
        nodes.close();
        spark.stop();
    }

    @Test
    void everyPartitionSendsItsOwnNumberedPartsAndAFailedTaskSendsThemAgain() {
        SparkTrainer.Result result = LocalSpark.cosineModel(spark);
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
        nodes.refuseOnce = driverParts + 2;
        List<String> log = new ArrayList<>();
        JsonNode answer = ExecutorImport.run(
                new Elasticsearch(FakeNodes.url(node), null, null),
                result,
                AttributeAffinities.none(),
                partBytes,
                log::add);

        assertEquals(1, nodes.completions.size(), nodes.completions.toString());
        TreeMap<Integer, String> sorted = new TreeMap<>(nodes.parts);
        int n = sorted.lastKey();
        assertEquals("parts=" + n + "&newest_event=" + result.newestMillis(), nodes.completions.get(0));
        assertEquals(n, sorted.size(), "parts 1 to " + n + " without a gap: " + sorted.keySet());
        assertEquals(1, sorted.firstKey());
        assertEquals(-1, nodes.refuseOnce, "the refused part was sent");
        assertTrue(nodes.received.values().stream().anyMatch(c -> c.get() > 1), "a part sent again: " + nodes.received);
        assertEquals(0, nodes.aborts.get());
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
