package io.personalize.action;

import static org.elasticsearch.action.ValidateActions.addValidationError;

import io.personalize.compat.PluginActionRequest;
import io.personalize.recommend.Recommendation;
import io.personalize.recommend.ShelfQuery;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import org.elasticsearch.action.ActionRequestValidationException;
import org.elasticsearch.action.ActionResponse;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.action.IndicesRequest;
import org.elasticsearch.action.support.IndicesOptions;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;

/**
 * {@code POST _recommend}: a shelf of recommendations for a shopper and/or items. An index read, authorized against
 * the model's catalogue index like a search of it.
 */
public final class RecommendAction {

    public static final String NAME = "indices:data/read/personalize/recommend";
    public static final ActionType<Response> TYPE = new ActionType<>(NAME);

    private RecommendAction() {}

    /** A {@link ShelfQuery} and the model's catalogue index, which the caller must be allowed to read. */
    public static final class Request extends PluginActionRequest implements IndicesRequest {
        private final ShelfQuery query;
        private String index;

        public Request(ShelfQuery query) {
            this.query = query;
        }

        public Request(StreamInput in) throws IOException {
            super(in);
            this.query = new ShelfQuery(in);
            this.index = in.readOptionalString();
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            super.writeTo(out);
            query.writeTo(out);
            out.writeOptionalString(index);
        }

        @Override
        public ActionRequestValidationException validate() {
            ActionRequestValidationException e = query.validate(null);
            if (index == null && query.model() != null) {
                e = addValidationError("the model's catalogue index is not set", e);
            }
            return e;
        }

        public Request index(String catalogIndex) {
            this.index = catalogIndex;
            return this;
        }

        public String index() {
            return index;
        }

        @Override
        public String[] indices() {
            return index == null ? new String[0] : new String[] {index};
        }

        @Override
        public IndicesOptions indicesOptions() {
            return IndicesOptions.strictSingleIndexNoExpandForbidClosed();
        }

        public ShelfQuery query() {
            return query;
        }

        public String model() {
            return query.model();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Request other && query.equals(other.query) && Objects.equals(index, other.index);
        }

        @Override
        public int hashCode() {
            return Objects.hash(query, index);
        }
    }

    public static final class Response extends ActionResponse implements ToXContentObject {
        private final String model;
        private final long modelVersion;
        private final long tookMillis;
        private final List<Recommendation> recommendations;

        public Response(String model, long modelVersion, long tookMillis, List<Recommendation> recommendations) {
            this.model = model;
            this.modelVersion = modelVersion;
            this.tookMillis = tookMillis;
            this.recommendations = recommendations;
        }

        public Response(StreamInput in) throws IOException {
            this.model = in.readString();
            this.modelVersion = in.readVLong();
            this.tookMillis = in.readVLong();
            this.recommendations = in.readCollectionAsList(Recommendation::new);
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(model);
            out.writeVLong(modelVersion);
            out.writeVLong(tookMillis);
            out.writeCollection(recommendations);
        }

        public List<Recommendation> recommendations() {
            return recommendations;
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            return builder.startObject()
                    .field("model", model)
                    .field("model_version", modelVersion)
                    .field("took", tookMillis)
                    .field("recommendations", recommendations)
                    .endObject();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Response other
                    && model.equals(other.model)
                    && modelVersion == other.modelVersion
                    && tookMillis == other.tookMillis
                    && recommendations.equals(other.recommendations);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(model, modelVersion, tookMillis, recommendations);
        }
    }
}
