package io.personalize.model;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.elasticsearch.common.Strings;
import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.common.io.stream.BytesStreamOutput;
import org.elasticsearch.core.TimeValue;
import org.elasticsearch.test.ESTestCase;
import org.elasticsearch.xcontent.ToXContent;
import org.elasticsearch.xcontent.XContentFactory;
import org.elasticsearch.xcontent.XContentParseException;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentParserConfiguration;
import org.elasticsearch.xcontent.json.JsonXContent;

public class ModelConfigTests extends ESTestCase {

    static ModelConfig parse(String json) throws IOException {
        try (XContentParser parser = JsonXContent.jsonXContent.createParser(XContentParserConfiguration.EMPTY, json)) {
            return ModelConfig.parse(parser);
        }
    }

    public void testTheReadmeExample() throws IOException {
        ModelConfig config = parse("""
            { "catalog": { "index": "products", "id_field": "sku", "attributes": ["category", "brand"], "vector_field": "content_vector" },
              "events":  { "index": "events", "user_field": "user_id", "item_field": "sku", "type_field": "type",
                           "time_field": "@timestamp", "weights": {"view": 1, "cart": 3, "purchase": 5}, "half_life": "30d" },
              "similarity": { "algorithm": "cosine", "neighbors": 100 } }""");
        assertThat(config.catalog().attributes(), equalTo(List.of("category", "brand")));
        assertThat(config.events().weights(), equalTo(Map.of("view", 1.0, "cart", 3.0, "purchase", 5.0)));
        assertThat(config.events().halfLife(), equalTo(TimeValue.timeValueDays(30)));
        assertThat(config.similarity().neighbors(), equalTo(100));
        assertThat(config.training(), equalTo(ModelConfig.Training.DEFAULT));
    }

    public void testDefaults() throws IOException {
        ModelConfig config = parse("""
            {"catalog": {"index": "p"}, "events": {"index": "e"}}""");
        assertThat(config.catalog().idField(), equalTo("_id"));
        assertThat(config.events().userField(), equalTo("user_id"));
        assertThat(config.events().itemField(), equalTo("item_id"));
        assertThat(config.events().timeField(), equalTo("@timestamp"));
        assertThat(config.events().weights(), equalTo(ModelConfig.Events.DEFAULT_WEIGHTS));
        assertThat(config.events().halfLife(), equalTo(ModelConfig.Events.DEFAULT_HALF_LIFE));
        assertThat(config.similarity().algorithm(), equalTo("cosine"));
        assertThat(config.similarity().neighbors(), equalTo(50));
        assertThat(config.events().recentEvents(), equalTo(ModelConfig.Events.RecentEvents.INDEX));
    }

    public void testNullHalfLifeMeansNoDecay() throws IOException {
        ModelConfig config = parse("""
            {"catalog": {"index": "p"}, "events": {"index": "e", "half_life": null}}""");
        assertThat(config.events().halfLife(), nullValue());
        assertThat("stays without decay once stored", roundTrip(config).events().halfLife(), nullValue());
    }

    public void testStoredFormRoundTrips() throws IOException {
        ModelConfig config = parse("""
            {"catalog": {"index": "p", "attributes": ["brand"]},
             "events": {"index": "e", "weights": {"view": 0.5}, "value_field": "qty", "recent_events": "api"},
             "similarity": {"algorithm": "RP3BETA", "alpha": 0.8, "beta": 0.4},
             "training": {"max_history": 50, "popularity_half_life": "7d", "popularity_weight": 0.1}}""");
        assertThat(roundTrip(config), equalTo(config));
        BytesStreamOutput out = new BytesStreamOutput();
        config.writeTo(out);
        assertThat(ModelConfig.readFrom(out.bytes().streamInput()), equalTo(config));
    }

    public void testBadConfigurationsNameTheField() {
        assertBad("{\"catalog\": {\"index\": \"p\"}}", "Required [events]");
        assertBad(
                "{\"catalog\": {\"index\": \"p\"}, \"events\": {\"index\": \"e\"}, \"wat\": 1}", "unknown field [wat]");
        assertBad(
                "{\"catalog\": {\"index\": \"p\"}, \"events\": {\"index\": \"e\", \"weights\": {\"view\": -1}}}",
                "[events.weights] the weight of [view] must be a positive number, got [-1]");
        assertBad(
                "{\"catalog\": {\"index\": \"p\"}, \"events\": {\"index\": \"e\", \"weights\": {\"view\": \"much\"}}}",
                "[events.weights] the weight of [view] must be a positive number");
        assertBad(
                "{\"catalog\": {\"index\": \"p\"}, \"events\": {\"index\": \"e\", \"weights\": {}}}",
                "[events.weights] must give");
        assertBad(
                "{\"catalog\": {\"index\": \"p\"}, \"events\": {\"index\": \"e\", \"half_life\": \"soon\"}}",
                "half_life");
        assertBad(
                "{\"catalog\": {\"index\": \"p\"}, \"events\": {\"index\": \"e\"}, \"similarity\": {\"algorithm\": \"magic\"}}",
                "[similarity.algorithm] unknown algorithm [magic], expected one of [cosine, rp3beta, ease, als, user_knn]");
        assertBad(
                "{\"catalog\": {\"index\": \"p\"}, \"events\": {\"index\": \"e\"}, \"similarity\": {\"neighbors\": 0}}",
                "[similarity.neighbors] must be between 1 and 1000");
        assertBad(
                "{\"catalog\": {\"index\": \"p\"}, \"events\": {\"index\": \"e\"}, \"similarity\": {\"shrinkage\": -3}}",
                "[similarity.shrinkage] must be a non-negative number");
        assertBad(
                "{\"catalog\": {\"index\": \"\"}, \"events\": {\"index\": \"e\"}}",
                "[catalog.index] must not be empty");
        assertBad(
                "{\"catalog\": {\"index\": \"p\", \"created_field\": \" \"}, \"events\": {\"index\": \"e\"}}",
                "[catalog.created_field] must not be empty");
        assertBad(
                "{\"catalog\": {\"index\": \"p\"}, \"events\": {\"index\": \"e\"}, \"training\": {\"user_items\": 5000}}",
                "[training.user_items] must be between 1 and 1000");
        assertBad(
                "{\"catalog\": {\"index\": \"p\"}, \"events\": {\"index\": \"e\", \"recent_events\": \"kafka\"}}",
                "[events.recent_events] must be [index] or [api], got [kafka]");
    }

    /** catalog.created_field: kept, stored and sent as given; absent, null (every unknown product counts as new). */
    public void testCreatedField() throws IOException {
        ModelConfig dated = parse(
                "{\"catalog\": {\"index\": \"p\", \"created_field\": \"first_sold\"}, \"events\": {\"index\": \"e\"}}");
        assertThat(dated.catalog().createdField(), equalTo("first_sold"));
        assertThat(roundTrip(dated), equalTo(dated));
        assertNull(parse("{\"catalog\": {\"index\": \"p\"}, \"events\": {\"index\": \"e\"}}")
                .catalog()
                .createdField());
    }

    public void testAlgorithmParameters() throws IOException {
        String head = "{\"catalog\": {\"index\": \"p\"}, \"events\": {\"index\": \"e\"}, \"similarity\": ";
        ModelConfig als = parse(head
                + "{\"algorithm\": \"als\", \"factors\": 32, \"iterations\": 7, \"regularization\": 2, \"alpha\": 4}}");
        assertThat(als.similarity().factors(), equalTo(32));
        assertThat(als.similarity().iterations(), equalTo(7));
        assertThat(als.similarity().regularization(), equalTo(2.0));
        assertThat(roundTrip(als), equalTo(als));
        io.personalize.training.TrainingConfig training = TrainingConfigs.of(als);
        assertThat(training.algorithm(), equalTo(io.personalize.training.TrainingConfig.Algorithm.ALS));
        assertThat(training.factors(), equalTo(32));
        assertThat(training.iterations(), equalTo(7));
        assertThat(training.regularization(), equalTo(2.0));
        assertThat(training.alsAlpha(), equalTo(4.0));
        ModelConfig ease = parse(head + "{\"algorithm\": \"ease\", \"regularization\": 300}}");
        assertThat(TrainingConfigs.of(ease).regularization(), equalTo(300.0));
        assertThat(
                TrainingConfigs.of(parse(head + "{\"algorithm\": \"ease\"}}")).regularization(),
                equalTo(io.personalize.training.TrainingConfig.DEFAULT_EASE_REGULARIZATION));
        ModelConfig knn = parse(head + "{\"algorithm\": \"user_knn\", \"user_neighbors\": 30, \"shrinkage\": 2}}");
        assertThat(TrainingConfigs.of(knn).userNeighbors(), equalTo(30));
        assertThat(TrainingConfigs.of(knn).userShrink(), equalTo(2.0));
        assertThat(roundTrip(knn), equalTo(knn));
        ModelConfig binary = parse(head + "{\"algorithm\": \"ease\"}, \"training\": {\"value_exponent\": 0}}");
        assertThat(TrainingConfigs.of(binary).valueExponent(), equalTo(0.0));
        assertThat(roundTrip(binary), equalTo(binary));
        assertThat(TrainingConfigs.of(ease).valueExponent(), equalTo(0.5));
        assertBad(
                head + "{\"algorithm\": \"ease\"}, \"training\": {\"value_exponent\": -0.5}}",
                "[training.value_exponent] must be between 0 and 1, got [-0.5]");

        assertBad(
                head + "{\"algorithm\": \"ease\", \"regularization\": -1}}",
                "[similarity.regularization] must be a positive number");
        assertBad(
                head + "{\"algorithm\": \"als\", \"regularization\": 0}}",
                "[similarity.regularization] must be a positive number");
        assertBad(
                head + "{\"algorithm\": \"als\", \"factors\": 0}}",
                "[similarity.factors] must be between 1 and 1000, got [0]");
        assertBad(
                head + "{\"algorithm\": \"als\", \"iterations\": 0}}",
                "[similarity.iterations] must be between 1 and 100");
        assertBad(
                head + "{\"algorithm\": \"als\", \"alpha\": -1}}", "[similarity.alpha] must be a non-negative number");
        assertBad(
                head + "{\"algorithm\": \"user_knn\", \"user_neighbors\": 0}}",
                "[similarity.user_neighbors] must be between 1 and 1000");
        assertBad(
                head + "{\"algorithm\": \"cosine\", \"factors\": 8}}",
                "[similarity.factors] is a parameter of [als], not of [cosine]");
        assertBad(
                head + "{\"algorithm\": \"ease\", \"iterations\": 8}}",
                "[similarity.iterations] is a parameter of [als], not of [ease]");
        assertBad(
                head + "{\"algorithm\": \"rp3beta\", \"regularization\": 8}}",
                "[similarity.regularization] is a parameter of [ease, als]");
        assertBad(
                head + "{\"algorithm\": \"als\", \"user_neighbors\": 8}}",
                "[similarity.user_neighbors] is a parameter of [user_knn]");
        assertBad(
                head + "{\"algorithm\": \"ease\", \"shrinkage\": 8}}",
                "[similarity.shrinkage] is a parameter of [cosine, user_knn]");
        assertBad(
                head + "{\"algorithm\": \"user_knn\", \"alpha\": 0.5}}",
                "[similarity.alpha] is a parameter of [cosine, rp3beta, als]");
        assertBad(head + "{\"algorithm\": \"als\", \"beta\": 0.5}}", "[similarity.beta] is a parameter of [rp3beta]");
    }

    public void testEaseVariantAndSupport() throws IOException {
        String head = "{\"catalog\": {\"index\": \"p\"}, \"events\": {\"index\": \"e\"}, \"similarity\": ";
        ModelConfig sparse = parse(head + "{\"algorithm\": \"ease\", \"variant\": \"Sparse\", \"support\": 50}}");
        assertThat(sparse.similarity().variant(), equalTo("sparse"));
        assertThat(sparse.similarity().support(), equalTo(50));
        assertThat(roundTrip(sparse), equalTo(sparse));
        io.personalize.training.TrainingConfig training = TrainingConfigs.of(sparse);
        assertThat(training.easeMode(), equalTo(io.personalize.training.EaseSimilarity.Mode.SPARSE));
        assertThat(training.easeSupport(), equalTo(50));
        assertThat(training.similarity().describe(), containsString("support=50, mode=sparse"));
        assertThat(
                TrainingConfigs.of(parse(head + "{\"algorithm\": \"ease\", \"variant\": \"dense\"}}"))
                        .easeMode(),
                equalTo(io.personalize.training.EaseSimilarity.Mode.DENSE));
        // not set: chosen by memory at the default support, and GET shows nothing new
        ModelConfig auto = parse(head + "{\"algorithm\": \"ease\"}}");
        assertThat(TrainingConfigs.of(auto).easeMode(), equalTo(io.personalize.training.EaseSimilarity.Mode.AUTO));
        assertThat(
                TrainingConfigs.of(auto).easeSupport(),
                equalTo(io.personalize.training.TrainingConfig.DEFAULT_EASE_SUPPORT));
        assertThat(Strings.toString(auto.similarity()).contains("variant"), equalTo(false));
        assertThat(Strings.toString(sparse.similarity()), containsString("\"variant\":\"sparse\",\"support\":50"));

        assertBad(
                head + "{\"algorithm\": \"ease\", \"variant\": \"sansa\"}}",
                "[similarity.variant] unknown variant [sansa], expected one of [auto, dense, sparse]");
        assertBad(
                head + "{\"algorithm\": \"ease\", \"support\": 0}}",
                "[similarity.support] must be between 1 and 2000, got [0]");
        assertBad(
                head + "{\"algorithm\": \"ease\", \"support\": 2001}}",
                "[similarity.support] must be between 1 and 2000, got [2001]");
        assertBad(
                head + "{\"algorithm\": \"ease\", \"variant\": \"dense\", \"support\": 50}}",
                "[similarity.support] is a parameter of the sparse variant, not of [dense]");
        assertBad(
                head + "{\"algorithm\": \"als\", \"variant\": \"sparse\"}}",
                "[similarity.variant] unknown variant [sparse], expected one of [cg, exact]");
        assertBad(
                head + "{\"algorithm\": \"cosine\", \"variant\": \"dense\"}}",
                "[similarity.variant] is a parameter of [ease, als], not of [cosine]");
        assertBad(
                head + "{\"algorithm\": \"cosine\", \"support\": 50}}",
                "[similarity.support] is a parameter of [ease], not of [cosine]");
    }

    public void testAlsVariant() throws IOException {
        String head = "{\"catalog\": {\"index\": \"p\"}, \"events\": {\"index\": \"e\"}, \"similarity\": ";
        ModelConfig exact = parse(head + "{\"algorithm\": \"als\", \"variant\": \"EXACT\"}}");
        assertThat(exact.similarity().variant(), equalTo("exact"));
        assertThat(TrainingConfigs.of(exact).alsSolver(), equalTo(io.personalize.training.ImplicitAls.Solver.EXACT));
        assertThat(
                ((io.personalize.training.ImplicitAls) TrainingConfigs.of(exact).similarity()).solver(),
                equalTo(io.personalize.training.ImplicitAls.Solver.EXACT));
        assertThat(Strings.toString(exact.similarity()), containsString("\"variant\":\"exact\""));
        ModelConfig cg = parse(head + "{\"algorithm\": \"als\", \"variant\": \"cg\"}}");
        assertThat(TrainingConfigs.of(cg).alsSolver(), equalTo(io.personalize.training.ImplicitAls.Solver.CG));
        ModelConfig plain = parse(head + "{\"algorithm\": \"als\"}}");
        assertThat(TrainingConfigs.of(plain).alsSolver(), equalTo(io.personalize.training.ImplicitAls.Solver.CG));
        assertThat(Strings.toString(plain.similarity()).contains("variant"), equalTo(false));
        assertBad(
                head + "{\"algorithm\": \"als\", \"variant\": \"cholesky\"}}",
                "[similarity.variant] unknown variant [cholesky], expected one of [cg, exact]");
        assertBad(
                head + "{\"algorithm\": \"als\", \"variant\": \"exact\", \"support\": 50}}",
                "[similarity.support] is a parameter of [ease], not of [als]");
    }

    public void testPopularityDiscount() throws IOException {
        String head = "{\"catalog\": {\"index\": \"p\"}, \"events\": {\"index\": \"e\"}, ";
        ModelConfig discounted = parse(
                head + "\"similarity\": {\"algorithm\": \"ease\"}, \"training\": {\"popularity_discount\": 0.3}}");
        assertThat(discounted.training().popularityDiscount(), equalTo(0.3));
        assertThat(TrainingConfigs.of(discounted).popularityDiscount(), equalTo(0.3));
        assertThat(roundTrip(discounted), equalTo(discounted));
        assertThat(Strings.toString(discounted.training()), containsString("\"popularity_discount\":0.3"));
        // not set: none, and GET shows nothing new; every algorithm takes it
        ModelConfig plain = parse(head + "\"training\": {\"max_history\": 100}}");
        assertThat(TrainingConfigs.of(plain).popularityDiscount(), equalTo(0.0));
        assertThat(Strings.toString(plain.training()).contains("popularity_discount"), equalTo(false));
        for (String algorithm : new String[] {"cosine", "rp3beta", "als", "user_knn"}) {
            assertThat(
                    TrainingConfigs.of(parse(head + "\"similarity\": {\"algorithm\": \"" + algorithm
                                    + "\"}, \"training\": {\"popularity_discount\": 1}}"))
                            .popularityDiscount(),
                    equalTo(1.0));
        }
        assertBad(
                head + "\"training\": {\"popularity_discount\": -0.1}}",
                "[training.popularity_discount] must be between 0 and 1, got [-0.1]");
        assertBad(
                head + "\"training\": {\"popularity_discount\": 1.5}}",
                "[training.popularity_discount] must be between 0 and 1, got [1.5]");
        assertBad(head + "\"training\": {\"popularity_discount\": \"high\"}}", "popularity_discount");
    }

    public void testModelNames() {
        for (String good : List.of("shop", "shop-2", "a", "eu_shop")) {
            assertThat(ModelConfig.validateName(good), equalTo(good));
        }
        for (String bad : List.of("Shop", "_shop", "-shop", "shop.v2", "shop/x", "", "x".repeat(101))) {
            IllegalArgumentException e =
                    expectThrows(IllegalArgumentException.class, () -> ModelConfig.validateName(bad));
            assertThat(e.getMessage(), containsString("invalid model name"));
        }
    }

    private static void assertBad(String json, String message) {
        Exception e = expectThrows(Exception.class, () -> parse(json));
        Throwable cause = e;
        StringBuilder messages = new StringBuilder();
        while (cause != null) {
            messages.append(cause.getMessage()).append(" | ");
            cause = cause.getCause();
        }
        assertTrue(e instanceof XContentParseException || e instanceof IllegalArgumentException);
        assertThat(messages.toString(), containsString(message));
    }

    private static ModelConfig roundTrip(ModelConfig config) throws IOException {
        BytesReference bytes =
                BytesReference.bytes(config.toXContent(XContentFactory.jsonBuilder(), ToXContent.EMPTY_PARAMS));
        return parse(bytes.utf8ToString());
    }
}
