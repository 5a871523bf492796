package io.personalize.it.model;

import static io.personalize.it.model.Models.assertError;
import static io.personalize.it.model.Models.path;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import io.personalize.it.RealCluster;
import io.personalize.it.Shop;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The algorithms beyond item neighbourhoods (ease, als, user_knn) on a real node with the built zip, over the first
 * 20,000 Online Retail purchases: each trains into the same documents, which {@code _recommend} and the rescorer serve
 * unchanged (personalized shelves whose reasons name the shopper's own items, a search reordered per shopper, a new
 * shopper's events served through the item neighbours); {@code _evaluate}'s stratified protocol; every bad parameter
 * a 400 naming its field.
 */
class AlgorithmsIT {

    static final String PRODUCTS = "al-products";
    static final String EVENTS = "al-events";
    static final List<String> ALGORITHMS = List.of("ease", "als", "user_knn");

    private static EsClient es;
    private static List<String> shoppers;
    private static Map<String, Set<String>> bought;
    private static String popularSku;

    @BeforeAll
    static void loadShop() {
        es = RealCluster.single().any();
        OnlineRetail data = OnlineRetail.load();
        List<OnlineRetail.Purchase> purchases = data.purchases().subList(0, 20_000);
        for (String algorithm : ALGORITHMS) {
            es.delete(path(model(algorithm)));
        }
        Shop.createProductsIndex(es, PRODUCTS, null, 1, 0);
        Shop.loadProducts(es, PRODUCTS, data.products());
        Shop.createEventsIndex(es, EVENTS, 1, 0);
        Shop.loadEvents(es, EVENTS, purchases);
        bought = new HashMap<>();
        Map<String, Integer> counts = new HashMap<>();
        for (OnlineRetail.Purchase p : purchases) {
            bought.computeIfAbsent(p.user(), k -> new HashSet<>()).add(p.sku());
            counts.merge(p.sku(), 1, Integer::sum);
        }
        shoppers = bought.entrySet().stream()
                .filter(e -> e.getValue().size() >= 30)
                .map(Map.Entry::getKey)
                .sorted()
                .limit(8)
                .toList();
        assertEquals(8, shoppers.size());
        popularSku = counts.entrySet().stream()
                .max(Map.Entry.comparingByValue())
                .orElseThrow()
                .getKey();
    }

    @AfterAll
    static void cleanUp() {
        for (String algorithm : ALGORITHMS) {
            es.delete(path(model(algorithm)));
        }
        es.delete("/" + PRODUCTS);
        es.delete("/" + EVENTS);
    }

    static String model(String algorithm) {
        return "al-" + algorithm.replace('_', '-');
    }

    static String config(String similarity) {
        return String.format(Locale.ROOT, """
            {"catalog": {"index": "%s", "id_field": "sku"},
             "events": {"index": "%s", "user_field": "user_id", "item_field": "sku", "type_field": "type",
                        "time_field": "@timestamp", "weights": {"purchase": 5}},
             "similarity": %s}""", PRODUCTS, EVENTS, similarity);
    }

    @Test
    void eachAlgorithmTrainsAndIsServedByRecommendAndTheRescorer() {
        Map<String, String> similarity = Map.of(
                "ease", "{\"algorithm\": \"ease\", \"regularization\": 100}",
                "als",
                        "{\"algorithm\": \"als\", \"factors\": 16, \"iterations\": 5, \"regularization\": 1, \"alpha\": 5}",
                "user_knn", "{\"algorithm\": \"user_knn\", \"user_neighbors\": 30, \"shrinkage\": 5}");
        for (String algorithm : ALGORITHMS) {
            String model = model(algorithm);
            es.put(path(model), config(similarity.get(algorithm))).ok();
            JsonNode trained = es.post(path(model) + "/_train", null).ok();
            JsonNode version = trained.path("version");
            assertTrue(version.path("algorithm").asText().startsWith(algorithm + "("), version.toString());
            assertTrue(version.path("items").asLong() > 1000, version.toString());

            // _recommend: full, personalized shelves whose reasons name the shopper's own items
            int personalized = 0;
            for (String shopper : shoppers) {
                JsonNode response = es.post(
                                "/_recommend", Map.of("model", model, "user_id", shopper, "size", 10, "explain", true))
                        .ok();
                JsonNode recommendations = response.path("recommendations");
                assertEquals(10, recommendations.size(), algorithm + ": " + response);
                boolean fromTheModel = false;
                for (JsonNode r : recommendations) {
                    assertTrue(r.path("score").asDouble() > 0, algorithm + ": " + r);
                    assertTrue(bought.get(shopper).contains(r.path("item_id").asText()) == false, "seen excluded");
                    for (JsonNode reason : r.path("reasons")) {
                        if (reason.path("type").asText().equals("because_you_viewed")) {
                            fromTheModel = true;
                            assertTrue(
                                    bought.get(shopper)
                                            .contains(reason.path("item_id").asText()),
                                    algorithm + ": the reason names an item of the shopper's: " + reason);
                        }
                    }
                }
                personalized += fromTheModel ? 1 : 0;
            }
            assertEquals(shoppers.size(), personalized, algorithm + ": every shopper's shelf comes from the model");

            // the rescorer: the same query, a different order for two shoppers
            List<List<String>> orders = new ArrayList<>();
            for (String shopper : shoppers.subList(0, 2)) {
                String body = String.format(Locale.ROOT, """
                    {"size": 20, "query": {"match": {"title": "bag"}},
                     "rescore": {"window_size": 200, "personalize": {"model": "%s", "user_id": "%s"}}}""", model, shopper);
                JsonNode hits = es.post("/" + PRODUCTS + "/_search", body)
                        .ok()
                        .path("hits")
                        .path("hits");
                assertEquals(20, hits.size(), algorithm);
                List<String> ids = new ArrayList<>();
                hits.forEach(h -> ids.add(h.path("_id").asText()));
                orders.add(ids);
            }
            assertNotEquals(orders.get(0), orders.get(1), algorithm + ": personalized orders differ per shopper");

            // real time: a shopper the model never saw, with one fresh event, is served through the item neighbours
            String newcomer = "newcomer-" + algorithm;
            es.put(
                            "/" + EVENTS + "/_doc/" + newcomer + "?refresh=true",
                            Map.of(
                                    "user_id",
                                    newcomer,
                                    "sku",
                                    popularSku,
                                    "type",
                                    "purchase",
                                    "@timestamp",
                                    System.currentTimeMillis(),
                                    "quantity",
                                    1))
                    .ok();
            JsonNode fresh = es.post("/_recommend", Map.of("model", model, "user_id", newcomer, "size", 5))
                    .ok();
            JsonNode first =
                    fresh.path("recommendations").get(0).path("reasons").get(0);
            assertEquals("because_you_viewed", first.path("type").asText(), algorithm + ": " + fresh);
            assertEquals(popularSku, first.path("item_id").asText(), algorithm + ": " + fresh);
            es.delete("/" + EVENTS + "/_doc/" + newcomer + "?refresh=true");
        }
    }

    /**
     * {@code als}'s {@code variant: exact} (Spark MLlib's factorisation, solved on the node): a model setting GET shows,
     * trained by {@code _train} (the version names it), served by {@code _recommend}; an unknown variant is a 400.
     */
    @Test
    void alsExactVariantIsAModelSettingTrainedAndServed() {
        String model = "al-als-exact";
        es.delete(path(model));
        try {
            assertError(
                    es.put(path(model), config("{\"algorithm\": \"als\", \"variant\": \"cholesky\"}")),
                    400,
                    "[similarity.variant] unknown variant [cholesky], expected one of [cg, exact]",
                    "cholesky");
            es.put(
                            path(model),
                            config(
                                    "{\"algorithm\": \"als\", \"factors\": 16, \"iterations\": 5, \"variant\": \"exact\"}"))
                    .ok();
            assertEquals(
                    "exact",
                    es.get(path(model))
                            .ok()
                            .path("config")
                            .path("similarity")
                            .path("variant")
                            .asText());
            JsonNode version = es.post(path(model) + "/_train", null).ok().path("version");
            assertTrue(version.path("algorithm").asText().contains("variant=exact"), version.toString());
            assertTrue(version.path("items").asLong() > 1000, version.toString());
            JsonNode shelf = es.post("/_recommend", Map.of("model", model, "user_id", shoppers.get(0), "size", 10))
                    .ok();
            assertEquals(10, shelf.path("recommendations").size(), shelf.toString());
            for (JsonNode r : shelf.path("recommendations")) {
                assertTrue(
                        bought.get(shoppers.get(0)).contains(r.path("item_id").asText()) == false, "seen excluded");
            }
        } finally {
            es.delete(path(model));
        }
    }

    @Test
    void evaluateStratifiedIsReproducibleAndReportsEveryMetric() {
        String model = "al-evaluate";
        es.delete(path(model));
        es.put(path(model), config("{\"algorithm\": \"ease\"}")).ok();
        try {
            String body = "{\"protocol\": \"stratified\", \"fraction\": 0.25, \"seed\": 7, \"k\": 10}";
            JsonNode first = es.post(path(model) + "/_evaluate", body).ok().path("evaluation");
            JsonNode again = es.post(path(model) + "/_evaluate", body).ok().path("evaluation");
            assertEquals("stratified", first.path("protocol").asText(), first.toString());
            assertEquals(7, first.path("seed").asLong());
            assertTrue(first.path("test_users").asLong() > 100, first.toString());
            for (String metric : List.of("hit_rate", "precision", "recall", "map", "ndcg", "coverage")) {
                assertTrue(first.path("model").path(metric).asDouble() > 0, metric + ": " + first);
                assertEquals(
                        first.path("model").path(metric), again.path("model").path(metric), metric);
            }
            JsonNode otherSeed = es.post(path(model) + "/_evaluate", body.replace("7", "8"))
                    .ok()
                    .path("evaluation");
            assertNotEquals(
                    first.path("model").path("ndcg"), otherSeed.path("model").path("ndcg"));
            JsonNode time = es.post(path(model) + "/_evaluate", "{\"split\": \"2010-12-08\", \"k\": 10}")
                    .ok()
                    .path("evaluation");
            assertEquals("time", time.path("protocol").asText(), time.toString());
            assertTrue(time.path("model").path("precision").asDouble() > 0, time.toString());
        } finally {
            es.delete(path(model));
        }
    }

    @Test
    void everyBadParameterIsA400NamingItsField() {
        String[][] cases = {
            {
                "{\"algorithm\": \"ease\", \"regularization\": -1}",
                "[similarity.regularization] must be a positive number"
            },
            {"{\"algorithm\": \"ease\", \"regularization\": 0}", "[similarity.regularization] must be a positive number"
            },
            {"{\"algorithm\": \"als\", \"factors\": 0}", "[similarity.factors] must be between 1 and 1000"},
            {"{\"algorithm\": \"als\", \"iterations\": 0}", "[similarity.iterations] must be between 1 and 100"},
            {"{\"algorithm\": \"als\", \"alpha\": -2}", "[similarity.alpha] must be a non-negative number"},
            {"{\"algorithm\": \"user_knn\", \"user_neighbors\": 0}", "[similarity.user_neighbors] must be between 1"},
            {"{\"algorithm\": \"magic\"}", "[similarity.algorithm] unknown algorithm [magic]"},
            {"{\"algorithm\": \"cosine\", \"factors\": 8}", "[similarity.factors] is a parameter of [als]"},
            {
                "{\"algorithm\": \"ease\", \"user_neighbors\": 8}",
                "[similarity.user_neighbors] is a parameter of [user_knn]"
            },
            {"{\"algorithm\": \"als\", \"factors\": \"many\"}", "factors"},
            {
                "{\"algorithm\": \"ease\", \"shrinkage\": 3}",
                "[similarity.shrinkage] is a parameter of [cosine, user_knn]"
            },
            {
                "{\"algorithm\": \"user_knn\", \"alpha\": 0.5}",
                "[similarity.alpha] is a parameter of [cosine, rp3beta, als]"
            },
        };
        for (String[] c : cases) {
            assertError(es.put(path("al-bad"), config(c[0])), 400, c[1], c[0]);
            assertEquals(404, es.get(path("al-bad")).status(), c[0] + ": nothing was created");
        }
        String model = model("ease");
        es.put(path(model), config("{\"algorithm\": \"ease\"}")).ok();
        String[][] evaluate = {
            {
                "{\"protocol\": \"stratified\", \"split\": \"2011-02-01\"}",
                "[split] does not apply to protocol [stratified]"
            },
            {"{\"protocol\": \"stratified\", \"fraction\": 1.5}", "[fraction] must be between 0 and 1"},
            {"{\"protocol\": \"stratified\", \"fraction\": 0}", "[fraction] must be between 0 and 1"},
            {"{\"protocol\": \"random\"}", "[protocol] unknown protocol [random]"},
            {"{\"k\": 10}", "[split] is required by protocol [time]"},
            {"{\"split\": \"2011-02-01\", \"seed\": 3}", "[seed] applies to protocol [stratified] only"},
            {
                "{\"split\": \"2011-02-01\", \"similarity\": {\"algorithm\": \"als\", \"factors\": -3}}",
                "[similarity.factors]"
            },
        };
        for (String[] c : evaluate) {
            assertError(es.post(path(model) + "/_evaluate", c[0]), 400, c[1], c[0]);
        }
    }
}
