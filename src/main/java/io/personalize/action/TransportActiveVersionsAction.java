package io.personalize.action;

import io.personalize.compat.ClusterMetadata;
import io.personalize.model.ActiveVersions;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.master.AcknowledgedResponse;
import org.elasticsearch.action.support.master.AcknowledgedTransportMasterNodeAction;
import org.elasticsearch.cluster.AckedBatchedClusterStateUpdateTask;
import org.elasticsearch.cluster.ClusterState;
import org.elasticsearch.cluster.ClusterStateAckListener;
import org.elasticsearch.cluster.SimpleBatchedAckListenerTaskExecutor;
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
 * Applies {@link ActiveVersionsAction} on the elected master: changes go through a task queue, batched and published
 * like any cluster state update, and each answers once every node acknowledged the state (or the ack timeout passed).
 * A change that changes nothing (an older write of the document than the entry held) is acknowledged at once.
 */
public final class TransportActiveVersionsAction
        extends AcknowledgedTransportMasterNodeAction<ActiveVersionsAction.Request> {
    private final MasterServiceTaskQueue<UpdateTask> queue;

    @Inject
    public TransportActiveVersionsAction(
            TransportService transportService,
            ClusterService clusterService,
            ThreadPool threadPool,
            ActionFilters actionFilters) {
        super(
                ActiveVersionsAction.NAME,
                transportService,
                clusterService,
                threadPool,
                actionFilters,
                ActiveVersionsAction.Request::new,
                EsExecutors.DIRECT_EXECUTOR_SERVICE);
        this.queue = clusterService.createTaskQueue("personalize-active-versions", Priority.HIGH, new Executor());
    }

    @Override
    protected void masterOperation(
            Task task,
            ActiveVersionsAction.Request request,
            ClusterState state,
            ActionListener<AcknowledgedResponse> listener) {
        queue.submitTask(request.toString(), new UpdateTask(request, listener), request.masterNodeTimeout());
    }

    @Override
    protected ClusterBlockException checkBlock(ActiveVersionsAction.Request request, ClusterState state) {
        return state.blocks().globalBlockedException(ClusterBlockLevel.METADATA_WRITE);
    }

    private static final class UpdateTask extends AckedBatchedClusterStateUpdateTask {
        private final ActiveVersionsAction.Request request;

        UpdateTask(ActiveVersionsAction.Request request, ActionListener<AcknowledgedResponse> listener) {
            super(request.ackTimeout(), listener);
            this.request = request;
        }
    }

    private static final class Executor extends SimpleBatchedAckListenerTaskExecutor<UpdateTask> {
        @Override
        public Tuple<ClusterState, ClusterStateAckListener> executeTask(UpdateTask task, ClusterState state) {
            ActiveVersions current = ActiveVersions.of(state);
            ActiveVersions next = task.request.apply(current);
            if (next.equals(current)) {
                return Tuple.tuple(state, task);
            }
            return Tuple.tuple(ClusterMetadata.withCustom(state, ActiveVersions.TYPE, next), task);
        }
    }
}
