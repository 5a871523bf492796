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
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The events API against a hostile or careless sender, on one real node: oversized bulks, events at the limits of each
 * rule, bodies that are not what they claim, fields Elasticsearch itself refuses, duplicates; and a model deleted while
 * events keep coming. Every answer is a 4xx naming what is wrong (never a 5xx), the good events of a bulk are kept, the
 * node stays healthy, and nothing of a deleted model is left behind.
 */
class HostileEventsIT {

    private final RealCluster.Nodes cluster = RealCluster.single();
    private TinyShop shop;

    @BeforeEach
    void shop() {
        shop = new TinyShop(cluster.any(), "hostile-events", 1, 0);
        shop.importVersion("a", "b", "c");
    }

    @AfterEach
    void cleanUp() {
        shop.cleanUp();
        cluster.any().get("/_cluster/health?wait_for_status=green&timeout=60s").ok();
    }

    private String eventsPath() {
        return "/_recommend/models/" + shop.model + "/_events";
    }

    private static String event(String user, String sku) {
        return String.format(
                Locale.ROOT,
                "{\"user_id\": \"%s\", \"sku\": \"%s\", \"type\": \"view\", \"@timestamp\": %d}",
                user,
                sku,
                System.currentTimeMillis());
    }

    private List<String> shelf(String user) {
        return TinyShop.items(cluster.any()
                .post("/_recommend", "{\"model\": \"" + shop.model + "\", \"user_id\": \"" + user + "\", \"size\": 2}")
                .ok());
    }

    private static void assert4xx(EsClient.Response response, String part) {
        assertTrue(
                response.status() >= 400 && response.status() < 500,
                "expected a 4xx, got " + response.status() + ": " + response.body());
        assertTrue(response.body().contains(part), "[" + part + "] not in " + response.body());
    }

    private JsonNode recentDoc(String user) {
        String uuid = cluster.any()
                .get("/_recommend/models/" + shop.model)
                .ok()
                .path("status")
                .path("uuid")
                .asText();
        return cluster.any()
                .get("/.personalize-recent-" + shop.model + "." + uuid + "/_doc/" + user)
                .json();
    }

    @Test
    void oversizedAndMalformedBodiesAre4xxNamingWhatIsWrong() {
        EsClient es = cluster.any();
        StringBuilder tooMany = new StringBuilder("{\"events\": [");
        for (int i = 0; i <= 10_000; i++) {
            tooMany.append(i == 0 ? "" : ", ").append(event("u-many", "a"));
        }
        tooMany.append("]}");
        assert4xx(es.post(eventsPath(), tooMany.toString()), "at most 10000 events per request, got [10001]");
        assert4xx(es.post(eventsPath(), "{\"events\": [" + event("u", "a") + ", null]}"), "[events] item [1]");
        assert4xx(es.post(eventsPath(), "{\"events\": {\"user_id\": \"u\"}}"), "[events] must be an array");
        assert4xx(es.post(eventsPath(), "\"a string\""), "event object");
        assert4xx(es.post(eventsPath(), "not json at all"), "");
        assert4xx(es.post(eventsPath(), event("u", "a") + " trailing"), "");
        // a key twice in one event: which one would count? refused
        assert4xx(
                es.post(
                        eventsPath(),
                        "{\"user_id\": \"u1\", \"user_id\": \"u2\", \"sku\": \"a\", \"type\": \"view\", \"@timestamp\": 1}"),
                "user_id");
        // deep nesting in an extra field
        String deep = "{\"a\": ".repeat(5_000) + "1" + "}".repeat(5_000);
        EsClient.Response nested = es.post(eventsPath(), event("u", "a").replace("}", ", \"extra\": " + deep + "}"));
        assertTrue(nested.status() >= 400 && nested.status() < 500, nested.status() + " " + nested.body());
        assertEquals(List.of("f", "e"), shelf("u"), "none of these kept anything");
        es.get("/_cluster/health?wait_for_status=green&timeout=30s").ok();
    }

    @Test
    void eventsAtTheLimitsOfEachRuleAreKeptAndBeyondAre400NamingTheField() {
        String at510 = "é".repeat(255); // 510 bytes in UTF-8
        String at512 = "é".repeat(256);
        long now = System.currentTimeMillis();
        List<String> events = List.of(
                event(at510, "a"), // 0: at the limit: kept
                event(at512, "a"), // 1: over it
                "{\"user_id\": 17, \"sku\": \"a\", \"type\": \"view\", \"@timestamp\": " + now
                        + "}", // 2: an integer id
                "{\"user_id\": 123456789012345678901234567890, \"sku\": \"a\", \"type\": \"view\", \"@timestamp\": "
                        + now + "}", // 3: too big for an integer
                "{\"user_id\": [\"u\"], \"sku\": \"a\", \"type\": \"view\", \"@timestamp\": " + now + "}", // 4
                "{\"user_id\": \"u\", \"sku\": {\"id\": \"a\"}, \"type\": \"view\", \"@timestamp\": " + now + "}", // 5
                "{\"user_id\": \"u\", \"sku\": \"a\", \"type\": \"view\", \"@timestamp\": 1.5e12}", // 6: a float time
                "{\"user_id\": \"u\", \"sku\": \"a\", \"type\": \"view\", \"@timestamp\": 99999999999999999999}", // 7
                "{\"user_id\": \"u\", \"sku\": \"a\", \"type\": \"view\", \"@timestamp\": " + now
                        + ", \"quantity\": 1e400}", // 8: a value that is no finite number
                "{\"user_id\": \"u-meta\", \"sku\": \"a\", \"type\": \"view\", \"@timestamp\": " + now
                        + ", \"_id\": 17}", // 9: the event's _id (its document id) must be a string
                "{\"user_id\": \"u-map\", \"sku\": \"b\", \"type\": \"view\", \"@timestamp\": " + now
                        + ", \"quantity\": 2.5}", // 10: the index maps quantity as an integer: coerced, kept
                "{\"user_id\": \"\", \"sku\": \"a\", \"type\": \"view\", \"@timestamp\": " + now + "}", // 11
                "{\"user_id\": \"u\", \"sku\": \"a\", \"type\": null, \"@timestamp\": " + now + "}", // 12
                // 13: a JSON escape of half a surrogate pair: stored, it would be the id "u-\ufffd"
                "{\"user_id\": \"u-\\ud800\", \"sku\": \"a\", \"type\": \"view\", \"@timestamp\": " + now + "}",
                "{\"user_id\": \"u\", \"sku\": \"a\", \"type\": \"view\", \"@timestamp\": " + Long.MIN_VALUE
                        + "}", // 14: the earliest long
                "{\"user_id\": \"u\", \"sku\": \"a\", \"type\": \"view\", \"@timestamp\": \"9999-12-31T23:59:59Z\"}", // 15
                // 16: a whole pair (an emoji), escaped: an id as any
                "{\"user_id\": \"u-\\ud83d\\ude00\", \"sku\": \"a\", \"type\": \"view\", \"@timestamp\": " + now + "}");
        EsClient.Response response =
                cluster.any().post(eventsPath(), "{\"events\": [" + String.join(", ", events) + "]}");
        JsonNode answer = response.ok();
        JsonNode items = answer.path("items");
        assertEquals(events.size(), items.size(), answer.toString());
        int[] expected = {201, 400, 201, 400, 400, 400, 400, 400, 400, 400, 201, 400, 400, 400, 400, 400, 201};
        String[] reasons = {
            null,
            "[user_id] and [sku] must be at most 510 bytes",
            null,
            "[user_id] must be a string",
            "[user_id] must be a string",
            "[sku] must be a string",
            "[@timestamp] must be a date",
            "[@timestamp]",
            "[quantity]",
            "[_id] must be a non-empty string, got [17]",
            null,
            "must not be empty",
            "[type] is missing",
            "[user_id] is not valid Unicode: an unpaired surrogate at [2]",
            "[@timestamp] is more than 50 years ago",
            "[@timestamp] is more than a day in the future",
            null
        };
        for (int i = 0; i < expected.length; i++) {
            JsonNode item = items.get(i);
            assertEquals(expected[i], item.path("status").asInt(), i + ": " + item);
            if (reasons[i] != null) {
                String reason = item.path("error").path("reason").asText();
                assertTrue(reason.contains(reasons[i]), i + ": [" + reason + "] lacks [" + reasons[i] + "]");
            }
        }
        // what was kept counts at once, as for any event
        assertEquals(List.of("b", "c"), shelf(at510));
        assertEquals(List.of("b", "c"), shelf("17"));
        assertEquals(
                "b", recentDoc("u-map").path("_source").path("items").get(0).asText(), "a coerced value is kept");
        // a refused event is not kept for serving either
        assertEquals(List.of("f", "e"), shelf("u-meta"));
    }

    /**
     * Many requests for one shopper at once (a hostile tracker, or a busy one): each merges its item into the shopper's
     * one newest-items document with a compare-and-set. Every request answers 200 with its event written, and every
     * item the newest 100 keep; before, such merges ran out of attempts and their requests answered 500 after their
     * events were written (on one node, 150 requests at once; RecentItemsWriterSingleNodeTests: 16 of 40 merges).
     */
    @Test
    void manyRequestsForOneShopperAtOnceAllAnswerAndCount() throws Exception {
        int senders = 150;
        ExecutorService pool = Executors.newFixedThreadPool(senders);
        try {
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            List<Future<EsClient.Response>> sent = new ArrayList<>();
            for (int i = 0; i < senders; i++) {
                String event = event("u-many", "m" + i);
                sent.add(pool.submit(() -> {
                    go.await();
                    return cluster.any().post(eventsPath(), event);
                }));
            }
            go.countDown();
            List<String> failed = new ArrayList<>();
            for (Future<EsClient.Response> f : sent) {
                EsClient.Response response = f.get(120, java.util.concurrent.TimeUnit.SECONDS);
                if (response.status() != 200
                        || response.json().path("items").get(0).path("status").asInt() != 201) {
                    failed.add(response.status() + " " + response.body());
                }
            }
            assertEquals(List.of(), failed, failed.size() + " of " + senders + " requests failed");
        } finally {
            pool.shutdownNow();
        }
        JsonNode kept = recentDoc("u-many").path("_source").path("items");
        assertEquals(Math.min(senders, 100), kept.size(), kept.toString());
    }

    /**
     * The shoppers' newest items cannot be written (here a write block on their index; in life a red shard, a full
     * disk): the events are written before, so the request still answers their items (201, with ids, not to be sent
     * again) and says in {@code recent_items} that the newest items were not updated, never a 5xx for written events.
     */
    @Test
    void eventsWrittenWhenTheNewestItemsCannotBeAreAnsweredAsWritten() {
        cluster.any().post(eventsPath(), event("u-before", "a")).ok();
        String recentIndex = recentDoc("u-before").path("_index").asText();
        cluster.any()
                .put("/" + recentIndex + "/_settings", "{\"index.blocks.write\": true}")
                .ok();
        try {
            EsClient.Response response = cluster.any().post(eventsPath(), event("u-blocked", "b"));
            assertEquals(200, response.status(), response.body());
            JsonNode answer = response.json();
            assertFalse(answer.path("errors").asBoolean(), answer.toString());
            assertEquals(201, answer.path("items").get(0).path("status").asInt(), answer.toString());
            assertTrue(answer.path("items").get(0).hasNonNull("_id"), answer.toString());
            assertEquals(403, answer.path("recent_items").path("status").asInt(), answer.toString());
            assertTrue(
                    answer.path("recent_items")
                            .path("error")
                            .path("reason")
                            .asText()
                            .contains("the events are written"),
                    answer.toString());
            cluster.any().post("/" + shop.events + "/_refresh", "").ok();
            assertEquals(
                    1,
                    cluster.any()
                            .post(
                                    "/" + shop.events + "/_count",
                                    "{\"query\": {\"term\": {\"user_id\": \"u-blocked\"}}}")
                            .ok()
                            .path("count")
                            .asInt(),
                    "the event is in the events index");
        } finally {
            cluster.any()
                    .put("/" + recentIndex + "/_settings", "{\"index.blocks.write\": null}")
                    .ok();
        }
        JsonNode after =
                cluster.any().post(eventsPath(), event("u-blocked", "c")).ok();
        assertFalse(after.has("recent_items"), after.toString());
        assertEquals(List.of("c"), itemsOf(recentDoc("u-blocked")));
    }

    private static List<String> itemsOf(JsonNode recentDoc) {
        List<String> items = new ArrayList<>();
        recentDoc.path("_source").path("items").forEach(item -> items.add(item.asText()));
        return items;
    }

    @Test
    void duplicatesAndAFullBulkForOneShopperKeepTheirNewestDistinctItems() {
        // the same event ten times: ten documents in the events index (as _bulk would), one item in the shopper's
        List<String> same = new ArrayList<>();
        String one = event("u-dup", "a");
        for (int i = 0; i < 10; i++) {
            same.add(one);
        }
        JsonNode answer = cluster.any()
                .post(eventsPath(), "{\"events\": [" + String.join(", ", same) + "]}")
                .ok();
        assertFalse(answer.path("errors").asBoolean(), answer.toString());
        Set<String> ids = new TreeSet<>(answer.path("items").findValuesAsText("_id"));
        assertEquals(10, ids.size(), "ten documents");
        assertEquals(
                1,
                recentDoc("u-dup").path("_source").path("items").size(),
                recentDoc("u-dup").toString());
        assertEquals(List.of("b", "c"), shelf("u-dup"));

        // 10,000 events of one shopper on 10,000 items: the newest 100 distinct items are kept, the request answers
        StringBuilder bulk = new StringBuilder("{\"events\": [");
        long now = System.currentTimeMillis() - 20_000;
        for (int i = 0; i < 10_000; i++) {
            bulk.append(i == 0 ? "" : ", ")
                    .append(String.format(
                            Locale.ROOT,
                            "{\"user_id\": \"u-full\", \"sku\": \"item-%d\", \"type\": \"view\", \"@timestamp\": %d}",
                            i,
                            now + i));
        }
        bulk.append("]}");
        long start = System.nanoTime();
        JsonNode full = cluster.any().post(eventsPath(), bulk.toString()).ok();
        System.out.printf(
                Locale.ROOT,
                "HostileEventsIT: 10,000 events of one shopper answered in %d ms%n",
                (System.nanoTime() - start) / 1_000_000);
        assertFalse(full.path("errors").asBoolean());
        assertEquals(10_000, full.path("items").size());
        JsonNode kept = recentDoc("u-full").path("_source").path("items");
        assertEquals(100, kept.size(), kept.toString());
        assertEquals("item-9999", kept.get(0).asText(), "newest first: " + kept);
        // none of those items is in the model: a stranger's shelf, served without error
        assertEquals(List.of("f", "e"), shelf("u-full"));
    }

    @Test
    void aModelDeletedWhileEventsKeepComingLeavesNoneOfItsDataBehind() throws Exception {
        EsClient es = cluster.any();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 5; round++) {
                if (round > 0) {
                    shop = new TinyShop(es, "hostile-events", 1, 0);
                    shop.importVersion("a", "b", "c");
                }
                String uuid = es.get("/_recommend/models/" + shop.model)
                        .ok()
                        .path("status")
                        .path("uuid")
                        .asText();
                AtomicBoolean deleted = new AtomicBoolean();
                AtomicInteger sent = new AtomicInteger();
                AtomicInteger serverErrors = new AtomicInteger();
                List<Future<?>> senders = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int thread = t;
                    senders.add(pool.submit(() -> {
                        int after = 0;
                        for (int i = 0; after < 20 && i < 2_000; i++) {
                            EsClient.Response r = es.post(eventsPath(), event("u-" + thread + "-" + i, "a"));
                            sent.incrementAndGet();
                            if (r.status() >= 500) {
                                serverErrors.incrementAndGet();
                                System.out.println("HostileEventsIT: " + r.status() + " " + r.body());
                            }
                            if (deleted.get()) {
                                after++;
                            }
                        }
                        return null;
                    }));
                }
                while (sent.get() < 40) {
                    Thread.sleep(10);
                }
                assertEquals(200, es.delete("/_recommend/models/" + shop.model).status());
                deleted.set(true);
                for (Future<?> sender : senders) {
                    sender.get();
                }
                assertEquals(0, serverErrors.get(), "a 5xx while the model was deleted");
                JsonNode left = es.get("/_cat/indices/.personalize-*" + uuid + "*?format=json&expand_wildcards=all")
                        .json();
                assertEquals(0, left.size(), "round " + round + ": the deleted model's indices are left: " + left);
                shop.cleanUp();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
