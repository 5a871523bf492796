package io.personalize.it.model;

import static io.personalize.it.model.Models.dataIndex;
import static io.personalize.it.model.Models.dataIndices;
import static io.personalize.it.model.Models.path;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.bench.SyntheticEvents;
import io.personalize.it.EsClient;
import io.personalize.it.RealCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Cancelling trainings with {@code POST _tasks/<id>/_cancel}, while they read the events and while they write the new
 * version, on a synthetic log big enough for a training to last several seconds (200,000 events of 50,000 users: a
 * version of 60,000 documents). After each cancel the status says so, the previous version stays active and whole,
 * and nothing of the cancelled version is left.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TrainingCancelIT {

    static final String EVENTS = "cx-events";
    static final String ITEMS = "cx-items";
    static final String MODEL = "cx-model";
    static final SyntheticEvents LOG = new SyntheticEvents(200_000, 50_000, 10_000, SyntheticEvents.DEFAULT_SEED);

    private static EsClient es;
    private static long v1Docs;

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
    }

    @AfterAll
    static void cleanUp() {
        es.delete(path(MODEL));
        es.delete("/" + EVENTS);
        es.delete("/" + ITEMS);
    }

    @Test
    @Order(1)
    void firstVersion() {
        JsonNode trained = es.post(path(MODEL) + "/_train", null).ok();
        JsonNode version = trained.path("version");
        assertEquals(1, version.path("version").asLong());
        assertEquals(LOG.events(), version.path("events").asLong());
        v1Docs = version.path("users").asLong() + version.path("items").asLong() + 1;
        assertTrue(v1Docs > 40_000, version.toString());
        assertEquals(Map.of(dataIndex(es, MODEL, 1), v1Docs), dataIndices(es, MODEL));
        System.out.println("TrainingCancelIT: a full training took "
                + version.path("took_ms").asLong() + " ms: " + trained.path("phases_ms"));
    }

    @Test
    @Order(2)
    void cancelWhileReadingTheEvents() {
        cancelDuring("reading_events", 2);
    }

    @Test
    @Order(3)
    void cancelWhileWritingTheVersion() {
        cancelDuring("writing", 3);
    }

    private void cancelDuring(String phase, long version) {
        String task = Models.trainAsync(es, MODEL);
        List<JsonNode> seen = new ArrayList<>();
        JsonNode running = Models.pollTask(
                es,
                task,
                t -> phase.equals(t.path("task").path("status").path("phase").asText())
                        && t.path("task").path("status").path("done").asLong() > 0,
                900_000,
                seen);
        assertFalse(
                running.path("completed").asBoolean(),
                "the training ended before it could be cancelled in " + phase + ": " + Models.phases(seen));
        assertEquals(
                "running",
                Models.status(es, MODEL).path("training").path("state").asText());

        JsonNode cancel = es.post("/_tasks/" + task + "/_cancel", null).ok();
        assertTrue(cancel.toString().contains(task), cancel.toString());

        JsonNode done = Models.awaitTask(es, task, 600_000);
        assertEquals("task_cancelled_exception", done.path("error").path("type").asText(), done.toString());
        assertTrue(done.path("response").isMissingNode(), done.toString());

        JsonNode status = Models.status(es, MODEL);
        JsonNode training = status.path("training");
        assertEquals("cancelled", training.path("state").asText(), training.toString());
        assertEquals(task, training.path("task_id").asText());
        assertEquals(version, training.path("version").asLong(), training.toString());
        assertEquals("cancelled", training.path("reason").asText());
        assertEquals(1, status.path("active_version").asLong(), "the previous version still serves: " + status);
        assertEquals(1, status.path("versions").size(), status.toString());
        assertEquals(version, status.path("last_version").asLong(), "the cancelled version's number is not reused");
        assertEquals(
                Map.of(dataIndex(es, MODEL, 1), v1Docs),
                dataIndices(es, MODEL),
                "version 1 whole, nothing of version " + version);
        // nothing still in flight recreates the deleted index a moment later
        Models.sleep(1500);
        assertEquals(Map.of(dataIndex(es, MODEL, 1), v1Docs), dataIndices(es, MODEL));
    }
}
