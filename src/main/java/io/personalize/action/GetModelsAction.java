package io.personalize.action;

import io.personalize.compat.PluginActionRequest;
import io.personalize.model.ModelConfig;
import io.personalize.model.ModelStatus;
import io.personalize.model.ModelStore.StoredModel;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.elasticsearch.action.ActionRequestValidationException;
import org.elasticsearch.action.ActionResponse;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.xcontent.ToXContent.DelegatingMapParams;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;

/** One model ({@code GET _recommend/models/{name}}) or all of them ({@code GET _recommend/models}). */
public final class GetModelsAction {

    public static final String NAME = "cluster:monitor/personalize/model/get";
    public static final ActionType<Response> TYPE = new ActionType<>(NAME);

    private GetModelsAction() {}

    public static final class Request extends PluginActionRequest {
        private final String name; // null: every model

        public Request(String name) {
            this.name = name == null ? null : ModelConfig.validateName(name);
        }

        public Request(StreamInput in) throws IOException {
            super(in);
            this.name = in.readOptionalString();
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            super.writeTo(out);
            out.writeOptionalString(name);
        }

        public String name() {
            return name;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Request other && java.util.Objects.equals(name, other.name);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hashCode(name);
        }

        @Override
        public ActionRequestValidationException validate() {
            return null;
        }
    }

    public static final class Response extends ActionResponse implements ToXContentObject {
        private final List<StoredModel> models;
        private final boolean single;
        // version indices the cluster does not have: shown in the status, never stored
        private final List<String> missingIndices;

        public Response(List<StoredModel> models, boolean single) {
            this(models, single, List.of());
        }

        public Response(List<StoredModel> models, boolean single, List<String> missingIndices) {
            this.models = models;
            this.single = single;
            this.missingIndices = List.copyOf(missingIndices);
        }

        public Response(StreamInput in) throws IOException {
            this.models = in.readCollectionAsList(StoredModel::readFrom);
            this.single = in.readBoolean();
            this.missingIndices = in.readStringCollectionAsList();
        }

        public List<StoredModel> models() {
            return models;
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeCollection(models);
            out.writeBoolean(single);
            out.writeStringCollection(missingIndices);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params outer) throws IOException {
            Params params = missingIndices.isEmpty()
                    ? outer
                    : new DelegatingMapParams(
                            Map.of(ModelStatus.MISSING_INDICES_PARAM, String.join(",", missingIndices)), outer);
            if (single) {
                return models.get(0).toXContent(builder, params);
            }
            builder.startObject().startArray("models");
            for (StoredModel model : models) {
                model.toXContent(builder, params);
            }
            return builder.endArray().endObject();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Response other
                    && models.equals(other.models)
                    && single == other.single
                    && missingIndices.equals(other.missingIndices);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(models, single, missingIndices);
        }
    }
}
