package io.personalize.action;

import io.personalize.model.ModelConfig;
import io.personalize.training.TuningSpec;
import java.io.IOException;
import org.elasticsearch.test.ESTestCase;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentParserConfiguration;
import org.elasticsearch.xcontent.json.JsonXContent;

/** Which tuning a {@code _train} runs with: the request's {@code tune}, {@code "tune": false}, or the model's section. */
public class TrainModelBodyTests extends ESTestCase {

    private static final String HEAD = """
        {"catalog": {"index": "p"}, "events": {"index": "e"}""";

    private static ModelConfig parse(String json) throws IOException {
        try (XContentParser parser = JsonXContent.jsonXContent.createParser(XContentParserConfiguration.EMPTY, json)) {
            return ModelConfig.parse(parser);
        }
    }

    public void testATrainingRunsWithTheRequestsTuningElseNoneWhenUntunedElseTheSections() throws IOException {
        ModelConfig standing = parse(HEAD + ", \"tuning\": {\"budget\": \"20m\"}}");
        ModelConfig plain = parse(HEAD + "}");
        TuningSpec asked = new TuningSpec(TuningSpec.Validation.NEWEST, 0.1, TuningSpec.DEFAULT_SEED, 60_000, 10);
        assertEquals(standing.tuning(), new TrainModelAction.Request("m").tuning(standing));
        assertEquals(asked, new TrainModelAction.Request("m", asked).tuning(standing));
        assertNull(new TrainModelAction.Request("m", null, true).tuning(standing));
        assertNull(new TrainModelAction.Request("m").tuning(plain));
        assertEquals(asked, new TrainModelAction.Request("m", asked).tuning(plain));
    }

    public void testTheBodyOfTrainSaysFalseApartFromAbsent() throws IOException {
        assertEquals(new TrainModelAction.Body(null, true), body("{\"tune\": false}"));
        assertEquals(new TrainModelAction.Body(null, false), body("{}"));
        assertEquals(new TrainModelAction.Body(TuningSpec.DEFAULTS, false), body("{\"tune\": true}"));
    }

    private static TrainModelAction.Body body(String json) throws IOException {
        try (XContentParser parser = JsonXContent.jsonXContent.createParser(XContentParserConfiguration.EMPTY, json)) {
            return TrainModelAction.parseBody(parser);
        }
    }
}
