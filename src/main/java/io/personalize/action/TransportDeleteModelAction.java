package io.personalize.action;

import io.personalize.model.ModelStatus.Training;
import io.personalize.model.ModelStore;
import io.personalize.model.ModelStore.StoredModel;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.elasticsearch.ExceptionsHelper;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.admin.cluster.node.tasks.cancel.CancelTasksRequest;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.HandledTransportAction;
import org.elasticsearch.action.support.master.AcknowledgedResponse;
import org.elasticsearch.common.util.concurrent.EsExecutors;
import org.elasticsearch.index.engine.VersionConflictEngineException;
import org.elasticsearch.injection.guice.Inject;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.tasks.TaskId;
import org.elasticsearch.transport.TransportService;

/**
 * Deletes a model: stops its running training and import (through the Task API, wherever they run), then deletes its
 * document and the version indices of this incarnation of it. Work that was running can no longer touch the name: it
 * was started for this incarnation's uuid, which a model created again under the same name does not have.
 */
public final class TransportDeleteModelAction
        extends HandledTransportAction<DeleteModelAction.Request, AcknowledgedResponse> {

    private static final Logger logger = LogManager.getLogger(TransportDeleteModelAction.class);
    private static final int ATTEMPTS = 5;

    private final ModelStore store;
    private final ClusterModelBroadcasts broadcasts;

    @Inject
    public TransportDeleteModelAction(
            TransportService transportService, ActionFilters actionFilters, ModelStore store) {
        super(
                DeleteModelAction.NAME,
                transportService,
                actionFilters,
                DeleteModelAction.Request::new,
                EsExecutors.DIRECT_EXECUTOR_SERVICE);
        this.store = store;
        this.broadcasts = new ClusterModelBroadcasts(store.systemClient());
    }

    @Override
    protected void doExecute(
            Task task, DeleteModelAction.Request request, ActionListener<AcknowledgedResponse> listener) {
        delete(
                request.name(),
                ATTEMPTS,
                listener.delegateFailureAndWrap((l, ignored) -> ClearCacheAction.broadcast(
                        store.systemClient(),
                        ClearCacheAction.Request.model(request.name(), null),
                        // the model's forgotten users go with its versions: keeps the cluster state small
                        () -> store.systemClient()
                                .execute(
                                        io.personalize.action.ForgottenUsersAction.TYPE,
                                        io.personalize.action.ForgottenUsersAction.Request.dropModel(request.name()),
                                        ActionListener.running(() -> l.onResponse(AcknowledgedResponse.TRUE))))));
    }

    // a cancelled build records its outcome in the model's document: the delete then retries on the changed document
    private void delete(String name, int attempts, ActionListener<Void> listener) {
        store.get(name, listener.delegateFailureAndWrap((l, model) -> {
            cancel(model, model.status().training());
            cancel(model, model.status().importing());
            // once the document is gone, every node stops serving the model (its entry in the cluster state dropped)
            // before its version indices go: a request meanwhile answers 404, never a missing version's error
            Consumer<ActionListener<Void>> unpublish = dropped -> broadcasts.dropActive(
                    model.name(), model.status().uuid(), ActionListener.running(() -> dropped.onResponse(null)));
            store.delete(model, unpublish, ActionListener.wrap(l::onResponse, e -> {
                if (ExceptionsHelper.unwrap(e, VersionConflictEngineException.class) != null && attempts > 1) {
                    delete(name, attempts - 1, l);
                } else {
                    l.onFailure(e);
                }
            }));
        }));
    }

    /** Cancels a running build of the model, wherever it runs; it fails (and deletes what it wrote) on its own. */
    private void cancel(StoredModel model, Training build) {
        if (build == null || build.state() != Training.State.RUNNING || build.taskId() == null) {
            return;
        }
        CancelTasksRequest cancel = new CancelTasksRequest();
        try {
            cancel.setTargetTaskId(new TaskId(build.taskId()));
        } catch (IllegalArgumentException e) {
            return; // not a task id: nothing to cancel
        }
        cancel.setReason("model [" + model.name() + "] deleted");
        store.systemClient()
                .admin()
                .cluster()
                .cancelTasks(
                        cancel,
                        ActionListener.wrap(
                                r -> {},
                                // it may have ended meanwhile, or its node left: the activation rule keeps it from
                                // touching the model anyway
                                e -> logger.debug(
                                        "model [" + model.name() + "]: could not cancel task [" + build.taskId() + "]",
                                        e)));
    }
}
