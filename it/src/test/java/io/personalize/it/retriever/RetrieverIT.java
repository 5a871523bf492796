package io.personalize.it.retriever;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import io.personalize.it.Shop;
import io.personalize.it.StoreShop;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The personalize rescorer inside Elasticsearch 9's retrievers, on a real node: the {@code rescorer} retriever over a
 * {@code standard} child (the same as the classic top-level {@code rescore}), over a {@code knn} child on the
 * item_vector field (semantic search, personalized), and over a {@code standard} child whose query mixes text and a
 * {@code knn} query (hybrid). The test distribution has no {@code rrf} or {@code linear} retriever (they are x-pack
 * modules it does not ship): the last test checks what the node says about them.
 */
class RetrieverIT {

    private static final String QUERY = "heart holder";

    private static EsClient es;
    private static String queryVector;

    @BeforeAll
    static void shop() {
        es = StoreShop.es();
        // the query's text through the same item_vector pipeline as the catalogue: a query vector in the same space
        JsonNode simulated = es.post(
                        "/_ingest/pipeline/" + Shop.VECTOR_PIPELINE + "/_simulate",
                        String.format(Locale.ROOT, """
                        {"docs": [{"_source": {"title": "%s"}}]}""", QUERY))
                .ok();
        JsonNode vector =
                simulated.path("docs").path(0).path("doc").path("_source").path("content_vector");
        assertEquals(Shop.DIMS, vector.size(), simulated.toString());
        queryVector = vector.toString();
    }

    static String personalize(String user, int window) {
        return String.format(Locale.ROOT, """
            {"window_size": %d, "personalize": {"model": "%s", "user_id": "%s"}}""", window, StoreShop.MODEL, user);
    }

    static String match() {
        return "{\"match\": {\"title\": \"" + QUERY + "\"}}";
    }

    static String knn(int k) {
        return String.format(Locale.ROOT, """
            {"field": "content_vector", "query_vector": %s, "k": %d, "num_candidates": 200}""", queryVector, k);
    }

    static JsonNode search(String body) {
        return es.post("/" + StoreShop.PRODUCTS + "/_search", body)
                .ok()
                .path("hits")
                .path("hits");
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

    @Test
    void theRescorerRetrieverGivesWhatTheClassicRescoreGives() {
        for (String user : List.of(StoreShop.SHOPPER_A, StoreShop.SHOPPER_B)) {
            JsonNode classic = search(String.format(Locale.ROOT, """
                {"size": 10, "query": %s, "rescore": %s}""", match(), personalize(user, 100)));
            JsonNode retriever = search(String.format(Locale.ROOT, """
                {"size": 10, "retriever": {"rescorer": {"retriever": {"standard": {"query": %s}}, "rescore": %s}}}""", match(), personalize(user, 100)));
            assertEquals(10, classic.size());
            assertEquals(ids(classic), ids(retriever), "the same order for shopper " + user);
            assertEquals(scores(classic), scores(retriever), "the same scores for shopper " + user);
        }
        JsonNode bm25 = search("{\"size\": 10, \"query\": " + match() + "}");
        JsonNode a = search(String.format(Locale.ROOT, """
            {"size": 10, "retriever": {"rescorer": {"retriever": {"standard": {"query": %s}}, "rescore": %s}}}""", match(), personalize(StoreShop.SHOPPER_A, 100)));
        JsonNode b = search(String.format(Locale.ROOT, """
            {"size": 10, "retriever": {"rescorer": {"retriever": {"standard": {"query": %s}}, "rescore": %s}}}""", match(), personalize(StoreShop.SHOPPER_B, 100)));
        assertNotEquals(ids(bm25), ids(a), "personalized, not the text order");
        assertNotEquals(ids(a), ids(b), "each shopper their own order");
    }

    @Test
    void overAKnnChildOnTheItemVectorField() {
        JsonNode knnAlone = search("{\"size\": 50, \"retriever\": {\"knn\": " + knn(50) + "}}");
        assertEquals(50, knnAlone.size());
        List<List<String>> orders = new ArrayList<>();
        for (String user : List.of(StoreShop.SHOPPER_A, StoreShop.SHOPPER_B)) {
            JsonNode hits = search(String.format(Locale.ROOT, """
                {"size": 10, "retriever": {"rescorer": {"retriever": {"knn": %s}, "rescore": %s}}}""", knn(50), personalize(user, 50)));
            assertEquals(10, hits.size());
            // the rescorer re-orders the knn retriever's window: its hits, in another order
            assertTrue(new HashSet<>(ids(knnAlone)).containsAll(ids(hits)), "the knn child's hits only");
            assertNotEquals(ids(knnAlone).subList(0, 10), ids(hits), "personalized, not the vector order");
            orders.add(ids(hits));
        }
        assertNotEquals(orders.get(0), orders.get(1), "each shopper their own order over the same knn hits");
    }

    @Test
    void hybridTextAndVectorsInAStandardChild() {
        // without rrf or linear, a hybrid query is a bool of a match and a knn query, scores added; then personalized
        String hybrid = String.format(Locale.ROOT, """
            {"bool": {"should": [%s, {"knn": %s}]}}""", match(), knn(50));
        JsonNode plain = search("{\"size\": 10, \"retriever\": {\"standard\": {\"query\": " + hybrid + "}}}");
        List<List<String>> orders = new ArrayList<>();
        for (String user : List.of(StoreShop.SHOPPER_A, StoreShop.SHOPPER_B)) {
            JsonNode hits = search(String.format(Locale.ROOT, """
                {"size": 10, "retriever": {"rescorer": {"retriever": {"standard": {"query": %s}}, "rescore": %s}}}""", hybrid, personalize(user, 100)));
            assertEquals(10, hits.size());
            assertNotEquals(ids(plain), ids(hits), "personalized, not the hybrid order");
            orders.add(ids(hits));
        }
        assertNotEquals(orders.get(0), orders.get(1));
    }

    @Test
    void aWindowSmallerThanThePageIsRefusedInARetrieverToo() {
        EsClient.Response response = es.post(
                "/" + StoreShop.PRODUCTS + "/_search",
                String.format(Locale.ROOT, """
            {"size": 10, "retriever": {"rescorer": {"retriever": {"standard": {"query": %s}}, "rescore": %s}}}""", match(), personalize(StoreShop.SHOPPER_A, 5)));
        assertEquals(400, response.status(), response.body());
        assertTrue(response.reason().contains("window"), response.body());
    }

    static String personalizeQuery(String inner, String user) {
        return String.format(Locale.ROOT, """
            {"personalize": {"query": %s, "model": "%s", "user_id": "%s"}}""", inner, StoreShop.MODEL, user);
    }

    @Test
    void thePersonalizeQueryInAStandardRetrieverGivesWhatTheTopLevelQueryGives() {
        List<List<String>> orders = new ArrayList<>();
        for (String user : List.of(StoreShop.SHOPPER_A, StoreShop.SHOPPER_B)) {
            JsonNode query = search(String.format(Locale.ROOT, """
                {"size": 20, "query": %s}""", personalizeQuery(match(), user)));
            JsonNode retriever = search(String.format(Locale.ROOT, """
                {"size": 20, "retriever": {"standard": {"query": %s}}}""", personalizeQuery(match(), user)));
            assertEquals(20, query.size());
            assertEquals(ids(query), ids(retriever), "the same order for shopper " + user);
            assertEquals(scores(query), scores(retriever), "the same scores for shopper " + user);
            orders.add(ids(retriever));
        }
        assertNotEquals(ids(search("{\"size\": 20, \"query\": " + match() + "}")), orders.get(0));
        assertNotEquals(orders.get(0), orders.get(1), "each shopper their own order");
    }

    @Test
    void hybridSearchPersonalizedWithoutAWindow() {
        // the personalize query around the hybrid bool (text and knn): every hit of both personalized, no window
        String hybrid = String.format(Locale.ROOT, """
            {"bool": {"should": [%s, {"knn": %s}]}}""", match(), knn(50));
        JsonNode plain = search("{\"size\": 10, \"retriever\": {\"standard\": {\"query\": " + hybrid + "}}}");
        List<List<String>> orders = new ArrayList<>();
        for (String user : List.of(StoreShop.SHOPPER_A, StoreShop.SHOPPER_B)) {
            JsonNode hits = search(String.format(Locale.ROOT, """
                {"size": 10, "retriever": {"standard": {"query": %s}}}""", personalizeQuery(hybrid, user)));
            assertEquals(10, hits.size());
            assertNotEquals(ids(plain), ids(hits), "personalized, not the hybrid order");
            orders.add(ids(hits));
        }
        assertNotEquals(orders.get(0), orders.get(1));
    }

    @Test
    void rrfAndLinearAreNotInTheTestDistribution() {
        for (String retriever : List.of("rrf", "linear")) {
            EsClient.Response response = es.post(
                    "/" + StoreShop.PRODUCTS + "/_search",
                    String.format(Locale.ROOT, """
                {"retriever": {"%s": {"retrievers": [{"standard": {"query": %s}}, {"knn": %s}]}}}""", retriever, match(), knn(10)));
            System.out.println(
                    "RetrieverIT: [" + retriever + "] answered " + response.status() + " " + response.reason());
            assertEquals(400, response.status(), response.body());
            assertTrue(response.reason().contains(retriever), response.body());
        }
    }
}
