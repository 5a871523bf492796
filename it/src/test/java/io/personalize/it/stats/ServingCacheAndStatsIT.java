package io.personalize.it.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import io.personalize.it.RealCluster;
import io.personalize.it.recommend.RecommendWorld;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The node's serving cache and {@code GET _recommend/_stats} on a real node: requests counted per endpoint with their
 * latencies, cache hits on repeated requests, the cache's size as a dynamic cluster setting, a forgotten user gone from
 * the cache at once, and a new version served by the very next request although the node guesses the active version.
 */
class ServingCacheAndStatsIT {

    private static EsClient es;
    private static RecommendWorld world;

    @BeforeAll
    static void shop() {
        es = RealCluster.single().any();
        world = RecommendWorld.load(es, "ops", user -> Integer.parseInt(user) % 5 == 0, 1, 0);
    }

    /** The only node's stats. */
    private static JsonNode node() {
        JsonNode nodes = es.get("/_recommend/_stats").ok().path("nodes");
        assertEquals(1, nodes.size(), nodes.toString());
        return nodes.elements().next();
    }

    @Test
    void requestsAreCountedPerEndpointAndRepeatedRequestsHitTheCache() {
        String shopper = world.customerWithAtLeast(20);
        JsonNode before = node();
        world.recommend("\"user_id\": \"" + shopper + "\", \"size\": 10");
        world.recommend("\"user_id\": \"" + shopper + "\", \"size\": 10");
        es.post("/" + world.products + "/_search", String.format(Locale.ROOT, """
            {"query": {"match": {"title": "bag"}}, "rescore": {"window_size": 50, "personalize": {"model": "%s", "user_id": "%s"}}}""", world.model, shopper))
                .ok();
        EsClient.Response tooBig = world.recommendRaw("\"user_id\": \"" + shopper + "\", \"size\": 1000");
        assertEquals(400, tooBig.status(), tooBig.body());
        JsonNode after = node();

        JsonNode recommend = after.path("serving").path("requests").path("recommend");
        long counted = recommend.path("count").asLong()
                - before.path("serving")
                        .path("requests")
                        .path("recommend")
                        .path("count")
                        .asLong();
        assertEquals(3, counted, "three more _recommend requests: " + after);
        long failed = recommend.path("failures").asLong()
                - before.path("serving")
                        .path("requests")
                        .path("recommend")
                        .path("failures")
                        .asLong();
        assertEquals(1, failed, "the size over the limit is a failure: " + recommend);
        assertTrue(recommend.path("latency_ms").path("p50").asDouble() > 0, recommend.toString());
        assertTrue(
                after.path("serving")
                                .path("requests")
                                .path("rescore")
                                .path("count")
                                .asLong()
                        >= 1,
                after.toString());
        assertTrue(
                after.path("serving").path("trainings").path("succeeded").asLong() >= 1,
                "the world was trained: " + after);

        JsonNode cache = after.path("cache");
        assertTrue(cache.path("entries").asLong() > 0, cache.toString());
        assertTrue(
                cache.path("size_in_bytes").asLong() > 0
                        && cache.path("size_in_bytes").asLong()
                                <= cache.path("limit_in_bytes").asLong(),
                cache.toString());
        assertTrue(
                cache.path("hits").asLong() > before.path("cache").path("hits").asLong(),
                "the second request is served from the cache: " + cache);
    }

    @Test
    void theCacheSizeIsADynamicClusterSetting() {
        try {
            es.put("/_cluster/settings", "{\"persistent\": {\"personalize.cache.size\": \"1mb\"}}")
                    .ok();
            JsonNode cache = node().path("cache");
            assertEquals(1 << 20, cache.path("limit_in_bytes").asLong(), cache.toString());
            world.recommend("\"user_id\": \"" + world.customerWithAtLeast(10) + "\", \"size\": 5");
            assertTrue(node().path("cache").path("size_in_bytes").asLong() <= 1 << 20);

            EsClient.Response bad =
                    es.put("/_cluster/settings", "{\"persistent\": {\"personalize.cache.size\": \"lots\"}}");
            assertEquals(400, bad.status(), bad.body());
            assertTrue(bad.reason().contains("personalize.cache.size"), bad.reason());
            EsClient.Response badExpiry = es.put(
                    "/_cluster/settings", "{\"persistent\": {\"personalize.cache.expire_after_access\": \"0s\"}}");
            assertEquals(400, badExpiry.status(), badExpiry.body());
        } finally {
            es.put("/_cluster/settings", "{\"persistent\": {\"personalize.cache.size\": null}}")
                    .ok();
        }
    }

    @Test
    void aForgottenUserIsGoneFromTheCacheAtOnce() {
        String shopper = world.customerWithAtLeast(30);
        String request = "\"user_id\": \"" + shopper + "\", \"size\": 10, \"explain\": true";
        List<String> known = RecommendWorld.mainReasons(world.recommend(request));
        assertNotEquals(
                List.of("popular"), known.stream().distinct().toList(), "a known shopper's own shelf: " + known);
        world.recommend(request); // their profile is now in the cache

        es.delete("/_recommend/models/" + world.model + "/users/" + shopper).ok();

        List<String> forgotten = RecommendWorld.mainReasons(world.recommend(request));
        assertEquals(
                List.of("popular"),
                forgotten.stream().distinct().toList(),
                "nothing of the forgotten shopper is left: " + forgotten);
    }

    @Test
    void aNewVersionIsServedByTheVeryNextRequest() {
        String request = "\"item_ids\": [\"85123A\"], \"size\": 5";
        long version = world.recommend(request).path("model_version").asLong();
        world.recommend(request); // the node now guesses this version
        es.post("/_recommend/models/" + world.model + "/_train", null).ok();
        assertEquals(version + 1, world.recommend(request).path("model_version").asLong());
    }
}
