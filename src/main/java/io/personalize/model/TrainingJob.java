package io.personalize.model;

import io.personalize.training.InteractionMatrixBuilder;
import io.personalize.training.ModelTrainer;
import io.personalize.training.TrainedModel;
import io.personalize.training.TrainingConfig;
import io.personalize.training.TrainingMonitor;
import io.personalize.training.TuningSpec;
import io.personalize.training.Workers;
import java.util.Map;
import java.util.concurrent.Executor;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.ActionRunnable;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.common.Strings;
import org.elasticsearch.tasks.TaskCancelledException;

/**
 * Trains a model inside the cluster: reads the events (as the user who asked), reads the catalogue's attributes,
 * then runs the training maths on the training thread pool. Nothing is written here: see {@link VersionDocuments}.
 */
public final class TrainingJob {

    /** What training produced: the model over dense ids, and the dictionaries that name them. */
    public record Result(
            TrainedModel model,
            IdDictionary users,
            IdDictionary items,
            CatalogAttributes attributes,
            EventReader.Result events,
            Map<String, Object> tuning) {}

    private final ModelConfig config;
    private final Client client;
    private final Executor executor;
    private final TrainingTask task;
    private final TuningSpec tuning; // null: the model's configuration as it is
    private final Workers workers;

    public TrainingJob(ModelConfig config, Client client, Executor executor, TrainingTask task) {
        this(config, null, client, executor, task);
    }

    /** With {@code tuning}: candidates are compared on a validation slice first, and the winner is trained. */
    public TrainingJob(ModelConfig config, TuningSpec tuning, Client client, Executor executor, TrainingTask task) {
        this(config, tuning, client, executor, Workers.SERIAL, task);
    }

    /** With {@code workers}: the threads the maths share their independent parts among (the same model results). */
    public TrainingJob(
            ModelConfig config,
            TuningSpec tuning,
            Client client,
            Executor executor,
            Workers workers,
            TrainingTask task) {
        this.workers = workers;
        this.tuning = tuning;
        this.config = config;
        this.client = client;
        this.executor = executor;
        this.task = task;
    }

    public void run(ActionListener<Result> listener) {
        TrainingConfig trainingConfig =
                TrainingConfigs.of(config).toBuilder().workers(workers).build();
        // tuning trains many times on parts of the events: it keeps them, a plain training streams them into the matrix
        InteractionMatrixBuilder builder = tuning == null ? trainingConfig.newMatrixBuilder(1 << 16) : null;
        EvaluationJob.Events kept = tuning == null ? null : new EvaluationJob.Events();
        IndexScan scan = new IndexScan(client, executor, task);
        task.phase("reading_events");
        EventReader reader = new EventReader(config.events(), scan);
        reader.read(
                (user, item, weight, millis) -> {
                    if (kept != null) {
                        kept.add(user, item, weight, millis);
                    } else {
                        builder.add(user, item, weight, millis / 1000);
                    }
                },
                // a shard copy lost while the events are read: they are all read again from a new point in time
                () -> {
                    if (kept != null) {
                        kept.clear();
                    } else {
                        builder.clear();
                    }
                },
                task::progress,
                listener.delegateFailureAndWrap((l, events) -> {
                    if (events.events() == 0) {
                        throw new IllegalArgumentException(
                                "no usable events in [" + config.events().index() + "]: events need a ["
                                        + config.events().userField() + "], an ["
                                        + config.events().itemField() + "], a ["
                                        + config.events().timeField() + "] and a ["
                                        + config.events().typeField() + "] among "
                                        + config.events().weights().keySet()
                                        + (events.skipped() > 0
                                                ? "; skipped " + Strings.toString(events.skippedEvents())
                                                : ""));
                    }
                    // ids in the order of the keys, not of arrival (parallel slices): the same events train the same
                    // model
                    int[] userMap = events.users().renumberSorted();
                    int[] itemMap = events.items().renumberSorted();
                    // see EventRules: decay counts back from the newest used event, never from after the training
                    // started
                    long anchorMillis = EventRules.decayAnchorMillis(events.newestMillis(), reader.nowMillis());
                    if (builder != null) {
                        builder.relabel(userMap, itemMap);
                        builder.referenceTime(anchorMillis / 1000);
                    } else {
                        kept.relabel(userMap, itemMap);
                    }
                    task.phase("reading_catalog");
                    CatalogAttributes.read(
                            config.catalog(), events.items(), scan, l.delegateFailureAndWrap((l2, attributes) -> {
                                executor.execute(ActionRunnable.supply(l2, () -> {
                                    if (kept == null) {
                                        TrainedModel model = ModelTrainer.train(builder, trainingConfig, monitor(task));
                                        return new Result(
                                                model, events.users(), events.items(), attributes, events, null);
                                    }
                                    TuningRun run = TuningRun.tune(
                                            kept, trainingConfig, tuning, events, reader.nowMillis(), task);
                                    TrainingConfig winner =
                                            run.result().winner().config();
                                    InteractionMatrixBuilder all = winner.newMatrixBuilder(kept.size);
                                    for (int e = 0; e < kept.size; e++) {
                                        all.add(kept.users[e], kept.items[e], kept.weights[e], kept.millis[e] / 1000);
                                    }
                                    all.referenceTime(anchorMillis / 1000);
                                    TrainedModel model = ModelTrainer.train(all, winner, monitor(task));
                                    return new Result(
                                            model, events.users(), events.items(), attributes, events, run.report());
                                }));
                            }));
                }));
    }

    /** The training maths report their phases to the task and stop when it is cancelled. */
    static TrainingMonitor monitor(TrainingTask task) {
        return new TrainingMonitor() {
            @Override
            public void progress(String mathsPhase, long done, long total) {
                // the maths name phases in words ("sort events"); tasks and phases_ms use snake_case throughout
                String phase = mathsPhase.replace(' ', '_');
                if (phase.equals(task.phase()) == false) {
                    task.phase(phase);
                }
                task.progress(done, total);
            }

            @Override
            public void checkCancelled() {
                if (task.isCancelled()) {
                    throw new TaskCancelledException("task cancelled [" + task.getReasonCancelled() + "]");
                }
            }
        };
    }
}
