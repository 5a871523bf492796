package io.personalize.it.rescore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personalize.bench.RescoreCases;
import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import io.personalize.it.RealCluster;
import io.personalize.it.Shop;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code personalize} rescorer on a real node with the built zip, over the real Online Retail shop: the catalogue
 * through the item_vector pipeline, the purchases before 2011-11-01 as events, a model trained on them by the node.
 * One dataset for the whole class.
 */
class PersonalizeRescoreIT {

    static final String PRODUCTS = "pr-products";
    static final String EVENTS = "pr-events";
    static final String MODEL = "pr-shop";

    private static EsClient es;
    private static OnlineRetail data;
    private static List<RescoreCases.Case> cases;

    @BeforeAll
    static void shop() {
        es = RealCluster.single().any();
        data = OnlineRetail.load();
        Shop.putVectorPipeline(es);
        Shop.createProductsIndex(es, PRODUCTS, Shop.VECTOR_PIPELINE, 1, 0);
        Shop.loadProducts(es, PRODUCTS, data.products());
        Shop.createEventsIndex(es, EVENTS, 1, 0);
        Shop.loadEvents(es, EVENTS, RescoreCases.trainEvents(data, OnlineRetail.SPLIT));
        es.delete("/_recommend/models/" + MODEL);
        es.put("/_recommend/models/" + MODEL, Shop.modelConfig(PRODUCTS, EVENTS))
                .ok();
        es.post("/_recommend/models/" + MODEL + "/_train", null).ok();
        cases = RescoreCases.cases(data, OnlineRetail.SPLIT, Long.MAX_VALUE, 300);
    }

    static ObjectNode match(String query, int size) {
        ObjectNode body = EsClient.object().put("size", size);
        body.putArray("_source").add("title");
        body.putObject("query").putObject("match").put("title", query);
        return body;
    }

    static ObjectNode personalized(String query, int size, String user) {
        ObjectNode body = match(query, size);
        body.putObject("rescore").putObject("personalize").put("model", MODEL).put("user_id", user);
        return body;
    }

    static JsonNode hits(ObjectNode body) {
        return es.post("/" + PRODUCTS + "/_search", body).ok().path("hits").path("hits");
    }

    static List<String> ids(JsonNode hits) {
        List<String> ids = new ArrayList<>();
        hits.forEach(hit -> ids.add(hit.path("_id").asText()));
        return ids;
    }

    @Test
    void aShopperWithHistoryGetsTheirOwnOrder() {
        // the same query, re-ranked: same hits (the default window, 200, covers them all), another order, shopper by
        // shopper
        String query = "bag";
        List<String> plain = ids(hits(match(query, 200)));
        assertTrue(plain.size() > 100 && plain.size() < 200, "a query with over a hundred hits: " + plain.size());
        Set<List<String>> orders = new HashSet<>();
        for (String shopper : List.of("14911", "17841", "12748")) {
            List<String> mine = ids(hits(personalized(query, 200, shopper)));
            assertEquals(new HashSet<>(plain), new HashSet<>(mine), "re-ranking keeps the hits");
            assertNotEquals(
                    plain.subList(0, 10), mine.subList(0, 10), "shopper " + shopper + " gets a personal first page");
            orders.add(mine.subList(0, 10));
        }
        assertEquals(3, orders.size(), "three shoppers, three first pages");
    }

    @Test
    void theBoughtItemRanksHigherThanWithBm25Alone() {
        // the benchmark's protocol on 300 test searches: NDCG@10 of the item each shopper bought next
        double bm25 = 0, ours = 0;
        for (RescoreCases.Case c : cases) {
            bm25 += gain(ids(hits(match(c.query(), 10))).indexOf(c.item()));
            ours += gain(ids(hits(personalized(c.query(), 10, c.user()))).indexOf(c.item()));
        }
        assertTrue(
                ours > 1.2 * bm25,
                "NDCG@10 with the rescorer " + ours / cases.size() + " vs BM25 alone " + bm25 / cases.size());
    }

    private static double gain(int index) {
        return index < 0 ? 0 : 1 / (Math.log(index + 2) / Math.log(2));
    }

    @Test
    void anUnknownShopperGetsExactlyTheBm25Results() {
        for (String query : List.of("bag", "holder", "christmas", "retrospot")) {
            JsonNode plain = hits(match(query, 50));
            JsonNode stranger = hits(personalized(query, 50, "nobody-knows-this-shopper"));
            assertEquals(ids(plain), ids(stranger), query);
            for (int i = 0; i < plain.size(); i++) {
                assertEquals(
                        plain.get(i).path("_score").asDouble(),
                        stranger.get(i).path("_score").asDouble(),
                        0.0,
                        query + " hit " + i);
            }
        }
    }

    @Test
    void explainShowsEachPartAndTheItemsBehindThem() {
        String shopper = "14911";
        ObjectNode body = personalized("bag", 10, shopper).put("explain", true);
        JsonNode hits = hits(body);
        Set<String> history = new HashSet<>();
        for (OnlineRetail.Purchase p : RescoreCases.trainEvents(data, OnlineRetail.SPLIT)) {
            if (p.user().equals(shopper)) {
                history.add(p.sku());
            }
        }
        boolean similarTo = false, because = false;
        for (JsonNode hit : hits) {
            JsonNode explanation = hit.path("_explanation");
            assertEquals(
                    hit.path("_score").asDouble(),
                    explanation.path("value").asDouble(),
                    1e-4,
                    "the total is the hit's score: " + explanation);
            assertTrue(
                    explanation.path("description").asText().startsWith("personalize (model version ["),
                    explanation.toString());
            List<String> parts = new ArrayList<>();
            double sum = 0;
            for (JsonNode part : explanation.path("details")) {
                parts.add(part.path("description").asText().replaceAll(":.*", ""));
                sum += part.path("value").asDouble();
                String text = part.path("description").asText();
                similarTo |= mentions(text, "mostly [", history);
                because |= mentions(text, "because of [", history);
            }
            assertEquals(
                    List.of("query", "item_similarity", "user_affinity", "attribute_affinity", "popularity"), parts);
            assertEquals(explanation.path("value").asDouble(), sum, 1e-4, "the parts add up");
            JsonNode query = explanation.path("details").get(0);
            assertTrue(query.path("description").asText().contains("normalised with [log]"), query.toString());
            assertEquals(1, query.path("details").size(), "the first-pass (BM25) explanation under the query part");
        }
        assertTrue(similarTo, "some hit is most similar to an item of the shopper's history: " + hits);
        assertTrue(because, "some hit's affinity names the history item behind it: " + hits);
    }

    /** Whether the text names, after the marker, an item of the shopper's history. */
    private static boolean mentions(String text, String marker, Set<String> history) {
        int at = text.indexOf(marker);
        if (at < 0) {
            return false;
        }
        String item = text.substring(at + marker.length(), text.indexOf(']', at));
        assertTrue(history.contains(item), "[" + item + "] is in the shopper's history: " + text);
        return true;
    }

    @Test
    void aNewEventChangesTheNextSearchWithoutRetraining() {
        long version = activeVersion();
        String newcomer = "newcomer-" + System.nanoTime();
        String query = "bag";
        List<String> plain = ids(hits(match(query, 20)));
        assertEquals(plain, ids(hits(personalized(query, 20, newcomer))), "nothing known yet");
        // they buy the jumbo storage bag "suki": the next search favours what its buyers also bought
        es.post(
                        "/" + EVENTS + "/_doc",
                        Map.of(
                                "user_id",
                                newcomer,
                                "sku",
                                "21931",
                                "type",
                                "purchase",
                                "@timestamp",
                                OnlineRetail.SPLIT + 3_600_000L,
                                "quantity",
                                1))
                .ok();
        es.refresh(EVENTS);
        JsonNode after = hits(personalized(query, 20, newcomer).put("explain", true));
        assertNotEquals(plain.subList(0, 10), ids(after).subList(0, 10), "the first page changed");
        boolean fromTheNewEvent = false;
        for (JsonNode hit : after) {
            fromTheNewEvent |= hit.path("_explanation").toString().contains("mostly [21931]");
        }
        assertTrue(fromTheNewEvent, "similarity to the item just bought: " + after);
        assertEquals(version, activeVersion(), "no training happened");
    }

    private static long activeVersion() {
        JsonNode model = es.get("/_recommend/models/" + MODEL).ok();
        JsonNode status = model.has("models") ? model.path("models").get(0).path("status") : model.path("status");
        return status.path("active_version").asLong();
    }

    @Test
    void badRequestsAreRejectedWithTheirReason() {
        assertError(400, "window_size [20] must be at least from + size [30]", String.format(Locale.ROOT, """
            {"from": 20, "size": 10, "query": {"match": {"title": "bag"}},
             "rescore": {"window_size": 20, "personalize": {"model": "%s", "user_id": "14911"}}}""", MODEL));
        assertError(404, "model [no-such-model] not found", """
            {"query": {"match": {"title": "bag"}}, "rescore": {"personalize": {"model": "no-such-model", "user_id": "14911"}}}""");
        assertError(
                400,
                "[weights.user_affinity] must be a finite number >= 0, got [-1.0]",
                String.format(Locale.ROOT, """
            {"query": {"match": {"title": "bag"}},
             "rescore": {"personalize": {"model": "%s", "weights": {"user_affinity": -1}}}}""", MODEL));
        assertError(400, "unknown field [weigths]", String.format(Locale.ROOT, """
            {"query": {"match": {"title": "bag"}}, "rescore": {"personalize": {"model": "%s", "weigths": {}}}}""", MODEL));
        assertError(
                400,
                "[query_normalization] must be one of [minmax, log, none], got [zscore]",
                String.format(Locale.ROOT, """
            {"query": {"match": {"title": "bag"}},
             "rescore": {"personalize": {"model": "%s", "query_normalization": "zscore"}}}""", MODEL));
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 101; i++) {
            many.add("item-" + i);
        }
        assertError(
                400,
                "[context_items] is [101], more than the limit of [100] set by [personalize.rescore.max_context_items]",
                String.format(Locale.ROOT, """
            {"query": {"match": {"title": "bag"}},
             "rescore": {"personalize": {"model": "%s", "context_items": %s}}}""", MODEL, EsClient.toJson(many)));
    }

    private static void assertError(int status, String reason, String body) {
        EsClient.Response response = es.post("/" + PRODUCTS + "/_search", body);
        assertEquals(status, response.status(), response.body());
        assertTrue(response.body().contains(reason), "the reason [" + reason + "] in " + response.body());
        assertFalse(response.body().contains("\"hits\""), response.body());
    }

    /**
     * Rescored searches sent at once right after an activation (the moment every node builds the new version's popular
     * part, shared by every shopper's signals): each scores with the new version, as a search sent alone afterwards
     * does, none with the old one's popular list. A model of its own on the class's catalogue: version 1 and 2 rank the
     * same twenty "bag" products by popularity in opposite orders, for a shopper known to both.
     */
    @Test
    void concurrentSearchesRightAfterAnActivationAllScoreWithTheNewVersion() throws Exception {
        String model = "pr-activation";
        List<String> bags = ids(hits(match("bag", 20)));
        es.delete("/_recommend/models/" + model);
        es.put("/_recommend/models/" + model, Shop.modelConfig(PRODUCTS, EVENTS))
                .ok();
        ObjectNode body = match("bag", 5);
        body.putObject("rescore")
                .put("window_size", 20)
                .putObject("personalize")
                .put("model", model)
                .put("user_id", "pr-activation-shopper")
                .putObject("weights")
                .put("query", 0)
                .put("item_similarity", 0)
                .put("user_affinity", 0)
                .put("attribute_affinity", 0)
                .put("popularity", 1);
        importPopular(model, bags);
        assertEquals(bags.subList(0, 5), ids(hits(body)), "version 1: its most popular first");
        importPopular(model, bags.reversed());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<List<String>>> concurrent = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                concurrent.add(pool.submit(() -> ids(hits(body))));
            }
            List<List<String>> tops = new ArrayList<>();
            for (Future<List<String>> answer : concurrent) {
                tops.add(answer.get(2, TimeUnit.MINUTES));
            }
            List<String> alone = ids(hits(body));
            assertEquals(bags.reversed().subList(0, 5), alone, "version 2: version 1's least popular first");
            tops.forEach(top -> assertEquals(alone, top, "a search right after the activation, as one alone after"));
        } finally {
            pool.shutdownNow();
            es.delete("/_recommend/models/" + model);
        }
    }

    /** Imports a version in which {@code items} are popular in this order, known to one shopper, and activates it. */
    private static void importPopular(String model, List<String> items) {
        ObjectNode popular = EsClient.object();
        popular.set("popular", EsClient.JSON.valueToTree(items));
        List<Double> scores = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            scores.add((double) (items.size() - i));
        }
        popular.set("scores", EsClient.JSON.valueToTree(scores));
        ObjectNode user = EsClient.object().put("user", "pr-activation-shopper");
        user.set("history", EsClient.JSON.valueToTree(List.of(items.get(0))));
        user.set("history_weights", EsClient.JSON.valueToTree(List.of(1.0)));
        user.set("items", EsClient.JSON.valueToTree(List.of(items.get(1))));
        user.set("scores", EsClient.JSON.valueToTree(List.of(0.5)));
        user.set("because", EsClient.JSON.valueToTree(List.of(items.get(0))));
        es.ndjson(
                        "/_recommend/models/" + model + "/_import",
                        EsClient.toJson(user) + "\n" + EsClient.toJson(popular) + "\n")
                .ok();
    }
}
