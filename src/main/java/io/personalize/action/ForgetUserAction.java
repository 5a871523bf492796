package io.personalize.action;

import static org.elasticsearch.action.ValidateActions.addValidationError;

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

/**
 * Forgets a user: {@code DELETE _recommend/models/{name}/users/{user_id}} removes their profile from every stored version
 * of the model and from the nodes' caches. Their events stay where the shop keeps them (see the README).
 */
public final class ForgetUserAction {

    public static final String NAME = "cluster:admin/personalize/model/users/delete";
    public static final ActionType<Response> TYPE = new ActionType<>(NAME);

    private ForgetUserAction() {}

    public static final class Request extends PluginActionRequest {
        private final String model;
        private final String userId;

        public Request(String model, String userId) {
            this.model = ModelConfig.validateName(model);
            this.userId = userId;
        }

        public Request(StreamInput in) throws IOException {
            super(in);
            this.model = in.readString();
            this.userId = in.readString();
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            super.writeTo(out);
            out.writeString(model);
            out.writeString(userId);
        }

        public String model() {
            return model;
        }

        public String userId() {
            return userId;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Request other
                    && model.equals(other.model)
                    && java.util.Objects.equals(userId, other.userId);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(model, userId);
        }

        @Override
        public ActionRequestValidationException validate() {
            return userId == null || userId.isEmpty() || userId.length() > 512
                    ? addValidationError("[user_id] must be 1 to 512 characters", null)
                    : null;
        }
    }

    /** How many stored versions held a profile of the user (and no longer do). */
    public static final class Response extends ActionResponse implements ToXContentObject {
        private final String model;
        private final String userId;
        private final int versions;
        private final int deleted;

        public Response(String model, String userId, int versions, int deleted) {
            this.model = model;
            this.userId = userId;
            this.versions = versions;
            this.deleted = deleted;
        }

        public Response(StreamInput in) throws IOException {
            this(in.readString(), in.readString(), in.readVInt(), in.readVInt());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(model);
            out.writeString(userId);
            out.writeVInt(versions);
            out.writeVInt(deleted);
        }

        public int deleted() {
            return deleted;
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            return builder.startObject()
                    .field("acknowledged", true)
                    .field("model", model)
                    .field("user_id", userId)
                    .field("versions", versions)
                    .field("profiles_deleted", deleted)
                    .endObject();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Response other
                    && model.equals(other.model)
                    && userId.equals(other.userId)
                    && versions == other.versions
                    && deleted == other.deleted;
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(model, userId, versions, deleted);
        }
    }
}
