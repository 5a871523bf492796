package io.personalize.action;

import io.personalize.compat.PluginActionRequest;
import io.personalize.model.ModelConfig;
import io.personalize.model.ModelStatus;
import io.personalize.model.TrainingTask;
import io.personalize.training.TuningSpec;
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
import org.elasticsearch.xcontent.XContentParser;

/** Trains a new version of a model from its events: {@code POST _recommend/models/{name}/_train}, a cancellable task. */
public final class TrainModelAction {

    public static final String NAME = "cluster:admin/personalize/model/train";
    public static final ActionType<Response> TYPE = new ActionType<>(NAME);

    private TrainModelAction() {}

    /** The body: {@code {"tune": true}} or {@code {"tune": {...}}} (see {@link TuneBody}); empty for a plain training. */
    public static TuningSpec parseBody(XContentParser parser) throws IOException {
        TuningSpec tuning = null;
        if (parser.currentToken() == null) {
            parser.nextToken();
        }
        if (parser.currentToken() != XContentParser.Token.START_OBJECT) {
            throw new IllegalArgumentException("the body of _train must be an object");
        }
        for (XContentParser.Token token = parser.nextToken();
                token != XContentParser.Token.END_OBJECT;
                token = parser.nextToken()) {
            String field = parser.currentName();
            parser.nextToken();
            if (TuneBody.FIELD.match(field, parser.getDeprecationHandler()) == false) {
                throw new IllegalArgumentException("[_train] unknown field [" + field + "]");
            }
            tuning = TuneBody.parse(parser);
        }
        return tuning;
    }

    public static final class Request extends PluginActionRequest {
        private final String name;
        private final TuningSpec tuning; // null: the model's configuration as it is
        private boolean storeResult;

        public Request(String name) {
            this(name, null);
        }

        public Request(String name, TuningSpec tuning) {
            this.name = ModelConfig.validateName(name);
            this.tuning = tuning;
        }

        public Request(StreamInput in) throws IOException {
            super(in);
            this.name = in.readString();
            this.storeResult = in.readBoolean();
            this.tuning = TuneBody.read(in);
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            super.writeTo(out);
            out.writeString(name);
            out.writeBoolean(storeResult);
            TuneBody.write(out, tuning);
        }

        public String name() {
            return name;
        }

        public TuningSpec tuning() {
            return tuning;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Request other
                    && name.equals(other.name)
                    && storeResult == other.storeResult
                    && java.util.Objects.equals(tuning, other.tuning);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(name, storeResult, tuning);
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
            return "train model [" + name + "]" + (tuning == null ? "" : " with tuning");
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
