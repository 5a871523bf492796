package io.personalize.rescore;

import org.elasticsearch.common.io.stream.BytesStreamOutput;
import org.elasticsearch.common.io.stream.NamedWriteableAwareStreamInput;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.search.builder.SearchSourceBuilder;
import org.elasticsearch.search.rescore.RescorerBuilder;
import org.elasticsearch.test.ESTestCase;
import org.elasticsearch.xcontent.XContentParseException;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentParserConfiguration;
import org.elasticsearch.xcontent.json.JsonXContent;

import java.io.IOException;
import java.util.List;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

public class PersonalizeRescorerBuilderTests extends ESTestCase {

    static PersonalizeRescorerBuilder parse(String json) throws IOException {
        try (XContentParser parser = JsonXContent.jsonXContent.createParser(XContentParserConfiguration.EMPTY, json)) {
            return PersonalizeRescorerBuilder.fromXContent(parser, () -> null);
        }
    }

    public void testParsesTheDocumentedExample() throws IOException {
        PersonalizeRescorerBuilder builder = parse("""
            {"model": "shop", "user_id": "17850", "context_items": ["85123A"],
             "weights": {"query": 0.5, "item_similarity": 0.5, "user_affinity": 1.0, "attribute_affinity": 0.5, "popularity": 1.0},
             "query_normalization": "log"}""");
        PersonalizeRescorerBuilder expected = new PersonalizeRescorerBuilder(
            "shop",
            "17850",
            List.of("85123A"),
            new RescoreWeights(0.5f, 0.5f, 1f, 0.5f, 1f),
            QueryNormalization.LOG,
            PersonalizeRescorerBuilder.DEFAULT_RECENT_ITEMS,
            () -> null
        );
        assertThat(builder, equalTo(expected));
        assertThat(builder, equalTo(parse("{\"model\": \"shop\", \"user_id\": \"17850\", \"context_items\": [\"85123A\"]}")));
        assertThat("the plugin's default window", builder.windowSize(), equalTo(PersonalizeRescorerBuilder.DEFAULT_WINDOW));
    }

    public void testWireRoundTrip() throws IOException {
        PersonalizeRescorerBuilder builder = parse("""
            {"model": "shop", "user_id": "u", "weights": {"user_affinity": 2}, "query_normalization": "log", "recent_items": 5}""");
        builder.windowSize(50);
        NamedWriteableRegistry registry = new NamedWriteableRegistry(
            List.of(new NamedWriteableRegistry.Entry(RescorerBuilder.class, PersonalizeRescorerBuilder.NAME, PersonalizeRescorerBuilder::new))
        );
        BytesStreamOutput out = new BytesStreamOutput();
        out.writeNamedWriteable(builder);
        RescorerBuilder<?> read = new NamedWriteableAwareStreamInput(out.bytes().streamInput(), registry).readNamedWriteable(RescorerBuilder.class);
        assertThat(read, equalTo(builder));
        assertThat(read.windowSize(), equalTo(50));
    }

    public void testBadRequestsNameTheField() {
        assertBad("{\"user_id\": \"u\"}", "[personalize] requires a [model]");
        assertBad("{\"model\": \"shop\", \"wieghts\": {}}", "unknown field [wieghts]");
        assertBad("{\"model\": \"shop\", \"weights\": {\"query\": -1}}", "[weights.query] must be a finite number >= 0");
        assertBad("{\"model\": \"shop\", \"weights\": {\"popularity\": -1}}", "[weights.popularity] must be a finite number >= 0");
        assertBad("{\"model\": \"shop\", \"query_normalization\": \"zscore\"}", "[query_normalization] must be one of");
        assertBad("{\"model\": \"shop\", \"recent_items\": -1}", "[recent_items] must be at least 0");
        assertBad("{\"model\": \"shop\", \"user_id\": \"\"}", "[user_id] must be 1 to 512 characters");
    }

    public void testWindowMustCoverFromPlusSize() throws IOException {
        PersonalizeRescorerBuilder builder = parse("{\"model\": \"shop\"}");
        builder.windowSize(20);
        assertNull(builder.validate(new SearchSourceBuilder().from(10).size(10), null));
        assertThat(
            builder.validate(new SearchSourceBuilder().from(10).size(11), null).getMessage(),
            containsString("window_size [20] must be at least from + size [21]")
        );
        PersonalizeRescorerBuilder defaultWindow = parse("{\"model\": \"shop\"}");
        assertNull("the default window (200) covers from + size up to 200", defaultWindow.validate(new SearchSourceBuilder().from(150).size(50), null));
        assertThat(
            defaultWindow.validate(new SearchSourceBuilder().from(150).size(51), null).getMessage(),
            containsString("window_size [200] must be at least from + size [201]")
        );
    }

    private static void assertBad(String json, String message) {
        Exception e = expectThrows(Exception.class, () -> parse(json));
        StringBuilder messages = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            messages.append(t.getMessage()).append(" | ");
        }
        assertTrue(e instanceof XContentParseException || e instanceof IllegalArgumentException);
        assertThat(messages.toString(), containsString(message));
    }
}
