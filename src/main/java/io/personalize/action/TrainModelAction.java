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

    /**
     * The body: {@code {"tune": true}} or {@code {"tune": {...}}} (see {@link TuneBody}), {@code {"tune": false}} (the
     * model's configuration as it is, even with a standing {@code tuning} section), or empty (the model's {@code tuning}
     * section when it has one, else a plain training).
     */
    public record Body(TuningSpec tuning, boolean untuned) {}

    public static Body parseBody(XContentParser parser) throws IOException {
        TuningSpec tuning = null;
        boolean untuned = false;
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
            untuned = tuning == null;
        }
        return new Body(tuning, untuned);
    }

    public static final class Request extends PluginActionRequest {
        private final String name;
        private final TuningSpec tuning; // null: the model's tuning section if it has one and not untuned
        private final boolean untuned; // "tune": false: the model's configuration as it is
        private boolean storeResult;

        public Request(String name) {
            this(name, null);
        }

        public Request(String name, TuningSpec tuning) {
            this(name, tuning, false);
        }

        public Request(String name, TuningSpec tuning, boolean untuned) {
            this.name = ModelConfig.validateName(name);
            this.tuning = tuning;
            this.untuned = untuned && tuning == null;
        }

        public Request(StreamInput in) throws IOException {
            super(in);
            this.name = in.readString();
            this.storeResult = in.readBoolean();
            this.tuning = TuneBody.read(in);
            this.untuned = in.readBoolean();
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            super.writeTo(out);
            out.writeString(name);
            out.writeBoolean(storeResult);
            TuneBody.write(out, tuning);
            out.writeBoolean(untuned);
        }

        public String name() {
            return name;
        }

        /** The tuning the request asks for; null: see {@link #tuning(ModelConfig)}. */
        public TuningSpec tuning() {
            return tuning;
        }

        /** {@code "tune": false} was asked: no tuning, whatever the model's tuning section says. */
        public boolean untuned() {
            return untuned;
        }

        /**
         * The tuning this training runs with for a model configured as {@code config}: the request's, else none when
         * {@code "tune": false}, else the model's standing {@code tuning} section (null: none).
         */
        public TuningSpec tuning(ModelConfig config) {
            return tuning != null ? tuning : untuned ? null : config.tuning();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Request other
                    && name.equals(other.name)
                    && storeResult == other.storeResult
                    && java.util.Objects.equals(tuning, other.tuning)
                    && untuned == other.untuned;
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(name, storeResult, tuning, untuned);
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
