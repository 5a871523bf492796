package io.personalize.action;

import io.personalize.compat.ClusterMetadata;
import io.personalize.model.ImportSessionRecords;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.master.TransportMasterNodeAction;
import org.elasticsearch.cluster.ClusterState;
import org.elasticsearch.cluster.ClusterStateTaskListener;
import org.elasticsearch.cluster.SimpleBatchedExecutor;
import org.elasticsearch.cluster.block.ClusterBlockException;
import org.elasticsearch.cluster.block.ClusterBlockLevel;
import org.elasticsearch.cluster.node.DiscoveryNodes;
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
 * Applies {@link ImportSessionStateAction} on the elected master: each change goes through a task queue, batched and
 * published like any cluster state update, stamped with the master's clock (the session's last activity), and checked
 * against the nodes in the cluster (a takeover only of a session whose holder is gone). Answers once the state is
 * committed.
 */
public final class TransportImportSessionStateAction
        extends TransportMasterNodeAction<ImportSessionStateAction.Request, ImportSessionStateAction.Response> {
    private final MasterServiceTaskQueue<UpdateTask> queue;

    @Inject
    public TransportImportSessionStateAction(
            TransportService transportService,
            ClusterService clusterService,
            ThreadPool threadPool,
            ActionFilters actionFilters) {
        super(
                ImportSessionStateAction.NAME,
                transportService,
                clusterService,
                threadPool,
                actionFilters,
                ImportSessionStateAction.Request::new,
                ImportSessionStateAction.Response::new,
                EsExecutors.DIRECT_EXECUTOR_SERVICE);
        this.queue = clusterService.createTaskQueue("personalize-import-sessions", Priority.NORMAL, new Executor());
    }

    @Override
    protected void masterOperation(
            Task task,
            ImportSessionStateAction.Request request,
            ClusterState state,
            ActionListener<ImportSessionStateAction.Response> listener) {
        queue.submitTask(request.toString(), new UpdateTask(request.update(), listener), request.masterNodeTimeout());
    }

    @Override
    protected ClusterBlockException checkBlock(ImportSessionStateAction.Request request, ClusterState state) {
        return state.blocks().globalBlockedException(ClusterBlockLevel.METADATA_WRITE);
    }

    private record UpdateTask(
            ImportSessionRecords.Update update, ActionListener<ImportSessionStateAction.Response> listener)
            implements ClusterStateTaskListener {
        @Override
        public void onFailure(Exception e) {
            listener.onFailure(e);
        }
    }

    private static final class Executor extends SimpleBatchedExecutor<UpdateTask, ImportSessionRecords.Record> {
        @Override
        public Tuple<ClusterState, ImportSessionRecords.Record> executeTask(UpdateTask task, ClusterState state) {
            ImportSessionRecords current = ImportSessionRecords.of(state);
            DiscoveryNodes nodes = state.nodes();
            ImportSessionRecords next =
                    task.update.apply(current, System.currentTimeMillis(), ephemeralId -> nodes.stream()
                            .anyMatch(n -> n.getEphemeralId().equals(ephemeralId)));
            ImportSessionRecords.Record record = next.get(task.update.session());
            if (next.equals(current)) {
                return Tuple.tuple(state, record);
            }
            return Tuple.tuple(ClusterMetadata.withCustom(state, ImportSessionRecords.TYPE, next), record);
        }

        @Override
        public void taskSucceeded(UpdateTask task, ImportSessionRecords.Record record) {
            task.listener.onResponse(new ImportSessionStateAction.Response(record));
        }
    }
}
