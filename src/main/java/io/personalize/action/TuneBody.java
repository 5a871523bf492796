package io.personalize.action;

import io.personalize.model.TuningSection;
import io.personalize.training.TuningSpec;
import java.io.IOException;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.xcontent.ConstructingObjectParser;
import org.elasticsearch.xcontent.ParseField;
import org.elasticsearch.xcontent.XContentParser;

/**
 * The {@code tune} field of {@code _train} and {@code _evaluate}: {@code true} (the defaults), {@code false} (no
 * tuning), or {@code {"budget": "10m", "validation": "newest" | "random", "fraction": 0.2, "seed": 43, "k": 10,
 * "min_coverage": 0.3}}.
 */
public final class TuneBody {

    public static final ParseField FIELD = new ParseField("tune");

    private static final ConstructingObjectParser<TuningSpec, Void> PARSER = TuningSection.parser("tune");

    private TuneBody() {}

    /** The tuning asked for, or null for {@code false}. */
    public static TuningSpec parse(XContentParser parser) throws IOException {
        if (parser.currentToken() == XContentParser.Token.VALUE_BOOLEAN) {
            return parser.booleanValue() ? TuningSpec.DEFAULTS : null;
        }
        if (parser.currentToken() != XContentParser.Token.START_OBJECT) {
            throw new IllegalArgumentException(
                    "[tune] must be true, false or an object, got [" + parser.currentToken() + "]");
        }
        return PARSER.apply(parser, null);
    }

    static TuningSpec read(StreamInput in) throws IOException {
        return TuningSection.read(in);
    }

    static void write(StreamOutput out, TuningSpec spec) throws IOException {
        TuningSection.write(out, spec);
    }
}
