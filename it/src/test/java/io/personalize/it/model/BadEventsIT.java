package io.personalize.it.model;

import static io.personalize.it.model.Models.path;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import io.personalize.it.RealCluster;
import io.personalize.it.Shop;
import io.personalize.it.recommend.RecommendWorld;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A few bad events among a shop's real ones (the first 20,000 Online Retail purchases, 2010-2011) must not take the
 * model down: an event dated 2030 must not decay every real event to nothing, and an empty id, a 600-character id, a
 * date in 1900 or in 2090 must not fail the training. Each is skipped, counted per reason with its document id in the
 * version's status, and the shelves stay personalized.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BadEventsIT {

    static final String PRODUCTS = "be-products";
    static final String EVENTS = "be-events";
    static final String MODEL = "be-shop";

    private static EsClient es;
    private static List<OnlineRetail.Purchase> purchases;
    private static List<String> shoppers;

    @BeforeAll
    static void loadShop() {
        es = RealCluster.single().any();
        OnlineRetail data = OnlineRetail.load();
        purchases = data.purchases().subList(0, 20_000);
        es.delete(path(MODEL));
        Shop.createProductsIndex(es, PRODUCTS, null, 1, 0);
        Shop.loadProducts(es, PRODUCTS, data.products());
        // two shards, so that the reader's two slices both have work
        Shop.createEventsIndex(es, EVENTS, 2, 0);
        Shop.loadEvents(es, EVENTS, purchases);
        Map<String, Long> bought = new HashMap<>();
        purchases.forEach(p -> bought.merge(p.user(), 1L, Long::sum));
        // shoppers with a real history: each must get a personalized shelf
        shoppers = bought.entrySet().stream()
                .filter(e -> e.getValue() >= 30)
                .map(Map.Entry::getKey)
                .sorted()
                .limit(10)
                .toList();
        assertEquals(10, shoppers.size(), "enough shoppers with a history in the sample");
        es.put(path(MODEL), Shop.modelConfig(PRODUCTS, EVENTS)).ok();
    }

    @AfterAll
    static void cleanUp() {
        es.delete(path(MODEL));
        es.delete("/" + PRODUCTS);
        es.delete("/" + EVENTS);
    }

    @Test
    @Order(1)
    void oneEventDatedInTheFutureDoesNotWipeOutTheModel() {
        OnlineRetail.Purchase real = purchases.get(0);
        addEvent("bad-2030", real.user(), real.sku(), "2030-06-01T00:00:00Z");

        JsonNode version = train();
        assertEquals(purchases.size(), version.path("events").asLong(), "every real event is used: " + version);
        assertEquals(
                purchases.stream().mapToLong(OnlineRetail.Purchase::time).max().orElseThrow(),
                version.path("newest_event").asLong(),
                "the newest used event is a real one, not the one of 2030: " + version);
        JsonNode skipped = version.path("skipped_events");
        assertEquals(1, skipped.path("count").asLong(), version.toString());
        assertEquals(List.of("bad-2030"), ids(skipped.path("reasons").path("in_the_future")), version.toString());
        assertShelvesArePersonalized();
    }

    @Test
    @Order(2)
    void emptyAndLongIdsAndDatesOutOfRangeAreSkippedAndCounted() {
        OnlineRetail.Purchase real = purchases.get(1);
        addEvent("bad-empty-user", "", real.sku(), "2011-06-01T00:00:00Z");
        addEvent("bad-long-item", real.user(), "x".repeat(600), "2011-06-01T00:00:00Z");
        addEvent("bad-1900", real.user(), real.sku(), "1900-01-01T00:00:00Z");
        addEvent("bad-2090", real.user(), real.sku(), "2090-01-01T00:00:00Z");

        JsonNode version = train();
        assertEquals(purchases.size(), version.path("events").asLong(), version.toString());
        JsonNode skipped = version.path("skipped_events");
        assertEquals(5, skipped.path("count").asLong(), version.toString());
        JsonNode reasons = skipped.path("reasons");
        assertEquals(4, reasons.size(), "one entry per reason: " + reasons);
        assertEquals(List.of("bad-empty-user"), ids(reasons.path("empty_id")), reasons.toString());
        assertEquals(List.of("bad-long-item"), ids(reasons.path("id_too_long")), reasons.toString());
        assertEquals(List.of("bad-1900"), ids(reasons.path("too_old")), reasons.toString());
        assertEquals(
                List.of("bad-2030", "bad-2090"),
                ids(reasons.path("in_the_future")).stream().sorted().toList(),
                reasons.toString());
        assertEquals(2, reasons.path("in_the_future").path("count").asLong(), reasons.toString());

        // the status keeps it with the active version
        JsonNode status = Models.status(es, MODEL);
        JsonNode active = status.path("versions").get(0);
        assertEquals(
                version.path("version").asLong(), status.path("active_version").asLong(), status.toString());
        assertEquals(skipped, active.path("skipped_events"), status.toString());
        assertShelvesArePersonalized();
    }

    private static JsonNode train() {
        EsClient.Response trained = es.post(path(MODEL) + "/_train", null);
        assertEquals(200, trained.status(), "bad events never fail a training: " + trained.body());
        return trained.json().path("version");
    }

    /** Not all popular, every score above zero: the shelves come from the model, not from its fallback. */
    private static void assertShelvesArePersonalized() {
        int personalized = 0;
        for (String shopper : shoppers) {
            JsonNode response = es.post("/_recommend", Map.of("model", MODEL, "user_id", shopper, "size", 10))
                    .ok();
            assertEquals(10, response.path("recommendations").size(), response.toString());
            for (JsonNode r : response.path("recommendations")) {
                assertTrue(r.path("score").asDouble() > 0, "a score above zero: " + response);
            }
            if (RecommendWorld.mainReasons(response).stream().anyMatch(reason -> reason.equals("popular") == false)) {
                personalized++;
            }
        }
        assertEquals(shoppers.size(), personalized, "every shopper with a history gets recommendations from the model");
    }

    private static void addEvent(String id, String user, String sku, String time) {
        Map<String, Object> event = Map.of(
                "user_id",
                user,
                "sku",
                sku,
                "type",
                "purchase",
                "@timestamp",
                Instant.parse(time).toEpochMilli(),
                "quantity",
                1);
        es.put("/" + EVENTS + "/_doc/" + id + "?refresh=true", event).ok();
    }

    private static List<String> ids(JsonNode reason) {
        List<String> ids = new ArrayList<>();
        reason.path("first_ids").forEach(id -> ids.add(id.asText()));
        return ids;
    }
}
