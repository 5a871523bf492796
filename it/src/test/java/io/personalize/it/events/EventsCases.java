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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST _recommend/models/{m}/_events}, with the events index's refresh disabled: an event sent through the API
 * counts at the very next request, on every node; a bulk keeps its good events and answers each bad one 400 naming
 * the field; events written straight to the index count once the index is refreshed (with {@code recent_events:
 * index}); forgetting a user forgets what the API kept of them. Run on one node and on three.
 */
abstract class EventsCases {

    private final RealCluster.Nodes cluster;
    private final TinyShop shop;

    EventsCases(RealCluster.Nodes cluster, String model) {
        this.cluster = cluster;
        int nodes = cluster.nodes().size();
        this.shop = new TinyShop(cluster.any(), model, nodes, nodes > 1 ? 1 : 0);
        shop.importVersion("a", "b", "c");
    }

    @AfterEach
    void cleanUp() {
        shop.cleanUp();
    }

    private static String event(String user, String sku, String type) {
        return event(user, sku, type, System.currentTimeMillis());
    }

    private static String event(String user, String sku, String type, long time) {
        return String.format(
                Locale.ROOT,
                "{\"user_id\": \"%s\", \"sku\": \"%s\", \"type\": \"%s\", \"@timestamp\": %d}",
                user,
                sku,
                type,
                time);
    }

    private List<String> shelf(EsClient node, String user) {
        return TinyShop.items(node.post(
                        "/_recommend",
                        "{\"model\": \"" + shop.model + "\", \"user_id\": \"" + user + "\", \"size\": 2}")
                .ok());
    }

    private String eventsPath() {
        return "/_recommend/models/" + shop.model + "/_events";
    }

    @Test
    void anEventSentThroughTheApiCountsAtTheNextRequestOnEveryNode() {
        List<EsClient> nodes = cluster.nodes();
        for (int i = 0; i < nodes.size(); i++) {
            String user = "shopper-" + i;
            // a stranger to the model: the most popular items
            assertEquals(List.of("f", "e"), shelf(nodes.get(i), user));
            JsonNode answer =
                    nodes.get(i).post(eventsPath(), event(user, "a", "view")).ok();
            assertFalse(answer.path("errors").asBoolean(), answer.toString());
            assertEquals(201, answer.path("items").get(0).path("status").asInt(), answer.toString());
            // the next request, on every node, with the events index never refreshed: a's neighbours
            for (EsClient node : nodes) {
                assertEquals(List.of("b", "c"), shelf(node, user), node.baseUrl() + " " + user);
            }
        }
        // the events are in the events index (a realtime GET finds them) but not searchable: nothing was refreshed
        assertEquals(
                0,
                cluster.any()
                        .get("/" + shop.events + "/_count")
                        .ok()
                        .path("count")
                        .asLong());
        cluster.any().refresh(shop.events);
        assertEquals(
                nodes.size(),
                cluster.any()
                        .get("/" + shop.events + "/_count")
                        .ok()
                        .path("count")
                        .asLong());
    }

    @Test
    void aBulkKeepsItsGoodEventsAndAnswersEachBadOne400NamingTheField() {
        String bulk = "{\"events\": [" + event("u-bulk", "a", "view") + ", "
                + "{\"sku\": \"a\", \"type\": \"view\", \"@timestamp\": 1}, "
                + event("u-bulk", "a", "like") + ", "
                + "{\"user_id\": \"u-bulk\", \"sku\": \"a\", \"type\": \"view\", \"@timestamp\": \"yesterday\"}, "
                + "{\"user_id\": \"u-bulk\", \"sku\": \"a\", \"type\": \"view\", \"@timestamp\": 1, \"color\": \"red\"}, "
                + "{\"user_id\": \"u-bulk\", \"sku\": \"a\", \"type\": \"cart\", \"@timestamp\": "
                + System.currentTimeMillis() + ", \"quantity\": -2}, "
                + event("u-bulk2", "b", "purchase") + "]}";
        JsonNode answer = cluster.any().post(eventsPath(), bulk).ok();
        assertTrue(answer.path("errors").asBoolean(), answer.toString());
        JsonNode items = answer.path("items");
        assertEquals(7, items.size(), answer.toString());
        int[] statuses = new int[7];
        for (int i = 0; i < 7; i++) {
            statuses[i] = items.get(i).path("status").asInt();
        }
        assertEquals(
                List.of(201, 400, 400, 400, 400, 400, 201),
                java.util.Arrays.stream(statuses).boxed().toList());
        assertReason(items.get(1), "[user_id] is missing");
        assertReason(items.get(2), "[type] [like] is not one of the model's event types [cart, purchase, view]");
        assertReason(items.get(3), "[@timestamp] must be a date");
        assertReason(items.get(4), "[@timestamp] is more than 50 years ago");
        assertReason(items.get(5), "[quantity] must be a positive number");
        // the good ones are kept: written, and counted at once
        String id = items.get(0).path("_id").asText();
        assertEquals(
                "u-bulk",
                cluster.any()
                        .get("/" + shop.events + "/_doc/" + id)
                        .ok()
                        .path("_source")
                        .path("user_id")
                        .asText());
        for (EsClient node : cluster.nodes()) {
            assertEquals(List.of("b", "c"), shelf(node, "u-bulk"));
        }
    }

    /**
     * An event sent with its own {@code _id} is written once however often it is sent. The first send's document is
     * written straight to the events index, as a request killed between its write and its merge leaves it (in the
     * index, not in the shopper's newest items); the API's send of the same event answers 409 for it, writes nothing
     * more, and merges its item, which the next request counts on every node. In a bulk, a new event beside it is
     * written.
     */
    @Test
    void anEventSentAgainWithItsIdIsWrittenOnceAndCountsAtTheNextRequest() {
        EsClient es = cluster.any();
        String user = "u-resent";
        String first = event(user, "a", "view");
        String sent = "{\"_id\": \"ev-" + user + "-1\", " + first.substring(1);
        es.put("/" + shop.events + "/_create/ev-" + user + "-1", first).ok();
        assertEquals(List.of("f", "e"), shelf(es, user), "written straight: not among the newest items");

        JsonNode answer = es.post(eventsPath(), sent).ok();
        assertTrue(answer.path("errors").asBoolean(), answer.toString());
        JsonNode item = answer.path("items").get(0);
        assertEquals(409, item.path("status").asInt(), answer.toString());
        assertEquals("ev-" + user + "-1", item.path("_id").asText(), answer.toString());
        assertEquals(
                "version_conflict_engine_exception",
                item.path("error").path("type").asText(),
                answer.toString());
        for (EsClient node : cluster.nodes()) {
            assertEquals(List.of("b", "c"), shelf(node, user), "merged although not written again: " + node.baseUrl());
        }

        String next =
                "{\"_id\": \"ev-" + user + "-2\", " + event(user, "b", "cart").substring(1);
        JsonNode bulk = es.post(eventsPath(), "{\"events\": [" + sent + ", " + next + "]}")
                .ok();
        JsonNode items = bulk.path("items");
        assertEquals(409, items.get(0).path("status").asInt(), bulk.toString());
        assertEquals(201, items.get(1).path("status").asInt(), bulk.toString());
        assertEquals("ev-" + user + "-2", items.get(1).path("_id").asText(), bulk.toString());
        es.refresh(shop.events);
        assertEquals(
                2,
                es.post("/" + shop.events + "/_count", "{\"query\": {\"term\": {\"user_id\": \"" + user + "\"}}}")
                        .ok()
                        .path("count")
                        .asLong(),
                "the first event once, the second once");
    }

    /**
     * One event with its {@code _id} sent by six clients at once, through every node: exactly one send writes it (201),
     * the five others are refused as resends (409); the events index holds it once, and the next request counts it.
     */
    @Test
    void oneEventSentAtOnceByManyClientsWithItsIdIsWrittenOnce() throws Exception {
        List<EsClient> nodes = cluster.nodes();
        String user = "u-racing";
        String sent =
                "{\"_id\": \"ev-" + user + "\", " + event(user, "a", "view").substring(1);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Integer> statuses = new ArrayList<>();
        try {
            List<Future<JsonNode>> answers = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                EsClient node = nodes.get(i % nodes.size());
                answers.add(pool.submit(() -> node.post(eventsPath(), sent).ok()));
            }
            for (Future<JsonNode> answer : answers) {
                statuses.add(answer.get().path("items").get(0).path("status").asInt());
            }
        } finally {
            pool.shutdown();
        }
        statuses.sort(null);
        assertEquals(List.of(201, 409, 409, 409, 409, 409), statuses);
        for (EsClient node : nodes) {
            assertEquals(List.of("b", "c"), shelf(node, user), node.baseUrl());
        }
        cluster.any().refresh(shop.events);
        assertEquals(
                1,
                cluster.any()
                        .post("/" + shop.events + "/_count", "{\"query\": {\"term\": {\"user_id\": \"" + user + "\"}}}")
                        .ok()
                        .path("count")
                        .asLong());
    }

    private static void assertReason(JsonNode item, String part) {
        assertEquals(400, item.path("status").asInt(), item.toString());
        String reason = item.path("error").path("reason").asText();
        assertTrue(reason.contains(part), "[" + reason + "] does not contain [" + part + "]");
    }

    @Test
    void badRequestsAnswer4xxNamingWhatIsWrong() {
        EsClient es = cluster.any();
        assertError(es.post(eventsPath(), null), 400, "no events");
        assertError(es.post(eventsPath(), "{\"events\": \"a\"}"), 400, "[events] must be an array");
        assertError(es.post(eventsPath(), "{\"events\": [1]}"), 400, "[events] item [0] must be an object");
        assertError(es.post(eventsPath(), "{\"events\": []}"), 400, "no events");
        assertError(es.post(eventsPath(), "[1, 2]"), 400, "");
        assertError(es.post("/_recommend/models/no-such-model/_events", event("u", "a", "view")), 404, "not found");
    }

    private static void assertError(EsClient.Response response, int status, String part) {
        assertEquals(status, response.status(), response.body());
        assertTrue(response.body().contains(part), response.body());
    }

    @Test
    void eventsWrittenStraightToTheIndexCountOnceRefreshedWhenTheModelSearchesThem() {
        EsClient es = cluster.any();
        es.put("/_recommend/models/" + shop.model, shop.config("index")).ok();
        es.post("/" + shop.events + "/_doc", event("u-direct", "a", "view")).ok();
        // the model searches the events index: not refreshed, not seen
        assertEquals(List.of("f", "e"), shelf(es, "u-direct"));
        es.refresh(shop.events);
        for (EsClient node : cluster.nodes()) {
            assertEquals(List.of("b", "c"), shelf(node, "u-direct"), node.baseUrl());
        }
        // with recent_events: api, only what came through the API counts in real time
        es.put("/_recommend/models/" + shop.model, shop.config("api")).ok();
        assertEquals(List.of("f", "e"), shelf(es, "u-direct"));
    }

    @Test
    void concurrentEventsOfOneShopperAreAllKept() throws Exception {
        List<EsClient> nodes = cluster.nodes();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<JsonNode>> sent = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                EsClient node = nodes.get(i % nodes.size());
                String sku = TinyShop.SKUS.get(i);
                sent.add(pool.submit(() ->
                        node.post(eventsPath(), event("u-busy", sku, "view")).ok()));
            }
            for (Future<JsonNode> f : sent) {
                assertFalse(f.get().path("errors").asBoolean(), f.get().toString());
            }
        } finally {
            pool.shutdown();
        }
        // the shopper's document holds all six items: no update overwrote another (compare-and-set, retried)
        String uuid = cluster.any()
                .get("/_recommend/models/" + shop.model)
                .ok()
                .path("status")
                .path("uuid")
                .asText();
        JsonNode kept = cluster.any()
                .get("/.personalize-recent-" + shop.model + "." + uuid + "/_doc/u-busy")
                .ok()
                .path("_source")
                .path("items");
        java.util.Set<String> items = new java.util.TreeSet<>();
        kept.forEach(item -> items.add(item.asText()));
        assertEquals(new java.util.TreeSet<>(TinyShop.SKUS), items, kept.toString());
    }

    @Test
    void eventsRacingAForgettingLeaveNothingOfBeforeIt() throws Exception {
        EsClient es = cluster.any();
        List<EsClient> nodes = cluster.nodes();
        String uuid = es.get("/_recommend/models/" + shop.model)
                .ok()
                .path("status")
                .path("uuid")
                .asText();
        String recentDoc = "/.personalize-recent-" + shop.model + "." + uuid + "/_doc/u-race";
        // every event dated before the forgetting; half are sent before it, half while and after it is done
        long before = System.currentTimeMillis() - 60_000;
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch firstHalf = new CountDownLatch(4 * 10);
        try {
            List<Future<?>> senders = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                EsClient node = nodes.get(t % nodes.size());
                int thread = t;
                senders.add(pool.submit(() -> {
                    for (int i = 0; i < 20; i++) {
                        String sku = TinyShop.SKUS.get((thread + i) % TinyShop.SKUS.size());
                        node.post(eventsPath(), event("u-race", sku, "view", before + i))
                                .ok();
                        firstHalf.countDown();
                    }
                    return null;
                }));
            }
            assertTrue(firstHalf.await(60, TimeUnit.SECONDS));
            assertEquals(
                    200,
                    es.delete("/_recommend/models/" + shop.model + "/users/u-race")
                            .status());
            for (Future<?> sender : senders) {
                sender.get();
            }
        } finally {
            pool.shutdown();
        }
        // whatever raced the deletion, nothing of before the forgetting is stored, and no node serves it
        assertEquals(404, es.get(recentDoc).status(), "the newest-items document of a forgotten shopper");
        for (EsClient node : nodes) {
            assertEquals(List.of("f", "e"), shelf(node, "u-race"), node.baseUrl() + ": a stranger");
        }
    }

    /**
     * The first hit of a search of every product rescored for the user, by similarity to their newest items and by
     * popularity only: f (the most popular) for a stranger, b (a's best neighbour) once they viewed a.
     */
    private String topHit(EsClient node, String user) {
        JsonNode hits = node.post("/" + shop.products + "/_search", String.format(Locale.ROOT, """
                {"size": 1, "query": {"match": {"title": "product"}},
                 "rescore": {"window_size": 10, "personalize": {"model": "%s", "user_id": "%s",
                   "weights": {"query": 0, "item_similarity": 1, "user_affinity": 0, "attribute_affinity": 0,
                               "popularity": 0.1}}}}""", shop.model, user))
                .ok()
                .path("hits")
                .path("hits");
        return hits.get(0).path("_id").asText();
    }

    /** The rescored search's first hit through every node, twice (the second served from each node's signals). */
    private void assertTopHit(List<EsClient> nodes, String user, String expected, String why) {
        for (int round = 0; round < 2; round++) {
            for (EsClient node : nodes) {
                assertEquals(expected, topHit(node, user), node.baseUrl() + ": " + why);
            }
        }
    }

    /** GETs served by the model's per-user newest-items index, summed over its copies. */
    private long newestItemsReads() {
        JsonNode stats = cluster.any()
                .get("/.personalize-recent-" + shop.model + ".*/_stats/get?expand_wildcards=all")
                .ok();
        return stats.path("_all").path("total").path("get").path("total").asLong();
    }

    /**
     * Every node keeps a copy of the shopper's newest items (no read per request) and the events API updates every
     * node's copy before it answers: with every node's copy warm, each event, sent through one node, changes the next
     * request on every node, shelves and rescored searches (whose signals each node also keeps); a forgetting, sent
     * through another node, hides the items on every node.
     */
    @Test
    void everyNodesCopyOfTheNewestItemsFollowsEachEventAndTheForgetting() {
        List<EsClient> nodes = cluster.nodes();
        EsClient last = nodes.get(nodes.size() - 1);
        String user = "u-copy";
        for (EsClient node : nodes) {
            assertEquals(List.of("f", "e"), shelf(node, user), node.baseUrl() + ": a stranger");
        }
        // f has no neighbours: the rescorer ranks by popularity alone, and the shelf leaves f out (seen)
        nodes.get(0).post(eventsPath(), event(user, "f", "view")).ok();
        assertTopHit(nodes, user, "f", "known by an item without neighbours: the most popular");
        for (EsClient node : nodes) {
            assertEquals(List.of("e", "d"), shelf(node, user), node.baseUrl() + ": f seen");
        }
        last.post(eventsPath(), event(user, "a", "view")).ok();
        for (EsClient node : nodes) {
            assertEquals(List.of("b", "c"), shelf(node, user), node.baseUrl() + ": a's neighbours");
        }
        assertTopHit(nodes, user, "b", "a's best neighbour");
        // every node now holds the user's items: requests read nothing
        long reads = newestItemsReads();
        for (int round = 0; round < 3; round++) {
            for (EsClient node : nodes) {
                assertEquals(List.of("b", "c"), shelf(node, user), node.baseUrl());
            }
        }
        assertEquals(reads, newestItemsReads(), "no read of the newest items while they did not change");
        // b seen too: it leaves the shelf, on every node at once
        nodes.get(0).post(eventsPath(), event(user, "b", "view")).ok();
        for (EsClient node : nodes) {
            assertEquals(List.of("c", "e"), shelf(node, user), node.baseUrl() + ": b seen");
        }
        assertEquals(
                200,
                nodes.get(nodes.size() > 1 ? 1 : 0)
                        .delete("/_recommend/models/" + shop.model + "/users/" + user)
                        .status());
        for (EsClient node : nodes) {
            assertEquals(List.of("f", "e"), shelf(node, user), node.baseUrl() + ": forgotten, a stranger again");
        }
        // what they do after the forgetting counts, and nothing of before it (a's neighbour b would come first)
        nodes.get(0).post(eventsPath(), event(user, "f", "view")).ok();
        assertTopHit(nodes, user, "f", "forgotten, then f seen: a no longer counts");
        for (EsClient node : nodes) {
            assertEquals(List.of("e", "d"), shelf(node, user), node.baseUrl() + ": forgotten, then f seen");
        }
        last.post(eventsPath(), event(user, "a", "view")).ok();
        assertTopHit(nodes, user, "b", "a new event counts");
    }

    /** A cache's figures on the node {@code node} answers from ({@code _recommend/_stats/_local}). */
    private static JsonNode localCache(EsClient node, String cache) {
        JsonNode nodes = node.get("/_recommend/_stats/_local").ok().path("nodes");
        return nodes.elements().next().path(cache);
    }

    /**
     * After an event sent through the API, a shopper's first rescored search on a node reads their newest-items
     * document (the events API updates the copies nodes hold, but only a read creates one) and computes their
     * signals; the second is served from the node's signals, without computing them again (it was only the third).
     */
    @Test
    void aShoppersSecondSearchOnANodeIsServedFromTheSignalsTheFirstComputed() {
        String user = "u-second";
        cluster.nodes().get(0).post(eventsPath(), event(user, "a", "view")).ok();
        for (EsClient node : cluster.nodes()) {
            assertEquals("b", topHit(node, user), node.baseUrl() + ": a's best neighbour");
            JsonNode first = localCache(node, "signals_cache");
            assertEquals("b", topHit(node, user), node.baseUrl() + ": the second search, the same signals");
            JsonNode second = localCache(node, "signals_cache");
            assertEquals(
                    first.path("hits").asLong() + 1,
                    second.path("hits").asLong(),
                    node.baseUrl() + ": the second search is served from the node's signals " + second);
            assertEquals(first.path("misses").asLong(), second.path("misses").asLong(), node.baseUrl());
        }
    }

    @Test
    void forgettingAUserDeletesWhatTheApiKeptOfThem() {
        EsClient es = cluster.any();
        es.post(eventsPath(), event("u-forget", "a", "view")).ok();
        assertEquals(List.of("b", "c"), shelf(es, "u-forget"));
        String uuid = es.get("/_recommend/models/" + shop.model)
                .ok()
                .path("status")
                .path("uuid")
                .asText();
        String recentDoc = "/.personalize-recent-" + shop.model + "." + uuid + "/_doc/u-forget";
        assertEquals(200, es.get(recentDoc).status(), "the events API kept their newest items");
        assertEquals(
                200,
                es.delete("/_recommend/models/" + shop.model + "/users/u-forget")
                        .status());
        assertEquals(404, es.get(recentDoc).status(), "forgotten: their newest items are deleted");
        for (EsClient node : cluster.nodes()) {
            assertEquals(List.of("f", "e"), shelf(node, "u-forget"), node.baseUrl() + ": a stranger again");
        }

        // an event of before the forgetting that lands after it (a request in flight, a write racing the deletion) is
        // part of what was forgotten: it never serves
        es.post(eventsPath(), event("u-forget", "a", "view", System.currentTimeMillis() - 60_000))
                .ok();
        for (EsClient node : cluster.nodes()) {
            assertEquals(List.of("f", "e"), shelf(node, "u-forget"), node.baseUrl() + ": an old event stays forgotten");
        }
        assertEquals(404, es.get(recentDoc).status(), "nothing of before the forgetting is stored again");
        // what the shopper does after being forgotten counts, as for anyone
        es.post(eventsPath(), event("u-forget", "a", "view")).ok();
        assertEquals(List.of("b", "c"), shelf(es, "u-forget"), "a new event counts");
    }
}
