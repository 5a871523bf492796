package io.personalize.recommend;

import java.io.IOException;
import java.util.Locale;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;

/**
 * Why an item is recommended: the signal and what it came from, with the part of the score it gave.
 * <ul>
 *   <li>{@code similar_to} {@code item_id}: a neighbour (in the interaction model) of an item the request names;</li>
 *   <li>{@code because_you_viewed} {@code item_id}: a neighbour of an item the shopper interacted with (history or
 *       recent events);</li>
 *   <li>{@code affinity} {@code attribute}/{@code value}: the shopper's affinity to one of the item's attribute values;</li>
 *   <li>{@code content_similar} {@code item_id}: close in content (vector) to an item the model has no neighbours for;</li>
 *   <li>{@code popular}: popular now (the model's time-decayed popularity), the fallback;</li>
 *   <li>{@code catalog}: in the catalogue and matching the filter, when nothing better was left.</li>
 * </ul>
 */
public record Reason(Type type, String itemId, String attribute, String value, float weight)
        implements ToXContentObject, Writeable {

    public enum Type {
        SIMILAR_TO,
        BECAUSE_YOU_VIEWED,
        AFFINITY,
        CONTENT_SIMILAR,
        POPULAR,
        CATALOG;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static Reason item(Type type, String itemId, float weight) {
        return new Reason(type, itemId, null, null, weight);
    }

    public static Reason of(Type type, float weight) {
        return new Reason(type, null, null, null, weight);
    }

    public Reason(StreamInput in) throws IOException {
        this(
                in.readEnum(Type.class),
                in.readOptionalString(),
                in.readOptionalString(),
                in.readOptionalString(),
                in.readFloat());
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeEnum(type);
        out.writeOptionalString(itemId);
        out.writeOptionalString(attribute);
        out.writeOptionalString(value);
        out.writeFloat(weight);
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject().field("type", type.toString());
        if (itemId != null) {
            builder.field("item_id", itemId);
        }
        if (attribute != null) {
            builder.field("attribute", attribute).field("value", value);
        }
        return builder.field("weight", weight).endObject();
    }
}
