package io.personalize.rescore;

import static org.elasticsearch.xcontent.ConstructingObjectParser.optionalConstructorArg;

import java.io.IOException;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.xcontent.ConstructingObjectParser;
import org.elasticsearch.xcontent.ParseField;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;

/**
 * The weights of the parts of a personalized score (see {@link PersonalizedScore}). Each defaults sensibly and can be
 * zero; all must be finite and non-negative.
 */
public record RescoreWeights(
        float query, float itemSimilarity, float userAffinity, float attributeAffinity, float popularity)
        implements ToXContentObject, Writeable {

    /** Chosen on the Online Retail validation split (bin/bench rescore-quality --validation --tune; see the README). */
    public static final RescoreWeights DEFAULT = new RescoreWeights(0.5f, 0.5f, 1.0f, 0.5f, 1.0f);

    static final ConstructingObjectParser<RescoreWeights, Void> PARSER = new ConstructingObjectParser<>(
            "weights",
            false,
            a -> new RescoreWeights(
                    a[0] == null ? DEFAULT.query : (Float) a[0],
                    a[1] == null ? DEFAULT.itemSimilarity : (Float) a[1],
                    a[2] == null ? DEFAULT.userAffinity : (Float) a[2],
                    a[3] == null ? DEFAULT.attributeAffinity : (Float) a[3],
                    a[4] == null ? DEFAULT.popularity : (Float) a[4]));

    static {
        PARSER.declareFloat(optionalConstructorArg(), new ParseField("query"));
        PARSER.declareFloat(optionalConstructorArg(), new ParseField("item_similarity"));
        PARSER.declareFloat(optionalConstructorArg(), new ParseField("user_affinity"));
        PARSER.declareFloat(optionalConstructorArg(), new ParseField("attribute_affinity"));
        PARSER.declareFloat(optionalConstructorArg(), new ParseField("popularity"));
    }

    public RescoreWeights {
        check(query, "query");
        check(itemSimilarity, "item_similarity");
        check(userAffinity, "user_affinity");
        check(attributeAffinity, "attribute_affinity");
        check(popularity, "popularity");
    }

    public RescoreWeights(StreamInput in) throws IOException {
        this(in.readFloat(), in.readFloat(), in.readFloat(), in.readFloat(), in.readFloat());
    }

    private static void check(float weight, String name) {
        if (Float.isFinite(weight) == false || weight < 0) {
            throw new IllegalArgumentException(
                    "[weights." + name + "] must be a finite number >= 0, got [" + weight + "]");
        }
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeFloat(query);
        out.writeFloat(itemSimilarity);
        out.writeFloat(userAffinity);
        out.writeFloat(attributeAffinity);
        out.writeFloat(popularity);
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        return builder.startObject()
                .field("query", query)
                .field("item_similarity", itemSimilarity)
                .field("user_affinity", userAffinity)
                .field("attribute_affinity", attributeAffinity)
                .field("popularity", popularity)
                .endObject();
    }
}
