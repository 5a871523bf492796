package io.personalize.it.model;

import static io.personalize.it.model.Models.dataIndex;
import static io.personalize.it.model.Models.dataIndices;
import static io.personalize.it.model.Models.path;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.bench.SyntheticEvents;
import io.personalize.it.EsClient;
import io.personalize.it.RealCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The cases 4 to 6 and the "what is active has its data" rule, on a real node: what a model serves is what was
 * asked for last, and it is whole. A model deleted and created again during a training is a new model that the old
 * training cannot touch; an import acknowledged during a training stays active; a configuration replaced during a
 * training keeps the training from being activated; an active version whose index is deleted behind the plugin's back
 * is an error that serving answers and the status shows. The synthetic log (200,000 events of 50,000 users) makes a
 * training last long enough to act while it runs.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VersionRulesIT {

    static final String EVENTS = "vr-events";
    static final String ITEMS = "vr-items";
    static final String MODEL = "vr-model";
    static final SyntheticEvents LOG = new SyntheticEvents(200_000, 50_000, 10_000, SyntheticEvents.DEFAULT_SEED);
    /** The most active user of the log: a stored profile in every version. */
    static final String SHOPPER = "u1";

    private static EsClient es;

    @BeforeAll
    static void loadEvents() throws Exception {
        es = RealCluster.single().any();
        es.delete(path(MODEL));
        SyntheticEvents.createIndex(es, EVENTS);
        LOG.load(es, EVENTS, 3, 20_000, loaded -> {});
        SyntheticEvents.createCatalog(es, ITEMS, LOG.items());
        assertEquals(
                201,
                es.put(path(MODEL), SyntheticEvents.modelConfig(ITEMS, EVENTS)).status());
        es.post(path(MODEL) + "/_train", null).ok();
    }

    @AfterAll
    static void cleanUp() {
        es.delete(path(MODEL));
        es.delete("/" + EVENTS);
        es.delete("/" + ITEMS);
    }

    /** Starts a training and waits until it reads the events (long before it could activate anything). */
    private static String trainingUnderWay() {
        String task = Models.trainAsync(es, MODEL);
        List<JsonNode> seen = new ArrayList<>();
        JsonNode running = Models.pollTask(
                es,
                task,
                t -> "reading_events"
                                .equals(t.path("task")
                                        .path("status")
                                        .path("phase")
                                        .asText())
                        && t.path("task").path("status").path("done").asLong() > 0,
                600_000,
                seen);
        assertFalse(
                running.path("completed").asBoolean(),
                "the training ended before anything could happen meanwhile: " + Models.phases(seen));
        return task;
    }

    /** A shelf for the most active shopper: personalized (not popular, not mere catalogue) when the model has their profile. */
    private static JsonNode shelf() {
        return es.post(
                        "/_recommend",
                        String.format(
                                Locale.ROOT, "{\"model\": \"%s\", \"user_id\": \"%s\", \"size\": 5}", MODEL, SHOPPER))
                .ok();
    }

    private static void assertPersonalized(JsonNode shelf) {
        JsonNode recommendations = shelf.path("recommendations");
        assertEquals(5, recommendations.size(), shelf.toString());
        for (JsonNode r : recommendations) {
            String reason = r.path("reasons").path(0).path("type").asText();
            assertFalse(
                    reason.equals("popular") || reason.equals("catalog"),
                    "a personalized shelf, not " + reason + ": " + shelf);
        }
    }

    @Test
    @Order(1)
    void aModelDeletedAndCreatedAgainDuringATrainingIsANewModelThatTheOldTrainingCannotTouch() {
        String old = trainingUnderWay();
        String oldUuid = Models.status(es, MODEL).path("uuid").asText();
        assertEquals(200, es.delete(path(MODEL)).status());
        assertEquals(
                201,
                es.put(path(MODEL), SyntheticEvents.modelConfig(ITEMS, EVENTS)).status(),
                "created again");
        String uuid = Models.status(es, MODEL).path("uuid").asText();
        String fresh = Models.trainAsync(es, MODEL);

        JsonNode oldDone = Models.awaitTask(es, old, 900_000);
        assertTrue(
                oldDone.path("response").isMissingNode(), "the deleted model's training activated nothing: " + oldDone);
        assertEquals(
                "task_cancelled_exception",
                oldDone.path("error").path("type").asText(),
                "deleting the model stopped it: " + oldDone);
        JsonNode done = Models.awaitTask(es, fresh, 900_000);
        JsonNode version = done.path("response").path("version");
        assertEquals(1, version.path("version").asLong(), "the new model's first version: " + done);

        JsonNode status = Models.status(es, MODEL);
        assertEquals(1, status.path("active_version").asLong(), status.toString());
        assertEquals(
                fresh,
                status.path("training").path("task_id").asText(),
                "the status is the new model's own: " + status);
        assertEquals("succeeded", status.path("training").path("state").asText(), status.toString());
        long docs = version.path("users").asLong() + version.path("items").asLong() + 1;
        assertEquals(
                Map.of(dataIndex(es, MODEL, 1), docs),
                dataIndices(es, MODEL),
                "the active version is whole, nothing of the old model");
        assertPersonalized(shelf());
        JsonNode search = es.post("/" + ITEMS + "/_search", String.format(Locale.ROOT, """
            {"size": 5, "query": {"match_all": {}}, "rescore": {"window_size": 50, "personalize": {"model": "%s", "user_id": "%s"}}}""", MODEL, SHOPPER))
                .ok();
        assertEquals(5, search.path("hits").path("hits").size(), search.toString());
        assertNotEquals(oldUuid, uuid, "a new incarnation");
    }

    @Test
    @Order(2)
    void anImportAcknowledgedDuringATrainingStaysActive() {
        String task = trainingUnderWay();
        long trainingVersion =
                Models.status(es, MODEL).path("training").path("version").asLong();
        String lines = String.format(Locale.ROOT, """
            {"item": "i1", "neighbors": ["i2", "i3"], "scores": [0.5, 0.25], "popularity": 10}
            {"user": "%s", "history": ["i1"], "history_weights": [1.0], "items": ["i2"], "scores": [0.9], "because": ["i1"]}
            {"popular": ["i1", "i2"], "scores": [10, 5]}
            """, SHOPPER);
        JsonNode imported = es.ndjson(path(MODEL) + "/_import", lines).ok().path("version");
        long importVersion = imported.path("version").asLong();
        assertTrue(importVersion > trainingVersion, imported.toString());
        assertEquals(
                importVersion, Models.status(es, MODEL).path("active_version").asLong(), "acknowledged: active");

        JsonNode done = Models.awaitTask(es, task, 900_000);
        assertTrue(
                done.path("response").isMissingNode(), "the training that started earlier is not activated: " + done);
        String reason = done.path("error").path("reason").asText();
        assertTrue(reason.contains("version [" + importVersion + "] was activated (import)"), done.toString());

        JsonNode status = Models.status(es, MODEL);
        assertEquals(importVersion, status.path("active_version").asLong(), "the import stays active: " + status);
        assertEquals("superseded", status.path("training").path("state").asText(), status.toString());
        assertEquals(reason, status.path("training").path("reason").asText(), "the status says why");
        assertEquals("succeeded", status.path("import").path("state").asText(), status.toString());
        assertFalse(
                dataIndices(es, MODEL).containsKey(dataIndex(es, MODEL, trainingVersion)),
                "the superseded version's index is deleted");
        assertEquals(importVersion, shelf().path("model_version").asLong(), "served from the import");
    }

    @Test
    @Order(3)
    void aConfigurationReplacedDuringATrainingIsNotActivatedAndTheStatusSaysWhy() {
        long active = Models.status(es, MODEL).path("active_version").asLong();
        String task = trainingUnderWay();
        long trainingVersion =
                Models.status(es, MODEL).path("training").path("version").asLong();
        String replaced = SyntheticEvents.modelConfig(ITEMS, EVENTS)
                .replaceFirst("\\}\\s*$", ", \"similarity\": {\"neighbors\": 7}}");
        assertEquals(200, es.put(path(MODEL), replaced).status(), replaced);

        JsonNode done = Models.awaitTask(es, task, 900_000);
        assertTrue(
                done.path("response").isMissingNode(),
                "trained with the replaced configuration: not activated: " + done);
        JsonNode status = Models.status(es, MODEL);
        assertEquals(active, status.path("active_version").asLong(), "what was active stays: " + status);
        assertEquals("superseded", status.path("training").path("state").asText(), status.toString());
        assertTrue(
                status.path("training")
                        .path("reason")
                        .asText()
                        .contains("the model's configuration was replaced while it was trained"),
                status.toString());
        assertFalse(dataIndices(es, MODEL).containsKey(dataIndex(es, MODEL, trainingVersion)));

        // training again uses the new configuration
        JsonNode trained = es.post(path(MODEL) + "/_train", null).ok();
        assertEquals(
                trained.path("version").path("version").asLong(),
                Models.status(es, MODEL).path("active_version").asLong());
    }

    @Test
    @Order(4)
    void anActiveVersionWhoseIndexIsGoneIsAnErrorThatTheStatusShows() {
        assertPersonalized(shelf()); // and now the node's cache holds the shopper's profile
        JsonNode status = Models.status(es, MODEL);
        String index = null;
        for (JsonNode version : status.path("versions")) {
            if (version.path("version").asLong()
                    == status.path("active_version").asLong()) {
                index = version.path("index").asText();
            }
        }
        assertTrue(index != null, status.toString());
        assertEquals(200, es.delete("/" + index).status(), "deleted behind the plugin's back");

        EsClient.Response recommend = es.post(
                "/_recommend", String.format(Locale.ROOT, "{\"model\": \"%s\", \"user_id\": \"%s\"}", MODEL, SHOPPER));
        assertEquals(503, recommend.status(), recommend.body());
        assertTrue(recommend.reason().contains("the index [" + index + "] of its active version"), recommend.body());
        EsClient.Response search = es.post("/" + ITEMS + "/_search", String.format(Locale.ROOT, """
            {"query": {"match_all": {}}, "rescore": {"window_size": 50, "personalize": {"model": "%s", "user_id": "%s"}}}""", MODEL, SHOPPER));
        assertEquals(503, search.status(), "the rescorer too: " + search.body());
        assertTrue(search.body().contains("is missing"), search.body());

        JsonNode shown = Models.status(es, MODEL);
        assertTrue(
                shown.path("error").asText().contains("the index [" + index + "] of the active version"),
                shown.toString());
        assertTrue(shown.path("versions").path(0).path("index_missing").asBoolean(), shown.toString());

        // a new version serves again
        es.post(path(MODEL) + "/_train", null).ok();
        assertPersonalized(shelf());
        assertTrue(Models.status(es, MODEL).path("error").isMissingNode());
    }
}
