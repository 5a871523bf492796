package io.personalize.action;

import io.personalize.compat.PluginActionRequest;
import io.personalize.model.ModelConfig;
import java.io.IOException;
import org.elasticsearch.action.ActionRequestValidationException;
import org.elasticsearch.action.ActionResponse;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;

/** Creates a model or replaces its configuration: {@code PUT _recommend/models/{name}}. */
public final class PutModelAction {

    public static final String NAME = "cluster:admin/personalize/model/put";
    public static final ActionType<Response> TYPE = new ActionType<>(NAME);

    private PutModelAction() {}

    public static final class Request extends PluginActionRequest {
        private final String name;
        private final ModelConfig config;

        public Request(String name, ModelConfig config) {
            this.name = ModelConfig.validateName(name);
            this.config = config;
        }

        public Request(StreamInput in) throws IOException {
            super(in);
            this.name = in.readString();
            this.config = ModelConfig.readFrom(in);
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            super.writeTo(out);
            out.writeString(name);
            config.writeTo(out);
        }

        public String name() {
            return name;
        }

        public ModelConfig config() {
            return config;
        }

        @Override
        public ActionRequestValidationException validate() {
            return null;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Request other && name.equals(other.name) && config.equals(other.config);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(name, config);
        }
    }

    public static final class Response extends ActionResponse implements ToXContentObject {
        private final String name;
        private final boolean created;

        public Response(String name, boolean created) {
            this.name = name;
            this.created = created;
        }

        public Response(StreamInput in) throws IOException {
            this.name = in.readString();
            this.created = in.readBoolean();
        }

        public boolean created() {
            return created;
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(name);
            out.writeBoolean(created);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            return builder.startObject()
                    .field("acknowledged", true)
                    .field("model", name)
                    .field("created", created)
                    .endObject();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Response other && name.equals(other.name) && created == other.created;
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(name, created);
        }
    }
}
