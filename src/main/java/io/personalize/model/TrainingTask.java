package io.personalize.model;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.support.SubscribableListener;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.tasks.CancellableTask;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.tasks.TaskId;
import org.elasticsearch.xcontent.XContentBuilder;

/**
 * A training or evaluation running on a node: cancellable with {@code POST _tasks/<id>/_cancel}, and its phase and
 * progress show in {@code GET _tasks/<id>}.
 */
public final class TrainingTask extends CancellableTask {

    private volatile String phase = "starting";
    private final Map<String, Long> phaseMillis = new LinkedHashMap<>();
    private long phaseStart = System.nanoTime();
    private volatile long done;
    private volatile long total = -1;
    private final String model;
    // completes when the training has claimed the model (or failed before): wait_for_completion=false answers then
    private final SubscribableListener<Void> started = new SubscribableListener<>();

    public TrainingTask(
            long id,
            String type,
            String action,
            String description,
            TaskId parent,
            Map<String, String> headers,
            String model) {
        super(id, type, action, description, parent, headers);
        this.model = model;
    }

    public synchronized void phase(String newPhase) {
        long now = System.nanoTime();
        phaseMillis.merge(phase, (now - phaseStart) / 1_000_000, Long::sum);
        phaseStart = now;
        this.phase = newPhase;
        this.done = 0;
        this.total = -1;
    }

    /** How long each phase took so far, in milliseconds, in order. */
    public synchronized Map<String, Long> phaseMillis() {
        Map<String, Long> copy = new LinkedHashMap<>(phaseMillis);
        copy.merge(phase, (System.nanoTime() - phaseStart) / 1_000_000, Long::sum);
        return copy;
    }

    public void progress(long newDone, long newTotal) {
        this.done = newDone;
        this.total = newTotal;
    }

    public String phase() {
        return phase;
    }

    public void started() {
        started.onResponse(null);
    }

    /** Ignored once started: a later failure is the training's outcome, not a failure to start. */
    public void failedToStart(Exception e) {
        started.onFailure(e);
    }

    public void addStartListener(ActionListener<Void> listener) {
        started.addListener(listener);
    }

    @Override
    public Status getStatus() {
        return new Status(model, phase, done, total);
    }

    /** What {@code GET _tasks} shows of a training: the model, the phase, and how far it is. */
    public record Status(String model, String phase, long done, long total) implements Task.Status {

        public static final String NAME = "personalize_training";

        public Status(StreamInput in) throws IOException {
            this(in.readString(), in.readString(), in.readZLong(), in.readZLong());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(model);
            out.writeString(phase);
            out.writeZLong(done);
            out.writeZLong(total);
        }

        @Override
        public String getWriteableName() {
            return NAME;
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            builder.startObject().field("model", model).field("phase", phase).field("done", done);
            if (total >= 0) {
                builder.field("total", total);
            }
            return builder.endObject();
        }
    }
}
