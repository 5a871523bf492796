package io.personalize.it.recommend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import io.personalize.it.RealCluster;
import io.personalize.it.ShelfAnswers;
import io.personalize.it.Shop;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code catalog.created_field} on a real node: a "for you" shelf's content term goes to products created after the
 * events of the version that serves, not to an old product the model does not know because no shopper bought it. One
 * catalogue, one imported version ({@code newest_event} 30 days ago), two models: one with the date, one without.
 */
class NewProductDateIT {

    private static final String PRODUCTS = "npd-products";
    private static final String EVENTS = "npd-events";
    private static final long DAY = 24 * 3600 * 1000L;
    private static EsClient es;
    private static long now;

    @BeforeAll
    static void shop() {
        es = RealCluster.single().any();
        now = System.currentTimeMillis();
        es.delete("/" + PRODUCTS);
        es.put("/" + PRODUCTS, """
            {"settings": {"number_of_shards": 1, "number_of_replicas": 0},
             "mappings": {"properties": {
               "sku": {"type": "keyword"}, "color": {"type": "keyword"}, "created": {"type": "date"},
               "content_vector": {"type": "dense_vector", "dims": 8, "similarity": "cosine"}}}}""").ok();
        // the shopper's two items, and three products close to both that the model does not know: one created after
        // the version's events (new), one long before (old: sold, but never to a known shopper), one without a date
        product("A", new float[] {1, .10f, 0, 0, 0, 0, 0, 0}, null);
        product("B", new float[] {1, 0, .10f, 0, 0, 0, 0, 0}, null);
        product("NEW", new float[] {1, .06f, .04f, 0, 0, 0, 0, 0}, now - DAY);
        product("OLD", new float[] {1, .05f, .05f, 0, 0, 0, 0, 0}, now - 365 * DAY);
        product("UNDATED", new float[] {1, .04f, .06f, 0, 0, 0, 0, 0}, null);
        // products the model knows, far from those in content
        for (int f = 1; f <= 6; f++) {
            float[] v = new float[8];
            v[2 + f % 6] = 1;
            v[0] = -.5f;
            product("F" + f, v, now - 400 * DAY);
        }
        es.refresh(PRODUCTS);
        Shop.createEventsIndex(es, EVENTS, 1, 0);
        String lines = """
            {"item": "A", "neighbors": ["F1", "F2"], "scores": [0.5, 0.4], "popularity": 5.0}
            {"item": "B", "neighbors": ["F3", "F4"], "scores": [0.5, 0.4], "popularity": 4.0}
            {"item": "F1", "neighbors": ["A"], "scores": [0.5], "popularity": 3.0}
            {"item": "F2", "neighbors": ["A"], "scores": [0.5], "popularity": 2.0}
            {"item": "F3", "neighbors": ["B"], "scores": [0.5], "popularity": 2.0}
            {"item": "F4", "neighbors": ["B"], "scores": [0.5], "popularity": 1.0}
            {"item": "F5", "neighbors": ["F6"], "scores": [0.5], "popularity": 1.0}
            {"item": "F6", "neighbors": ["F5"], "scores": [0.5], "popularity": 1.0}
            {"user": "npd-shopper", "history": ["A", "B"], "history_weights": [1.0, 1.0], "items": ["F1", "F3", "F2", "F4"], "scores": [0.9, 0.8, 0.7, 0.6], "because": ["A", "B", "A", "B"]}
            {"popular": ["A", "B", "F1", "F2", "F3", "F4", "F5", "F6"], "scores": [5.0, 4.0, 3.0, 2.0, 2.0, 1.0, 1.0, 1.0]}
            """;
        for (String model : List.of("npd-dated", "npd-undated")) {
            es.delete("/_recommend/models/" + model);
            String created = model.equals("npd-dated") ? ", \"created_field\": \"created\"" : "";
            es.put("/_recommend/models/" + model, String.format(Locale.ROOT, """
                {"catalog": {"index": "%s", "id_field": "sku", "vector_field": "content_vector"%s},
                 "events": {"index": "%s", "user_field": "user_id", "item_field": "sku", "type_field": "type",
                            "time_field": "@timestamp", "weights": {"purchase": 5}}}""", PRODUCTS, created, EVENTS))
                    .ok();
            es.ndjson("/_recommend/models/" + model + "/_import?newest_event=" + (now - 30 * DAY), lines)
                    .ok();
        }
    }

    private static void product(String sku, float[] vector, Long created) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("sku", sku);
        doc.put("color", "red");
        doc.put("content_vector", vector);
        if (created != null) {
            doc.put("created", created);
        }
        es.put("/" + PRODUCTS + "/_doc/" + sku, doc).ok();
    }

    private static JsonNode shelf(String model) {
        // uncapped and each of the shopper's items lending its 4 nearest products: all three unknown ones are reached
        return es.post("/_recommend", String.format(Locale.ROOT, """
                {"model": "%s", "user_id": "npd-shopper", "size": 10, "content_weight": 1, "content_slots": 10,
                 "content_support": 1, "content_neighbors": 4, "content_directions": 0, "explain": true}""", model)).ok();
    }

    /** Whether the shelf holds the item with a content_similar reason (the catalogue fill may bring it otherwise). */
    private static boolean byContent(JsonNode shelf, String item) {
        for (JsonNode r : shelf.path("recommendations")) {
            if (r.path("item_id").asText().equals(item)) {
                for (JsonNode reason : r.path("reasons")) {
                    if (reason.path("type").asText().equals("content_similar")) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    @Test
    void aProductCreatedBeforeTheVersionsEventsGetsNoContentSlotWhileANewOneDoes() {
        JsonNode undated = shelf("npd-undated");
        // without the date, every product the model does not know is taken for new: the old one too (so it is reached)
        assertTrue(byContent(undated, "NEW"), undated.toString());
        assertTrue(byContent(undated, "OLD"), undated.toString());
        assertTrue(byContent(undated, "UNDATED"), undated.toString());
        for (int round = 0; round < 2; round++) { // the second from the node's copy of the answers
            JsonNode dated = shelf("npd-dated");
            assertTrue(byContent(dated, "NEW"), "created after the version's events: " + dated);
            assertFalse(byContent(dated, "OLD"), "created before them, never bought: not new: " + dated);
            assertFalse(byContent(dated, "UNDATED"), "no date: not taken for new: " + dated);
            // every product but the shopper's two: the shelf is still full, the old ones come only from the catalogue
            assertEquals(9, ShelfAnswers.items(dated).size(), dated.toString());
        }
        assertEquals(
                "created",
                es.get("/_recommend/models/npd-dated")
                        .ok()
                        .path("config")
                        .path("catalog")
                        .path("created_field")
                        .asText(),
                "the model's configuration shows it");
    }

    @Test
    void aCreatedFieldThatIsNotADateOrEmptyIsA400NamingIt() {
        for (String[] bad : List.of(
                new String[] {
                    "color", "[catalog] field [color] is of type [keyword], expected one of [date, date_nanos]"
                },
                new String[] {"nowhere", "[catalog] field [nowhere] is not mapped"},
                new String[] {" ", "[catalog.created_field] must not be empty"})) {
            EsClient.Response response =
                    es.put("/_recommend/models/npd-bad", String.format(Locale.ROOT, """
                {"catalog": {"index": "%s", "id_field": "sku", "created_field": "%s"},
                 "events": {"index": "%s", "user_field": "user_id", "item_field": "sku", "type_field": "type",
                            "time_field": "@timestamp", "weights": {"purchase": 5}}}""", PRODUCTS, bad[0], EVENTS));
            assertEquals(400, response.status(), response.body());
            assertTrue(response.body().contains(bad[1]), response.body());
        }
        assertEquals(404, es.get("/_recommend/models/npd-bad").status());
    }
}
