package io.personalize.model;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import java.io.IOException;
import java.util.List;
import java.util.Map;
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
                "[similarity.algorithm] unknown algorithm [magic], expected one of [cosine, rp3beta]");
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
                "{\"catalog\": {\"index\": \"p\"}, \"events\": {\"index\": \"e\"}, \"training\": {\"user_items\": 5000}}",
                "[training.user_items] must be between 1 and 1000");
        assertBad(
                "{\"catalog\": {\"index\": \"p\"}, \"events\": {\"index\": \"e\", \"recent_events\": \"kafka\"}}",
                "[events.recent_events] must be [index] or [api], got [kafka]");
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
