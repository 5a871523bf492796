package io.personalize.model;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.personalize.action.EvaluateModelAction;
import java.nio.charset.StandardCharsets;
import org.elasticsearch.common.bytes.BytesArray;
import org.elasticsearch.test.ESTestCase;
import org.elasticsearch.xcontent.XContentParseException;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentParserConfiguration;
import org.elasticsearch.xcontent.json.JsonXContent;

/** The reasons a bad body or import line answers: the problem itself, with the field it is about. */
public class ParseErrorsTests extends ESTestCase {

    private static String modelReason(String json) throws Exception {
        try (XContentParser parser = JsonXContent.jsonXContent.createParser(XContentParserConfiguration.EMPTY, json)) {
            ModelConfig.parse(parser);
            throw new AssertionError("parsed: " + json);
        } catch (XContentParseException e) {
            return ParseErrors.reason(e);
        }
    }

    private static String evaluateReason(String json) throws Exception {
        try (XContentParser parser = JsonXContent.jsonXContent.createParser(XContentParserConfiguration.EMPTY, json)) {
            EvaluateModelAction.Body.parse(parser);
            throw new AssertionError("parsed: " + json);
        } catch (XContentParseException e) {
            return ParseErrors.reason(e);
        }
    }

    public void testOwnValidationMessagesAreTheReason() throws Exception {
        assertThat(
                modelReason(
                        "{\"catalog\": {\"index\": \"p\"}, \"events\": {\"index\": \"e\", \"weights\": {\"view\": -1}}}"),
                equalTo("[events.weights] the weight of [view] must be a positive number, got [-1]"));
        assertThat(
                modelReason(
                        "{\"catalog\": {\"index\": \"p\"}, \"events\": {\"index\": \"e\"}, \"similarity\": {\"algorithm\": \"svd\"}}"),
                containsString("[similarity.algorithm] unknown algorithm [svd]"));
        assertThat(
                evaluateReason("{\"split\": \"yesterday\"}"),
                containsString("[split] must be a date such as 2011-11-01"));
    }

    public void testValueParserMessagesGetTheirField() throws Exception {
        String reason = modelReason(
                "{\"catalog\": {\"index\": \"p\"}, \"events\": {\"index\": \"e\"}, \"similarity\": {\"neighbors\": \"many\"}}");
        assertThat(reason, containsString("failed to parse field [neighbors]"));
        assertThat(reason, containsString("For input string: \"many\""));
        assertThat(
                evaluateReason("{\"split\": \"2011-11-01\", \"k\": \"ten\"}"),
                containsString("failed to parse field [k]"));
        assertThat(evaluateReason("{\"split\": null}"), containsString("[split]"));
    }

    public void testNestedUnknownFieldsAreNamed() throws Exception {
        assertThat(
                modelReason("{\"catalog\": {\"index\": \"p\"}, \"events\": {\"index\": \"e\", \"user\": \"x\"}}"),
                containsString("[events] unknown field [user]"));
        assertThat(
                modelReason("{\"catalog\": {\"index\": \"p\"}, \"events\": {\"index\": \"e\"}, \"extra\": 1}"),
                containsString("unknown field [extra]"));
    }

    public void testImportLinesSayTheirNumberAndField() {
        ModelLines lines = new ModelLines(new BytesArray("""
            {"item": "a", "neighbors": ["b"], "scores": [1]}
            {"user": "u", "items": ["a"], "scores": ["high"]}
            """.getBytes(StandardCharsets.UTF_8)));
        lines.next();
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, lines::hasNext);
        assertThat(e.getMessage(), containsString("line 2: "));
        assertThat(e.getMessage(), containsString("[scores]"));
    }

    public void testBlankBodiesHaveNoLines() {
        assertFalse(ModelLines.hasLines(new BytesArray("")));
        assertFalse(ModelLines.hasLines(new BytesArray(" \n\r\n\t\n")));
        assertTrue(ModelLines.hasLines(new BytesArray("\n{}\n")));
    }
}
