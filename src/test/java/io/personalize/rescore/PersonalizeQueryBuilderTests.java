package io.personalize.rescore;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.personalize.PersonalizePlugin;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.index.query.AbstractQueryBuilder;
import org.elasticsearch.index.query.MatchQueryBuilder;
import org.elasticsearch.index.query.QueryBuilder;
import org.elasticsearch.index.query.TermQueryBuilder;
import org.elasticsearch.search.SearchModule;
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
 * The {@code personalize} query as parsed from a search request and sent to every shard: wire and XContent round trips
 * through the registries the plugin fills (as a node builds them), equals/hashCode, and every bad option a 400 naming
 * its field, with the rescorer's own messages (the options are parsed by the same code).
 */
public class PersonalizeQueryBuilderTests extends ESTestCase {

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

    @Override
    protected NamedXContentRegistry xContentRegistry() {
        return xContentRegistry;
    }

    static PersonalizeOptions randomOptions() {
        return new PersonalizeOptions(
                randomAlphaOfLengthBetween(1, 12),
                randomBoolean() ? null : randomAlphaOfLengthBetween(1, 20),
                randomList(0, 5, () -> randomAlphaOfLengthBetween(1, 12)),
                RescoreWeightsSerializationTests.randomWeights(),
                randomFrom(QueryNormalization.LOG, QueryNormalization.NONE),
                between(0, 500));
    }

    static PersonalizeQueryBuilder randomBuilder() {
        QueryBuilder inner = randomBoolean()
                ? new MatchQueryBuilder("title", randomAlphaOfLengthBetween(1, 10))
                : new TermQueryBuilder("sku", randomAlphaOfLengthBetween(1, 10));
        PersonalizeQueryBuilder builder = new PersonalizeQueryBuilder(inner, randomOptions(), () -> null);
        if (randomBoolean()) {
            builder.boost(randomFloatBetween(0.1f, 10f, true));
        }
        if (randomBoolean()) {
            builder.queryName(randomAlphaOfLengthBetween(1, 8));
        }
        return builder;
    }

    private static PersonalizeQueryBuilder copy(PersonalizeQueryBuilder builder) throws IOException {
        return (PersonalizeQueryBuilder) copyNamedWriteable(builder, namedWriteableRegistry, QueryBuilder.class);
    }

    private static PersonalizeQueryBuilder mutate(PersonalizeQueryBuilder original) {
        PersonalizeOptions o = original.options();
        QueryBuilder inner = original.query();
        switch (between(0, 3)) {
            case 0 -> inner = new TermQueryBuilder("other", "value");
            case 1 ->
                o = new PersonalizeOptions(
                        o.model() + "x", o.userId(), o.contextItems(), o.weights(), o.normalization(), o.recentItems());
            case 2 -> {
                List<String> items = new ArrayList<>(o.contextItems());
                items.add("another");
                o = new PersonalizeOptions(
                        o.model(), o.userId(), items, o.weights(), o.normalization(), o.recentItems());
            }
            default ->
                o = new PersonalizeOptions(
                        o.model(), o.userId(), o.contextItems(), o.weights(), o.normalization(), o.recentItems() + 1);
        }
        PersonalizeQueryBuilder mutated = new PersonalizeQueryBuilder(inner, o, () -> null);
        mutated.boost(original.boost()).queryName(original.queryName());
        return mutated;
    }

    public void testRandomWireRoundTrips() throws IOException {
        for (int runs = 0; runs < 20; runs++) {
            PersonalizeQueryBuilder original = randomBuilder();
            PersonalizeQueryBuilder read = copy(original);
            assertNotSame(original, read);
            assertEquals(original, read);
            assertEquals(original.hashCode(), read.hashCode());
            assertEquals(original.boost(), read.boost(), 0f);
            assertEquals(original.queryName(), read.queryName());
        }
    }

    public void testEqualsAndHashcode() {
        for (int runs = 0; runs < 20; runs++) {
            EqualsHashCodeTestUtils.checkEqualsAndHashCode(
                    randomBuilder(), PersonalizeQueryBuilderTests::copy, PersonalizeQueryBuilderTests::mutate);
        }
    }

    /** A random builder written as a search's query (fields shuffled) parses back through the node's registry. */
    public void testRandomXContentRoundTrips() throws IOException {
        for (int runs = 0; runs < 20; runs++) {
            PersonalizeQueryBuilder original = randomBuilder();
            XContentBuilder builder =
                    XContentBuilder.builder(randomFrom(XContentType.values()).xContent());
            original.toXContent(builder, ToXContent.EMPTY_PARAMS);
            XContentBuilder shuffled = shuffleXContent(builder);
            try (XContentParser parser = createParser(
                    XContentParserConfiguration.EMPTY.withRegistry(xContentRegistry),
                    shuffled.contentType().xContent(),
                    BytesReference.bytes(shuffled))) {
                QueryBuilder parsed = AbstractQueryBuilder.parseTopLevelQuery(parser);
                assertNotSame(original, parsed);
                assertEquals(original, parsed);
                assertEquals(original.hashCode(), parsed.hashCode());
            }
        }
    }

    static QueryBuilder parse(String json) throws IOException {
        try (XContentParser parser = JsonXContent.jsonXContent.createParser(
                XContentParserConfiguration.EMPTY.withRegistry(xContentRegistry), json)) {
            return AbstractQueryBuilder.parseTopLevelQuery(parser);
        }
    }

    public void testParsesTheDocumentedExampleWithTheRescorersDefaults() throws IOException {
        QueryBuilder parsed = parse("""
            {"personalize": {"query": {"match": {"title": "heart holder"}}, "model": "shop", "user_id": "17850",
                             "context_items": ["85123A"], "boost": 2, "_name": "mine"}}""");
        PersonalizeQueryBuilder expected = new PersonalizeQueryBuilder(
                new MatchQueryBuilder("title", "heart holder"),
                new PersonalizeOptions(
                        "shop",
                        "17850",
                        List.of("85123A"),
                        RescoreWeights.DEFAULT,
                        PersonalizeOptions.DEFAULT_NORMALIZATION,
                        PersonalizeOptions.DEFAULT_RECENT_ITEMS),
                () -> null);
        expected.boost(2f).queryName("mine");
        assertThat(parsed, equalTo(expected));
        assertThat(
                "the rescorer parses the same options to the same values",
                ((PersonalizeQueryBuilder) parsed).options(),
                equalTo(PersonalizeRescorerBuilderTests.parse("""
                    {"model": "shop", "user_id": "17850", "context_items": ["85123A"]}""").options()));
    }

    public void testBadOptionsNameTheField() {
        String q = "\"query\": {\"match\": {\"title\": \"bag\"}}";
        assertBad("{\"personalize\": {" + q + ", \"user_id\": \"u\"}}", "[personalize] requires a [model]");
        assertBad("{\"personalize\": {\"model\": \"shop\"}}", "[personalize] requires a [query]");
        assertBad("{\"personalize\": {" + q + ", \"model\": \"shop\", \"wieghts\": {}}}", "unknown field [wieghts]");
        assertBad(
                "{\"personalize\": {" + q + ", \"model\": \"shop\", \"weights\": {\"query\": -1}}}",
                "[weights.query] must be a finite number >= 0");
        assertBad(
                "{\"personalize\": {" + q + ", \"model\": \"shop\", \"weights\": {\"popularity\": \"x\"}}}",
                "[weights] failed to parse field [popularity]");
        assertBad(
                "{\"personalize\": {" + q + ", \"model\": \"shop\", \"query_normalization\": \"zscore\"}}",
                "[query_normalization] must be one of [minmax, log, none], got [zscore]");
        assertBad(
                "{\"personalize\": {" + q + ", \"model\": \"shop\", \"query_normalization\": \"minmax\"}}",
                "[personalize] [query_normalization] [minmax] needs the window of the rescorer");
        assertBad(
                "{\"personalize\": {" + q + ", \"model\": \"shop\", \"recent_items\": -1}}",
                "[recent_items] must be at least 0");
        assertBad(
                "{\"personalize\": {" + q + ", \"model\": \"shop\", \"user_id\": \"\"}}",
                "[user_id] must be 1 to 512 characters");
        assertBad(
                "{\"personalize\": {" + q + ", \"model\": \"shop\", \"context_items\": [\"\"]}}",
                "[context_items] must be ids of 1 to 512 characters");
        assertBad(
                "{\"personalize\": {\"query\": {\"no_such_query\": {}}, \"model\": \"shop\"}}",
                "unknown query [no_such_query]");
    }

    private static void assertBad(String json, String message) {
        Exception e = expectThrows(Exception.class, () -> parse(json));
        StringBuilder messages = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            messages.append(t.getMessage()).append(" | ");
        }
        assertTrue(
                e.toString(),
                e instanceof XContentParseException
                        || e instanceof IllegalArgumentException
                        || e instanceof org.elasticsearch.common.ParsingException);
        assertThat(messages.toString(), containsString(message));
    }
}
