package io.personalize.action;

import io.personalize.model.ModelDocuments;
import io.personalize.model.ModelStatus;
import io.personalize.model.ModelStore;
import io.personalize.profile.ClearCacheAction;

import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.DocWriteResponse;
import org.elasticsearch.action.bulk.BulkItemResponse;
import org.elasticsearch.action.bulk.BulkRequest;
import org.elasticsearch.action.delete.DeleteRequest;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.HandledTransportAction;
import org.elasticsearch.action.support.WriteRequest;
import org.elasticsearch.common.util.concurrent.EsExecutors;
import org.elasticsearch.injection.guice.Inject;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.transport.TransportService;

/** Deletes the user's profile document from every version index of the model, refreshing so that it is gone at once. */
public final class TransportForgetUserAction extends HandledTransportAction<ForgetUserAction.Request, ForgetUserAction.Response> {

    private final ModelStore store;

    @Inject
    public TransportForgetUserAction(TransportService transportService, ActionFilters actionFilters, ModelStore store) {
        super(ForgetUserAction.NAME, transportService, actionFilters, ForgetUserAction.Request::new, EsExecutors.DIRECT_EXECUTOR_SERVICE);
        this.store = store;
    }

    @Override
    protected void doExecute(Task task, ForgetUserAction.Request request, ActionListener<ForgetUserAction.Response> listener) {
        store.get(request.model(), listener.delegateFailureAndWrap((l, model) -> {
            if (model.status().versions().isEmpty()) {
                l.onResponse(new ForgetUserAction.Response(request.model(), request.userId(), 0, 0));
                return;
            }
            BulkRequest bulk = new BulkRequest().setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE);
            for (ModelStatus.Version version : model.status().versions()) {
                bulk.add(new DeleteRequest(version.index(), ModelDocuments.userDocId(request.userId())));
            }
            store.systemClient().bulk(bulk, l.delegateFailureAndWrap((l2, response) -> {
                int deleted = 0;
                for (BulkItemResponse item : response.getItems()) {
                    if (item.isFailed()) {
                        // a version dropped by a concurrent training has no index left to hold the profile
                        if (item.getFailure().getCause() instanceof org.elasticsearch.index.IndexNotFoundException == false) {
                            throw item.getFailure().getCause();
                        }
                    } else if (item.getResponse().getResult() == DocWriteResponse.Result.DELETED) {
                        deleted++;
                    }
                }
                int from = deleted;
                ClearCacheAction.broadcastOrFail(
                    store.systemClient(),
                    ClearCacheAction.Request.user(request.model(), request.userId()),
                    l2.map(cleared -> new ForgetUserAction.Response(request.model(), request.userId(), model.status().versions().size(), from))
                );
            }));
        }));
    }
}
