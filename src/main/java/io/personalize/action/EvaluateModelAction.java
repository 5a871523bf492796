package io.personalize.action;

import static org.elasticsearch.xcontent.ConstructingObjectParser.optionalConstructorArg;

import io.personalize.compat.PluginActionRequest;
import io.personalize.model.EvaluationJob;
import io.personalize.model.ModelConfig;
import io.personalize.model.TrainingTask;
import io.personalize.training.TuningSpec;
import java.io.IOException;
import java.util.Map;
import org.elasticsearch.action.ActionRequestValidationException;
import org.elasticsearch.action.ActionResponse;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.common.time.DateFormatter;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.tasks.TaskId;
import org.elasticsearch.xcontent.ConstructingObjectParser;
import org.elasticsearch.xcontent.ObjectParser;
import org.elasticsearch.xcontent.ParseField;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.XContentParser;

/**
 * Offline evaluation: {@code POST _recommend/models/{name}/_evaluate {"split": "2011-11-01", "k": 10}} trains a
 * throwaway model on the events before the split and scores it on those after, beside popularity. {@code similarity}
 * and {@code training} in the body try other settings than the model's without changing it.
 */
public final class EvaluateModelAction {

    public static final String NAME = "cluster:admin/personalize/model/evaluate";
    public static final ActionType<Response> TYPE = new ActionType<>(NAME);
    public static final int MAX_K = 100;

    private static final DateFormatter SPLIT_FORMAT =
            DateFormatter.forPattern("strict_date_optional_time||epoch_millis");

    private EvaluateModelAction() {}

    /**
     * The body: the protocol ({@code time}, the default, at {@code split}; or {@code stratified} with a
     * {@code fraction} of each user's items held out by {@code seed}), the cut-off, and optional settings to try
     * instead of the model's.
     */
    public record Body(
            EvaluationJob.Protocol protocol,
            int k,
            ModelConfig.Similarity similarity,
            ModelConfig.Training training,
            TuningSpec tuning) {
        static final ConstructingObjectParser<Body, Void> PARSER = new ConstructingObjectParser<>(
                "evaluate",
                false,
                a -> new Body(
                        protocol((Long) a[0], (String) a[4], (Double) a[5], (Long) a[6]),
                        a[1] == null ? 10 : (Integer) a[1],
                        (ModelConfig.Similarity) a[2],
                        (ModelConfig.Training) a[3],
                        (TuningSpec) a[7]));

        /** Without tuning. */
        public Body(
                EvaluationJob.Protocol protocol,
                int k,
                ModelConfig.Similarity similarity,
                ModelConfig.Training training) {
            this(protocol, k, similarity, training, null);
        }

        /** Time split at {@code split}, as before protocols existed. */
        public Body(long split, int k, ModelConfig.Similarity similarity, ModelConfig.Training training) {
            this(EvaluationJob.Protocol.time(split), k, similarity, training, null);
        }

        static {
            PARSER.declareField(
                    optionalConstructorArg(),
                    (p, c) -> parseSplit(p),
                    new ParseField("split"),
                    ObjectParser.ValueType.VALUE);
            PARSER.declareInt(optionalConstructorArg(), new ParseField("k"));
            PARSER.declareObject(
                    optionalConstructorArg(),
                    (p, c) -> ModelConfig.Similarity.PARSER.apply(p, null),
                    new ParseField("similarity"));
            PARSER.declareObject(
                    optionalConstructorArg(),
                    (p, c) -> ModelConfig.Training.PARSER.apply(p, null),
                    new ParseField("training"));
            PARSER.declareString(optionalConstructorArg(), new ParseField("protocol"));
            PARSER.declareDouble(optionalConstructorArg(), new ParseField("fraction"));
            PARSER.declareLong(optionalConstructorArg(), new ParseField("seed"));
            PARSER.declareField(
                    optionalConstructorArg(),
                    (p, c) -> TuneBody.parse(p),
                    TuneBody.FIELD,
                    ObjectParser.ValueType.OBJECT_OR_BOOLEAN);
        }

        private static EvaluationJob.Protocol protocol(Long split, String name, Double fraction, Long seed) {
            String protocol = name == null ? EvaluationJob.Protocol.TIME : name;
            if (protocol.equals(EvaluationJob.Protocol.STRATIFIED)) {
                if (split != null) {
                    throw new IllegalArgumentException("[split] does not apply to protocol [stratified]");
                }
                return EvaluationJob.Protocol.stratified(
                        fraction == null ? EvaluationJob.Protocol.DEFAULT_FRACTION : fraction,
                        seed == null ? EvaluationJob.Protocol.DEFAULT_SEED : seed);
            }
            if (protocol.equals(EvaluationJob.Protocol.TIME) == false) {
                throw new IllegalArgumentException(
                        "[protocol] unknown protocol [" + protocol + "], expected one of [time, stratified]");
            }
            if (split == null) {
                throw new IllegalArgumentException("[split] is required by protocol [time]");
            }
            if (fraction != null) {
                throw new IllegalArgumentException("[fraction] applies to protocol [stratified] only");
            }
            if (seed != null) {
                throw new IllegalArgumentException("[seed] applies to protocol [stratified] only");
            }
            return EvaluationJob.Protocol.time(split);
        }

        public Body {
            if (k < 1 || k > MAX_K) {
                throw new IllegalArgumentException("[k] must be between 1 and " + MAX_K + ", got [" + k + "]");
            }
        }

        public static Body parse(XContentParser parser) {
            return PARSER.apply(parser, null);
        }

        private static long parseSplit(XContentParser parser) throws IOException {
            String text = parser.text();
            try {
                return SPLIT_FORMAT.parseMillis(text);
            } catch (IllegalArgumentException | java.time.DateTimeException e) {
                throw new IllegalArgumentException(
                        "[split] must be a date such as 2011-11-01 or epoch milliseconds, got [" + text + "]", e);
            }
        }
    }

    public static final class Request extends PluginActionRequest {
        private final String name;
        private final EvaluationJob.Protocol protocol;
        private final int k;
        private final ModelConfig.Similarity similarity; // null: the model's own
        private final ModelConfig.Training training; // null: the model's own
        private final TuningSpec tuning; // null: no tuning

        public Request(String name, Body body) {
            this.name = ModelConfig.validateName(name);
            this.protocol = body.protocol();
            this.k = body.k();
            this.similarity = body.similarity();
            this.training = body.training();
            this.tuning = body.tuning();
        }

        public Request(StreamInput in) throws IOException {
            super(in);
            this.name = in.readString();
            this.protocol = new EvaluationJob.Protocol(in);
            this.k = in.readVInt();
            this.similarity = in.readOptionalWriteable(ModelConfig.Similarity::new);
            this.training = in.readOptionalWriteable(ModelConfig.Training::new);
            this.tuning = TuneBody.read(in);
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            super.writeTo(out);
            out.writeString(name);
            protocol.writeTo(out);
            out.writeVInt(k);
            out.writeOptionalWriteable(similarity);
            out.writeOptionalWriteable(training);
            TuneBody.write(out, tuning);
        }

        public String name() {
            return name;
        }

        public long split() {
            return protocol.split();
        }

        public EvaluationJob.Protocol protocol() {
            return protocol;
        }

        public int k() {
            return k;
        }

        public TuningSpec tuning() {
            return tuning;
        }

        /** The configuration to evaluate: the model's, with the request's settings in place of its own. */
        public ModelConfig configFor(ModelConfig model) {
            return new ModelConfig(
                    model.catalog(),
                    model.events(),
                    similarity == null ? model.similarity() : similarity,
                    training == null ? model.training() : training);
        }

        @Override
        public ActionRequestValidationException validate() {
            return null;
        }

        @Override
        public String getDescription() {
            return "evaluate model [" + name + "]";
        }

        @Override
        public Task createTask(long id, String type, String action, TaskId parentTaskId, Map<String, String> headers) {
            return new TrainingTask(id, type, action, getDescription(), parentTaskId, headers, name);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Request other
                    && name.equals(other.name)
                    && protocol.equals(other.protocol)
                    && k == other.k
                    && java.util.Objects.equals(similarity, other.similarity)
                    && java.util.Objects.equals(training, other.training)
                    && java.util.Objects.equals(tuning, other.tuning);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(name, protocol, k, similarity, training, tuning);
        }
    }

    public static final class Response extends ActionResponse implements ToXContentObject {
        private final String model;
        private final EvaluationJob.Result result;

        public Response(String model, EvaluationJob.Result result) {
            this.model = model;
            this.result = result;
        }

        public Response(StreamInput in) throws IOException {
            this.model = in.readString();
            this.result = new EvaluationJob.Result(in);
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(model);
            result.writeTo(out);
        }

        public EvaluationJob.Result result() {
            return result;
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            builder.startObject().field("model", model);
            builder.field("evaluation", result);
            return builder.endObject();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Response other && model.equals(other.model) && result.equals(other.result);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(model, result);
        }
    }
}
