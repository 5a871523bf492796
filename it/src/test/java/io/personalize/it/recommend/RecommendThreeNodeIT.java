package io.personalize.it.recommend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import io.personalize.it.RealCluster;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * _recommend on a real 3-node cluster: products and events with 3 shards and a replica each (a fifth of the customers'
 * purchases), the model trained there; every node answers every kind of shelf, and all answer the same.
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
                List<String> shelf = RecommendWorld.items(response);
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
                    RecommendWorld.items(node.get("/_recommend?model=" + world.model + "&item_ids=22423,85123A&size=6")
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
}
