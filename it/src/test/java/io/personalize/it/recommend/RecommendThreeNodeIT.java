package io.personalize.it.recommend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import io.personalize.it.LoadLoop;
import io.personalize.it.RealCluster;
import io.personalize.it.ShelfAnswers;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * _recommend on a real 3-node cluster: products and events with 3 shards and a replica each (a fifth of the customers'
 * purchases), the model trained there; every node answers every kind of shelf, and all answer the same, also while a
 * node holding catalogue copies is paused during the shelves' shard reads of the catalogue.
 */
class RecommendThreeNodeIT {

    private static RealCluster.Nodes cluster;
    private static RecommendWorld world;

    @BeforeAll
    static void shop() {
        cluster = RealCluster.three();
        world = RecommendWorld.load(cluster.any(), "rec3", user -> Integer.parseInt(user) % 5 == 0, 3, 1);
        cluster.any()
                .put("/" + world.products + "/_doc/H6-NEW-3?refresh=true", """
            {"sku": "H6-NEW-3", "title": "RED RETROSPOT JUMBO SHOPPER BAG", "price": 2.1, "category": "bag"}""")
                .ok();
    }

    @Test
    void everyNodeServesTheSameShelves() {
        String shopper = world.customerWithAtLeast(30);
        String[] requests = {
            "\"user_id\": \"" + shopper + "\", \"size\": 10, \"explain\": true",
            "\"item_ids\": [\"22423\"], \"size\": 10",
            "\"user_id\": \"" + shopper
                    + "\", \"item_ids\": [\"85123A\"], \"size\": 10, \"filter\": {\"range\": {\"price\": {\"lte\": 3}}}",
            "\"item_ids\": [\"H6-NEW-3\"], \"size\": 10, \"explain\": true, \"similar_content_weight\": 1",
            "\"user_id\": \"nobody-at-all\", \"size\": 5",
            "\"user_id\": \"" + shopper + "\", \"size\": 10, \"diversity\": 0.5"
        };
        for (String request : requests) {
            List<String> first = null;
            for (EsClient node : cluster.nodes()) {
                JsonNode response = node.post("/_recommend", "{\"model\": \"" + world.model + "\", " + request + "}")
                        .ok();
                assertEquals(1, response.path("model_version").asLong());
                List<String> shelf = ShelfAnswers.items(response);
                assertEquals(
                        request.contains("\"size\": 5") ? 5 : 10,
                        shelf.size(),
                        node.baseUrl() + " " + request + ": " + response);
                if (first == null) {
                    first = shelf;
                } else {
                    assertEquals(first, shelf, node.baseUrl() + " answers as the first node: " + request);
                }
                if (request.contains("H6-NEW-3")) {
                    RecommendWorld.mainReasons(response)
                            .forEach(type -> assertEquals("content_similar", type, response.toString()));
                }
            }
        }
    }

    @Test
    void theGetFormAndErrorsFromEveryNode() {
        List<String> shelves = new ArrayList<>();
        for (EsClient node : cluster.nodes()) {
            shelves.add(
                    ShelfAnswers.items(node.get("/_recommend?model=" + world.model + "&item_ids=22423,85123A&size=6")
                                    .ok())
                            .toString());
            EsClient.Response missing = node.get("/_recommend?model=no-such-model&user_id=1");
            assertEquals(404, missing.status(), missing.body());
            EsClient.Response bad = node.get("/_recommend?model=" + world.model + "&size=5");
            assertEquals(400, bad.status(), bad.body());
            assertTrue(bad.body().contains("give a [user_id], [item_ids], or both"), bad.body());
        }
        assertEquals(1, shelves.stream().distinct().count(), shelves.toString());
    }

    /**
     * Shelves without a filter (each catalogue shard read by {@code catalog_items}, its next copy tried on failure)
     * asked in a loop from a client on every node while a node that is not the master, holding two of the catalogue's
     * six copies, is paused for 4 s (SIGSTOP, then SIGCONT; well within the master's fault detection, so it stays in
     * the cluster): every answer is the undisturbed shelf (same items, same order) or an error with its status and
     * reason (counted and printed), never a shelf with other or fewer items, never an exception of the plugin's own
     * code; afterwards every node serves the undisturbed shelves. The same node killed with {@code kill -9} is
     * {@code FaultsIT}'s (its one kill of this cluster, shared).
     */
    @Test
    void aNodeHoldingCatalogueCopiesPausedDuringShelvesNeverGivesAnotherShelf() throws Exception {
        String shopper = world.customerWithAtLeast(30);
        List<String> requests = List.of(
                "{\"model\": \"" + world.model + "\", \"user_id\": \"" + shopper + "\", \"size\": 10}",
                "{\"model\": \"" + world.model + "\", \"item_ids\": [\"22423\"], \"size\": 10}");
        List<List<String>> undisturbed = new ArrayList<>();
        for (String request : requests) {
            undisturbed.add(ShelfAnswers.items(
                    cluster.any().post("/_recommend", request).ok()));
            assertEquals(10, undisturbed.getLast().size(), request);
        }
        int victim = cluster.master() == 2 ? 1 : 2;
        Map<String, Integer> outcomes = new ConcurrentHashMap<>();
        Queue<String> faults = new ConcurrentLinkedQueue<>();
        List<LoadLoop.Outcome> unanswered;
        long started = System.nanoTime();
        // thread n asks node n
        try (LoadLoop load = new LoadLoop(cluster.nodes().size(), i -> {
            int n = i / 1_000_000;
            String request = requests.get(i % requests.size());
            EsClient node = cluster.nodes().get(n);
            EsClient.Response answer = node.post("/_recommend", request);
            String outcome = ShelfAnswers.classify(
                    answer, undisturbed.get(i % requests.size()), node.baseUrl() + " " + request, faults);
            outcomes.merge("node-" + n + " " + outcome, 1, Integer::sum);
            return answer;
        })) {
            Thread.sleep(1_500);
            RealCluster.pauseNode(cluster, victim);
            Thread.sleep(4_000);
            RealCluster.resumeNode(cluster, victim);
            Thread.sleep(1_500);
            load.close();
            unanswered = load.failures().stream().filter(f -> f.status() == 0).toList();
        }
        System.out.printf(
                Locale.ROOT,
                "RecommendThreeNodeIT: node-%d paused 4 s; %.1f s of shelves; answers: %s%n",
                victim,
                (System.nanoTime() - started) / 1e9,
                new TreeMap<>(outcomes));
        assertEquals(List.of(), List.copyOf(faults), "answers other than the shelf or a clear error");
        assertEquals(List.of(), unanswered, "requests that got no answer");
        assertTrue(
                outcomes.keySet().stream()
                        .anyMatch(o -> o.endsWith(" shelf") && o.startsWith("node-" + victim + " ") == false),
                "no shelf was answered by the other nodes: the test would prove nothing " + outcomes);
        for (EsClient node : cluster.nodes()) {
            for (int r = 0; r < requests.size(); r++) {
                assertEquals(
                        undisturbed.get(r),
                        ShelfAnswers.items(
                                node.post("/_recommend", requests.get(r)).ok()),
                        node.baseUrl() + " afterwards: " + requests.get(r));
            }
        }
    }
}
