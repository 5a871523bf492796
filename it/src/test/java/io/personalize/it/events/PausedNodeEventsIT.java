package io.personalize.it.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import io.personalize.it.RealCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The events API with a node paused (SIGSTOP, by its pid file) while it sends every node the shoppers' newest items,
 * on 3 real nodes, every index with 3 shards and a replica, {@code personalize.cache.recent_items.expire_after_write}
 * at 5 s. The answer comes (the paused node holds a copy of the newest-items index, so the writes wait for it until it
 * is resumed or the master removes it: Elasticsearch's fault detection), nothing written is lost, the other nodes
 * serve the event as soon as the answer comes, and the paused node serves it once it is back: at once when it stayed
 * in the cluster, and from its rejoining on when it was removed (it drops its whole copy when it follows a master
 * again). While it is paused, the plugin's own reads on another node do not wait for it (each node reads its own copy
 * of the model's indices). The times are printed.
 */
class PausedNodeEventsIT {

    /**
     * How long a node may be paused and stay in the cluster: under 3 failed follower checks of {@link
     * RealCluster#FOLLOWER_CHECK_TIMEOUT} a second apart (about 17 s on the test cluster; 33 s with Elasticsearch's 10 s).
     */
    private static final long SHORT_PAUSE_MS = 8_000;

    /**
     * The bound the README states for the events API's answer while a node is paused: the master's fault detection
     * (3 follower checks of 10 s by default, 5 s on the test cluster, then the node's removal is published) plus the
     * writes, with slack for a loaded machine.
     */
    private static final long ANSWER_BOUND_MS = 90_000;

    /** A request that needs no copy on the paused node: well under the fault detection's tens of seconds. */
    private static final long LOCAL_BOUND_MS = 10_000;

    private static final String EXPIRE = "personalize.cache.recent_items.expire_after_write";

    private static RealCluster.Nodes cluster;
    private static TinyShop shop;
    /** A second shop whose own indices live on node-0 only: its searches never wait for another node. */
    private static TinyShop local;

    private static ExecutorService pool;

    @BeforeAll
    static void shop() {
        cluster = RealCluster.three();
        shop = new TinyShop(cluster.any(), "paused-events", 3, 1);
        shop.importVersion("a", "b", "c");
        local = new TinyShop(cluster.any(), "paused-local", 1, 0);
        cluster.any()
                .put(
                        "/" + local.products + "," + local.events + "/_settings",
                        "{\"index.routing.allocation.require._name\": \"node-0\"}")
                .ok();
        local.importVersion("a", "b", "c");
        // its newest-items index (a copy on every node, as the version indices): created by a first event
        cluster.any()
                .post("/_recommend/models/" + local.model + "/_events", event("u-local", "a"))
                .ok();
        cluster.any()
                .put("/_cluster/settings", "{\"persistent\": {\"" + EXPIRE + "\": \"5s\"}}")
                .ok();
        cluster.any()
                .get("/_cluster/health?wait_for_status=green&wait_for_nodes=3&wait_for_no_relocating_shards=true"
                        + "&timeout=120s")
                .ok();
        pool = Executors.newFixedThreadPool(4);
    }

    @AfterAll
    static void cleanUp() {
        if (pool != null) {
            pool.shutdownNow();
        }
        if (local != null) {
            local.cleanUp();
        }
        if (shop != null) {
            shop.cleanUp();
            cluster.any()
                    .put("/_cluster/settings", "{\"persistent\": {\"" + EXPIRE + "\": null}}")
                    .ok();
        }
    }

    private static String event(String user, String sku) {
        return String.format(
                Locale.ROOT,
                "{\"user_id\": \"%s\", \"sku\": \"%s\", \"type\": \"view\", \"@timestamp\": %d}",
                user,
                sku,
                System.currentTimeMillis());
    }

    private static String eventsPath() {
        return "/_recommend/models/" + shop.model + "/_events";
    }

    private static EsClient.Response shelfResponse(EsClient node, String user) {
        return node.post(
                "/_recommend", "{\"model\": \"" + shop.model + "\", \"user_id\": \"" + user + "\", \"size\": 2}");
    }

    private static List<String> shelf(EsClient node, String user) {
        return TinyShop.items(shelfResponse(node, user).ok());
    }

    /** The first hit of every product rescored by similarity to the user's newest items, and popularity. */
    private static EsClient.Response topHitResponse(EsClient node, String user) {
        return node.post("/" + shop.products + "/_search", String.format(Locale.ROOT, """
                {"size": 1, "query": {"match": {"title": "product"}},
                 "rescore": {"window_size": 10, "personalize": {"model": "%s", "user_id": "%s",
                   "weights": {"query": 0, "item_similarity": 1, "user_affinity": 0, "attribute_affinity": 0,
                               "popularity": 0.1}}}}""", shop.model, user));
    }

    private static String topHit(EsClient node, String user) {
        return topHitResponse(node, user)
                .ok()
                .path("hits")
                .path("hits")
                .get(0)
                .path("_id")
                .asText();
    }

    /** A node that is not the elected master (pausing the master would be another test: a new election). */
    private static int notTheMaster() {
        String master = cluster.any().get("/_cat/master?h=node").body().trim();
        return master.equals("node-2") ? 1 : 2;
    }

    private static String recentIndex() {
        return recentIndex(cluster.any());
    }

    private static String recentIndex(EsClient node) {
        String uuid = node.get("/_recommend/models/" + shop.model)
                .ok()
                .path("status")
                .path("uuid")
                .asText();
        return ".personalize-recent-" + shop.model + "." + uuid;
    }

    /** Warms every node's copy of the user's newest items (none yet) and their signals: a stranger everywhere. */
    private static void warm(String user) {
        for (int round = 0; round < 2; round++) {
            for (EsClient node : cluster.nodes()) {
                assertEquals(List.of("f", "e"), shelf(node, user), node.baseUrl() + ": a stranger");
                assertEquals("f", topHit(node, user), node.baseUrl() + ": a stranger, the most popular first");
            }
        }
    }

    private static void assertServesTheEvent(EsClient node, String user, String why) {
        assertEquals(List.of("b", "c"), shelf(node, user), node.baseUrl() + ": " + why);
        assertEquals("b", topHit(node, user), node.baseUrl() + ": " + why);
    }

    private record Timed<T>(T value, long millis) {}

    private static <T> Future<Timed<T>> timed(Supplier<T> call) {
        return pool.submit(() -> {
            long start = System.nanoTime();
            T value = call.get();
            return new Timed<>(value, (System.nanoTime() - start) / 1_000_000);
        });
    }

    @Test
    void aNodePausedForLessThanFaultDetectionHoldsTheAnswerUntilResumedThenServesTheEventAtOnce() throws Exception {
        String user = "u-short-pause";
        warm(user);
        int paused = notTheMaster();
        EsClient coordinator = cluster.nodes().get(0);
        Future<Timed<EsClient.Response>> sent;
        RealCluster.pauseNode(cluster, paused);
        try {
            sent = timed(() -> coordinator.post(eventsPath(), event(user, "a")));
            Thread.sleep(SHORT_PAUSE_MS); // the pause itself, not a wait for a result
        } finally {
            RealCluster.resumeNode(cluster, paused);
        }
        Timed<EsClient.Response> answer = sent.get(ANSWER_BOUND_MS, TimeUnit.MILLISECONDS);
        System.out.printf(
                Locale.ROOT,
                "PausedNodeEventsIT: events API with node-%d paused %d ms (stayed in the cluster) answered in %d ms%n",
                paused,
                SHORT_PAUSE_MS,
                answer.millis());
        JsonNode written = answer.value().ok();
        assertFalse(written.path("errors").asBoolean(), written.toString());
        assertEquals(201, written.path("items").get(0).path("status").asInt(), written.toString());
        assertEquals(
                3, cluster.any().get("/_cat/nodes?format=json").json().size(), "the paused node stayed in the cluster");
        // no wait of any kind: the answer means every node applied the event, the resumed one included
        for (EsClient node : cluster.nodes()) {
            assertServesTheEvent(node, user, "the answer came once every node had the event");
        }
    }

    @Test
    void aNodePausedUntilRemovedDoesNotHoldTheAnswerAndServesTheEventOnceBack() throws Exception {
        String user = "u-long-pause";
        warm(user);
        int paused = notTheMaster();
        String pausedName = "node-" + paused;
        EsClient pausedNode = cluster.nodes().get(paused);
        EsClient coordinator = cluster.nodes().get(0);
        List<EsClient> others = new ArrayList<>(cluster.nodes());
        others.remove(pausedNode);
        String recentDoc = "/" + recentIndex() + "/_doc/" + user;

        Timed<EsClient.Response> answer;
        Future<Timed<EsClient.Response>> pinnedGet;
        Future<Timed<EsClient.Response>> otherShelf;
        RealCluster.pauseNode(cluster, paused);
        long resumedAt;
        try {
            Future<Timed<EsClient.Response>> sent = timed(() -> coordinator.post(eventsPath(), event(user, "a")));
            // what Elasticsearch does with a read of the paused node's copy (not the plugin's: it reads its own)
            pinnedGet = timed(() -> coordinator.get(recentDoc + "?preference=_only_nodes:" + pausedName));
            // a shelf of another shopper meanwhile: the plugin reads its node's own copies, the catalogue search is
            // Elasticsearch's
            otherShelf = timed(() -> shelfResponse(coordinator, "u-meanwhile"));
            // the same through node-0 for the shop whose catalogue is on node-0 only: nothing waits for the paused
            // node,
            // the plugin's reads of the version and of the newest items included (each node reads its own copy)
            for (String u : List.of("u-local", "u-local-2")) {
                Timed<EsClient.Response> localShelf = timed(() -> coordinator.post(
                                "/_recommend",
                                "{\"model\": \"" + local.model + "\", \"user_id\": \"" + u + "\", \"size\": 2}"))
                        .get(ANSWER_BOUND_MS, TimeUnit.MILLISECONDS);
                Timed<EsClient.Response> localSearch = timed(() -> coordinator.post(
                                "/" + local.products + "/_search", String.format(Locale.ROOT, """
                                        {"size": 1, "query": {"match": {"title": "product"}},
                                         "rescore": {"window_size": 10, "personalize": {"model": "%s", "user_id": "%s"}}}""", local.model, u)))
                        .get(ANSWER_BOUND_MS, TimeUnit.MILLISECONDS);
                System.out.printf(
                        Locale.ROOT,
                        "PausedNodeEventsIT: while node-%d was paused, node-0's own catalogue: _recommend for %s in %d ms,"
                                + " a rescored search in %d ms%n",
                        paused,
                        u,
                        localShelf.millis(),
                        localSearch.millis());
                assertEquals(
                        200, localShelf.value().status(), localShelf.value().body());
                assertEquals(
                        200, localSearch.value().status(), localSearch.value().body());
                assertTrue(
                        localShelf.millis() < LOCAL_BOUND_MS && localSearch.millis() < LOCAL_BOUND_MS,
                        "a request whose shards are all on node-0 waited for the paused node");
            }
            assertEquals(
                    List.of("b", "c"),
                    TinyShop.items(coordinator
                            .post(
                                    "/_recommend",
                                    "{\"model\": \"" + local.model + "\", \"user_id\": \"u-local\", \"size\": 2}")
                            .ok()));
            answer = sent.get(ANSWER_BOUND_MS, TimeUnit.MILLISECONDS);
            JsonNode nodes = coordinator.get("/_cat/nodes?format=json&h=name").json();
            System.out.printf(
                    Locale.ROOT,
                    "PausedNodeEventsIT: events API with node-%d paused until removed answered in %d ms; nodes then: %s%n",
                    paused,
                    answer.millis(),
                    nodes);
            JsonNode written = answer.value().ok();
            assertFalse(written.path("errors").asBoolean(), written.toString());
            assertEquals(201, written.path("items").get(0).path("status").asInt(), written.toString());
            // the other nodes serve the event as soon as the answer came, while the node is still paused
            for (EsClient node : others) {
                assertServesTheEvent(node, user, "the paused node is out: the others have the event");
            }
        } finally {
            RealCluster.resumeNode(cluster, paused);
            resumedAt = System.nanoTime();
        }
        Timed<EsClient.Response> pinned = pinnedGet.get(ANSWER_BOUND_MS, TimeUnit.MILLISECONDS);
        Timed<EsClient.Response> shelfMeanwhile = otherShelf.get(ANSWER_BOUND_MS, TimeUnit.MILLISECONDS);
        System.out.printf(
                Locale.ROOT,
                "PausedNodeEventsIT: while node-%d was paused, a GET pinned to its copy answered %d in %d ms;"
                        + " a _recommend through node-0 answered %d in %d ms%n",
                paused,
                pinned.value().status(),
                pinned.millis(),
                shelfMeanwhile.value().status(),
                shelfMeanwhile.millis());
        assertEquals(
                200, shelfMeanwhile.value().status(), shelfMeanwhile.value().body());

        // once back, the node serves the event as soon as it has found out it was removed (it drops its whole copy
        // when it follows a master again, and its own copy of the index is recovered before it serves reads)
        long deadline = System.currentTimeMillis() + 120_000;
        long firstRight = -1;
        int older = 0;
        int failed = 0;
        while (firstRight < 0) {
            EsClient.Response answerNow = shelfResponse(pausedNode, user);
            if (answerNow.status() == 200 && TinyShop.items(answerNow.json()).equals(List.of("b", "c"))) {
                firstRight = (System.nanoTime() - resumedAt) / 1_000_000;
            } else {
                if (answerNow.status() == 200) {
                    older++;
                } else {
                    failed++;
                }
                assertTrue(
                        System.currentTimeMillis() < deadline,
                        "the resumed node never served the event: " + answerNow.body());
                Thread.sleep(100);
            }
        }
        coordinator
                .get("/_cluster/health?wait_for_nodes=3&wait_for_status=green&timeout=120s")
                .ok();
        long version =
                coordinator.get("/_cluster/state/version").ok().path("version").asLong();
        waitUntilApplied(pausedNode, version);
        System.out.printf(
                Locale.ROOT,
                "PausedNodeEventsIT: node-%d served the event %d ms after it was resumed (before: %d answers without"
                        + " it, %d failed)%n",
                paused,
                firstRight,
                older,
                failed);
        for (int round = 0; round < 3; round++) {
            for (EsClient node : cluster.nodes()) {
                assertServesTheEvent(node, user, "back in the cluster");
            }
        }
        // nothing lost: the event is in the events index, and the resumed node's copy of the newest-items index has it
        String id = answer.value().json().path("items").get(0).path("_id").asText();
        for (EsClient node : cluster.nodes()) {
            assertEquals(
                    user,
                    node.get("/" + shop.events + "/_doc/" + id)
                            .ok()
                            .path("_source")
                            .path("user_id")
                            .asText());
        }
        JsonNode kept = coordinator
                .get(recentDoc + "?preference=_only_nodes:" + pausedName)
                .ok()
                .path("_source")
                .path("items");
        assertEquals("a", kept.get(0).asText(), kept.toString());
    }

    /**
     * The node that handles an events request killed (kill -9) between the events' bulk write and the newest-items
     * merge: the other node that is no master is paused so that the merge (whose writes wait for every copy of the
     * newest-items index) holds the request there, the events index kept off it so that the bulk does not wait; the
     * handling node dies once the event is in the events index. The client gets no answer (a connection reset), the
     * event is in the events index (nothing lost). The event carries its own {@code _id}, so the honest resend of the
     * same body to another node writes nothing more (409 for the event: its document exists) and merges the event's
     * item, which every node, the restarted one included, then serves; the events index and the shopper's newest-items
     * document each hold it once. (Without an {@code _id} the resend writes a second document: README, "The events
     * API".)
     */
    @Test
    void theHandlingNodeKilledBetweenTheBulkAndTheMergeThenAResend() throws Exception {
        int master = cluster.master();
        // not node-0: the other tests send through node-0 and count on what it keeps (a restart empties its caches)
        int handler = master == 1 ? 2 : 1;
        int paused = 3 - master - handler;
        EsClient live = cluster.nodes().get(master);
        EsClient handling = cluster.nodes().get(handler);
        String pausedName = "node-" + paused;
        live.put(
                        "/" + shop.events + "/_settings",
                        "{\"index.routing.allocation.exclude._name\": \"" + pausedName + "\"}")
                .ok();
        live.get("/_cluster/health/" + shop.events + "?wait_for_status=green&wait_for_no_relocating_shards=true"
                        + "&timeout=120s")
                .ok();
        String user = null;
        String body = null;
        Future<Timed<EsClient.Response>> sent = null;
        boolean killed = false;
        try {
            for (int attempt = 0; attempt < 3 && killed == false; attempt++) {
                user = "u-killed-" + attempt;
                warm(user);
                body = "{\"_id\": \"ev-" + user + "\", " + event(user, "a").substring(1);
                String sending = body;
                RealCluster.pauseNode(cluster, paused);
                try {
                    sent = timed(() -> handling.post(eventsPath(), sending));
                    if (eventsOf(live, user, 15_000) == 1) {
                        RealCluster.killNode(cluster, handler);
                        killed = true;
                    }
                } finally {
                    RealCluster.resumeNode(cluster, paused);
                }
                if (killed == false) {
                    // held before its bulk (a read of a copy on the paused node): let it finish, another shopper
                    sent.get(ANSWER_BOUND_MS, TimeUnit.MILLISECONDS).value().ok();
                    System.out.println("PausedNodeEventsIT: the events request for " + user
                            + " waited for the paused node before its bulk: another shopper");
                }
            }
            assertTrue(killed, "no events request could be held between its bulk and its merge");
            // the killed node out of the cluster and its primaries promoted elsewhere before the indices are read
            live.get("/_cluster/health/" + shop.events + "," + recentIndex(live)
                            + "?wait_for_nodes=2&wait_for_status=yellow&timeout=120s")
                    .ok();
            String outcome;
            try {
                EsClient.Response answer =
                        sent.get(ANSWER_BOUND_MS, TimeUnit.MILLISECONDS).value();
                outcome = answer.status() + " " + answer.body();
            } catch (java.util.concurrent.ExecutionException e) {
                outcome = "no answer: " + e.getCause();
            }
            String recentDoc = "/" + recentIndex(live) + "/_doc/" + user;
            EsClient.Response kept = live.get(recentDoc);
            System.out.printf(
                    Locale.ROOT,
                    "PausedNodeEventsIT: events request via node-%d, killed after its bulk while node-%d was paused:"
                            + " %s; events of %s in the events index: %d; newest-items document: %s%n",
                    handler,
                    paused,
                    outcome,
                    user,
                    eventsOf(live, user, 0),
                    kept.status() == 200 ? kept.json().path("_source").toString() : kept.status() + " (none)");
            assertFalse(outcome.startsWith("2"), "an answer from a node killed before its merge: " + outcome);
            assertEquals(1, eventsOf(live, user, 0), "the event written before the kill is kept");

            // the client, without an answer, sends the same body again, to a live node
            JsonNode resent = live.post(eventsPath(), body).ok();
            assertEquals(409, resent.path("items").get(0).path("status").asInt(), resent.toString());
            assertEquals(1, eventsOf(live, user, 0), "the resend writes nothing more: the event has its _id");
            for (EsClient node : cluster.nodes()) {
                if (node != handling) {
                    assertServesTheEvent(node, user, "the resend answered");
                }
            }
            JsonNode items = live.get(recentDoc).ok().path("_source").path("items");
            assertEquals("[\"a\"]", items.toString(), "the item once in the newest items, whatever was merged before");
        } finally {
            if (killed) {
                RealCluster.startNode(cluster, handler);
            }
            live.put("/" + shop.events + "/_settings", "{\"index.routing.allocation.exclude._name\": null}")
                    .ok();
            live.get("/_cluster/health?wait_for_status=green&wait_for_nodes=3&wait_for_no_relocating_shards=true"
                            + "&timeout=180s")
                    .ok();
        }
        long version = live.get("/_cluster/state/version").ok().path("version").asLong();
        waitUntilApplied(handling, version);
        assertServesTheEvent(handling, user, "restarted after the resend");
    }

    /**
     * How many events of {@code user} the events index holds (refreshed first; its copies avoid the paused node),
     * waiting up to {@code millis} for at least one.
     */
    private static long eventsOf(EsClient node, String user, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (true) {
            node.post("/" + shop.events + "/_refresh", null).ok();
            long count = node.post(
                            "/" + shop.events + "/_count", "{\"query\": {\"term\": {\"user_id\": \"" + user + "\"}}}")
                    .ok()
                    .path("count")
                    .asLong();
            if (count > 0 || System.currentTimeMillis() >= deadline) {
                return count;
            }
            Thread.sleep(50);
        }
    }

    /** Waits until the node's own (local) cluster state is at least {@code version}: it has rejoined. */
    private static void waitUntilApplied(EsClient node, long version) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 120_000;
        while (true) {
            EsClient.Response state = node.get("/_cluster/state/version?local=true");
            if (state.status() == 200 && state.json().path("version").asLong() >= version) {
                return;
            }
            assertTrue(System.currentTimeMillis() < deadline, "node did not rejoin: " + state.body());
            Thread.sleep(200);
        }
    }
}
