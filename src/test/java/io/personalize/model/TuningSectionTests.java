package io.personalize.model;

import io.personalize.training.TuningSpec;
import java.io.IOException;
import org.elasticsearch.test.ESTestCase;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentParserConfiguration;
import org.elasticsearch.xcontent.json.JsonXContent;

/**
 * A model's standing {@code tuning} section: the options of a request's {@code tune}, the same checks, errors naming the
 * section's field.
 */
public class TuningSectionTests extends ESTestCase {

    static final String HEAD = """
        {"catalog": {"index": "p"}, "events": {"index": "e"}""";

    static ModelConfig parse(String json) throws IOException {
        try (XContentParser parser = JsonXContent.jsonXContent.createParser(XContentParserConfiguration.EMPTY, json)) {
            return ModelConfig.parse(parser);
        }
    }

    public void testASectionHoldsTheOptionsOfATuneRequestWithTheSameDefaults() throws IOException {
        assertNull(parse(HEAD + "}").tuning());
        assertEquals(TuningSpec.DEFAULTS, parse(HEAD + ", \"tuning\": {}}").tuning());
        TuningSpec spec = parse(HEAD
                        + ", \"tuning\": {\"budget\": \"20m\", \"validation\": \"random\", \"fraction\": 0.3, \"seed\": 7,"
                        + " \"k\": 20, \"min_coverage\": 0.25}}")
                .tuning();
        assertEquals(new TuningSpec(TuningSpec.Validation.RANDOM, 0.3, 7, 20 * 60_000L, 20, 0.25), spec);
    }

    public void testEveryBadOptionIsRefusedNamingTheSectionsField() {
        String[][] cases = {
            {"{\"budget\": \"0s\"}", "[tuning.budget] must be between 1s and 1d"},
            {"{\"budget\": \"soon\"}", "tuning.budget"},
            {"{\"fraction\": 1.5}", "[tuning.fraction] must be between 0 and 1"},
            {"{\"validation\": \"oldest\"}", "[tuning.validation] must be [newest] or [random]"},
            {"{\"seed\": 3}", "[tuning.seed] applies to validation [random] only"},
            {"{\"k\": 0}", "[tuning.k] must be between 1 and 100"},
            {"{\"min_coverage\": -0.1}", "[tuning.min_coverage] must be between 0 and 1"},
            {"{\"colour\": \"red\"}", "[tuning] unknown field [colour]"},
        };
        for (String[] c : cases) {
            Exception e = expectThrows(Exception.class, () -> parse(HEAD + ", \"tuning\": " + c[0] + "}"));
            StringBuilder messages = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                messages.append(" / ").append(t.getMessage());
            }
            assertTrue(c[0] + ": " + messages, messages.toString().contains(c[1]));
        }
    }

    public void testTheBudgetIsStoredInTheLargestUnitThatStatesItExactly() {
        assertEquals("10m", TuningSection.budget(600_000));
        assertEquals("90s", TuningSection.budget(90_000));
        assertEquals("1d", TuningSection.budget(86_400_000));
        assertEquals("1500ms", TuningSection.budget(1_500));
    }
}
