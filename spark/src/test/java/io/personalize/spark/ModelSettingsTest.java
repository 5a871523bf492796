package io.personalize.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.personalize.training.EaseSimilarity;
import io.personalize.training.ItemNeighbors;
import io.personalize.training.TrainingConfig;
import org.junit.jupiter.api.Test;

/** The model's configuration as the node prints it, turned into the training maths' configuration as the node does. */
class ModelSettingsTest {

    static ModelSettings parse(String json) throws Exception {
        return ModelSettings.parse("shop", Elasticsearch.JSON.readTree(json).path("config"));
    }

    @Test
    void rp3betaWithItsParameters() throws Exception {
        ModelSettings s = parse("""
                {"name": "shop", "config": {
                  "events": {"index": "events", "user_field": "customer", "item_field": "sku", "type_field": "kind",
                             "time_field": "at", "weights": {"view": 1.0, "purchase": 5.0}, "half_life": "12h",
                             "value_field": "quantity"},
                  "similarity": {"algorithm": "rp3beta", "neighbors": 20, "alpha": 0.8, "beta": 0.3},
                  "training": {"max_history": 50, "user_items": 30, "popularity_half_life": "7d",
                               "popularity_weight": 0.1, "value_exponent": 0}}}""");
        assertEquals("customer", s.userField());
        assertEquals("quantity", s.valueField());
        assertEquals(30, s.userItems());
        TrainingConfig c = s.trainingConfig();
        assertEquals(TrainingConfig.Algorithm.RP3BETA, c.algorithm());
        assertEquals(20, c.neighbors());
        assertEquals(0.8, c.rp3Alpha());
        assertEquals(0.3, c.rp3Beta());
        assertEquals(0.5, c.halfLifeDays());
        assertEquals(7, c.popularityHalfLifeDays());
        assertEquals(50, c.maxItemsPerUser());
        assertEquals(0.1, c.scoring().popularityWeight());
        assertEquals(0.0, c.valueExponent(), "training.value_exponent: binary input");
        assertEquals(ItemNeighbors.RowNormalization.MAX, c.rowNormalization(), "rp3beta's rows divided by their max");
    }

    @Test
    void cosineDefaultsAndNoDecay() throws Exception {
        ModelSettings s = parse("""
                {"config": {"events": {"index": "e", "user_field": "u", "item_field": "i", "type_field": "t",
                             "time_field": "@timestamp", "weights": {"view": 1.0}, "half_life": null},
                  "similarity": {"algorithm": "cosine", "neighbors": 50},
                  "training": {"max_history": 500, "user_items": 100}}}""");
        TrainingConfig c = s.trainingConfig();
        assertEquals(
                TrainingConfig.defaults().toBuilder()
                        .halfLifeDays(Double.POSITIVE_INFINITY)
                        .build()
                        .toString(),
                c.toString());
        assertNull(s.valueField());
    }

    @Test
    void anAlgorithmTheJobDoesNotTrainIsNamed() throws Exception {
        ModelSettings s = parse("""
                {"config": {"events": {"weights": {"view": 1.0}}, "similarity": {"algorithm": "slim"}}}""");
        var e = assertThrows(IllegalArgumentException.class, s::trainingConfig);
        assertEquals(
                "model [shop]: the Spark job trains [cosine], [rp3beta], [ease], [als] (with Spark MLlib's ALS) and"
                        + " [user_knn], not [slim]",
                e.getMessage());
    }

    @Test
    void thePopularityDiscountIsTheModels() throws Exception {
        TrainingConfig discounted = parse("""
                {"config": {"events": {"weights": {"view": 1.0}}, "similarity": {"algorithm": "ease"},
                  "training": {"popularity_discount": 0.3}}}""").trainingConfig();
        assertEquals(0.3, discounted.popularityDiscount());
        // 0 is no discount, and so is none given
        assertEquals(0.0, parse("""
                {"config": {"events": {"weights": {"view": 1.0}}, "similarity": {"algorithm": "ease"},
                  "training": {"popularity_discount": 0}}}""").trainingConfig().popularityDiscount());
        assertEquals(0.0, parse("""
                {"config": {"events": {"weights": {"view": 1.0}}, "similarity": {"algorithm": "ease"}}}""").trainingConfig().popularityDiscount());
    }

    @Test
    void easesVariantAndSupportAreTheModels() throws Exception {
        TrainingConfig sparse = parse("""
                {"config": {"events": {"weights": {"view": 1.0}}, "similarity": {"algorithm": "ease",
                 "variant": "sparse", "support": 50}}}""").trainingConfig();
        assertEquals(EaseSimilarity.Mode.SPARSE, sparse.easeMode());
        assertEquals(50, sparse.easeSupport());
        TrainingConfig auto = parse("""
                {"config": {"events": {"weights": {"view": 1.0}}, "similarity": {"algorithm": "ease"}}}""").trainingConfig();
        assertEquals(EaseSimilarity.Mode.AUTO, auto.easeMode());
        assertEquals(TrainingConfig.DEFAULT_EASE_SUPPORT, auto.easeSupport());
    }

    @Test
    void alsVariantIsTheModels() throws Exception {
        TrainingConfig exact = parse("""
                {"config": {"events": {"weights": {"view": 1.0}}, "similarity": {"algorithm": "als",
                 "variant": "exact"}}}""").trainingConfig();
        assertEquals(io.personalize.training.ImplicitAls.Solver.EXACT, exact.alsSolver());
        TrainingConfig cg = parse("""
                {"config": {"events": {"weights": {"view": 1.0}}, "similarity": {"algorithm": "als"}}}""").trainingConfig();
        assertEquals(io.personalize.training.ImplicitAls.Solver.CG, cg.alsSolver());
    }

    @Test
    void easeAndUserKnnParametersAreTheModels() throws Exception {
        TrainingConfig ease = parse("""
                {"config": {"events": {"weights": {"view": 1.0}}, "similarity": {"algorithm": "ease",
                 "regularization": 250}, "training": {"value_exponent": 0}}}""").trainingConfig();
        assertEquals(TrainingConfig.Algorithm.EASE, ease.algorithm());
        assertEquals(250, ease.regularization());
        assertEquals(0.0, ease.valueExponent());
        assertEquals(0.05, ease.scoring().popularityWeight(), "ease's own scoring, as the node's");
        assertEquals(
                (long) (Runtime.getRuntime().maxMemory() * ModelSettings.MEMORY_BUDGET_SHARE),
                ease.memoryBudgetBytes(),
                "dense or sparse decided by this JVM's heap, with the node's share");
        TrainingConfig knn = parse("""
                {"config": {"events": {"weights": {"view": 1.0}}, "similarity": {"algorithm": "user_knn",
                 "user_neighbors": 40, "shrinkage": 3}}}""").trainingConfig();
        assertEquals(TrainingConfig.Algorithm.USER_KNN, knn.algorithm());
        assertEquals(40, knn.userNeighbors());
        assertEquals(3, knn.userShrink());
        assertEquals(10, knn.cosineShrink(), "user_knn's item cosine keeps its defaults, as the node's");
        assertEquals(
                "user_knn(neighbors=40, shrink=3.0, valueExponent=0.5; item neighbours:"
                        + " cosine(alpha=0.4, shrink=10.0, userWeightExponent=1.5, valueExponent=0.5))",
                knn.similarity().describe());
    }

    @Test
    void alsParametersAreTheModelsAndABadOneIsNamed() throws Exception {
        ModelSettings s = parse("""
                {"config": {"events": {"weights": {"view": 1.0}}, "similarity": {"algorithm": "als", "factors": 16,
                 "iterations": 7, "alpha": 3.5, "regularization": 0.25}}}""");
        TrainingConfig c = s.trainingConfig();
        assertEquals(TrainingConfig.Algorithm.ALS, c.algorithm());
        assertEquals(16, c.factors());
        assertEquals(7, c.iterations());
        assertEquals(3.5, c.alsAlpha());
        assertEquals(0.25, c.regularization());
        ModelSettings bad = parse("""
                {"config": {"events": {"weights": {"view": 1.0}}, "similarity": {"algorithm": "als", "factors": 0}}}""");
        var e = assertThrows(IllegalArgumentException.class, bad::trainingConfig);
        assertEquals("model [shop]: [similarity] factors must be >= 1", e.getMessage());
    }

    @Test
    void durationsAndByteSizesAsTheNodePrintsThem() {
        assertEquals(21L * 86_400_000, ModelSettings.duration("21d"));
        assertEquals(500L, ModelSettings.duration("500ms"));
        assertEquals(90_000L, ModelSettings.duration("1.5m"));
        assertEquals(100L << 20, SparkTrain.bytes("100mb"));
        assertEquals(2047L << 20, SparkTrain.bytes("2047mb"));
        assertEquals(1024L, SparkTrain.bytes("1kb"));
    }
}
