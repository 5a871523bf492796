package io.personalize.action;

import io.personalize.compat.PluginActionRequest;
import io.personalize.model.ModelConfig;
import java.io.IOException;
import org.elasticsearch.action.ActionRequestValidationException;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.action.support.master.AcknowledgedResponse;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;

/** Removes a model's configuration and every stored version: {@code DELETE _recommend/models/{name}}. */
public final class DeleteModelAction {

    public static final String NAME = "cluster:admin/personalize/model/delete";
    public static final ActionType<AcknowledgedResponse> TYPE = new ActionType<>(NAME);

    private DeleteModelAction() {}

    public static final class Request extends PluginActionRequest {
        private final String name;

        public Request(String name) {
            this.name = ModelConfig.validateName(name);
        }

        public Request(StreamInput in) throws IOException {
            super(in);
            this.name = in.readString();
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            super.writeTo(out);
            out.writeString(name);
        }

        public String name() {
            return name;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Request other && name.equals(other.name);
        }

        @Override
        public int hashCode() {
            return name.hashCode();
        }

        @Override
        public ActionRequestValidationException validate() {
            return null;
        }
    }
}
