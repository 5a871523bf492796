package io.personalize.action;

import io.personalize.compat.PluginActionRequest;
import io.personalize.model.ModelConfig;
import io.personalize.model.ModelStatus;
import io.personalize.model.TrainingTask;
import java.io.IOException;
import java.util.Map;
import org.elasticsearch.action.ActionRequestValidationException;
import org.elasticsearch.action.ActionResponse;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.tasks.TaskId;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;

/** Trains a new version of a model from its events: {@code POST _recommend/models/{name}/_train}, a cancellable task. */
public final class TrainModelAction {

    public static final String NAME = "cluster:admin/personalize/model/train";
    public static final ActionType<Response> TYPE = new ActionType<>(NAME);

    private TrainModelAction() {}

    public static final class Request extends PluginActionRequest {
        private final String name;
        private boolean storeResult;

        public Request(String name) {
            this.name = ModelConfig.validateName(name);
        }

        public Request(StreamInput in) throws IOException {
            super(in);
            this.name = in.readString();
            this.storeResult = in.readBoolean();
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            super.writeTo(out);
            out.writeString(name);
            out.writeBoolean(storeResult);
        }

        public String name() {
            return name;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Request other && name.equals(other.name) && storeResult == other.storeResult;
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(name, storeResult);
        }

        /** With wait_for_completion=false the outcome is stored, for GET _tasks/<id> to show after the task ended. */
        public void setShouldStoreResult(boolean store) {
            this.storeResult = store;
        }

        @Override
        public boolean getShouldStoreResult() {
            return storeResult;
        }

        @Override
        public ActionRequestValidationException validate() {
            return null;
        }

        @Override
        public String getDescription() {
            return "train model [" + name + "]";
        }

        @Override
        public Task createTask(long id, String type, String action, TaskId parentTaskId, Map<String, String> headers) {
            return new TrainingTask(id, type, action, getDescription(), parentTaskId, headers, name);
        }
    }

    public static final class Response extends ActionResponse implements ToXContentObject {
        private final String model;
        private final ModelStatus.Version version;
        private final Map<String, Long> phaseMillis;

        public Response(String model, ModelStatus.Version version, Map<String, Long> phaseMillis) {
            this.model = model;
            this.version = version;
            this.phaseMillis = phaseMillis;
        }

        public Response(StreamInput in) throws IOException {
            this.model = in.readString();
            this.version = new ModelStatus.Version(in);
            this.phaseMillis = in.readOrderedMap(StreamInput::readString, StreamInput::readVLong);
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(model);
            version.writeTo(out);
            out.writeMap(phaseMillis, StreamOutput::writeString, StreamOutput::writeVLong);
        }

        public ModelStatus.Version version() {
            return version;
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            return builder.startObject()
                    .field("acknowledged", true)
                    .field("model", model)
                    .field("version", version)
                    .field("phases_ms", phaseMillis)
                    .endObject();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Response other
                    && model.equals(other.model)
                    && version.equals(other.version)
                    && phaseMillis.equals(other.phaseMillis);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(model, version, phaseMillis);
        }
    }
}
