package io.personalize.model;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.instanceOf;

import io.personalize.serving.ModelDocument;
import io.personalize.serving.NeighborList;
import io.personalize.serving.PopularList;
import io.personalize.serving.UserProfile;
import io.personalize.training.ScoringParams;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.elasticsearch.common.bytes.BytesArray;
import org.elasticsearch.test.ESTestCase;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentParserConfiguration;
import org.elasticsearch.xcontent.json.JsonXContent;

public class ModelDocumentsTests extends ESTestCase {

    static ModelDocument parse(String line) throws IOException {
        try (XContentParser parser = JsonXContent.jsonXContent.createParser(XContentParserConfiguration.EMPTY, line)) {
            return ModelDocuments.parseLine(parser);
        }
    }

    public void testTheThreeKindsOfLine() throws IOException {
        NeighborList item = (NeighborList) parse("""
            {"item": "85123A", "neighbors": ["21733", "84029G"], "scores": [0.41, 0.22], "popularity": 12.5}""");
        assertThat(item.neighbors(), equalTo(List.of("21733", "84029G")));
        assertEquals(0.22f, item.scores()[1], 0f);
        UserProfile user = (UserProfile) parse("""
            {"user": "17850", "history": ["85123A"], "history_weights": [3.2], "items": ["22423"], "scores": [0.83],
             "because": ["85123A"], "attributes": {"category": {"candles": 0.8}}}""");
        assertThat(user.attributes(), equalTo(Map.of("category", Map.of("candles", 0.8f))));
        PopularList popular = (PopularList) parse("""
            {"popular": ["85123A", "22423"], "scores": [12.5, 9.1]}""");
        assertThat(popular.scoring(), equalTo(ScoringParams.DEFAULTS));
    }

    /** An imported user's values keep the order of the line (strongest first, as a training writes them). */
    public void testAttributeValuesKeepTheLinesOrder() throws IOException {
        List<String> values = new java.util.ArrayList<>();
        StringBuilder line = new StringBuilder("{\"user\": \"u\", \"attributes\": {\"words\": {");
        for (int v = 0; v < 20; v++) {
            values.add("w" + (37 * v % 20) + "x" + v);
            line.append(v == 0 ? "" : ", ")
                    .append('"')
                    .append(values.get(v))
                    .append("\": ")
                    .append(1.0 - v / 40.0);
        }
        line.append("}, \"brand\": {\"acme\": 1.0}}}");
        UserProfile user = (UserProfile) parse(line.toString());
        assertThat(List.copyOf(user.attributes().keySet()), equalTo(List.of("words", "brand")));
        assertThat(List.copyOf(user.attributes().get("words").keySet()), equalTo(values));
    }

    public void testPopularityOnlyRecommendationsHaveNoReason() throws IOException {
        UserProfile user = (UserProfile) parse("""
            {"user": "u", "items": ["a", "b"], "scores": [0.5, 0.1], "because": ["h", null]}""");
        assertThat(user.because().get(0), equalTo("h"));
        assertNull(user.because().get(1));
    }

    public void testBadLinesSayWhy() {
        assertBad(
                "{\"item\": \"a\", \"neighbors\": [\"b\"], \"scores\": []}",
                "[neighbors] has 1 entries but [scores] has 0");
        assertBad("{\"item\": \"a\", \"user\": \"u\"}", "exactly one of the fields [item], [user] or [popular]");
        assertBad("{\"neighbors\": [\"b\"]}", "exactly one of the fields");
        assertBad("{\"item\": \"a\", \"history\": [\"b\"]}", "[history] does not belong in an [item] line");
        assertBad(
                "{\"user\": \"u\", \"items\": [\"a\"], \"scores\": [1], \"because\": []}",
                "[items] has 1 entries but [because] has 0");
        assertBad(
                "{\"user\": \"u\", \"attributes\": {\"brand\": {\"acme\": \"lots\"}}}",
                "[attributes.brand.acme] must be a finite number");
        assertBad("{\"item\": \"\"}", "[item] must be a non-empty id");
        assertBad("{\"item\": \"a\", \"colour\": \"red\"}", "unknown field [colour]");
    }

    public void testLinesBecomeDocumentsWithIdsAndLineNumbersInErrors() {
        String body = """
            {"item": "a", "neighbors": ["b"], "scores": [0.5]}

            {"user": "u1", "history": ["a"], "history_weights": [1]}
            {"popular": ["a", "b"], "scores": [2, 1]}
            """;
        ModelLines lines = new ModelLines(new BytesArray(body.getBytes(StandardCharsets.UTF_8)));
        List<String> ids = new ArrayList<>();
        lines.forEachRemaining(doc -> ids.add(doc.id()));
        assertThat(ids, equalTo(List.of("i:a", "u:u1", ModelDocuments.POPULAR_ID)));
        assertThat(lines.items(), equalTo(1L));
        assertThat(lines.users(), equalTo(1L));

        ModelLines bad = new ModelLines(new BytesArray(
                "{\"item\": \"a\"}\n{\"item\": \"b\", \"scores\": [1]}\n".getBytes(StandardCharsets.UTF_8)));
        bad.next();
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, bad::hasNext);
        assertThat(e.getMessage(), containsString("line 2: item [b]: [neighbors] has 0 entries but [scores] has 1"));

        ModelLines malformed = new ModelLines(new BytesArray("{\"item\": \"a\"\n".getBytes(StandardCharsets.UTF_8)));
        assertThat(
                expectThrows(IllegalArgumentException.class, malformed::hasNext).getMessage(),
                containsString("line 1: "));
    }

    private static String importError(String body) {
        ModelLines lines = new ModelLines(new BytesArray(body.getBytes(StandardCharsets.UTF_8)));
        return expectThrows(IllegalArgumentException.class, () -> lines.forEachRemaining(doc -> {}))
                .getMessage();
    }

    private static String list(int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add("\"id-" + i + "\"");
        }
        return "[" + String.join(",", ids) + "]";
    }

    private static String ones(int n) {
        return "[" + String.join(",", java.util.Collections.nCopies(n, "1")) + "]";
    }

    public void testAnImportRefusesWhatServingCannotServe() {
        assertThat(
                importError("{\"user\": \"u1\", \"history\": " + list(100_000) + ", \"history_weights\": "
                        + ones(100_000) + "}\n"),
                equalTo("line 1: user [u1] has 100000 [history] entries, at most 10000 are allowed"));
        assertThat(
                importError("{\"popular\": [\"a\"], \"scores\": [1]}\n{\"user\": \"u1\", \"items\": " + list(1001)
                        + ", \"scores\": " + ones(1001) + "}"),
                equalTo("line 2: user [u1] has 1001 [items] entries, at most 1000 are allowed"));
        assertThat(
                importError("{\"item\": \"a\", \"neighbors\": " + list(1001) + ", \"scores\": " + ones(1001) + "}"),
                equalTo("line 1: item [a] has 1001 [neighbors] entries, at most 1000 are allowed"));
        assertThat(
                importError("{\"popular\": " + list(1001) + ", \"scores\": " + ones(1001) + "}"),
                equalTo("line 1: the [popular] line has 1001 [popular] entries, at most 1000 are allowed"));
        assertThat(
                importError("{\"item\": \"" + "x".repeat(511) + "\"}"),
                containsString("line 1: [item] must be a non-empty id of at most 510 bytes"));
        // the limits themselves are accepted
        ModelLines atLimits = new ModelLines(new BytesArray(("{\"user\": \"u1\", \"history\": " + list(10_000)
                        + ", \"history_weights\": " + ones(10_000) + ", \"items\": " + list(1000)
                        + ", \"scores\": " + ones(1000) + "}\n{\"item\": \"a\", \"neighbors\": " + list(1000)
                        + ", \"scores\": " + ones(1000) + "}\n"
                        + "{\"item\": \"" + "x".repeat(510) + "\"}\n")
                .getBytes(StandardCharsets.UTF_8)));
        atLimits.forEachRemaining(doc -> {});
        assertThat(atLimits.users(), equalTo(1L));
        assertThat(atLimits.items(), equalTo(2L));
    }

    public void testAnImportRefusesDuplicatesNamingBothLines() {
        String item = "{\"item\": \"a\", \"neighbors\": [\"b\"], \"scores\": [0.5]}\n";
        String user = "{\"user\": \"u1\", \"history\": [\"a\"], \"history_weights\": [1]}\n";
        String popular = "{\"popular\": [\"a\"], \"scores\": [1]}\n";
        assertThat(
                importError(item + user + popular + item), equalTo("line 4: item [a] appears twice (first at line 1)"));
        assertThat(
                importError(popular + user + "\n\n" + item + user),
                equalTo("line 6: user [u1] appears twice (first at line 2)"));
        assertThat(
                importError(popular + item + popular),
                equalTo("line 3: the [popular] line appears twice (first at line 1)"));
        // a user and an item may share an id: they are different documents
        ModelLines same = new ModelLines(
                new BytesArray((item + "{\"user\": \"a\", \"history\": [\"a\"], \"history_weights\": [1]}\n")
                        .getBytes(StandardCharsets.UTF_8)));
        same.forEachRemaining(doc -> {});
        assertThat(same.users() + same.items(), equalTo(2L));
    }

    private static void assertBad(String line, String message) {
        Exception e = expectThrows(Exception.class, () -> parse(line));
        StringBuilder messages = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            messages.append(t.getMessage()).append(" | ");
        }
        assertThat(e, instanceOf(Exception.class));
        assertThat(messages.toString(), containsString(message));
    }
}
