package io.personalize.it.security;

import com.fasterxml.jackson.databind.JsonNode;

import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import io.personalize.it.RealCluster;
import io.personalize.it.Shop;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real node with security on and users of different roles (it/src/test/resources/security/roles.yml): each gets
 * exactly what its role allows, nobody reads the model's system indices directly, and {@code _recommend} shows
 * {@code _source} only as the caller may read it.
 */
class SecurityIT {

    private static final String PASSWORD = "personalize-test";
    private static EsClient admin;
    private static EsClient manager;
    private static EsClient shopper;
    private static EsClient noPrice;
    private static EsClient eventsReader;
    private static EsClient nobody;
    private static EsClient anonymous;

    @BeforeAll
    static void secureCluster() throws URISyntaxException {
        Path roles = Path.of(Objects.requireNonNull(SecurityIT.class.getResource("/security/roles.yml")).toURI());
        String prefix = System.getenv().getOrDefault("PERSONALIZE_IT_NAME", "it");
        int port = Integer.parseInt(System.getenv().getOrDefault("PERSONALIZE_IT_PORT", "19250")) + 40;
        admin = RealCluster.start(prefix + "-secure", 1, port,
            "--security", "--roles", roles.toString(),
            "--user", "manager:" + PASSWORD + ":personalize_manager",
            "--user", "shopper:" + PASSWORD + ":shop_search",
            "--user", "noprice:" + PASSWORD + ":shop_search_no_price",
            "--user", "eventsreader:" + PASSWORD + ":events_reader",
            "--user", "nobody:" + PASSWORD + ":no_rights").any();
        manager = admin.as("manager", PASSWORD);
        shopper = admin.as("shopper", PASSWORD);
        noPrice = admin.as("noprice", PASSWORD);
        eventsReader = admin.as("eventsreader", PASSWORD);
        nobody = admin.as("nobody", PASSWORD);
        anonymous = admin.as(null, null);

        // the shop's data, written by the admin: a part of the Online Retail log is enough here
        OnlineRetail data = OnlineRetail.load();
        Shop.putVectorPipeline(admin);
        Shop.createProductsIndex(admin, "sec-products", Shop.VECTOR_PIPELINE, 1, 0);
        Shop.loadProducts(admin, "sec-products", data.products());
        Shop.createEventsIndex(admin, "sec-events", 1, 0);
        Shop.loadEvents(admin, "sec-events", data.purchases().subList(0, 60_000));

        // the manager creates and trains the model
        assertEquals(201, manager.put("/_recommend/models/shop", Shop.modelConfig("sec-products", "sec-events")).status());
        assertEquals(200, manager.post("/_recommend/models/shop/_train", null).status());
    }

    private static String searchWithRescore(String user) {
        return """
            {"size": 5, "query": {"match": {"title": "heart holder"}}, "_source": false,
             "rescore": {"window_size": 50, "personalize": {"model": "shop", "user_id": "%s"}}}""".formatted(user);
    }

    @Test
    void theManagerManagesModelsButCannotTouchSystemIndicesDirectly() {
        assertEquals(200, manager.get("/_recommend/models/shop").status());
        assertEquals(200, manager.get("/_recommend/models").status());
        assertEquals(200, manager.post("/_recommend/models/shop/_evaluate", "{\"split\": \"2011-02-01\", \"k\": 10}").status());
        JsonNode started = manager.post("/_recommend/models/shop/_train?wait_for_completion=false", null).ok();
        String task = started.path("task").asText();
        JsonNode status = waitForTask(manager, task);
        assertTrue(status.path("completed").asBoolean(), status.toString());
        assertTrue(status.path("response").path("version").path("version").asLong() >= 2, status.toString());
        assertEquals(403, manager.get("/.personalize-models/_search").status());
        assertEquals(403, manager.get("/.personalize-data-shop.v1/_search").status());
    }

    @Test
    void theShopperSearchesAndRecommendsButManagesNothing() {
        EsClient.Response plain = shopper.post("/sec-products/_search", "{\"size\": 5, \"query\": {\"match\": {\"title\": \"heart holder\"}}, \"_source\": false}");
        EsClient.Response personalized = shopper.post("/sec-products/_search", searchWithRescore("17850"));
        assertEquals(200, personalized.status(), personalized.body());
        assertNotEquals(ids(plain.ok()), ids(personalized.ok()), "the rescorer reads the model for a shopper who cannot read it");
        EsClient.Response shelf = shopper.post("/_recommend", "{\"model\": \"shop\", \"user_id\": \"17850\", \"size\": 5, \"_source\": [\"title\", \"price\"]}");
        assertEquals(200, shelf.status(), shelf.body());
        assertEquals(5, shelf.json().path("recommendations").size());
        assertTrue(shelf.json().path("recommendations").get(0).path("_source").has("price"));

        assertForbidden(shopper.put("/_recommend/models/other", Shop.modelConfig("sec-products", "sec-events")));
        assertForbidden(shopper.post("/_recommend/models/shop/_train", null));
        assertForbidden(shopper.get("/_recommend/models/shop"));
        assertForbidden(shopper.delete("/_recommend/models/shop"));
        assertForbidden(shopper.delete("/_recommend/models/shop/users/17850"));
        assertForbidden(shopper.post("/_recommend/models/shop/_import", "{\"popular\": [\"a\"], \"scores\": [1]}\n"));
        assertForbidden(shopper.get("/.personalize-models/_search"));
        assertForbidden(shopper.get("/.personalize-data-shop.v1/_doc/u:17850"));
        assertForbidden(shopper.get("/sec-events/_search"));
    }

    @Test
    void forgettingAUserClearsTheCachesWithSecurityOn() {
        // the plugin clears every node's cache with its internal origin: security must let it, or a forgotten
        // shopper's profile would keep serving from the cache
        String shelf = "{\"model\": \"shop\", \"user_id\": \"13047\", \"size\": 5}";
        assertNotEquals(Set.of("popular"), mainReasons(shopper.post("/_recommend", shelf).ok()), "a known shopper's own shelf");
        assertEquals(200, manager.delete("/_recommend/models/shop/users/13047").status());
        assertEquals(Set.of("popular"), mainReasons(shopper.post("/_recommend", shelf).ok()), "nothing of the forgotten shopper is left");

        JsonNode stats = manager.get("/_recommend/_stats").ok();
        assertTrue(stats.path("nodes").elements().next().path("cache").path("entries").asLong() > 0, stats.toString());
        assertForbidden(shopper.get("/_recommend/_stats"));
    }

    private static Set<String> mainReasons(JsonNode shelf) {
        Set<String> reasons = new HashSet<>();
        shelf.path("recommendations").forEach(r -> reasons.add(r.path("reasons").get(0).path("type").asText()));
        return reasons;
    }

    @Test
    void recommendationsShowOnlyTheFieldsTheCallerMayRead() {
        JsonNode shelf = noPrice.post("/_recommend", "{\"model\": \"shop\", \"user_id\": \"17850\", \"size\": 5, \"_source\": [\"title\", \"price\"]}").ok();
        assertEquals(5, shelf.path("recommendations").size());
        for (JsonNode r : shelf.path("recommendations")) {
            assertTrue(r.path("_source").has("title"), r.toString());
            assertFalse(r.path("_source").has("price"), "field-level security applies to _recommend: " + r);
        }
    }

    @Test
    void withoutTheCatalogueThereAreNoRecommendations() {
        EsClient.Response shelf = eventsReader.post("/_recommend", "{\"model\": \"shop\", \"user_id\": \"17850\"}");
        assertForbidden(shelf);
        assertTrue(shelf.body().contains("indices:data/read/personalize/recommend"), shelf.body());
    }

    @Test
    void nobodyGetsAnything() {
        assertForbidden(nobody.post("/_recommend", "{\"model\": \"shop\", \"user_id\": \"17850\"}"));
        assertForbidden(nobody.post("/sec-products/_search", searchWithRescore("17850")));
        assertForbidden(nobody.get("/_recommend/models"));
        assertForbidden(nobody.put("/_recommend/models/x", Shop.modelConfig("sec-products", "sec-events")));
        assertEquals(401, anonymous.post("/_recommend", "{\"model\": \"shop\", \"user_id\": \"17850\"}").status());
        assertEquals(401, anonymous.get("/_recommend/models").status());
    }

    private static void assertForbidden(EsClient.Response response) {
        assertEquals(403, response.status(), response.body());
        assertFalse(response.reason().isEmpty(), response.body());
    }

    private static List<String> ids(JsonNode search) {
        return search.path("hits").path("hits").findValuesAsText("_id");
    }

    static JsonNode waitForTask(EsClient client, String task) {
        for (int i = 0; i < 600; i++) {
            JsonNode status = client.get("/_tasks/" + task).json();
            if (status.path("completed").asBoolean()) {
                return status;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("task " + task + " did not complete");
    }
}
