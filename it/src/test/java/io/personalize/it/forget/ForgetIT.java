package io.personalize.it.forget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.bench.SyntheticEvents;
import io.personalize.it.EsClient;
import io.personalize.it.RealCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 10, case 2, and the durability of forgetting, on a real node: a shopper forgotten while a training runs (in its
 * {@code similarity} phase, then in its {@code writing} phase), their events deleted as the README says, is in
 * neither the version that training activates nor anything served; a forgotten shopper stays forgotten through a full
 * restart, even when a copy of their profile comes back into the active version. The log is big enough for a training
 * to last a few seconds (200,000 events of 50,000 users).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ForgetIT {

    private static EsClient es;
    private static ForgetShop shop;

    @BeforeAll
    static void shop() throws Exception {
        es = RealCluster.single().any();
        shop = new ForgetShop(es, "fg1", new SyntheticEvents(200_000, 50_000, 10_000, SyntheticEvents.DEFAULT_SEED))
                .load();
        shop.train();
    }

    @AfterAll
    static void cleanUp() {
        if (shop != null) {
            shop.cleanUp();
        }
    }

    @Test
    @Order(1)
    void aUserForgottenDuringTheSimilarityPhaseIsNotInTheVersionItActivates() {
        forgetDuring("u1", phase -> phase.contains("similarity"));
    }

    @Test
    @Order(2)
    void aUserForgottenDuringTheWritingPhaseIsNotInTheVersionItActivates() {
        forgetDuring("u2", phase -> phase.equals("writing"));
    }

    private void forgetDuring(String user, Predicate<String> phase) {
        long active = shop.status().path("active_version").asLong();
        assertNotNull(shop.storedProfile(active, user), user + " has a profile in the active version");
        assertTrue(ForgetShop.becauseYouViewed(shop.shelf(es, user)) > 0, user + " is served from their history");

        String task = es.post("/_recommend/models/" + shop.model + "/_train?wait_for_completion=false", null)
                .ok()
                .path("task")
                .asText();
        List<String> phases = new ArrayList<>();
        JsonNode running = poll(task, phase, phases);
        assertFalse(running.path("completed").asBoolean(), "the training ended before the phase: " + phases);

        assertEquals(200, shop.forget(es, user).status());
        String phaseAfter = es.get("/_tasks/" + task)
                .ok()
                .path("task")
                .path("status")
                .path("phase")
                .asText();
        System.out.println("ForgetIT: forgot " + user + " during " + phases.get(phases.size() - 1) + " (phase then: "
                + phaseAfter + ")");
        shop.deleteEvents(user);

        JsonNode done = awaitTask(task);
        long version = done.path("response").path("version").path("version").asLong();
        assertTrue(version > active, "the training succeeded: " + done);
        assertEquals(version, shop.status().path("active_version").asLong(), "and its version is active");

        assertNull(shop.storedProfile(version, user), "the activated version holds no profile of " + user);
        JsonNode shelf = shop.shelf(es, user);
        assertEquals(0, ForgetShop.becauseYouViewed(shelf), "nothing serves their history: " + shelf);
        assertEquals(
                ForgetShop.items(shop.shelf(es, ForgetShop.NOBODY)),
                ForgetShop.items(shelf),
                "their shelf is a stranger's");
        assertEquals(shop.rescored(es, ForgetShop.NOBODY), shop.rescored(es, user), "their rescore is a stranger's");
    }

    @Test
    @Order(3)
    void aForgottenUserStaysForgottenThroughAFullRestart() {
        String user = "u3";
        long active = shop.status().path("active_version").asLong();
        JsonNode profile = shop.storedProfile(active, user);
        assertNotNull(profile, user + " has a profile in the active version");
        shop.deleteEvents(user);
        assertEquals(200, shop.forget(es, user).status());
        long forgottenAt = shop.forgottenAt(es, user);

        RealCluster.restart(RealCluster.single());

        // a copy of the profile that missed the deletion (a restored snapshot, say) is back in the version: still not
        // served
        es.put("/" + shop.dataIndex(active) + "/_doc/u:" + user + "?refresh=true", profile)
                .ok();
        assertNotNull(shop.storedProfile(active, user));
        JsonNode shelf = shop.shelf(es, user);
        assertEquals(0, ForgetShop.becauseYouViewed(shelf), "nothing serves their history: " + shelf);
        assertEquals(shop.rescored(es, ForgetShop.NOBODY), shop.rescored(es, user), "their rescore is a stranger's");
        assertTrue(forgottenAt > 0, "the cluster state recorded the forgetting");
        assertEquals(
                forgottenAt,
                shop.forgottenAt(es, user),
                "the cluster state still forgets " + user + " after a full restart");
    }

    @Test
    @Order(4)
    void anImportStartedAfterTheForgettingBringsTheUserBack() {
        String user = "u3"; // forgotten by the previous test
        assertTrue(shop.forgottenAt(es, user) > 0, user + " is forgotten");
        String lines = String.format(Locale.ROOT, """
            {"item": "i1", "neighbors": ["i2", "i3"], "scores": [0.9, 0.5], "popularity": 10}
            {"item": "i2", "neighbors": ["i1"], "scores": [0.9], "popularity": 5}
            {"user": "%s", "history": ["i1"], "history_weights": [1.0], "items": ["i2"], "scores": [0.9], "because": ["i1"]}
            {"popular": ["i1", "i2", "i3"], "scores": [10, 5, 1]}
            """, user);
        JsonNode imported = es.ndjson("/_recommend/models/" + shop.model + "/_import", lines)
                .ok();
        long version = imported.path("version").path("version").asLong();
        assertEquals(version, shop.status().path("active_version").asLong(), imported.toString());
        assertNotNull(shop.storedProfile(version, user), "the explicit re-import holds the profile");
        JsonNode shelf = shop.shelf(es, user);
        assertTrue(ForgetShop.becauseYouViewed(shelf) > 0, "the re-imported profile serves: " + shelf);
    }

    private static JsonNode poll(String task, Predicate<String> phase, List<String> phases) {
        long deadline = System.currentTimeMillis() + 600_000;
        while (true) {
            JsonNode answer = es.get("/_tasks/" + task).ok();
            String now = answer.path("task").path("status").path("phase").asText("");
            if (phases.isEmpty() || phases.get(phases.size() - 1).equals(now) == false) {
                phases.add(now);
            }
            if (phase.test(now) || answer.path("completed").asBoolean()) {
                return answer;
            }
            if (System.currentTimeMillis() > deadline) {
                fail("task " + task + " did not get there: " + answer);
            }
            sleep(20);
        }
    }

    private static JsonNode awaitTask(String task) {
        long deadline = System.currentTimeMillis() + 600_000;
        while (true) {
            JsonNode answer = es.get("/_tasks/" + task).ok();
            if (answer.path("completed").asBoolean()) {
                return answer;
            }
            assertTrue(System.currentTimeMillis() < deadline, "task " + task + " did not complete: " + answer);
            sleep(100);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
