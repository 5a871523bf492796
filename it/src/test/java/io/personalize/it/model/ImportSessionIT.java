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
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Imports in parts on a real node whose {@code http.max_content_length} is small (256 KB), so that a model of about a
 * megabyte is larger than any one request may be: parts, a part sent again, a bad line in one part, an abort, an idle
 * session abandoned, two completions at once, and the model served through {@code _recommend} once activated.
 */
class ImportSessionIT {

    static final String EVENTS = "is-events";
    static final String ITEMS = "is-items";
    static final String MODEL = "is-model";
    static final int ITEM_COUNT = 50;
    static final long MAX_CONTENT = 256 * 1024;
    private static final ImportSessionRequests IMPORT = new ImportSessionRequests(MODEL, ITEM_COUNT);

    private static RealCluster.Nodes cluster;
    private static EsClient es;

    @BeforeAll
    static void startNode() {
        String prefix = System.getenv().getOrDefault("PERSONALIZE_IT_NAME", "it");
        // +50: a port of its own (FaultsIT's crash node takes +60, SecurityIT +40, LanguageModelWithoutNativesIT +45)
        int port = Integer.parseInt(System.getenv().getOrDefault("PERSONALIZE_IT_PORT", "19250")) + 50;
        cluster = RealCluster.start(prefix + "-import", 1, port, "--setting", "http.max_content_length=256kb");
        es = cluster.any();
        SyntheticEvents.createIndex(es, EVENTS);
        SyntheticEvents.createCatalog(es, ITEMS, ITEM_COUNT);
    }

    @BeforeEach
    void freshModel() {
        es.delete(path(MODEL));
        assertEquals(
                201,
                es.put(path(MODEL), SyntheticEvents.modelConfig(ITEMS, EVENTS)).status());
    }

    @AfterAll
    static void cleanUp() {
        es.delete(path(MODEL));
        es.delete("/" + EVENTS);
        es.delete("/" + ITEMS);
        RealCluster.killAll(cluster);
    }

    /** A user line: one history item, five recommended items from {@code IMPORT.item(u + 1)}, each because of the history. */
    private static String user(String prefix, int u) {
        StringBuilder items = new StringBuilder();
        StringBuilder scores = new StringBuilder();
        StringBuilder because = new StringBuilder();
        for (int k = 1; k <= 5; k++) {
            items.append(k > 1 ? ", " : "")
                    .append('"')
                    .append(IMPORT.item(u + k))
                    .append('"');
            scores.append(k > 1 ? ", " : "").append(1.0 - k * 0.1);
            because.append(k > 1 ? ", " : "").append('"').append(IMPORT.item(u)).append('"');
        }
        return "{\"user\": \"" + prefix + u + "\", \"history\": [\"" + IMPORT.item(u)
                + "\"], \"history_weights\": [1.0], " + "\"items\": [" + items + "], \"scores\": [" + scores
                + "], \"because\": [" + because + "]}\n";
    }

    private static String users(String prefix, int from, int to) {
        StringBuilder lines = new StringBuilder();
        for (int u = from; u < to; u++) {
            lines.append(user(prefix, u));
        }
        return lines.toString();
    }

    private static String open() {
        String session = IMPORT.open(es);
        assertTrue(session.matches("[^:]+:\\d+"), "a session id is a task id: " + session);
        return session;
    }

    private static String sessionPath(String session) {
        return IMPORT.sessionPath(session);
    }

    private static EsClient.Response part(String session, int part, String lines) {
        return IMPORT.part(es, session, part, lines);
    }

    private static JsonNode status() {
        return Models.status(es, MODEL);
    }

    /** The shelf of a user: the ids of the items recommended. */
    private static List<String> shelf(String user) {
        return IMPORT.shelf(es, user);
    }

    @Test
    void aModelLargerThanOneRequestIsImportedInPartsAndServed() {
        String all = IMPORT.items() + users("u", 0, 6000) + ImportSessionRequests.POPULAR;
        int bytes = all.getBytes(StandardCharsets.UTF_8).length;
        assertTrue(bytes > 3 * MAX_CONTENT, "the model (" + bytes + " bytes) is larger than a request may be");
        // the one-body import cannot take it
        try {
            EsClient.Response whole = es.ndjson(path(MODEL) + "/_import", all);
            assertEquals(413, whole.status(), whole.body());
        } catch (UncheckedIOException refused) {
            // the node may close the connection on a body over its limit: refused all the same
        }

        String session = open();
        // parts of at most 200 KB, cut at line ends
        List<String> parts = new ArrayList<>();
        StringBuilder part = new StringBuilder();
        for (String line : all.split("\n")) {
            if (part.length() + line.length() + 1 > 200 * 1024) {
                parts.add(part.toString());
                part.setLength(0);
            }
            part.append(line).append('\n');
        }
        parts.add(part.toString());
        assertTrue(parts.size() >= 4, "parts: " + parts.size());
        for (int i = 0; i < parts.size(); i++) {
            JsonNode answer = part(session, i + 1, parts.get(i)).ok();
            assertEquals("written", answer.path("parts").get(i).path("state").asText(), answer.toString());
        }
        // nothing serves the version before completion
        assertEquals("running", status().path("import").path("state").asText(), status().toString());
        JsonNode arrived = es.get(sessionPath(session)).ok();
        assertEquals(parts.size(), arrived.path("parts").size(), arrived.toString());
        assertEquals(ITEM_COUNT + 6000 + 1, arrived.path("lines").asLong(), arrived.toString());

        JsonNode completed = es.post(
                        sessionPath(session) + "/_complete?parts=" + parts.size() + "&newest_event=1700000000000", null)
                .ok();
        assertTrue(completed.path("acknowledged").asBoolean(), completed.toString());
        JsonNode version = completed.path("version");
        assertEquals(6000, version.path("users").asLong(), completed.toString());
        assertEquals(ITEM_COUNT, version.path("items").asLong(), completed.toString());
        assertEquals(1700000000000L, version.path("newest_event").asLong(), completed.toString());
        JsonNode status = status();
        assertEquals(
                version.path("version").asLong(), status.path("active_version").asLong(), status.toString());
        assertEquals("succeeded", status.path("import").path("state").asText(), status.toString());
        assertEquals(
                Set.of(version.path("index").asText()), dataIndices(es, MODEL).keySet(), "one version index");
        // the last user of the last part is served from the imported lists
        assertEquals(
                List.of(IMPORT.item(5999 + 1), IMPORT.item(5999 + 2)),
                shelf("u5999").subList(0, 2));
        assertEquals(List.of(IMPORT.item(1), IMPORT.item(2)), shelf("u0").subList(0, 2));
        // the session is over
        assertError(es.get(sessionPath(session)), 404, "not found", "a completed session");
    }

    @Test
    void aPartSentAgainReplacesWhatItWroteBefore() {
        String session = open();
        part(session, 1, IMPORT.items() + ImportSessionRequests.POPULAR).ok();
        part(session, 2, users("a", 0, 100)).ok();
        // the client lost the answer and sends part 2 again, now with other users (a retry may also be the same lines)
        JsonNode again = part(session, 2, users("b", 0, 40)).ok();
        assertEquals(2, again.path("parts").size(), again.toString());
        assertEquals(40, again.path("parts").get(1).path("users").asLong(), again.toString());
        JsonNode version =
                es.post(sessionPath(session) + "/_complete", null).ok().path("version");
        assertEquals(40, version.path("users").asLong(), version.toString());
        assertEquals(
                ITEM_COUNT + 40 + 1,
                dataIndices(es, MODEL).get(version.path("index").asText()));
        assertEquals(IMPORT.item(2), shelf("b1").get(0));
    }

    @Test
    void aBadLineInOnePartFailsTheWholeImportNamingPartAndLine() {
        JsonNode before = status();
        String session = open();
        part(session, 1, IMPORT.items()).ok();
        part(session, 2, users("u", 0, 100)).ok();
        String bad = user("u", 100) + "{\"user\": \"u101\", \"history\": [\"i1\"], \"history_weights\": []}\n";
        assertError(part(session, 3, bad), 400, "part [3] line 2: ", "a bad line in part 3");
        // the whole import failed: the session is gone, its version deleted, the status says where
        assertError(es.get(sessionPath(session)), 404, "not found", "the failed session");
        JsonNode status = status();
        assertEquals("failed", status.path("import").path("state").asText(), status.toString());
        assertTrue(status.path("import").path("reason").asText().contains("part [3] line 2"), status.toString());
        assertEquals(before.path("active_version"), status.path("active_version"), status.toString());
        assertEquals(Set.of(), dataIndices(es, MODEL).keySet(), "no version index left");
        // an id in two parts is a bad line too
        String second = open();
        part(second, 1, users("u", 0, 10)).ok();
        assertError(
                part(second, 2, user("u", 5)),
                400,
                "part [2] line 1: user [u5] appears twice (first in part [1] at line 6)",
                "a user in two parts");
    }

    @Test
    void anAbortedSessionLeavesNothingAndOneImportRunsAtATime() {
        String session = open();
        part(session, 1, IMPORT.items()).ok();
        // one import per model at a time: a second session and a one-body import are refused while it is open
        assertError(es.post(path(MODEL) + "/_import/_session", null), 409, "is already importing", "a second session");
        assertError(
                es.ndjson(path(MODEL) + "/_import", ImportSessionRequests.POPULAR),
                409,
                "is already importing",
                "an _import");
        assertEquals(1, dataIndices(es, MODEL).size(), "the session's version index");
        es.delete(sessionPath(session)).ok();
        JsonNode status = status();
        assertEquals("cancelled", status.path("import").path("state").asText(), status.toString());
        assertEquals(Set.of(), dataIndices(es, MODEL).keySet(), "the aborted version is deleted");
        assertError(part(session, 2, ImportSessionRequests.POPULAR), 404, "not found", "a part after the abort");
        // bad requests are named
        assertError(
                part("nosuchnode:1", 1, ImportSessionRequests.POPULAR),
                404,
                "is not in the cluster",
                "an unknown node");
        assertError(part("garbage", 1, ImportSessionRequests.POPULAR), 400, "[session]", "not a session id");
        String next = open();
        assertError(part(next, 0, ImportSessionRequests.POPULAR), 400, "[part] must be from 1", "part 0");
        assertError(part(next, 1, "\n \n"), 400, "part [1] has no line", "a blank part");
        assertError(es.post(sessionPath(next) + "/_complete", null), 400, "no part arrived", "nothing sent");
        es.delete(sessionPath(next)).ok();
    }

    @Test
    void anIdleSessionIsAbandonedAfterTheTimeout() {
        es.put("/_cluster/settings", "{\"persistent\": {\"personalize.import.session_timeout\": \"2s\"}}")
                .ok();
        try {
            String session = open();
            part(session, 1, IMPORT.items()).ok();
            long deadline = System.currentTimeMillis() + 120_000;
            JsonNode importing = status().path("import");
            while (importing.path("state").asText().equals("running")) {
                assertTrue(System.currentTimeMillis() < deadline, "never abandoned: " + importing);
                Models.sleep(200);
                importing = status().path("import");
            }
            assertEquals("failed", importing.path("state").asText(), importing.toString());
            assertTrue(importing.path("reason").asText().contains("abandoned"), importing.toString());
            assertEquals(Set.of(), dataIndices(es, MODEL).keySet(), "the abandoned version is deleted");
            assertError(es.get(sessionPath(session)), 404, "not found", "the abandoned session");
        } finally {
            es.put("/_cluster/settings", "{\"persistent\": {\"personalize.import.session_timeout\": null}}")
                    .ok();
        }
    }

    @Test
    void twoCompletionsAtOnceActivateOneVersion() throws Exception {
        long lastVersion = status().path("last_version").asLong();
        String session = open();
        part(session, 1, IMPORT.items() + ImportSessionRequests.POPULAR).ok();
        part(session, 2, users("u", 0, 800)).ok();
        CompletableFuture<EsClient.Response> first =
                CompletableFuture.supplyAsync(() -> es.post(sessionPath(session) + "/_complete", null));
        CompletableFuture<EsClient.Response> second =
                CompletableFuture.supplyAsync(() -> es.post(sessionPath(session) + "/_complete", null));
        List<EsClient.Response> answers = List.of(first.get(), second.get());
        List<EsClient.Response> won =
                answers.stream().filter(r -> r.status() == 200).toList();
        assertEquals(1, won.size(), "exactly one completion activates: " + answers);
        EsClient.Response lost =
                answers.stream().filter(r -> r.status() != 200).findFirst().orElseThrow();
        // the other one came while it completed (409), or after (404: the session is over)
        assertTrue(
                lost.status() == 409 && lost.reason().contains("is completing")
                        || lost.status() == 404 && lost.reason().contains("not found"),
                lost.toString());
        JsonNode status = status();
        assertEquals(lastVersion + 1, status.path("last_version").asLong(), status.toString());
        assertEquals(lastVersion + 1, status.path("active_version").asLong(), status.toString());
        assertEquals(800, won.get(0).json().path("version").path("users").asLong());
    }

    @Test
    void aNodeRestartedMidImportResumesTheSession() {
        String session = open();
        part(session, 1, IMPORT.items() + users("u", 0, 100)).ok();
        assertEquals(1, dataIndices(es, MODEL).size(), "the session's version index");
        // the node goes down with the session in it (a full restart): the session is in the cluster state, and the
        // restarted node takes it over at the next request
        RealCluster.restart(cluster);
        JsonNode resumed = es.get(sessionPath(session)).ok();
        assertEquals(1, resumed.path("parts").size(), resumed.toString());
        assertEquals("written", resumed.path("parts").get(0).path("state").asText(), resumed.toString());
        assertEquals(ITEM_COUNT + 100, resumed.path("lines").asLong(), resumed.toString());
        assertEquals("running", status().path("import").path("state").asText(), status().toString());
        part(session, 2, users("u", 100, 200) + ImportSessionRequests.POPULAR).ok();
        JsonNode completed =
                es.post(sessionPath(session) + "/_complete?parts=2", null).ok();
        assertEquals(200, completed.path("version").path("users").asLong(), completed.toString());
        assertEquals(ITEM_COUNT, completed.path("version").path("items").asLong(), completed.toString());
        Map<String, Long> indices = dataIndices(es, MODEL);
        assertEquals(Set.of(completed.path("version").path("index").asText()), indices.keySet());
        assertEquals(ITEM_COUNT + 200 + 1, indices.values().iterator().next(), "one document per line");
        assertEquals(
                List.of(IMPORT.item(5 + 1), IMPORT.item(5 + 2)), shelf("u5").subList(0, 2));
        assertEquals(
                List.of(IMPORT.item(150 + 1), IMPORT.item(150 + 2)),
                shelf("u150").subList(0, 2));
        assertError(es.get(sessionPath(session)), 404, "not found", "a completed session");
    }
}
