package io.personalize.it.rescore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import io.personalize.it.StoreShop;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code personalize} query on a real node, over the demo's shop (the Online Retail catalogue, every purchase as
 * an event, a trained model): every match of the wrapped query scored with the rescorer's formula in the first pass,
 * so that deep pages, {@code search_after}, {@code top_hits} and {@code min_score} see personalized scores; explain;
 * an unknown shopper keeps the query's own scores; every error of the rescorer.
 */
class PersonalizeQueryIT {

    static final String TEXT = "heart holder";

    private static EsClient es;

    @BeforeAll
    static void shop() {
        es = StoreShop.es();
    }

    static String match() {
        return "{\"match\": {\"title\": \"" + TEXT + "\"}}";
    }

    static String personalizeQuery(String user, String extra) {
        return String.format(Locale.ROOT, """
            {"personalize": {"query": %s, "model": "%s", "user_id": "%s"%s}}""", match(), StoreShop.MODEL, user, extra);
    }

    static JsonNode search(String body) {
        return es.post("/" + StoreShop.PRODUCTS + "/_search", body).ok();
    }

    static JsonNode hits(String body) {
        return search(body).path("hits").path("hits");
    }

    static List<String> ids(JsonNode hits) {
        List<String> ids = new ArrayList<>();
        hits.forEach(h -> ids.add(h.path("_id").asText()));
        return ids;
    }

    static List<Double> scores(JsonNode hits) {
        List<Double> scores = new ArrayList<>();
        hits.forEach(h -> scores.add(h.path("_score").asDouble()));
        return scores;
    }

    static int matches() {
        return search("{\"size\": 0, \"track_total_hits\": true, \"query\": " + match() + "}")
                .path("hits")
                .path("total")
                .path("value")
                .asInt();
    }

    static void assertSameHits(JsonNode expected, JsonNode actual, String what) {
        assertEquals(ids(expected), ids(actual), what);
        List<Double> e = scores(expected), a = scores(actual);
        for (int i = 0; i < e.size(); i++) {
            assertEquals(e.get(i), a.get(i), 1e-4 * Math.max(1, e.get(i)), what + ": hit " + i);
        }
    }

    @Test
    void everyMatchIsScoredAsTheRescorerScoresItsWindow() {
        int total = matches();
        assertTrue(total > 100 && total < 10_000, "a query with over a hundred matches: " + total);
        for (String user : List.of(StoreShop.SHOPPER_A, StoreShop.SHOPPER_B)) {
            // the rescorer with log normalisation and a window over every match: the same formula on every hit
            JsonNode rescored = hits(String.format(Locale.ROOT, """
                {"size": 100, "_source": false, "query": %s,
                 "rescore": {"window_size": %d, "personalize": {"model": "%s", "user_id": "%s",
                                                               "query_normalization": "log"}}}""", match(), total, StoreShop.MODEL, user));
            JsonNode query = hits("{\"size\": 100, \"_source\": false, \"query\": " + personalizeQuery(user, "") + "}");
            assertEquals(100, query.size());
            assertSameHits(rescored, query, "shopper " + user);
        }
        JsonNode bm25 = hits("{\"size\": 10, \"query\": " + match() + "}");
        JsonNode a = hits("{\"size\": 10, \"query\": " + personalizeQuery(StoreShop.SHOPPER_A, "") + "}");
        JsonNode b = hits("{\"size\": 10, \"query\": " + personalizeQuery(StoreShop.SHOPPER_B, "") + "}");
        assertNotEquals(ids(bm25), ids(a), "personalized, not the text order");
        assertNotEquals(ids(a), ids(b), "each shopper their own order");
    }

    @Test
    void deepPagesAndSearchAfterSeePersonalizedScores() {
        String user = StoreShop.SHOPPER_A;
        int total = matches();
        JsonNode all = hits(String.format(Locale.ROOT, """
            {"size": %d, "_source": false, "query": %s, "sort": [{"_score": "desc"}, {"sku": "asc"}]}""", total, personalizeQuery(user, "")));
        assertEquals(total, all.size());
        // pages of 50 with from/size, far past any rescore window of 50
        List<String> paged = new ArrayList<>();
        for (int from = 0; from < total; from += 50) {
            paged.addAll(ids(hits(String.format(Locale.ROOT, """
                {"from": %d, "size": 50, "_source": false, "query": %s, "sort": [{"_score": "desc"}, {"sku": "asc"}]}""", from, personalizeQuery(user, "")))));
        }
        assertEquals(ids(all), paged, "from/size pages");
        // search_after on (score, sku)
        List<String> after = new ArrayList<>();
        JsonNode last = null;
        while (true) {
            String searchAfter = last == null ? "" : ", \"search_after\": " + last.path("sort");
            JsonNode page = hits(String.format(Locale.ROOT, """
                {"size": 50, "_source": false, "query": %s, "sort": [{"_score": "desc"}, {"sku": "asc"}]%s}""", personalizeQuery(user, ""), searchAfter));
            if (page.isEmpty()) {
                break;
            }
            after.addAll(ids(page));
            last = page.get(page.size() - 1);
        }
        assertEquals(ids(all), after, "search_after pages");
        // the last page's scores are personalized too: not the BM25 order down there
        JsonNode bm25 = hits(String.format(Locale.ROOT, """
            {"size": %d, "_source": false, "query": %s, "sort": [{"_score": "desc"}, {"sku": "asc"}]}""", total, match()));
        assertNotEquals(
                ids(bm25).subList(total - 50, total),
                ids(all).subList(total - 50, total),
                "the last page is personalized");
    }

    @Test
    void topHitsInAnAggregationAndMinScoreSeePersonalizedScores() {
        String user = StoreShop.SHOPPER_B;
        JsonNode response = search(String.format(Locale.ROOT, """
            {"size": 10, "_source": false, "query": %s,
             "aggs": {"best": {"top_hits": {"size": 10, "_source": false}},
                      "cheap": {"range": {"field": "price", "ranges": [{"to": 3}]},
                                "aggs": {"best": {"top_hits": {"size": 5, "_source": false}}}}}}""", personalizeQuery(user, "")));
        JsonNode hits = response.path("hits").path("hits");
        assertSameHits(
                hits, response.path("aggregations").path("best").path("hits").path("hits"), "top_hits = hits");
        // the bucket's top hits: the personalized order of the cheap products
        JsonNode bucket =
                response.path("aggregations").path("cheap").path("buckets").get(0);
        JsonNode cheap = hits(String.format(Locale.ROOT, """
            {"size": 5, "_source": false, "query": {"personalize": {"query": {"bool": {"must": %s, "filter": {"range": {"price": {"lt": 3}}}}},
                                                                    "model": "%s", "user_id": "%s"}}}""", match(), StoreShop.MODEL, user));
        assertTrue(bucket.path("doc_count").asInt() >= 5, bucket.toString());
        assertSameHits(cheap, bucket.path("best").path("hits").path("hits"), "a bucket's top_hits");
        JsonNode bm25Cheap = hits(String.format(Locale.ROOT, """
            {"size": 5, "_source": false, "query": {"bool": {"must": %s, "filter": {"range": {"price": {"lt": 3}}}}}}""", match()));
        assertNotEquals(ids(bm25Cheap), ids(cheap), "the bucket's top hits are personalized");

        // min_score on the personalized score
        int total = matches();
        JsonNode all = hits(String.format(Locale.ROOT, """
            {"size": %d, "_source": false, "query": %s}""", total, personalizeQuery(user, "")));
        double threshold = all.get(30).path("_score").asDouble();
        long above = scores(all).stream().filter(s -> s >= threshold).count();
        JsonNode kept = search(String.format(Locale.ROOT, """
            {"size": %d, "_source": false, "track_total_hits": true, "min_score": %s, "query": %s}""", total, threshold, personalizeQuery(user, "")));
        assertEquals(above, kept.path("hits").path("total").path("value").asLong(), "min_score counts");
        assertEquals(ids(all).subList(0, (int) above), ids(kept.path("hits").path("hits")));
    }

    @Test
    void skippingKeepsTheTopHits() {
        // without total hit counting Lucene may skip documents that cannot make the page (the max score the query
        // reports and the minimum competitive score it passes on): the same first page as counting every hit
        for (String user : List.of(StoreShop.SHOPPER_A, StoreShop.SHOPPER_B)) {
            JsonNode counted = hits("{\"size\": 10, \"_source\": false, \"track_total_hits\": true, \"query\": "
                    + personalizeQuery(user, "") + "}");
            JsonNode skipping = hits("{\"size\": 10, \"_source\": false, \"track_total_hits\": false, \"query\": "
                    + personalizeQuery(user, "") + "}");
            assertSameHits(counted, skipping, "shopper " + user);
        }
    }

    @Test
    void explainShowsEachPartOfTheScore() {
        JsonNode hits = hits("{\"size\": 10, \"explain\": true, \"_source\": false, \"query\": "
                + personalizeQuery(StoreShop.SHOPPER_A, "") + "}");
        boolean named = false;
        for (JsonNode hit : hits) {
            JsonNode explanation = hit.path("_explanation");
            assertEquals(
                    hit.path("_score").asDouble(), explanation.path("value").asDouble(), 1e-4, explanation.toString());
            assertTrue(
                    explanation.path("description").asText().startsWith("personalize (model version ["),
                    explanation.toString());
            List<String> parts = new ArrayList<>();
            double sum = 0;
            for (JsonNode part : explanation.path("details")) {
                parts.add(part.path("description").asText().replaceAll(":.*", ""));
                sum += part.path("value").asDouble();
                named |= part.path("description").asText().contains("mostly [")
                        || part.path("description").asText().contains("because of [");
            }
            assertEquals(
                    List.of("query", "item_similarity", "user_affinity", "attribute_affinity", "popularity"), parts);
            assertEquals(explanation.path("value").asDouble(), sum, 1e-4, "the parts add up");
            JsonNode query = explanation.path("details").get(0);
            assertTrue(query.path("description").asText().contains("normalised with [log]"), query.toString());
            assertEquals(1, query.path("details").size(), "the match query's own explanation under the query part");
        }
        assertTrue(named, "some part names the shopper's item behind it: " + hits);
    }

    @Test
    void anUnknownShopperKeepsTheQuerysOwnOrderAndScores() {
        for (String text : List.of("heart holder", "bag", "christmas")) {
            String inner = "{\"match\": {\"title\": \"" + text + "\"}}";
            JsonNode plain = hits("{\"size\": 50, \"_source\": false, \"query\": " + inner + "}");
            JsonNode stranger = hits(String.format(Locale.ROOT, """
                {"size": 50, "_source": false, "query": {"personalize": {"query": %s, "model": "%s", "user_id": "nobody-knows-this-shopper"}}}""", inner, StoreShop.MODEL));
            assertEquals(ids(plain), ids(stranger), text);
            assertEquals(scores(plain), scores(stranger), text);
        }
    }

    @Test
    void everyErrorOfTheRescorer() {
        String m = StoreShop.MODEL;
        assertError(404, "model [no-such-model] not found", String.format(Locale.ROOT, """
            {"query": {"personalize": {"query": %s, "model": "no-such-model", "user_id": "17850"}}}""", match()));
        assertError(
                400,
                "[weights.user_affinity] must be a finite number >= 0, got [-1.0]",
                String.format(Locale.ROOT, """
            {"query": {"personalize": {"query": %s, "model": "%s", "weights": {"user_affinity": -1}}}}""", match(), m));
        assertError(400, "unknown field [weigths]", String.format(Locale.ROOT, """
            {"query": {"personalize": {"query": %s, "model": "%s", "weigths": {}}}}""", match(), m));
        assertError(
                400,
                "[query_normalization] must be one of [minmax, log, none], got [zscore]",
                String.format(Locale.ROOT, """
            {"query": {"personalize": {"query": %s, "model": "%s", "query_normalization": "zscore"}}}""", match(), m));
        assertError(
                400,
                "[query_normalization] [minmax] needs the window of the rescorer",
                String.format(Locale.ROOT, """
            {"query": {"personalize": {"query": %s, "model": "%s", "query_normalization": "minmax"}}}""", match(), m));
        assertError(400, "[personalize] requires a [query]", String.format(Locale.ROOT, """
            {"query": {"personalize": {"model": "%s"}}}""", m));
        assertError(400, "[personalize] requires a [model]", String.format(Locale.ROOT, """
            {"query": {"personalize": {"query": %s}}}""", match()));
        assertError(400, "[recent_items] must be at least 0", String.format(Locale.ROOT, """
            {"query": {"personalize": {"query": %s, "model": "%s", "recent_items": -1}}}""", match(), m));
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 101; i++) {
            many.add("item-" + i);
        }
        assertError(
                400,
                "[context_items] is [101], more than the limit of [100] set by [personalize.rescore.max_context_items]",
                String.format(Locale.ROOT, """
            {"query": {"personalize": {"query": %s, "model": "%s", "context_items": %s}}}""", match(), m, EsClient.toJson(many)));
        // a model personalizes searches of its own catalogue only
        EsClient.Response other = es.post("/" + StoreShop.EVENTS + "/_search", String.format(Locale.ROOT, """
            {"query": {"personalize": {"query": {"match_all": {}}, "model": "%s", "user_id": "17850"}}}""", m));
        assertEquals(400, other.status(), other.body());
        assertTrue(
                other.body()
                        .contains("personalizes searches of [" + StoreShop.PRODUCTS + "] only, not of ["
                                + StoreShop.EVENTS + "]"),
                other.body());
    }

    private static void assertError(int status, String reason, String body) {
        EsClient.Response response = es.post("/" + StoreShop.PRODUCTS + "/_search", body);
        assertEquals(status, response.status(), response.body());
        assertTrue(response.body().contains(reason), "the reason [" + reason + "] in " + response.body());
        assertFalse(response.body().contains("\"hits\""), response.body());
    }
}
