package io.personalize.it.model;

import static io.personalize.it.model.Models.assertError;
import static io.personalize.it.model.Models.dataIndices;
import static io.personalize.it.model.Models.path;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.bench.SyntheticEvents;
import io.personalize.it.EsClient;
import io.personalize.it.RealCluster;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Import sessions outlive their node, on 3 real nodes with a copy of every index on every node: the node holding a
 * session killed (kill -9) between parts, the remaining parts and the completion sent to another node, which takes the
 * session over; the cross-part id check across that takeover; a full restart mid-import; and a session whose node died
 * for good abandoned by the elected master after the timeout, its version deleted; and a session's opening sent
 * again with its {@code import_id} to another node, before and after a takeover, answering the same session.
 */
class ImportSessionTakeoverIT {

    static final String EVENTS = "ist-events";
    static final String ITEMS = "ist-items";
    static final String MODEL = "ist-model";
    static final int ITEM_COUNT = 50;
    private static final ImportSessionRequests IMPORT = new ImportSessionRequests(MODEL, ITEM_COUNT);

    private static RealCluster.Nodes cluster;

    @BeforeAll
    static void shop() {
        cluster = RealCluster.three();
        IMPORT.shopOnEveryNode(cluster, ITEMS, EVENTS);
    }

    @BeforeEach
    void freshModel() {
        cluster.green();
        EsClient es = cluster.any();
        es.delete(path(MODEL));
        assertEquals(
                201,
                es.put(path(MODEL), SyntheticEvents.modelConfig(ITEMS, EVENTS)).status());
    }

    @AfterAll
    static void cleanUp() {
        if (cluster == null) {
            return;
        }
        cluster.green();
        EsClient es = cluster.any();
        es.put("/_cluster/settings", "{\"persistent\": {\"personalize.import.session_timeout\": null}}");
        es.delete(path(MODEL));
        es.delete("/" + EVENTS);
        es.delete("/" + ITEMS);
    }

    private static EsClient node(int i) {
        return cluster.nodes().get(i);
    }

    /** Kills node {@code victim} (kill -9) and waits until the elected master saw it leave. */
    private static void kill(int victim, EsClient survivor) {
        RealCluster.killNode(cluster, victim);
        survivor.get("/_cluster/health?wait_for_nodes=2&timeout=120s").ok();
    }

    private static String users(int from, int to) {
        return IMPORT.users(from, to, 0);
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.currentTimeMillis() + 120_000;
        while (condition.getAsBoolean() == false) {
            assertTrue(System.currentTimeMillis() < deadline, "never: " + what);
            Models.sleep(250);
        }
    }

    @Test
    void aSessionWhoseNodeWasKilledIsCompletedOnAnotherNodeAndServes() {
        int master = cluster.master();
        int holder = (master + 1) % 3;
        int other = (master + 2) % 3;
        String session =
                IMPORT.open(node(holder), "job-run-1").ok().path("session").asText();
        IMPORT.part(node(holder), session, 1, IMPORT.items() + users(0, 100)).ok();
        IMPORT.part(node(holder), session, 2, users(100, 200)).ok();
        try {
            kill(holder, node(other));
            // the opening sent again with its import_id (its answer lost) to another node: that node takes the
            // session over and answers it, its two parts written
            JsonNode again = IMPORT.open(node(other), "job-run-1").ok();
            assertEquals(session, again.path("session").asText(), again.toString());
            assertEquals("open", again.path("state").asText(), again.toString());
            assertEquals(2, again.path("parts").size(), again.toString());
            // the session is alive: its import runs, its version index stays
            assertEquals(
                    "running",
                    Models.status(node(other), MODEL)
                            .path("import")
                            .path("state")
                            .asText());
            assertEquals(1, dataIndices(node(other), MODEL).size());
            // the next part, sent to another node, takes the session over and goes on
            JsonNode answer = IMPORT.part(node(other), session, 3, users(200, 300) + ImportSessionRequests.POPULAR)
                    .ok();
            assertEquals(3, answer.path("parts").size(), answer.toString());
            for (JsonNode written : answer.path("parts")) {
                assertEquals("written", written.path("state").asText(), answer.toString());
            }
            assertEquals(ITEM_COUNT + 300 + 1, answer.path("lines").asLong(), answer.toString());
            // any node answers for it (forwarded to its new holder)
            assertEquals(
                    3,
                    node(master)
                            .get(IMPORT.sessionPath(session))
                            .ok()
                            .path("parts")
                            .size());
            JsonNode completed = node(master)
                    .post(IMPORT.sessionPath(session) + "/_complete?parts=3", null)
                    .ok();
            assertEquals(300, completed.path("version").path("users").asLong(), completed.toString());
            assertEquals(ITEM_COUNT, completed.path("version").path("items").asLong(), completed.toString());
            Map<String, Long> indices = dataIndices(node(other), MODEL);
            assertEquals(Set.of(completed.path("version").path("index").asText()), indices.keySet());
            assertEquals(ITEM_COUNT + 300 + 1, indices.values().iterator().next(), "one document per line");
            JsonNode status = Models.status(node(other), MODEL);
            assertEquals("succeeded", status.path("import").path("state").asText(), status.toString());
            // served: users of the parts written before and after the takeover
            assertEquals(
                    List.of(IMPORT.item(6), IMPORT.item(7)),
                    IMPORT.shelf(node(master), "u5").subList(0, 2));
            assertEquals(
                    List.of(IMPORT.item(251), IMPORT.item(252)),
                    IMPORT.shelf(node(other), "u250").subList(0, 2));
            assertError(node(other).get(IMPORT.sessionPath(session)), 404, "not found", "a completed session");
        } finally {
            RealCluster.startNode(cluster, holder);
        }
        cluster.green();
        // the restarted node serves it too
        assertEquals(
                List.of(IMPORT.item(151), IMPORT.item(152)),
                IMPORT.shelf(node(holder), "u150").subList(0, 2));
    }

    /**
     * A session's opening sent again with the same {@code import_id} to another node (the first answer lost) answers the
     * session the first opened, nothing reserved or created twice; another id or none is refused as a second import; a
     * bad id is a 400; the completed import's id names its version and opens nothing more.
     */
    @Test
    void anOpeningSentAgainWithItsImportIdAnswersTheSameSessionOnAnyNode() {
        EsClient.Response first = IMPORT.open(node(0), "run-42");
        assertEquals(200, first.status(), first.body());
        JsonNode opened = first.json();
        String session = opened.path("session").asText();
        long pending = opened.path("pending_version").asLong();
        JsonNode again = IMPORT.open(node(1), "run-42").ok();
        assertEquals(session, again.path("session").asText(), again.toString());
        assertEquals(pending, again.path("pending_version").asLong(), again.toString());
        assertEquals("open", again.path("state").asText(), again.toString());
        JsonNode status = Models.status(node(2), MODEL);
        assertEquals("run-42", status.path("import").path("import_id").asText(), status.toString());
        assertEquals(pending, status.path("last_version").asLong(), "no second version reserved: " + status);
        assertEquals(1, dataIndices(node(2), MODEL).size(), "one version index");

        assertError(IMPORT.open(node(2), "run-43"), 409, "is already importing", "another import_id");
        assertError(node(2).post(path(MODEL) + "/_import/_session", null), 409, "is already importing", "no import_id");
        assertError(IMPORT.open(node(1), "%20"), 400, "[import_id] must be 1 to 256 characters", "a blank id");
        assertError(IMPORT.open(node(1), "x".repeat(257)), 400, "[import_id]", "an id too long");

        IMPORT.part(node(1), session, 1, IMPORT.items() + users(0, 100) + ImportSessionRequests.POPULAR)
                .ok();
        JsonNode third = IMPORT.open(node(2), "run-42").ok();
        assertEquals(session, third.path("session").asText(), third.toString());
        assertEquals("written", third.path("parts").path(0).path("state").asText(), third.toString());
        JsonNode completed =
                node(2).post(IMPORT.sessionPath(session) + "/_complete", null).ok();
        assertEquals(pending, completed.path("version").path("version").asLong(), completed.toString());
        assertEquals("run-42", completed.path("version").path("import_id").asText(), completed.toString());
        assertEquals(
                Set.of(completed.path("version").path("index").asText()),
                dataIndices(node(0), MODEL).keySet());
        assertEquals(
                List.of(IMPORT.item(6), IMPORT.item(7)),
                IMPORT.shelf(node(0), "u5").subList(0, 2));
        // the import it names is over: no new session under that id; the id and outcome are fields of the error
        EsClient.Response over = IMPORT.open(node(0), "run-42");
        assertError(
                over,
                409,
                "the import [run-42] of model [" + MODEL + "] is over: its import session [" + session
                        + "] succeeded: version [" + pending + "]",
                "the id of a completed session");
        assertEquals("run-42", over.json().path("error").path("import_id").asText(), over.body());
        assertEquals("succeeded", over.json().path("error").path("import_state").asText(), over.body());
        assertEquals(pending, Models.status(node(0), MODEL).path("last_version").asLong());

        // the same opening sent to the three nodes at once (a resend racing the first): one session, answered by all
        List<CompletableFuture<EsClient.Response>> racing = List.of(0, 1, 2).stream()
                .map(n -> CompletableFuture.supplyAsync(() -> IMPORT.open(node(n), "run-44")))
                .toList();
        Set<String> sessions = new java.util.HashSet<>();
        for (CompletableFuture<EsClient.Response> answer : racing) {
            EsClient.Response response = answer.join();
            assertEquals(200, response.status(), response.body());
            sessions.add(response.json().path("session").asText());
        }
        assertEquals(1, sessions.size(), "one session for one import_id: " + sessions);
        assertEquals(
                pending + 1, Models.status(node(0), MODEL).path("last_version").asLong(), "one version reserved");
        node(0).delete(IMPORT.sessionPath(sessions.iterator().next())).ok();
    }

    @Test
    void anIdInTwoPartsIsRefusedAcrossATakeover() {
        int master = cluster.master();
        int holder = (master + 1) % 3;
        int other = (master + 2) % 3;
        String session = IMPORT.open(node(holder));
        IMPORT.part(node(holder), session, 1, IMPORT.items() + users(0, 100)).ok();
        try {
            kill(holder, node(other));
            // user u5 was line 56 of part 1 (50 items first); here it is line 11
            EsClient.Response twice = IMPORT.part(node(other), session, 2, users(100, 110) + users(5, 6));
            assertError(
                    twice,
                    400,
                    "part [2] line 11: user [u5] appears twice (first in part [1] at line 56)",
                    "an id sent in two parts, across a takeover");
            JsonNode status = Models.status(node(other), MODEL);
            assertEquals("failed", status.path("import").path("state").asText(), status.toString());
            assertTrue(status.path("import").path("reason").asText().contains("appears twice"), status.toString());
            assertEquals(Map.of(), dataIndices(node(other), MODEL), "the failed import's version is deleted");
            assertError(node(master).get(IMPORT.sessionPath(session)), 404, "not found", "a failed session");
        } finally {
            RealCluster.startNode(cluster, holder);
        }
    }

    @Test
    void aFullRestartMidImportResumes() {
        String session = IMPORT.open(node(0));
        IMPORT.part(node(0), session, 1, IMPORT.items() + users(0, 100)).ok();
        RealCluster.restart(cluster);
        cluster.green();
        JsonNode answer = IMPORT.part(node(1), session, 2, users(100, 200) + ImportSessionRequests.POPULAR)
                .ok();
        assertEquals(2, answer.path("parts").size(), answer.toString());
        JsonNode completed =
                node(2).post(IMPORT.sessionPath(session) + "/_complete", null).ok();
        assertEquals(200, completed.path("version").path("users").asLong(), completed.toString());
        assertEquals(
                List.of(IMPORT.item(6), IMPORT.item(7)),
                IMPORT.shelf(node(0), "u5").subList(0, 2));
        assertEquals(
                List.of(IMPORT.item(151), IMPORT.item(152)),
                IMPORT.shelf(node(2), "u150").subList(0, 2));
    }

    @Test
    void aSessionWhoseNodeDiedIsAbandonedAfterTheTimeout() {
        int master = cluster.master();
        int holder = (master + 1) % 3;
        int other = (master + 2) % 3;
        String session = IMPORT.open(node(holder));
        IMPORT.part(node(holder), session, 1, IMPORT.items() + users(0, 100)).ok();
        try {
            kill(holder, node(other));
            assertEquals(1, dataIndices(node(other), MODEL).size(), "kept while the session may be resumed");
            // nobody comes back for it: the elected master abandons it once idle for the timeout
            node(other)
                    .put("/_cluster/settings", "{\"persistent\": {\"personalize.import.session_timeout\": \"2s\"}}")
                    .ok();
            await(
                    () -> "failed"
                            .equals(Models.status(node(other), MODEL)
                                    .path("import")
                                    .path("state")
                                    .asText()),
                    "the session abandoned");
            JsonNode importing = Models.status(node(other), MODEL).path("import");
            assertTrue(importing.path("reason").asText().contains("abandoned"), importing.toString());
            await(() -> dataIndices(node(other), MODEL).isEmpty(), "its version index deleted");
            assertError(node(other).get(IMPORT.sessionPath(session)), 404, "not found", "an abandoned session");
            // and its record goes from the cluster state, last
            await(
                    () -> node(other)
                                    .get("/_cluster/state/metadata?filter_path=**.personalize_import_sessions")
                                    .ok()
                                    .toString()
                                    .contains(session)
                            == false,
                    "its record removed");
        } finally {
            node(other).put("/_cluster/settings", "{\"persistent\": {\"personalize.import.session_timeout\": null}}");
            RealCluster.startNode(cluster, holder);
        }
    }

    /** Whether the cluster state records part {@code part} of {@code session} as being written. */
    private static boolean recordedWriting(EsClient es, String session, int part) {
        JsonNode state = es.get("/_cluster/state/metadata?filter_path=**.personalize_import_sessions")
                .ok();
        JsonNode records = state.findValue("personalize_import_sessions");
        if (records == null) {
            return false;
        }
        for (JsonNode writing : records.path("sessions").path(session).path("writing")) {
            if (writing.asInt() == part) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aPartInFlightWhenItsNodeDiesIsSentAgainToAnotherNode() {
        int master = cluster.master();
        int holder = (master + 1) % 3;
        int other = (master + 2) % 3;
        String session = IMPORT.open(node(holder));
        IMPORT.part(node(holder), session, 1, IMPORT.items() + ImportSessionRequests.POPULAR)
                .ok();
        String big = users(0, 30_000);
        CompletableFuture<EsClient.Response> inFlight = CompletableFuture.supplyAsync(() -> {
            try {
                return IMPORT.part(node(holder), session, 2, big);
            } catch (RuntimeException lost) {
                return null; // the node died under it
            }
        });
        try {
            await(() -> recordedWriting(node(other), session, 2) || inFlight.isDone(), "part 2 being written");
            boolean midWrite = inFlight.isDone() == false;
            kill(holder, node(other));
            System.out.println("ImportSessionTakeoverIT: holder killed " + (midWrite ? "while" : "after") + " it wrote"
                    + " part 2");
            // sent again, to another node: it replaces whatever the dead node wrote of it
            JsonNode answer = IMPORT.part(node(other), session, 2, big).ok();
            assertEquals(ITEM_COUNT + 30_000 + 1, answer.path("lines").asLong(), answer.toString());
            JsonNode completed = node(other)
                    .post(IMPORT.sessionPath(session) + "/_complete?parts=2", null)
                    .ok();
            assertEquals(30_000, completed.path("version").path("users").asLong(), completed.toString());
            Map<String, Long> indices = dataIndices(node(other), MODEL);
            assertEquals(ITEM_COUNT + 30_000 + 1, indices.values().iterator().next(), "one document per line");
            assertEquals(
                    List.of(IMPORT.item(29_999 + 1), IMPORT.item(29_999 + 2)),
                    IMPORT.shelf(node(master), "u29999").subList(0, 2));
        } finally {
            RealCluster.startNode(cluster, holder);
        }
    }
}
