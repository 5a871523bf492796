package io.personalize.action;

import io.personalize.compat.ClusterMetadata;
import io.personalize.model.ModelDocuments;
import io.personalize.model.ModelIndices;
import io.personalize.model.ModelStatus;
import io.personalize.model.ModelStore;
import java.util.Set;
import java.util.TreeSet;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.DocWriteResponse;
import org.elasticsearch.action.bulk.BulkItemResponse;
import org.elasticsearch.action.bulk.BulkRequest;
import org.elasticsearch.action.delete.DeleteRequest;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.HandledTransportAction;
import org.elasticsearch.action.support.WriteRequest;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.util.concurrent.EsExecutors;
import org.elasticsearch.index.IndexNotFoundException;
import org.elasticsearch.injection.guice.Inject;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.transport.TransportService;

/**
 * Forgets a user, in this order, answering only when all is done:
 * <ol>
 *   <li>the user is recorded as forgotten now in the cluster state ({@code ForgottenUsers}, through the master): from
 *       then on no node serves a profile of theirs from a version whose build started before now, whatever its cache or
 *       its indices hold, and a training or import in flight deletes it before it activates;</li>
 *   <li>their profile document is deleted from every data index of the model (the stored versions and any version
 *       being written), with a refresh;</li>
 *   <li>every node drops them from its serving cache, having checked that it applied the cluster state of step 1; a
 *       node that fails and is still in the cluster fails the request (retry: forgetting is idempotent); one that left
 *       the cluster gets that state when it rejoins, before it serves again.</li>
 * </ol>
 */
public final class TransportForgetUserAction
        extends HandledTransportAction<ForgetUserAction.Request, ForgetUserAction.Response> {

    private final ModelStore store;
    private final ClusterService clusterService;

    @Inject
    public TransportForgetUserAction(
            TransportService transportService,
            ActionFilters actionFilters,
            ModelStore store,
            ClusterService clusterService) {
        super(
                ForgetUserAction.NAME,
                transportService,
                actionFilters,
                ForgetUserAction.Request::new,
                EsExecutors.DIRECT_EXECUTOR_SERVICE);
        this.store = store;
        this.clusterService = clusterService;
    }

    @Override
    protected void doExecute(
            Task task, ForgetUserAction.Request request, ActionListener<ForgetUserAction.Response> listener) {
        String name = request.model();
        String user = request.userId();
        store.get(name, listener.delegateFailureAndWrap((l, model) -> {
            // the time versions are compared with: a version whose build started at or before it may hold the profile
            long forgottenAt = System.currentTimeMillis();
            store.systemClient()
                    .execute(
                            ForgottenUsersAction.TYPE,
                            ForgottenUsersAction.Request.forget(name, user, forgottenAt),
                            l.delegateFailureAndWrap((l2, committed) -> deleteProfiles(model, user, forgottenAt, l2)));
        }));
    }

    private void deleteProfiles(
            ModelStore.StoredModel model,
            String user,
            long forgottenAt,
            ActionListener<ForgetUserAction.Response> listener) {
        String name = model.name();
        Set<String> indices = new TreeSet<>();
        for (ModelStatus.Version version : model.status().versions()) {
            indices.add(version.index());
        }
        // and the versions being written now (not in the status yet): their activation also deletes the profile
        for (String index : ClusterMetadata.indices(clusterService.state()).keySet()) {
            if (ModelIndices.isDataIndexOf(index, name)) {
                indices.add(index);
            }
        }
        ActionListener<Integer> clearCaches =
                listener.delegateFailureAndWrap((l, deleted) -> ClearCacheAction.broadcastOrFail(
                        store.systemClient(),
                        ClearCacheAction.Request.user(name, user, forgottenAt),
                        nodeId -> clusterService.state().nodes().nodeExists(nodeId),
                        l.map(cleared -> new ForgetUserAction.Response(
                                name, user, model.status().versions().size(), deleted))));
        BulkRequest bulk = new BulkRequest().setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE);
        for (String index : indices) {
            bulk.add(new DeleteRequest(index, ModelDocuments.userDocId(user)));
        }
        // and the newest items the events API kept for them (not a profile: not counted as one)
        String recentIndex = ModelIndices.recentIndex(name, model.status().uuid());
        bulk.add(new DeleteRequest(recentIndex, user));
        store.systemClient().bulk(bulk, clearCaches.delegateFailureAndWrap((l, response) -> {
            int deleted = 0;
            for (BulkItemResponse item : response.getItems()) {
                if (item.isFailed()) {
                    // a version dropped by a concurrent training has no index left to hold the profile
                    if (item.getFailure().getCause() instanceof IndexNotFoundException == false) {
                        throw item.getFailure().getCause();
                    }
                } else if (item.getResponse().getResult() == DocWriteResponse.Result.DELETED
                        && item.getIndex().equals(recentIndex) == false) {
                    deleted++;
                }
            }
            l.onResponse(deleted);
        }));
    }
}
