package io.personalize.action;

import static org.elasticsearch.xcontent.ConstructingObjectParser.optionalConstructorArg;

import io.personalize.training.TuningSpec;
import java.io.IOException;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.core.TimeValue;
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

    private static final ConstructingObjectParser<TuningSpec, Void> PARSER = new ConstructingObjectParser<>(
            "tune",
            false,
            a -> TuningSpec.of((String) a[0], (Double) a[1], (Long) a[2], (Long) a[3], (Integer) a[4], (Double) a[5]));

    static {
        PARSER.declareString(optionalConstructorArg(), new ParseField("validation"));
        PARSER.declareDouble(optionalConstructorArg(), new ParseField("fraction"));
        PARSER.declareLong(optionalConstructorArg(), new ParseField("seed"));
        PARSER.declareField(
                optionalConstructorArg(),
                (p, c) -> TimeValue.parseTimeValue(p.text(), "tune.budget").millis(),
                new ParseField("budget"),
                org.elasticsearch.xcontent.ObjectParser.ValueType.STRING);
        PARSER.declareInt(optionalConstructorArg(), new ParseField("k"));
        PARSER.declareDouble(optionalConstructorArg(), new ParseField("min_coverage"));
    }

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
        if (in.readBoolean() == false) {
            return null;
        }
        return new TuningSpec(
                TuningSpec.Validation.parse(in.readString()),
                in.readDouble(),
                in.readLong(),
                in.readVLong(),
                in.readVInt(),
                in.readDouble());
    }

    static void write(StreamOutput out, TuningSpec spec) throws IOException {
        out.writeBoolean(spec != null);
        if (spec != null) {
            out.writeString(spec.validation().toString());
            out.writeDouble(spec.fraction());
            out.writeLong(spec.seed());
            out.writeVLong(spec.budgetMillis());
            out.writeVInt(spec.k());
            out.writeDouble(spec.minCoverage());
        }
    }
}
