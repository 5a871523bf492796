package io.personalize.rescore;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.personalize.PersonalizePlugin;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.common.io.stream.BytesStreamOutput;
import org.elasticsearch.common.io.stream.NamedWriteableAwareStreamInput;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.search.SearchModule;
import org.elasticsearch.search.builder.SearchSourceBuilder;
import org.elasticsearch.search.rescore.RescorerBuilder;
import org.elasticsearch.test.ESTestCase;
import org.elasticsearch.test.EqualsHashCodeTestUtils;
import org.elasticsearch.xcontent.NamedXContentRegistry;
import org.elasticsearch.xcontent.ToXContent;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.XContentParseException;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentParserConfiguration;
import org.elasticsearch.xcontent.XContentType;
import org.elasticsearch.xcontent.json.JsonXContent;

/**
 * The builder parsed from a search request and sent to every shard. Besides the hand-written cases, randomized tests in
 * the style of Elasticsearch's own rescorer builder tests: wire and XContent round trips through the registries the
 * plugin's {@link PersonalizePlugin#getRescorers()} fills (as a node builds them), and equals/hashCode against mutations.
 */
public class PersonalizeRescorerBuilderTests extends ESTestCase {

    private static final int NUMBER_OF_TESTBUILDERS = 20;
    private static NamedWriteableRegistry namedWriteableRegistry;
    private static NamedXContentRegistry xContentRegistry;

    @org.junit.BeforeClass
    public static void registries() {
        SearchModule search = new SearchModule(Settings.EMPTY, List.of(new PersonalizePlugin()));
        namedWriteableRegistry = new NamedWriteableRegistry(search.getNamedWriteables());
        xContentRegistry = new NamedXContentRegistry(search.getNamedXContents());
    }

    @org.junit.AfterClass
    public static void clearRegistries() {
        namedWriteableRegistry = null;
        xContentRegistry = null;
    }

    static PersonalizeRescorerBuilder randomBuilder() {
        PersonalizeRescorerBuilder builder = new PersonalizeRescorerBuilder(
                randomAlphaOfLengthBetween(1, 12),
                randomBoolean() ? null : randomAlphaOfLengthBetween(1, 20),
                randomList(0, 5, () -> randomAlphaOfLengthBetween(1, 12)),
                RescoreWeightsSerializationTests.randomWeights(),
                randomFrom(QueryNormalization.values()),
                between(0, 500),
                () -> null);
        if (randomBoolean()) {
            builder.windowSize(between(1, 10_000));
        }
        return builder;
    }

    static PersonalizeRescorerBuilder mutate(PersonalizeRescorerBuilder original) throws IOException {
        PersonalizeRescorerBuilder b = copy(original);
        String model = b.model();
        String userId = b.userId();
        List<String> contextItems = b.contextItems();
        RescoreWeights weights = b.weights();
        QueryNormalization normalization = b.normalization();
        int recentItems = b.recentItems();
        Integer window = b.windowSize();
        switch (between(0, 6)) {
            case 0 -> model = model + "x";
            case 1 -> userId = userId == null ? "u" : null;
            case 2 -> {
                List<String> items = new ArrayList<>(contextItems);
                items.add(randomAlphaOfLengthBetween(1, 12));
                contextItems = items;
            }
            case 3 -> weights = randomValueOtherThan(weights, RescoreWeightsSerializationTests::randomWeights);
            case 4 ->
                normalization = randomValueOtherThan(normalization, () -> randomFrom(QueryNormalization.values()));
            case 5 -> recentItems = recentItems + 1;
            default -> window = window + 1;
        }
        PersonalizeRescorerBuilder mutated = new PersonalizeRescorerBuilder(
                model, userId, contextItems, weights, normalization, recentItems, () -> null);
        mutated.windowSize(window);
        return mutated;
    }

    private static PersonalizeRescorerBuilder copy(PersonalizeRescorerBuilder builder) throws IOException {
        return (PersonalizeRescorerBuilder) copyNamedWriteable(builder, namedWriteableRegistry, RescorerBuilder.class);
    }

    public void testRandomWireRoundTrips() throws IOException {
        for (int runs = 0; runs < NUMBER_OF_TESTBUILDERS; runs++) {
            PersonalizeRescorerBuilder original = randomBuilder();
            PersonalizeRescorerBuilder read = copy(original);
            assertNotSame(original, read);
            assertEquals(original, read);
            assertEquals(original.hashCode(), read.hashCode());
            assertEquals(original.windowSize(), read.windowSize());
        }
    }

    public void testEqualsAndHashcode() throws IOException {
        for (int runs = 0; runs < NUMBER_OF_TESTBUILDERS; runs++) {
            EqualsHashCodeTestUtils.checkEqualsAndHashCode(
                    randomBuilder(), PersonalizeRescorerBuilderTests::copy, PersonalizeRescorerBuilderTests::mutate);
        }
    }

    /** A random builder written as a search request's rescore section (fields shuffled) parses back to an equal builder. */
    public void testRandomXContentRoundTrips() throws IOException {
        for (int runs = 0; runs < NUMBER_OF_TESTBUILDERS; runs++) {
            PersonalizeRescorerBuilder original = randomBuilder();
            XContentBuilder builder =
                    XContentBuilder.builder(randomFrom(XContentType.values()).xContent());
            if (randomBoolean()) {
                builder.prettyPrint();
            }
            original.toXContent(builder, ToXContent.EMPTY_PARAMS);
            XContentBuilder shuffled = shuffleXContent(builder);
            try (XContentParser parser = createParser(
                    XContentParserConfiguration.EMPTY.withRegistry(xContentRegistry),
                    shuffled.contentType().xContent(),
                    BytesReference.bytes(shuffled))) {
                parser.nextToken();
                RescorerBuilder<?> parsed = RescorerBuilder.parseFromXContent(parser, name -> {});
                assertNotSame(original, parsed);
                assertEquals(original, parsed);
                assertEquals(original.hashCode(), parsed.hashCode());
            }
        }
    }

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
                () -> null);
        assertThat(builder, equalTo(expected));
        assertThat(
                builder,
                equalTo(parse("{\"model\": \"shop\", \"user_id\": \"17850\", \"context_items\": [\"85123A\"]}")));
        assertThat(
                "the plugin's default window",
                builder.windowSize(),
                equalTo(PersonalizeRescorerBuilder.DEFAULT_WINDOW));
    }

    public void testWireRoundTrip() throws IOException {
        PersonalizeRescorerBuilder builder = parse("""
            {"model": "shop", "user_id": "u", "weights": {"user_affinity": 2}, "query_normalization": "log", "recent_items": 5}""");
        builder.windowSize(50);
        NamedWriteableRegistry registry = new NamedWriteableRegistry(List.of(new NamedWriteableRegistry.Entry(
                RescorerBuilder.class, PersonalizeRescorerBuilder.NAME, PersonalizeRescorerBuilder::new)));
        BytesStreamOutput out = new BytesStreamOutput();
        out.writeNamedWriteable(builder);
        RescorerBuilder<?> read = new NamedWriteableAwareStreamInput(out.bytes().streamInput(), registry)
                .readNamedWriteable(RescorerBuilder.class);
        assertThat(read, equalTo(builder));
        assertThat(read.windowSize(), equalTo(50));
    }

    public void testBadRequestsNameTheField() {
        assertBad("{\"user_id\": \"u\"}", "[personalize] requires a [model]");
        assertBad("{\"model\": \"shop\", \"wieghts\": {}}", "unknown field [wieghts]");
        assertBad(
                "{\"model\": \"shop\", \"weights\": {\"query\": -1}}", "[weights.query] must be a finite number >= 0");
        assertBad(
                "{\"model\": \"shop\", \"weights\": {\"popularity\": -1}}",
                "[weights.popularity] must be a finite number >= 0");
        assertBad("{\"model\": \"shop\", \"query_normalization\": \"zscore\"}", "[query_normalization] must be one of");
        assertBad("{\"model\": \"shop\", \"recent_items\": -1}", "[recent_items] must be at least 0");
        assertBad("{\"model\": \"shop\", \"user_id\": \"\"}", "[user_id] must be 1 to 512 characters");
    }

    public void testWindowMustCoverFromPlusSize() throws IOException {
        PersonalizeRescorerBuilder builder = parse("{\"model\": \"shop\"}");
        builder.windowSize(20);
        assertNull(builder.validate(new SearchSourceBuilder().from(10).size(10), null));
        assertThat(
                builder.validate(new SearchSourceBuilder().from(10).size(11), null)
                        .getMessage(),
                containsString("window_size [20] must be at least from + size [21]"));
        PersonalizeRescorerBuilder defaultWindow = parse("{\"model\": \"shop\"}");
        assertNull(
                "the default window (200) covers from + size up to 200",
                defaultWindow.validate(new SearchSourceBuilder().from(150).size(50), null));
        assertThat(
                defaultWindow
                        .validate(new SearchSourceBuilder().from(150).size(51), null)
                        .getMessage(),
                containsString("window_size [200] must be at least from + size [201]"));
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
