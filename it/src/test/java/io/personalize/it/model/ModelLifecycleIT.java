package io.personalize.it.model;

import static io.personalize.it.model.Models.assertError;
import static io.personalize.it.model.Models.dataIndex;
import static io.personalize.it.model.Models.dataIndices;
import static io.personalize.it.model.Models.path;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import io.personalize.it.RealCluster;
import io.personalize.it.Shop;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A model's life on a real node, on the real Online Retail data (387,797 purchases of 4,339 customers, loaded once):
 * create and replace, list, train (waiting, and as a task with its progress), the status after training, a second
 * training while one runs, a failed training, import, evaluation against the issue's targets, delete. The steps
 * build on each other, in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ModelLifecycleIT {

    static final String PRODUCTS = "lc-products";
    static final String EVENTS = "lc-events";
    static final String MODEL = "lc-shop";

    private static EsClient es;
    private static OnlineRetail data;

    @BeforeAll
    static void loadShop() {
        es = RealCluster.single().any();
        data = OnlineRetail.load();
        es.delete(path(MODEL));
        // the catalogue's mapping has the content_vector field the model names; the models do not need the vectors
        Shop.createProductsIndex(es, PRODUCTS, null, 1, 0);
        Shop.loadProducts(es, PRODUCTS, data.products());
        Shop.createEventsIndex(es, EVENTS, 1, 0);
        Shop.loadEvents(es, EVENTS, data.purchases(), 3);
        assertEquals(
                data.purchases().size(),
                es.get("/" + EVENTS + "/_count").ok().path("count").asLong());
    }

    @AfterAll
    static void cleanUp() {
        es.delete(path(MODEL));
        es.delete("/" + PRODUCTS);
        es.delete("/" + EVENTS);
    }

    @Test
    @Order(1)
    void createAnswers201ThenReplaceAnswers200() {
        EsClient.Response created = es.put(path(MODEL), config(EVENTS, "{\"neighbors\": 20}"));
        assertEquals(201, created.status(), created.body());
        assertTrue(created.json().path("created").asBoolean(), created.body());

        EsClient.Response replaced = es.put(path(MODEL), Shop.modelConfig(PRODUCTS, EVENTS));
        assertEquals(200, replaced.status(), replaced.body());
        assertFalse(replaced.json().path("created").asBoolean(), replaced.body());

        JsonNode model = Models.get(es, MODEL);
        assertEquals(MODEL, model.path("name").asText());
        JsonNode config = model.path("config");
        assertEquals(PRODUCTS, config.path("catalog").path("index").asText());
        assertEquals("sku", config.path("catalog").path("id_field").asText());
        assertEquals(
                "content_vector", config.path("catalog").path("vector_field").asText());
        assertEquals("user_id", config.path("events").path("user_field").asText());
        assertEquals(5.0, config.path("events").path("weights").path("purchase").asDouble());
        assertEquals("21d", config.path("events").path("half_life").asText(), "the default half-life");
        assertEquals("cosine", config.path("similarity").path("algorithm").asText());
        assertEquals(
                50,
                config.path("similarity").path("neighbors").asInt(),
                "the replacement's settings, not the first ones");
        assertEquals(500, config.path("training").path("max_history").asInt());
        assertEquals(100, config.path("training").path("user_items").asInt());
        JsonNode status = model.path("status");
        assertEquals(0, status.path("active_version").asLong(), "nothing trained yet: " + status);
        assertEquals(0, status.path("versions").size());
        assertTrue(status.path("training").isMissingNode(), status.toString());
    }

    @Test
    @Order(2)
    void listShowsEveryModel() {
        es.put(path("lc-other"), Shop.modelConfig(PRODUCTS, EVENTS)).ok();
        try {
            JsonNode models = es.get("/_recommend/models").ok().path("models");
            List<String> names = new ArrayList<>();
            models.forEach(m -> names.add(m.path("name").asText()));
            assertTrue(names.containsAll(List.of(MODEL, "lc-other")), names.toString());
            assertEquals(names.stream().sorted().toList(), names, "sorted by name");
            for (JsonNode model : models) {
                assertTrue(model.has("config") && model.has("status"), model.toString());
            }
        } finally {
            es.delete(path("lc-other")).ok();
        }
    }

    @Test
    @Order(3)
    void trainWaitsForTheNewVersion() {
        EsClient.Response trained = es.post(path(MODEL) + "/_train", null);
        assertEquals(200, trained.status(), trained.body());
        JsonNode version = trained.json().path("version");
        assertEquals(1, version.path("version").asLong());
        assertEquals("training", version.path("source").asText());
        assertEquals(data.purchases().size(), version.path("events").asLong(), "every purchase is an event");
        assertEquals(
                data.purchases().stream()
                        .map(OnlineRetail.Purchase::user)
                        .distinct()
                        .count(),
                version.path("users").asLong());
        assertEquals(
                data.purchases().stream()
                        .map(OnlineRetail.Purchase::sku)
                        .distinct()
                        .count(),
                version.path("items").asLong());
        assertEquals(
                data.purchases().stream()
                        .mapToLong(OnlineRetail.Purchase::time)
                        .max()
                        .orElseThrow(),
                version.path("newest_event").asLong());
        assertTrue(version.path("algorithm").asText().startsWith("cosine"), version.toString());
        Set<String> phases = new java.util.HashSet<>();
        trained.json().path("phases_ms").fieldNames().forEachRemaining(phases::add);
        assertTrue(phases.containsAll(Set.of("reading_events", "similarity", "writing")), phases.toString());

        // the status: the active version, its counts, and how the training ended
        JsonNode status = Models.status(es, MODEL);
        assertEquals(1, status.path("active_version").asLong(), status.toString());
        assertEquals(1, status.path("versions").size());
        JsonNode active = status.path("versions").get(0);
        assertEquals(version.path("users").asLong(), active.path("users").asLong());
        assertEquals(version.path("items").asLong(), active.path("items").asLong());
        assertEquals(version.path("events").asLong(), active.path("events").asLong());
        assertEquals(dataIndex(es, MODEL, 1), active.path("index").asText());
        JsonNode training = status.path("training");
        assertEquals("succeeded", training.path("state").asText(), training.toString());
        assertEquals(1, training.path("version").asLong());
        assertTrue(
                training.path("finished_at").asLong()
                        >= training.path("started_at").asLong(),
                training.toString());

        // the version index holds a document per item and per user, and the popular list
        long expectedDocs =
                version.path("users").asLong() + version.path("items").asLong() + 1;
        assertEquals(Map.of(dataIndex(es, MODEL, 1), expectedDocs), dataIndices(es, MODEL));
    }

    @Test
    @Order(4)
    void trainAsATaskShowsProgressThenItsResponse() {
        String task = Models.trainAsync(es, MODEL);
        List<JsonNode> seen = new ArrayList<>();
        // watch it while it runs, and try a second training meanwhile: 409, naming the running task
        JsonNode running = Models.pollTask(
                es, task, t -> t.path("task").path("status").path("done").asLong() > 0, 600_000, seen);
        if (running.path("completed").asBoolean() == false) {
            JsonNode status = running.path("task").path("status");
            assertEquals(MODEL, status.path("model").asText(), running.toString());
            assertTrue(running.path("task").path("cancellable").asBoolean(), running.toString());
            assertEquals(
                    "cluster:admin/personalize/model/train",
                    running.path("task").path("action").asText());
            assertError(
                    es.post(path(MODEL) + "/_train", null),
                    409,
                    "is already training (task [" + task + "])",
                    "a second training");
            assertError(
                    es.post(path(MODEL) + "/_train?wait_for_completion=false", null),
                    409,
                    "is already training",
                    "a second task");
            assertEquals(
                    "running",
                    Models.status(es, MODEL).path("training").path("state").asText());
        }
        JsonNode done = Models.pollTask(es, task, t -> false, 900_000, seen);
        assertTrue(done.path("completed").asBoolean(), done.toString());
        List<String> phases = Models.phases(seen);
        assertTrue(phases.contains("reading_events"), "GET _tasks showed the phases " + phases);
        assertTrue(
                seen.stream()
                        .anyMatch(
                                t -> t.path("task").path("status").path("done").asLong() > 0),
                "progress was shown");

        // after completion, GET _tasks/<id> answers the stored outcome: the new version and its phases
        JsonNode response = done.path("response");
        assertEquals(2, response.path("version").path("version").asLong(), done.toString());
        assertTrue(response.path("phases_ms").has("similarity"), done.toString());
        assertTrue(done.path("error").isMissingNode(), done.toString());

        JsonNode status = Models.status(es, MODEL);
        assertEquals(2, status.path("active_version").asLong());
        assertEquals(List.of(2L, 1L), versions(status), "the active version and the one before it");
        assertEquals(
                Set.of(dataIndex(es, MODEL, 1), dataIndex(es, MODEL, 2)),
                dataIndices(es, MODEL).keySet());
    }

    @Test
    @Order(5)
    void aFailedTrainingKeepsTheOldVersionAndSaysWhy() {
        // events the model cannot use: their type has no weight
        es.delete("/lc-clicks");
        es.put("/lc-clicks", """
            {"settings": {"number_of_replicas": 0},
             "mappings": {"properties": {"user_id": {"type": "keyword"}, "sku": {"type": "keyword"},
                                         "type": {"type": "keyword"}, "@timestamp": {"type": "date"}}}}""").ok();
        es.post(
                        "/lc-clicks/_doc?refresh=true",
                        Map.of("user_id", "17850", "sku", "85123A", "type", "click", "@timestamp", 1_300_000_000_000L))
                .ok();
        es.put(path(MODEL), Shop.modelConfig(PRODUCTS, "lc-clicks")).ok();
        try {
            String reason = assertError(
                    es.post(path(MODEL) + "/_train", null),
                    400,
                    "no usable events in [lc-clicks]",
                    "training on unusable events");
            JsonNode status = Models.status(es, MODEL);
            assertEquals(2, status.path("active_version").asLong(), "the previous version still serves: " + status);
            assertEquals(List.of(2L, 1L), versions(status));
            JsonNode training = status.path("training");
            assertEquals("failed", training.path("state").asText(), training.toString());
            assertEquals(reason, training.path("reason").asText(), "the status says why");
            assertEquals(3, training.path("version").asLong(), "the failed attempt's version number");
            assertEquals(
                    Set.of(dataIndex(es, MODEL, 1), dataIndex(es, MODEL, 2)),
                    dataIndices(es, MODEL).keySet(),
                    "nothing left of version 3");

            // an events index that disappeared: the training fails on it, recorded the same way
            es.delete("/lc-clicks").ok();
            String task = Models.trainAsync(es, MODEL);
            JsonNode done = Models.awaitTask(es, task, 600_000);
            assertEquals(
                    "index_not_found_exception", done.path("error").path("type").asText(), done.toString());
            JsonNode after = Models.status(es, MODEL);
            assertEquals("failed", after.path("training").path("state").asText());
            assertTrue(
                    after.path("training").path("reason").asText().contains("no such index [lc-clicks]"),
                    after.toString());
            assertEquals(2, after.path("active_version").asLong());
        } finally {
            es.put(path(MODEL), Shop.modelConfig(PRODUCTS, EVENTS)).ok();
        }
    }

    @Test
    @Order(6)
    void importMakesANewActiveVersion() {
        String lines = """
            {"item": "85123A", "neighbors": ["21733", "84029G"], "scores": [0.41, 0.22], "popularity": 12.5}
            {"item": "21733", "neighbors": ["85123A"], "scores": [0.3], "popularity": 4}

            {"user": "17850", "history": ["85123A"], "history_weights": [3.2], "items": ["21733"], "scores": [0.83], "because": ["85123A"], "attributes": {"category": {"candles": 0.8}}}
            {"popular": ["85123A", "21733"], "scores": [12.5, 9.1], "scoring": {"popularity_weight": 0.03}}
            """;
        long before = Models.status(es, MODEL).path("last_version").asLong();
        EsClient.Response imported = es.ndjson(path(MODEL) + "/_import", lines);
        assertEquals(200, imported.status(), imported.body());
        JsonNode version = imported.json().path("version");
        long number = version.path("version").asLong();
        assertEquals(before + 1, number);
        assertEquals("import", version.path("source").asText());
        assertEquals(2, version.path("items").asLong());
        assertEquals(1, version.path("users").asLong());

        JsonNode status = Models.status(es, MODEL);
        assertEquals(number, status.path("active_version").asLong(), status.toString());
        assertEquals(List.of(number, 2L), versions(status), "the import and the version before it");
        assertEquals(
                Map.of(
                        dataIndex(es, MODEL, 2),
                        dataIndices(es, MODEL).get(dataIndex(es, MODEL, 2)),
                        dataIndex(es, MODEL, number),
                        4L),
                dataIndices(es, MODEL),
                "two item documents, a user and the popular list; version 1 dropped");
    }

    @Test
    @Order(7)
    void aBadImportLineChangesNothing() {
        JsonNode before = Models.status(es, MODEL);
        Map<String, Long> indicesBefore = dataIndices(es, MODEL);
        String lines = """
            {"item": "a", "neighbors": ["b"], "scores": [1.0]}
            {"item": "b", "neighbors": [], "scores": [1.0]}
            {"item": "c", "neighbors": [], "scores": []}
            """;
        assertError(
                es.ndjson(path(MODEL) + "/_import", lines),
                400,
                "line 2: item [b]: [neighbors] has 0 entries but [scores] has 1",
                "a bad line");
        assertError(
                es.ndjson(
                        path(MODEL) + "/_import",
                        "{\"item\": \"a\", \"neighbors\": [\"b\"], \"scores\": [1.0]}\n{\"item\": \"b\",\n"),
                400,
                "line 2",
                "malformed JSON on line 2");
        assertError(
                es.ndjson(path(MODEL) + "/_import", "{\"user\": \"u\", \"items\": [\"a\"], \"scores\": [\"high\"]}\n"),
                400,
                "[scores]",
                "a score that is not a number");
        assertError(
                es.ndjson(path(MODEL) + "/_import", "{\"item\": \"a\", \"color\": \"red\"}\n"),
                400,
                "line 1: [1:",
                "an unknown field");
        assertError(
                es.ndjson(path(MODEL) + "/_import", "{\"item\": \"a\", \"color\": \"red\"}\n"),
                400,
                "unknown field [color]",
                "an unknown field");
        JsonNode after = Models.status(es, MODEL);
        assertEquals(before.path("active_version"), after.path("active_version"));
        assertEquals(before.path("versions"), after.path("versions"), "no version was added or dropped");
        assertEquals(indicesBefore, dataIndices(es, MODEL), "no index left behind by the failed imports");
    }

    @Test
    @Order(8)
    void evaluateReachesTheIssuesTargets() {
        OnlineRetail.Protocol protocol = data.protocol();
        EsClient.Response response = es.post(path(MODEL) + "/_evaluate", "{\"split\": \"2011-11-01\", \"k\": 10}");
        assertEquals(200, response.status(), response.body());
        JsonNode evaluation = response.json().path("evaluation");
        assertEquals(10, evaluation.path("k").asInt());
        assertEquals(OnlineRetail.SPLIT, evaluation.path("split_at").asLong());
        assertEquals(protocol.train().size(), evaluation.path("train_events").asLong(), "events before the split");
        assertEquals(
                protocol.truthByUser().size(), evaluation.path("test_users").asLong(), "protocol OR-time's test users");
        assertEquals(
                protocol.trainCatalog().size(), evaluation.path("catalog_items").asLong());
        JsonNode model = evaluation.path("model");
        JsonNode popularity = evaluation.path("popularity");
        String summary = "model " + model + " popularity " + popularity;
        assertTrue(model.path("ndcg").asDouble() > popularity.path("ndcg").asDouble(), "beats popularity: " + summary);
        assertTrue(model.path("ndcg").asDouble() > 0.1021, "NDCG@10 above EASE's 0.1021: " + summary);
        assertTrue(model.path("coverage").asDouble() >= 0.28, "coverage@10 >= 0.28: " + summary);
        assertTrue(
                model.path("hit_rate").asDouble() > popularity.path("hit_rate").asDouble(), summary);
        assertTrue(model.path("recall").asDouble() > 0, summary);
        // the events arrive from two parallel slices in a different order every time: the figures must not
        for (int again = 0; again < 2; again++) {
            JsonNode repeated = es.post(path(MODEL) + "/_evaluate", "{\"split\": \"2011-11-01\", \"k\": 10}")
                    .ok()
                    .path("evaluation");
            assertEquals(model, repeated.path("model"), "the same request gives the same figures");
            assertEquals(popularity, repeated.path("popularity"), "the same request gives the same figures");
        }

        // other settings are tried without changing the model, and nothing is written
        JsonNode statusBefore = Models.status(es, MODEL);
        Map<String, Long> indicesBefore = dataIndices(es, MODEL);
        JsonNode rp3 = es.post(
                        path(MODEL) + "/_evaluate",
                        "{\"split\": \"2011-11-01\", \"k\": 10, \"similarity\": {\"algorithm\": \"rp3beta\"}}")
                .ok()
                .path("evaluation");
        assertTrue(rp3.path("algorithm").asText().startsWith("rp3beta"), rp3.toString());
        assertTrue(
                rp3.path("model").path("ndcg").asDouble()
                        > rp3.path("popularity").path("ndcg").asDouble(),
                rp3.toString());
        assertEquals(
                "cosine",
                Models.get(es, MODEL)
                        .path("config")
                        .path("similarity")
                        .path("algorithm")
                        .asText());
        assertEquals(statusBefore, Models.status(es, MODEL));
        assertEquals(indicesBefore, dataIndices(es, MODEL));
    }

    @Test
    @Order(9)
    void deleteRemovesTheModelAndEveryVersion() {
        assertFalse(dataIndices(es, MODEL).isEmpty());
        EsClient.Response deleted = es.delete(path(MODEL));
        assertEquals(200, deleted.status(), deleted.body());
        assertTrue(deleted.json().path("acknowledged").asBoolean());
        assertError(es.get(path(MODEL)), 404, "model [" + MODEL + "] not found", "GET after delete");
        assertEquals(Map.of(), dataIndices(es, MODEL), "every version index is gone");
        Set<String> names = new java.util.HashSet<>();
        es.get("/_recommend/models")
                .ok()
                .path("models")
                .forEach(m -> names.add(m.path("name").asText()));
        assertFalse(names.contains(MODEL), names.toString());
        assertError(es.delete(path(MODEL)), 404, "not found", "a second delete");
        assertError(es.post(path(MODEL) + "/_train", null), 404, "not found", "training a deleted model");
        // the events and the catalogue are the shop's: untouched
        assertEquals(
                data.purchases().size(),
                es.get("/" + EVENTS + "/_count").ok().path("count").asLong());
    }

    private static List<Long> versions(JsonNode status) {
        List<Long> versions = new ArrayList<>();
        status.path("versions").forEach(v -> versions.add(v.path("version").asLong()));
        return versions;
    }

    /** The demo shop's configuration with other similarity settings. */
    private static String config(String events, String similarity) {
        return String.format(Locale.ROOT, """
            {"catalog": {"index": "%s", "id_field": "sku", "vector_field": "content_vector"},
             "events": {"index": "%s", "user_field": "user_id", "item_field": "sku", "type_field": "type", "time_field": "@timestamp"},
             "similarity": %s}""", PRODUCTS, events, similarity);
    }
}
