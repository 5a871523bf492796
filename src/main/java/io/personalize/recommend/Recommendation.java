package io.personalize.recommend;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;

/** One recommendation: the item, its score, why, and its _source when asked for. */
public record Recommendation(String itemId, float score, List<Reason> reasons, Map<String, Object> source)
        implements ToXContentObject, Writeable {

    public Recommendation(StreamInput in) throws IOException {
        this(in.readString(), in.readFloat(), in.readCollectionAsList(Reason::new), in.readGenericMap());
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeString(itemId);
        out.writeFloat(score);
        out.writeCollection(reasons);
        out.writeGenericMap(source == null ? Map.of() : source);
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject().field("item_id", itemId).field("score", score).field("reasons", reasons);
        if (source != null && source.isEmpty() == false) {
            builder.field("_source", source);
        }
        return builder.endObject();
    }
}
