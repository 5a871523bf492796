package io.personalize.action;

import io.personalize.compat.ClusterMetadata;
import io.personalize.model.ForgottenUsers;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.master.AcknowledgedResponse;
import org.elasticsearch.action.support.master.AcknowledgedTransportMasterNodeAction;
import org.elasticsearch.cluster.ClusterState;
import org.elasticsearch.cluster.ClusterStateTaskListener;
import org.elasticsearch.cluster.SimpleBatchedExecutor;
import org.elasticsearch.cluster.block.ClusterBlockException;
import org.elasticsearch.cluster.block.ClusterBlockLevel;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.cluster.service.MasterServiceTaskQueue;
import org.elasticsearch.common.Priority;
import org.elasticsearch.common.util.concurrent.EsExecutors;
import org.elasticsearch.core.Tuple;
import org.elasticsearch.injection.guice.Inject;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.threadpool.ThreadPool;
import org.elasticsearch.transport.TransportService;

/**
 * Applies {@link ForgottenUsersAction} on the elected master: the changes go through a task queue, batched and published
 * like any cluster state update, and each answers once its state is published.
 */
public final class TransportForgottenUsersAction
        extends AcknowledgedTransportMasterNodeAction<ForgottenUsersAction.Request> {
    private final MasterServiceTaskQueue<UpdateTask> queue;

    @Inject
    public TransportForgottenUsersAction(
            TransportService transportService,
            ClusterService clusterService,
            ThreadPool threadPool,
            ActionFilters actionFilters) {
        super(
                ForgottenUsersAction.NAME,
                transportService,
                clusterService,
                threadPool,
                actionFilters,
                ForgottenUsersAction.Request::new,
                EsExecutors.DIRECT_EXECUTOR_SERVICE);
        this.queue = clusterService.createTaskQueue("personalize-forgotten-users", Priority.NORMAL, new Executor());
    }

    @Override
    protected void masterOperation(
            Task task,
            ForgottenUsersAction.Request request,
            ClusterState state,
            ActionListener<AcknowledgedResponse> listener) {
        queue.submitTask(request.toString(), new UpdateTask(request, listener), request.masterNodeTimeout());
    }

    @Override
    protected ClusterBlockException checkBlock(ForgottenUsersAction.Request request, ClusterState state) {
        return state.blocks().globalBlockedException(ClusterBlockLevel.METADATA_WRITE);
    }

    private record UpdateTask(ForgottenUsersAction.Request request, ActionListener<AcknowledgedResponse> listener)
            implements ClusterStateTaskListener {
        @Override
        public void onFailure(Exception e) {
            listener.onFailure(e);
        }
    }

    private static final class Executor extends SimpleBatchedExecutor<UpdateTask, Void> {
        @Override
        public Tuple<ClusterState, Void> executeTask(UpdateTask task, ClusterState state) {
            ForgottenUsers current = ForgottenUsers.of(state);
            ForgottenUsers next = task.request().apply(current);
            if (next.equals(current)) {
                return Tuple.tuple(state, null);
            }
            return Tuple.tuple(ClusterMetadata.withCustom(state, ForgottenUsers.TYPE, next), null);
        }

        @Override
        public void taskSucceeded(UpdateTask task, Void ignored) {
            // runs once the state is published (committed and applied on the master; the others had publish timeout to
            // apply)
            task.listener().onResponse(AcknowledgedResponse.TRUE);
        }
    }
}
