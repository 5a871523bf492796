package io.personalize.it.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.bench.SyntheticEvents;
import io.personalize.it.EsClient;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * "Training reads the events as the user who asked (so nobody trains on events they cannot read)", tried with callers
 * who may not read them all, on a real node with security on: a trainer whose role hides, by document-level
 * security, every event of an item whose id starts with "i1" (the most popular items among them) trains a version of
 * exactly the events it may read, in which none of the hidden items is popular or anyone's neighbour, and evaluates on
 * those events only; a trainer with the plugin's cluster privileges but no right to read the events gets a 403, and
 * the version that was active stays, with no index left of the refused training.
 */
class TrainingAsTheCallerIT {

    private static final String PASSWORD = SecureNode.PASSWORD;
    private static final String MODEL = "tac";
    private static final String EVENTS = "tac-events";
    private static final String ITEMS = "tac-items";
    private static final SyntheticEvents LOG = new SyntheticEvents(20_000, 1_000, 300, SyntheticEvents.DEFAULT_SEED);

    private static EsClient admin;
    private static EsClient dlsTrainer;
    private static EsClient blindTrainer;

    @BeforeAll
    static void secureNode() {
        admin = SecureNode.admin();
        dlsTrainer = admin.as("dlstrainer", PASSWORD);
        blindTrainer = admin.as("blindtrainer", PASSWORD);

        SyntheticEvents.createIndex(admin, EVENTS);
        StringBuilder bulk = new StringBuilder();
        for (long e = 0; e < LOG.events(); e++) {
            LOG.appendBulkLine(e, bulk);
            if ((e + 1) % 5_000 == 0 || e + 1 == LOG.events()) {
                JsonNode answer =
                        admin.ndjson("/" + EVENTS + "/_bulk", bulk.toString()).ok();
                assertFalse(answer.path("errors").asBoolean(), "the events are written");
                bulk.setLength(0);
            }
        }
        admin.refresh(EVENTS);
        SyntheticEvents.createCatalog(admin, ITEMS, LOG.items());
        admin.delete("/_recommend/models/" + MODEL);
        assertEquals(
                201,
                admin.put("/_recommend/models/" + MODEL, SyntheticEvents.modelConfig(ITEMS, EVENTS))
                        .status());
        JsonNode trained =
                admin.post("/_recommend/models/" + MODEL + "/_train", null).ok();
        assertEquals(LOG.events(), trained.path("version").path("events").asLong(), "the admin reads every event");
    }

    @AfterAll
    static void cleanUp() {
        // the node is SecurityIT's too: what this class made goes, the node stays
        admin.delete("/_recommend/models/" + MODEL);
        admin.delete("/" + EVENTS);
        admin.delete("/" + ITEMS);
    }

    private static boolean hidden(String item) {
        return item.startsWith("i1");
    }

    @Test
    void aTrainingAndAnEvaluationUseOnlyTheEventsTheCallerMayRead() {
        long visible =
                dlsTrainer.get("/" + EVENTS + "/_count").ok().path("count").asLong();
        assertTrue(visible > 0 && visible < LOG.events(), "the role hides part of the events: " + visible);
        // the hidden items are among the most popular: the admin's version shows them to a shopper it never saw
        assertTrue(popular().stream().anyMatch(TrainingAsTheCallerIT::hidden), "before: " + popular());

        JsonNode trained =
                dlsTrainer.post("/_recommend/models/" + MODEL + "/_train", null).ok();
        assertEquals(visible, trained.path("version").path("events").asLong(), trained.toString());
        List<String> popular = popular();
        assertFalse(popular.isEmpty(), "the new version serves");
        assertTrue(popular.stream().noneMatch(TrainingAsTheCallerIT::hidden), "no hidden item is popular: " + popular);
        JsonNode similar = admin.post(
                        "/_recommend",
                        "{\"model\": \"" + MODEL + "\", \"item_ids\": [\"i2\", \"i3\", \"i4\"], \"size\": 30,"
                                + " \"explain\": true}")
                .ok();
        int neighbours = 0;
        for (JsonNode r : similar.path("recommendations")) {
            for (JsonNode reason : r.path("reasons")) {
                if ("similar_to".equals(reason.path("type").asText())) {
                    neighbours++;
                    assertFalse(hidden(r.path("item_id").asText()), "a hidden item is a neighbour: " + similar);
                }
            }
        }
        assertTrue(neighbours > 0, "the visible items have neighbours: " + similar);

        JsonNode evaluated = dlsTrainer
                .post("/_recommend/models/" + MODEL + "/_evaluate", "{\"split\": \"2023-10-01\", \"k\": 10}")
                .ok();
        long visibleBefore = dlsTrainer
                .post("/" + EVENTS + "/_count", "{\"query\": {\"range\": {\"@timestamp\": {\"lt\": \"2023-10-01\"}}}}")
                .ok()
                .path("count")
                .asLong();
        assertEquals(
                visibleBefore,
                evaluated.path("evaluation").path("train_events").asLong(),
                "the evaluation trains on the caller's events before the split: " + evaluated);
    }

    @Test
    void aTrainerWhoMayNotReadTheEventsGetsA403AndNoVersion() {
        JsonNode before = model();
        long active = before.path("status").path("active_version").asLong();
        Set<String> indices = versionIndices();

        EsClient.Response refused = blindTrainer.post("/_recommend/models/" + MODEL + "/_train", null);
        assertEquals(403, refused.status(), refused.body());
        assertTrue(refused.reason().contains("blindtrainer"), refused.body());

        JsonNode after = model();
        JsonNode training = after.path("status").path("training");
        assertEquals("failed", training.path("state").asText(), after.toString());
        assertTrue(training.path("reason").asText().contains("unauthorized"), after.toString());
        assertEquals(active, after.path("status").path("active_version").asLong(), "what was active stays");
        assertEquals(indices, versionIndices(), "no index is left of the refused training");
        assertFalse(popular().isEmpty(), "the active version serves");

        EsClient.Response evaluation = blindTrainer.post(
                "/_recommend/models/" + MODEL + "/_evaluate", "{\"split\": \"2023-10-01\", \"k\": 10}");
        assertEquals(403, evaluation.status(), evaluation.body());
    }

    /** What the active version shows a shopper it never saw: its popular items. */
    private static List<String> popular() {
        JsonNode shelf = admin.post(
                        "/_recommend", "{\"model\": \"" + MODEL + "\", \"user_id\": \"nobody\", \"size\": 10}")
                .ok();
        List<String> items = new ArrayList<>();
        shelf.path("recommendations").forEach(r -> items.add(r.path("item_id").asText()));
        return items;
    }

    private static JsonNode model() {
        return admin.get("/_recommend/models/" + MODEL).ok();
    }

    private static Set<String> versionIndices() {
        Set<String> indices = new LinkedHashSet<>();
        for (JsonNode row : admin.get(
                        "/_cat/indices/.personalize-data-" + MODEL + ".*?format=json&expand_wildcards=all&h=index")
                .ok()) {
            indices.add(row.path("index").asText());
        }
        return indices;
    }
}
