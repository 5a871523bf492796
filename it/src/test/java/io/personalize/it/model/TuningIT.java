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
 * Self-tuning on a real node, over the first 20,000 Online Retail purchases: {@code _train} with {@code tune} records
 * every candidate's validation figures in the version (shown by GET), activates the winner, which {@code _recommend}
 * serves; a budget too small skips candidates and says so; {@code _evaluate} with {@code tune} scores the winner on
 * its test part; a model's standing {@code tuning} section tunes every {@code _train}; every bad tuning parameter is a
 * 400 naming its field.
 */
class TuningIT {

    static final String PRODUCTS = "tu-products";
    static final String EVENTS = "tu-events";
    static final String MODEL = "tu-shop";

    private static EsClient es;
    private static Map<String, Set<String>> bought;

    @BeforeAll
    static void loadShop() {
        es = RealCluster.single().any();
        OnlineRetail data = OnlineRetail.load();
        List<OnlineRetail.Purchase> purchases = data.purchases().subList(0, 20_000);
        es.delete(path(MODEL));
        Shop.createProductsIndex(es, PRODUCTS, null, 1, 0);
        Shop.loadProducts(es, PRODUCTS, data.products());
        Shop.createEventsIndex(es, EVENTS, 1, 0);
        Shop.loadEvents(es, EVENTS, purchases);
        bought = new HashMap<>();
        for (OnlineRetail.Purchase p : purchases) {
            bought.computeIfAbsent(p.user(), k -> new HashSet<>()).add(p.sku());
        }
        es.put(path(MODEL), modelBody("}")).ok();
    }

    /** The model's catalogue and events as every test here gives them, followed by {@code rest}. */
    private static String modelBody(String rest) {
        return String.format(Locale.ROOT, """
            {"catalog": {"index": "%s", "id_field": "sku"},
             "events": {"index": "%s", "user_field": "user_id", "item_field": "sku", "type_field": "type",
                        "time_field": "@timestamp", "weights": {"purchase": 5}}""", PRODUCTS, EVENTS) + rest;
    }

    @AfterAll
    static void cleanUp() {
        es.delete(path(MODEL));
        es.delete("/" + PRODUCTS);
        es.delete("/" + EVENTS);
    }

    @Test
    void aTunedTrainingRecordsEveryCandidateAndServesTheWinner() {
        JsonNode version = es.post(path(MODEL) + "/_train", "{\"tune\": {\"budget\": \"10m\"}}")
                .ok()
                .path("version");
        JsonNode tuning = version.path("tuning");
        assertEquals("newest", tuning.path("validation").path("protocol").asText(), tuning.toString());
        assertEquals(10, tuning.path("k").asInt());
        JsonNode candidates = tuning.path("candidates");
        assertTrue(candidates.size() >= 10, "every algorithm with decay on and off, at least: " + tuning);
        assertEquals("configured", candidates.get(0).path("stage").asText());
        Set<String> algorithms = new HashSet<>();
        double best = -1;
        JsonNode chosen = null;
        for (JsonNode c : candidates) {
            if (c.path("outcome").asText().equals("measured")) {
                algorithms.add(c.path("algorithm").asText().replaceAll("\\(.*", ""));
                for (String figure : List.of("hit_rate", "precision", "recall", "map", "ndcg", "coverage")) {
                    assertTrue(c.path(figure).isNumber(), figure + " of " + c);
                }
                best = Math.max(best, c.path("ndcg").asDouble());
            }
            if (c.path("chosen").asBoolean()) {
                chosen = c;
            }
        }
        assertEquals(Set.of("cosine", "rp3beta", "ease", "als", "user_knn"), algorithms, tuning.toString());
        // the winner is the best on validation, and it is what the version was trained with
        assertEquals(best, chosen.path("ndcg").asDouble(), tuning.toString());
        assertEquals(chosen, tuning.path("chosen"));
        assertEquals(
                chosen.path("algorithm").asText(), version.path("algorithm").asText());

        // GET shows the same figures on the active version
        JsonNode status = Models.status(es, MODEL);
        JsonNode active = null;
        for (JsonNode v : status.path("versions")) {
            if (v.path("version").asLong() == status.path("active_version").asLong()) {
                active = v;
            }
        }
        assertEquals(version.path("version").asLong(), active.path("version").asLong(), status.toString());
        assertEquals(tuning, active.path("tuning"));

        // the winner serves: personalized shelves whose reasons name the shopper's own items
        List<String> shoppers = bought.entrySet().stream()
                .filter(e -> e.getValue().size() >= 30)
                .map(Map.Entry::getKey)
                .sorted()
                .limit(5)
                .toList();
        for (String shopper : shoppers) {
            JsonNode recommendations = es.post(
                            "/_recommend", Map.of("model", MODEL, "user_id", shopper, "size", 10, "explain", true))
                    .ok()
                    .path("recommendations");
            assertEquals(10, recommendations.size());
            boolean fromTheModel = false;
            for (JsonNode r : recommendations) {
                assertTrue(bought.get(shopper).contains(r.path("item_id").asText()) == false, "seen excluded");
                for (JsonNode reason : r.path("reasons")) {
                    if (reason.path("type").asText().equals("because_you_viewed")) {
                        fromTheModel = true;
                        assertTrue(
                                bought.get(shopper)
                                        .contains(reason.path("item_id").asText()),
                                reason.toString());
                    }
                }
            }
            assertTrue(fromTheModel, shopper + ": " + recommendations);
        }
    }

    @Test
    void aSpentBudgetSkipsCandidatesAndSaysWhich() {
        JsonNode tuning = es.post(path(MODEL) + "/_train", "{\"tune\": {\"budget\": \"1s\"}}")
                .ok()
                .path("version")
                .path("tuning");
        assertEquals(1000, tuning.path("budget_ms").asLong());
        long skipped = 0;
        for (JsonNode c : tuning.path("candidates")) {
            if (c.path("outcome").asText().equals("skipped")) {
                skipped++;
                assertTrue(c.path("reason").asText().contains("budget"), c.toString());
                assertTrue(c.path("ndcg").isMissingNode(), c.toString());
            }
        }
        assertTrue(skipped > 0, tuning.toString());
        assertEquals(skipped, tuning.path("skipped").asLong());
        // the configured model is always measured: a training comes out of any budget
        assertEquals(
                "measured", tuning.path("candidates").get(0).path("outcome").asText(), tuning.toString());
    }

    @Test
    void aCoverageFloorChoosesTheBestCandidateReachingItAndReusesTrainingsForPopularityWeights() {
        double floor = 0.3;
        JsonNode version = es.post(
                        path(MODEL) + "/_train", "{\"tune\": {\"budget\": \"10m\", \"min_coverage\": " + floor + "}}")
                .ok()
                .path("version");
        JsonNode tuning = version.path("tuning");
        assertEquals(floor, tuning.path("min_coverage").asDouble(), tuning.toString());
        double bestReaching = -1;
        double bestOfAll = -1;
        long reused = 0;
        boolean coverageStage = false;
        for (JsonNode c : tuning.path("candidates")) {
            if (c.path("outcome").asText().equals("measured")) {
                double ndcg = c.path("ndcg").asDouble();
                bestOfAll = Math.max(bestOfAll, ndcg);
                if (c.path("coverage").asDouble() >= floor) {
                    bestReaching = Math.max(bestReaching, ndcg);
                }
                if (c.path("retrained").asBoolean(true) == false) {
                    reused++;
                    assertTrue(c.path("popularity_weight").isNumber(), c.toString());
                }
                coverageStage |= c.path("stage").asText().equals("coverage");
            }
        }
        JsonNode chosen = tuning.path("chosen");
        boolean met = bestReaching >= 0;
        assertEquals(met, tuning.path("min_coverage_met").asBoolean(), tuning.toString());
        // met: the best NDCG among the candidates whose validation coverage reaches the floor; not met: the best of all
        assertEquals(met ? bestReaching : bestOfAll, chosen.path("ndcg").asDouble(), tuning.toString());
        if (met) {
            assertTrue(chosen.path("coverage").asDouble() >= floor, tuning.toString());
        }
        assertTrue(coverageStage, "a floor adds the coverage stage: " + tuning);
        // the popularity stage re-scores the model trained just before instead of training it again
        assertTrue(reused > 0, tuning.toString());
        assertEquals(
                chosen.path("algorithm").asText(), version.path("algorithm").asText());
    }

    @Test
    void evaluateWithTuneScoresTheWinnerOnTheTestPart() {
        JsonNode evaluation = es.post(
                        path(MODEL) + "/_evaluate",
                        "{\"protocol\": \"stratified\", \"fraction\": 0.25, \"seed\": 42, \"tune\": {\"budget\": \"10m\","
                                + " \"validation\": \"random\", \"seed\": 43}}")
                .ok()
                .path("evaluation");
        JsonNode tuning = evaluation.path("tuning");
        assertEquals("random", tuning.path("validation").path("protocol").asText(), tuning.toString());
        assertEquals(43, tuning.path("validation").path("seed").asLong());
        // tuned on part of the training part: fewer events than the test split trains on
        assertTrue(
                tuning.path("train_events").asLong()
                        < evaluation.path("train_events").asLong(),
                evaluation.toString());
        assertEquals(
                tuning.path("chosen").path("algorithm").asText(),
                evaluation.path("algorithm").asText());
        assertTrue(evaluation.path("model").path("ndcg").asDouble() > 0, evaluation.toString());
    }

    @Test
    void easesSparseVariantIsAModelSettingShownByGetAndTrainedWithEveryBadValueA400() {
        String model = "tu-sparse";
        String head = modelBody(", \"similarity\": ");
        String[][] bad = {
            {"{\"algorithm\": \"ease\", \"variant\": \"sansa\"}", "[similarity.variant] unknown variant [sansa]"},
            {"{\"algorithm\": \"ease\", \"support\": 0}", "[similarity.support] must be between 1 and 2000"},
            {"{\"algorithm\": \"ease\", \"support\": 5000}", "[similarity.support] must be between 1 and 2000"},
            {
                "{\"algorithm\": \"ease\", \"variant\": \"dense\", \"support\": 50}",
                "[similarity.support] is a parameter of the sparse variant"
            },
            {
                "{\"algorithm\": \"als\", \"variant\": \"sparse\"}",
                "[similarity.variant] unknown variant [sparse], expected one of [cg, exact]"
            },
            {"{\"algorithm\": \"cosine\", \"variant\": \"dense\"}", "[similarity.variant] is a parameter of [ease, als]"
            },
            {"{\"algorithm\": \"cosine\", \"support\": 50}", "[similarity.support] is a parameter of [ease]"},
        };
        try {
            for (String[] c : bad) {
                assertError(es.put(path(model), head + c[0] + "}"), 400, c[1], c[0]);
            }
            es.put(path(model), head + "{\"algorithm\": \"ease\", \"variant\": \"sparse\", \"support\": 50}}")
                    .ok();
            JsonNode similarity = es.get(path(model)).ok().path("config").path("similarity");
            assertEquals("sparse", similarity.path("variant").asText(), similarity.toString());
            assertEquals(50, similarity.path("support").asInt(), similarity.toString());
            JsonNode version = es.post(path(model) + "/_train", null).ok().path("version");
            assertTrue(version.path("algorithm").asText().contains("support=50, mode=sparse"), version.toString());
        } finally {
            es.delete(path(model));
        }
    }

    @Test
    void aPopularityDiscountIsAModelSettingShownByGetThatChangesTheListsAndEveryBadValueA400() {
        String model = "tu-discount";
        String head = modelBody(", \"similarity\": {\"algorithm\": \"ease\", \"variant\": \"sparse\", \"support\": 50},"
                + " \"training\": ");
        String[][] bad = {
            {"{\"popularity_discount\": -0.1}", "[training.popularity_discount] must be between 0 and 1, got [-0.1]"},
            {"{\"popularity_discount\": 1.5}", "[training.popularity_discount] must be between 0 and 1, got [1.5]"},
            {"{\"popularity_discount\": \"high\"}", "popularity_discount"},
        };
        String evaluate = "{\"protocol\": \"stratified\", \"fraction\": 0.25, \"seed\": 42, \"k\": 10}";
        try {
            for (String[] c : bad) {
                assertError(es.put(path(model), head + c[0] + "}"), 400, c[1], c[0]);
            }
            es.put(path(model), head + "{\"popularity_discount\": 0}}").ok();
            JsonNode plain = es.post(path(model) + "/_evaluate", evaluate).ok().path("evaluation");
            es.put(path(model), head + "{\"popularity_discount\": 0.5}}").ok();
            JsonNode training = es.get(path(model)).ok().path("config").path("training");
            assertEquals(0.5, training.path("popularity_discount").asDouble(), training.toString());
            JsonNode discounted =
                    es.post(path(model) + "/_evaluate", evaluate).ok().path("evaluation");
            // the same users judged; the lists differ (towards the items fewer shoppers have)
            assertTrue(plain.path("test_users").asLong() > 0, plain.toString());
            assertEquals(
                    plain.path("test_users").asLong(),
                    discounted.path("test_users").asLong());
            assertNotEquals(
                    plain.path("model").path("coverage").asDouble(),
                    discounted.path("model").path("coverage").asDouble(),
                    plain + " / " + discounted);
            JsonNode version = es.post(path(model) + "/_train", null).ok().path("version");
            assertTrue(version.path("algorithm").asText().contains("mode=sparse"), version.toString());
        } finally {
            es.delete(path(model));
        }
    }

    @Test
    void aModelWithATuningSectionTunesOnEveryTrainUnlessTheRequestSaysOtherwise() {
        String model = "tu-standing";
        String head = modelBody(", \"tuning\": ");
        String[][] bad = {
            {"{\"budget\": \"0s\"}", "[tuning.budget] must be between 1s and 1d"},
            {"{\"budget\": \"soon\"}", "tuning.budget"},
            {"{\"fraction\": 1.5}", "[tuning.fraction] must be between 0 and 1"},
            {"{\"validation\": \"oldest\"}", "[tuning.validation] must be [newest] or [random]"},
            {"{\"seed\": 3}", "[tuning.seed] applies to validation [random] only"},
            {"{\"k\": 0}", "[tuning.k] must be between 1 and 100"},
            {"{\"min_coverage\": -0.1}", "[tuning.min_coverage] must be between 0 and 1"},
            {"{\"colour\": \"red\"}", "colour"},
            {"true", "tuning"},
        };
        try {
            for (String[] c : bad) {
                assertError(es.put(path(model), head + c[0] + "}"), 400, c[1], c[0]);
            }
            es.put(
                            path(model),
                            head + "{\"budget\": \"2m\", \"validation\": \"random\", \"fraction\": 0.3, \"seed\": 7}}")
                    .ok();
            JsonNode section = es.get(path(model)).ok().path("config").path("tuning");
            assertEquals("random", section.path("validation").asText(), section.toString());
            assertEquals(0.3, section.path("fraction").asDouble(), section.toString());
            assertEquals(7, section.path("seed").asLong(), section.toString());
            assertEquals("2m", section.path("budget").asText(), section.toString());

            // a plain _train tunes with the section's options, and the version says so
            JsonNode tuned = es.post(path(model) + "/_train", null).ok().path("version");
            JsonNode validation = tuned.path("tuning").path("validation");
            assertEquals("random", validation.path("protocol").asText(), tuned.toString());
            assertEquals(0.3, validation.path("fraction").asDouble(), tuned.toString());
            assertEquals(7, validation.path("seed").asLong(), tuned.toString());
            assertEquals(120_000, tuned.path("tuning").path("budget_ms").asLong(), tuned.toString());
            assertEquals(
                    tuned.path("tuning").path("chosen").path("algorithm").asText(),
                    tuned.path("algorithm").asText());

            // the request's tune replaces the section for one training; "tune": false trains the configuration as is
            // (a budget of 1 s: what is asked is whose options the tuning took, not what a whole tuning finds)
            JsonNode asked = es.post(path(model) + "/_train", "{\"tune\": {\"budget\": \"1s\"}}")
                    .ok()
                    .path("version");
            assertEquals(
                    "newest",
                    asked.path("tuning").path("validation").path("protocol").asText(),
                    asked.toString());
            assertEquals(1000, asked.path("tuning").path("budget_ms").asLong(), asked.toString());
            JsonNode plain =
                    es.post(path(model) + "/_train", "{\"tune\": false}").ok().path("version");
            assertTrue(plain.path("tuning").isMissingNode(), plain.toString());
            assertTrue(plain.path("algorithm").asText().startsWith("cosine("), plain.toString());
        } finally {
            es.delete(path(model));
        }
    }

    @Test
    void everyBadTuningParameterIsA400NamingItsField() {
        String[][] cases = {
            {"{\"tune\": {\"budget\": \"0s\"}}", "[tune.budget] must be between 1s and 1d"},
            {"{\"tune\": {\"budget\": \"2d\"}}", "[tune.budget] must be between 1s and 1d"},
            {"{\"tune\": {\"budget\": \"soon\"}}", "tune.budget"},
            {"{\"tune\": {\"fraction\": 1.5}}", "[tune.fraction] must be between 0 and 1"},
            {"{\"tune\": {\"fraction\": 0}}", "[tune.fraction] must be between 0 and 1"},
            {"{\"tune\": {\"validation\": \"oldest\"}}", "[tune.validation] must be [newest] or [random]"},
            {"{\"tune\": {\"seed\": 3}}", "[tune.seed] applies to validation [random] only"},
            {"{\"tune\": {\"k\": 0}}", "[tune.k] must be between 1 and 100"},
            {"{\"tune\": {\"min_coverage\": 1.5}}", "[tune.min_coverage] must be between 0 and 1"},
            {"{\"tune\": {\"min_coverage\": -0.1}}", "[tune.min_coverage] must be between 0 and 1"},
            {"{\"tune\": {\"min_coverage\": \"wide\"}}", "min_coverage"},
            {"{\"tune\": {\"colour\": \"red\"}}", "colour"},
            // _train: "[tune] must be true, false or an object"; _evaluate: "tune doesn't support values of type"
            {"{\"tune\": \"yes\"}", "tune"},
            {"{\"tunes\": true}", "unknown field [tunes]"},
        };
        for (String[] c : cases) {
            assertError(es.post(path(MODEL) + "/_train", c[0]), 400, c[1], "_train " + c[0]);
            String evaluate = "{\"split\": \"2011-01-01\", " + c[0].substring(1);
            if (c[0].startsWith("{\"tunes\"") == false) {
                assertError(es.post(path(MODEL) + "/_evaluate", evaluate), 400, c[1], "_evaluate " + evaluate);
            }
        }
        // nothing was started: the model is not training
        assertTrue(
                Models.status(es, MODEL).path("training").path("state").asText().equals("running") == false);
    }
}
