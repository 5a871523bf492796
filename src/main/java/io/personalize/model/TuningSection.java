package io.personalize.model;

import static org.elasticsearch.xcontent.ConstructingObjectParser.optionalConstructorArg;

import io.personalize.training.TuningSpec;
import java.io.IOException;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.core.TimeValue;
import org.elasticsearch.xcontent.ConstructingObjectParser;
import org.elasticsearch.xcontent.ObjectParser;
import org.elasticsearch.xcontent.ParseField;
import org.elasticsearch.xcontent.XContentBuilder;

/**
 * The tuning options, {@code {"budget": "10m", "validation": "newest" | "random", "fraction": 0.2, "seed": 43, "k": 10,
 * "min_coverage": 0.3}} (every field optional), wherever they are written: the {@code tune} field of {@code _train} and
 * {@code _evaluate}, and a model's standing {@code tuning} section. One parser, one wire form, one stored form; an error
 * names the field under the name it was written with ({@code [tuning.budget]} in a model, {@code [tune.budget]} in a
 * request).
 */
public final class TuningSection {

    private TuningSection() {}

    /** A parser of the options written under {@code field}. */
    public static ConstructingObjectParser<TuningSpec, Void> parser(String field) {
        ConstructingObjectParser<TuningSpec, Void> parser = new ConstructingObjectParser<>(
                field,
                false,
                a -> named(
                        field,
                        () -> TuningSpec.of(
                                (String) a[0], (Double) a[1], (Long) a[2], (Long) a[3], (Integer) a[4], (Double)
                                        a[5])));
        parser.declareString(optionalConstructorArg(), new ParseField("validation"));
        parser.declareDouble(optionalConstructorArg(), new ParseField("fraction"));
        parser.declareLong(optionalConstructorArg(), new ParseField("seed"));
        parser.declareField(
                optionalConstructorArg(),
                (p, c) -> TimeValue.parseTimeValue(p.text(), field + ".budget").millis(),
                new ParseField("budget"),
                ObjectParser.ValueType.STRING);
        parser.declareInt(optionalConstructorArg(), new ParseField("k"));
        parser.declareDouble(optionalConstructorArg(), new ParseField("min_coverage"));
        return parser;
    }

    /** {@link TuningSpec}'s checks name its fields {@code [tune.x]}: under another name, the message says that one. */
    private static TuningSpec named(String field, java.util.function.Supplier<TuningSpec> spec) {
        try {
            return spec.get();
        } catch (IllegalArgumentException e) {
            if (field.equals("tune")) {
                throw e;
            }
            throw new IllegalArgumentException(e.getMessage().replace("[tune.", "[" + field + "."), e);
        }
    }

    /** The options as {@link #parser} reads them back: every field, the seed only where it applies. */
    public static XContentBuilder toXContent(XContentBuilder builder, TuningSpec spec) throws IOException {
        builder.startObject()
                .field("budget", budget(spec.budgetMillis()))
                .field("validation", spec.validation().toString())
                .field("fraction", spec.fraction());
        if (spec.validation() == TuningSpec.Validation.RANDOM) {
            builder.field("seed", spec.seed());
        }
        return builder.field("k", spec.k())
                .field("min_coverage", spec.minCoverage())
                .endObject();
    }

    /** The budget in the largest unit that states it exactly ({@code 10m}, {@code 90s}, {@code 1500ms}): it parses back. */
    static String budget(long millis) {
        long[] units = {86_400_000L, 3_600_000L, 60_000L, 1_000L};
        String[] names = {"d", "h", "m", "s"};
        for (int u = 0; u < units.length; u++) {
            if (millis % units[u] == 0) {
                return millis / units[u] + names[u];
            }
        }
        return millis + "ms";
    }

    /** An optional specification from the wire, checked again by its constructor. */
    public static TuningSpec read(StreamInput in) throws IOException {
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

    /** An optional specification to the wire. */
    public static void write(StreamOutput out, TuningSpec spec) throws IOException {
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
