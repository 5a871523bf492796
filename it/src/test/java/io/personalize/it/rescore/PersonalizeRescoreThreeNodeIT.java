package io.personalize.it.rescore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import io.personalize.it.RealCluster;
import io.personalize.it.Shop;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The rescorer on a real 3-node cluster: products in 3 shards with a replica each, the model trained by the cluster.
 * Every node, as coordinating node, loads the same profile and every shard copy re-ranks alike, so the personalized
 * order is the same through every node's HTTP port and from primaries or replicas; the model's system indices are
 * copied to every node.
 */
class PersonalizeRescoreThreeNodeIT {

    static final String PRODUCTS = "pr3-products";
    static final String EVENTS = "pr3-events";
    static final String MODEL = "pr3-shop";
    static final long AUGUST = 1312156800000L; // 2011-08-01

    private static RealCluster.Nodes cluster;

    @BeforeAll
    static void shop() {
        cluster = RealCluster.three();
        EsClient es = cluster.any();
        OnlineRetail data = OnlineRetail.load();
        Shop.putVectorPipeline(es);
        Shop.createProductsIndex(es, PRODUCTS, Shop.VECTOR_PIPELINE, 3, 1);
        Shop.loadProducts(es, PRODUCTS, data.products());
        Shop.createEventsIndex(es, EVENTS, 2, 1);
        // three months of purchases are plenty to personalize with, and quick to load
        Shop.loadEvents(
                es,
                EVENTS,
                data.purchases().stream()
                        .filter(p -> p.time() >= AUGUST && p.time() < OnlineRetail.SPLIT)
                        .toList());
        es.delete("/_recommend/models/" + MODEL);
        es.put("/_recommend/models/" + MODEL, Shop.modelConfig(PRODUCTS, EVENTS))
                .ok();
        es.post("/_recommend/models/" + MODEL + "/_train", null).ok();
        es.get("/_cluster/health?wait_for_status=green&timeout=60s").ok();
    }

    /**
     * The first page as groups of equal scores, in order, each group's ids sorted: hits of equal score may come in
     * another order from another shard copy (their doc ids differ), which is no difference. The last group is left
     * out, as the page may cut it anywhere.
     */
    static List<String> search(EsClient node, String query, String user, String preference) {
        ObjectNode body = EsClient.object().put("size", 20).put("_source", false);
        body.putObject("query").putObject("match").put("title", query);
        if (user != null) {
            body.putObject("rescore")
                    .putObject("personalize")
                    .put("model", MODEL)
                    .put("user_id", user);
        }
        JsonNode hits = node.post(
                        "/" + PRODUCTS + "/_search" + (preference == null ? "" : "?preference=" + preference), body)
                .ok()
                .path("hits")
                .path("hits");
        List<String> groups = new ArrayList<>();
        List<String> group = new ArrayList<>();
        double score = Double.NaN;
        for (JsonNode hit : hits) {
            if (hit.path("_score").asDouble() != score && group.isEmpty() == false) {
                groups.add(String.format(
                        Locale.ROOT, "%.5f %s", score, group.stream().sorted().toList()));
                group.clear();
            }
            score = hit.path("_score").asDouble();
            group.add(hit.path("_id").asText());
        }
        return groups;
    }

    @Test
    void everyNodeAndEveryShardCopyGivesTheSamePersonalizedOrder() {
        JsonNode shards =
                cluster.any().get("/_cat/shards/" + PRODUCTS + "?format=json").ok();
        Set<String> nodesWithProducts = new HashSet<>();
        shards.forEach(shard -> nodesWithProducts.add(shard.path("node").asText()));
        assertEquals(6, shards.size(), "3 primaries and 3 replicas: " + shards);
        assertEquals(3, nodesWithProducts.size(), "spread over the three nodes: " + shards);

        for (String query : List.of("bag", "holder", "christmas")) {
            for (String shopper : List.of("14911", "17841")) {
                List<String> plain = search(cluster.any(), query, null, null);
                List<String> expected = search(cluster.any(), query, shopper, null);
                assertNotEquals(plain, expected, "personalized for " + shopper + ": " + query);
                assertTrue(expected.size() >= 10, "personalized scores are mostly distinct: " + expected);
                for (EsClient node : cluster.nodes()) {
                    // _local: each coordinating node searches its own shard copies, primaries on one, replicas on
                    // another
                    assertEquals(
                            expected,
                            search(node, query, shopper, "_local"),
                            query + " for " + shopper + " through " + node.baseUrl());
                    assertEquals(
                            expected,
                            search(node, query, shopper, null),
                            query + " for " + shopper + " through " + node.baseUrl());
                }
            }
        }
    }

    /** A page of 20 hits of the personalize query. */
    static JsonNode searchQueryForm(EsClient node, String query, String user, String preference, int from) {
        ObjectNode body = EsClient.object().put("size", 20).put("from", from).put("_source", false);
        body.putObject("query")
                .putObject("personalize")
                .put("model", MODEL)
                .put("user_id", user)
                .putObject("query")
                .putObject("match")
                .put("title", query);
        return node.post("/" + PRODUCTS + "/_search" + (preference == null ? "" : "?preference=" + preference), body)
                .ok()
                .path("hits")
                .path("hits");
    }

    static List<String> scores(JsonNode hits, int from, int to) {
        List<String> scores = new ArrayList<>();
        for (int i = from; i < to; i++) {
            scores.add(String.format(
                    Locale.ROOT, "%.4f", hits.get(i).path("_score").asDouble()));
        }
        return scores;
    }

    static List<String> groups(JsonNode hits) {
        List<String> groups = new ArrayList<>();
        List<String> group = new ArrayList<>();
        double score = Double.NaN;
        for (JsonNode hit : hits) {
            if (hit.path("_score").asDouble() != score && group.isEmpty() == false) {
                groups.add(String.format(
                        Locale.ROOT, "%.4f %s", score, group.stream().sorted().toList()));
                group.clear();
            }
            score = hit.path("_score").asDouble();
            group.add(hit.path("_id").asText());
        }
        return groups;
    }

    @Test
    void theQueryFormGivesTheRescorersOrderOnEveryNodeAndShardCopyDeepPagesToo() {
        for (String query : List.of("bag", "holder")) {
            for (String shopper : List.of("14911", "17841")) {
                // the rescorer with log normalisation and windows over every match of each shard: the same formula
                ObjectNode body = EsClient.object().put("size", 40).put("_source", false);
                body.putObject("query").putObject("match").put("title", query);
                body.putObject("rescore")
                        .put("window_size", 10_000)
                        .putObject("personalize")
                        .put("model", MODEL)
                        .put("user_id", shopper);
                JsonNode rescored = cluster.any()
                        .post("/" + PRODUCTS + "/_search", body)
                        .ok()
                        .path("hits")
                        .path("hits");
                List<String> firstPage = groups(searchQueryForm(cluster.any(), query, shopper, null, 0));
                assertEquals(groups(rescored).subList(0, 10), firstPage.subList(0, 10), query + " for " + shopper);
                for (EsClient node : cluster.nodes()) {
                    assertEquals(
                            firstPage,
                            groups(searchQueryForm(node, query, shopper, "_local", 0)),
                            query + " for " + shopper + " through " + node.baseUrl());
                    // the second page, through every node: the rescorer's hits 20..40, score by score
                    JsonNode second = searchQueryForm(node, query, shopper, null, 20);
                    assertEquals(20, second.size());
                    assertEquals(scores(rescored, 20, 40), scores(second, 0, 20), "page 2 through " + node.baseUrl());
                }
            }
        }
    }

    @Test
    void theModelsSystemIndicesAreOnEveryNode() {
        JsonNode settings = cluster.any()
                .get("/.personalize-*/_settings?expand_wildcards=all&flat_settings=true")
                .ok();
        List<String> indices = new ArrayList<>();
        settings.fieldNames().forEachRemaining(indices::add);
        assertTrue(indices.contains(".personalize-models"), indices.toString());
        assertTrue(
                indices.stream().anyMatch(i -> i.startsWith(".personalize-data-" + MODEL + ".")), indices.toString());
        for (String index : indices) {
            JsonNode flat = settings.path(index).path("settings");
            assertEquals("0-all", flat.path("index.auto_expand_replicas").asText(), index + ": " + flat);
            assertEquals("true", flat.path("index.hidden").asText(), index);
        }
        JsonNode health = cluster.any()
                .get(
                        "/_cluster/health/.personalize-*?level=indices&expand_wildcards=all&wait_for_status=green&timeout=60s")
                .ok();
        for (String index : indices) {
            JsonNode h = health.path("indices").path(index);
            assertEquals("green", h.path("status").asText(), index + ": " + h);
            assertEquals(2, h.path("number_of_replicas").asInt(), index + " has a copy on each of the 3 nodes: " + h);
        }
    }
}
