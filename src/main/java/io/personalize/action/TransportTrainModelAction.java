package io.personalize.action;

import io.personalize.model.ActivationRule;
import io.personalize.model.ModelStatus;
import io.personalize.model.ModelStatus.Training;
import io.personalize.model.ModelStore;
import io.personalize.model.ModelVersions;
import io.personalize.model.TrainingJob;
import io.personalize.model.TrainingRegistry;
import io.personalize.model.TrainingTask;
import io.personalize.model.TrainingThreadPool;
import io.personalize.model.VersionDocuments;
import io.personalize.model.VersionWriter;
import io.personalize.stats.ServingStats;
import io.personalize.training.Workers;
import java.util.concurrent.Executor;
import org.elasticsearch.ElasticsearchStatusException;
import org.elasticsearch.ExceptionsHelper;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.HandledTransportAction;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.util.concurrent.EsExecutors;
import org.elasticsearch.injection.guice.Inject;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.tasks.TaskCancelledException;
import org.elasticsearch.transport.TransportService;

/**
 * Trains a new version of a model on this node. The model's status records the training (a compare-and-set, so a
 * second training of the same model is a 409), the version is written to its own index, and only a complete version
 * becomes active. A failed or cancelled training deletes what it wrote and says why in the status; the previous
 * version serves throughout.
 */
public final class TransportTrainModelAction
        extends HandledTransportAction<TrainModelAction.Request, TrainModelAction.Response> {

    private final ModelStore store;
    private final ModelVersions versions;
    private final TrainingRegistry trainings;
    private final ServingStats stats;
    private final Client client;
    private final ClusterService clusterService;
    private final Executor executor;
    private final Workers workers;

    @Inject
    public TransportTrainModelAction(
            TransportService transportService,
            ActionFilters actionFilters,
            Client client,
            ClusterService clusterService,
            ModelStore store,
            ModelVersions versions,
            TrainingRegistry trainings,
            ServingStats stats) {
        super(
                TrainModelAction.NAME,
                transportService,
                actionFilters,
                TrainModelAction.Request::new,
                EsExecutors.DIRECT_EXECUTOR_SERVICE);
        this.store = store;
        this.versions = versions;
        this.trainings = trainings;
        this.stats = stats;
        this.client = client;
        this.clusterService = clusterService;
        this.executor = transportService.getThreadPool().executor(TrainingThreadPool.NAME);
        this.workers = TrainingThreadPool.workers(transportService.getThreadPool(), clusterService.getSettings());
    }

    @Override
    protected void doExecute(
            Task task, TrainModelAction.Request request, ActionListener<TrainModelAction.Response> outcome) {
        TrainingTask trainingTask = (TrainingTask) task;
        ActionListener<TrainModelAction.Response> listener = stats.timed(ServingStats.Endpoint.TRAIN, outcome)
                .delegateResponse((l, e) -> {
                    trainingTask.failedToStart(e);
                    l.onFailure(e);
                });
        String name = request.name();
        String taskId = clusterService.localNode().getId() + ":" + task.getId();
        long start = System.currentTimeMillis();
        store.get(
                name,
                listener.delegateFailureAndWrap(
                        (l, stored) -> trainings.settleInterrupted(stored, l.delegateFailureAndWrap((l2, model) -> {
                            if (model.status().isTraining()) {
                                Training running = model.status().training();
                                throw new ElasticsearchStatusException(
                                        "model [" + name + "] is already training (task [" + running.taskId()
                                                + "]); cancel it or wait for it to finish",
                                        RestStatus.CONFLICT);
                            }
                            // registered before the status says "running": a node that reads it meanwhile must not take
                            // it for dead
                            if (trainings.register(name, trainingTask) == false) {
                                throw new ElasticsearchStatusException(
                                        "model [" + name + "] is already training on this node", RestStatus.CONFLICT);
                            }
                            // unregistered before the answer goes out: the caller's next request must find this node
                            // free
                            ActionListener<TrainModelAction.Response> done =
                                    ActionListener.runBefore(l2, () -> trainings.unregister(name, trainingTask));
                            versions.reserve(
                                    model,
                                    status -> status.withTraining(new Training(
                                            Training.State.RUNNING,
                                            taskId,
                                            clusterService.localNode().getId(),
                                            start,
                                            0,
                                            status.lastVersion(),
                                            null)),
                                    "model [" + name + "] is already training or being changed; try again",
                                    done.delegateFailureAndWrap((l3, pending) -> {
                                        trainingTask.started();
                                        train(
                                                model.config(),
                                                request.tuning(model.config()),
                                                pending,
                                                trainingTask,
                                                start,
                                                stats.countTraining(l3));
                                    }));
                        }))));
    }

    private void train(
            io.personalize.model.ModelConfig config,
            io.personalize.training.TuningSpec tuning,
            ModelVersions.Pending pending,
            TrainingTask task,
            long start,
            ActionListener<TrainModelAction.Response> listener) {
        VersionWriter writer = new VersionWriter(store.systemClient(), executor, task);
        ActionListener<TrainModelAction.Response> onFailure = ActionListener.wrap(listener::onResponse, e -> {
            Throwable cause = ExceptionsHelper.unwrapCause(e);
            boolean cancelled = cause instanceof TaskCancelledException;
            Training.State state = cancelled
                    ? Training.State.CANCELLED
                    : cause instanceof ActivationRule.SupersededException
                            ? Training.State.SUPERSEDED
                            : Training.State.FAILED;
            String reason = cancelled ? "cancelled" : cause.getMessage();
            versions.abandon(
                    pending,
                    e,
                    // only this training's record: one that started after it was settled as interrupted is left alone
                    status -> status.training() == null || status.training().version() != pending.version()
                            ? status
                            : status.withTraining(status.training().finish(state, System.currentTimeMillis(), reason)),
                    listener);
        });
        new TrainingJob(config, tuning, client, executor, workers, task)
                .run(onFailure.delegateFailureAndWrap((l, result) -> {
                    VersionDocuments documents =
                            new VersionDocuments(result, config.training().userItems());
                    task.phase("writing");
                    writer.createIndex(
                            pending.index(),
                            l.delegateFailureAndWrap((l2, created) -> writer.write(
                                    pending.index(),
                                    documents,
                                    task::progress,
                                    documents.total(),
                                    l2.delegateFailureAndWrap((l3, written) -> {
                                        long now = System.currentTimeMillis();
                                        ModelStatus.Version version = new ModelStatus.Version(
                                                        pending.version(),
                                                        pending.index(),
                                                        ModelStatus.Version.TRAINED,
                                                        now,
                                                        result.events().events(),
                                                        result.model().numUsers(),
                                                        result.model().numItems(),
                                                        result.events().newestMillis(),
                                                        now - start,
                                                        result.model()
                                                                .config()
                                                                .similarity()
                                                                .describe(),
                                                        start,
                                                        null)
                                                .withSkippedEvents(
                                                        result.events().skippedEvents())
                                                .withTuning(result.tuning());
                                        task.phase("activating");
                                        versions.activate(
                                                pending,
                                                version,
                                                status -> status.withTraining(
                                                        status.training().finish(Training.State.SUCCEEDED, now, null)),
                                                l3.map(
                                                        activated -> new TrainModelAction.Response(
                                                                pending.model(), version, task.phaseMillis())));
                                    }))));
                }));
    }
}
