package io.personalize.it.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import io.personalize.it.RealCluster;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The version a model serves comes from the cluster state, on every node: the request after an activation is served
 * from the new version by every node, no request reads the model's document, and a deleted model is gone everywhere
 * at once. Run on one node and on three.
 */
abstract class ActiveVersionCases {

    private final RealCluster.Nodes cluster;
    private final TinyShop shop;

    ActiveVersionCases(RealCluster.Nodes cluster, String model) {
        this.cluster = cluster;
        int nodes = cluster.nodes().size();
        this.shop = new TinyShop(cluster.any(), model, nodes, nodes > 1 ? 1 : 0);
    }

    @AfterEach
    void cleanUp() {
        shop.cleanUp();
    }

    private JsonNode similarToA(EsClient node) {
        return node.post("/_recommend", "{\"model\": \"" + shop.model + "\", \"item_ids\": [\"a\"], \"size\": 2}")
                .ok();
    }

    @Test
    void theNextRequestOnEveryNodeIsServedFromTheNewVersion() {
        long first = shop.importVersion("a", "b", "c");
        for (EsClient node : cluster.nodes()) {
            JsonNode shelf = similarToA(node);
            assertEquals(first, shelf.path("model_version").asLong(), node.baseUrl() + " " + shelf);
            assertEquals(List.of("b", "c"), TinyShop.items(shelf), node.baseUrl() + " " + shelf);
        }
        for (int round = 0; round < 3; round++) {
            long next = shop.importVersion("a", round % 2 == 0 ? "d" : "b", "e");
            assertEquals(first + round + 1, next);
            // no wait of any kind: the import answered once every node applied the cluster state naming it
            for (EsClient node : cluster.nodes()) {
                JsonNode shelf = similarToA(node);
                assertEquals(next, shelf.path("model_version").asLong(), node.baseUrl() + " " + shelf);
                assertEquals(
                        List.of(round % 2 == 0 ? "d" : "b", "e"), TinyShop.items(shelf), node.baseUrl() + " " + shelf);
            }
        }
        JsonNode state = cluster.any().get("/_cluster/state/metadata").ok();
        JsonNode published = state.findValue("personalize_active_versions");
        assertNotNull(published, "the cluster state holds the active versions: " + state);
        assertEquals(
                first + 3,
                published
                        .path("models")
                        .path(shop.model)
                        .path("active")
                        .path("version")
                        .asLong(),
                published.toString());
    }

    @Test
    void servingReadsNoModelDocumentPerRequest() {
        shop.importVersion("a", "b", "c");
        // each node may read the document once, to learn the configuration it has not seen yet
        for (EsClient node : cluster.nodes()) {
            similarToA(node);
        }
        long before = shop.modelDocumentReads();
        for (int i = 0; i < 20; i++) {
            for (EsClient node : cluster.nodes()) {
                assertEquals(List.of("b", "c"), TinyShop.items(similarToA(node)));
            }
            System.out.println("ActiveVersionCases: model document reads after round " + i + ": "
                    + shop.modelDocumentReads() + " (before: " + before + ")");
        }
        assertEquals(before, shop.modelDocumentReads(), "no GET of the model's document while serving");
    }

    @Test
    void aNewConfigurationAndADeletionReachEveryNodeAtOnce() {
        long version = shop.importVersion("a", "b", "c");
        for (EsClient node : cluster.nodes()) {
            similarToA(node);
        }
        // a new configuration (another catalogue with the same products, but b hidden there): the next request on
        // every node uses it, with the same version
        String other = shop.products + "-2";
        cluster.any()
                .put("/" + other, "{\"mappings\": {\"properties\": {\"sku\": {\"type\": \"keyword\"}}}}")
                .ok();
        for (String sku : List.of("a", "c", "d", "e", "f")) {
            cluster.any()
                    .put("/" + other + "/_doc/" + sku + "?refresh=true", "{\"sku\": \"" + sku + "\"}")
                    .ok();
        }
        try {
            cluster.any()
                    .put(
                            "/_recommend/models/" + shop.model,
                            shop.config("index").replace(shop.products + "\"", other + "\""))
                    .ok();
            for (EsClient node : cluster.nodes()) {
                JsonNode shelf = node.post(
                                "/_recommend",
                                "{\"model\": \"" + shop.model + "\", \"item_ids\": [\"a\"], \"size\": 1}")
                        .ok();
                assertEquals(version, shelf.path("model_version").asLong(), shelf.toString());
                assertEquals(List.of("c"), TinyShop.items(shelf), node.baseUrl() + ": from the new catalogue " + shelf);
            }
            assertEquals(
                    200,
                    cluster.any().delete("/_recommend/models/" + shop.model).status());
            for (EsClient node : cluster.nodes()) {
                EsClient.Response gone = node.post(
                        "/_recommend", "{\"model\": \"" + shop.model + "\", \"item_ids\": [\"a\"], \"size\": 1}");
                assertEquals(404, gone.status(), node.baseUrl() + " " + gone.body());
                assertTrue(gone.body().contains("not found"), gone.body());
            }
        } finally {
            cluster.any().delete("/" + other);
        }
    }
}
