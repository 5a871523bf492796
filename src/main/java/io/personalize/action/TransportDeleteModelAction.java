package io.personalize.action;

import io.personalize.model.ModelStore;
import io.personalize.profile.ClearCacheAction;

import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.HandledTransportAction;
import org.elasticsearch.action.support.master.AcknowledgedResponse;
import org.elasticsearch.common.util.concurrent.EsExecutors;
import org.elasticsearch.injection.guice.Inject;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.transport.TransportService;

public final class TransportDeleteModelAction extends HandledTransportAction<DeleteModelAction.Request, AcknowledgedResponse> {

    private final ModelStore store;

    @Inject
    public TransportDeleteModelAction(TransportService transportService, ActionFilters actionFilters, ModelStore store) {
        super(DeleteModelAction.NAME, transportService, actionFilters, DeleteModelAction.Request::new, EsExecutors.DIRECT_EXECUTOR_SERVICE);
        this.store = store;
    }

    @Override
    protected void doExecute(Task task, DeleteModelAction.Request request, ActionListener<AcknowledgedResponse> listener) {
        store.delete(
            request.name(),
            listener.delegateFailureAndWrap(
                (l, ignored) -> ClearCacheAction.broadcast(
                    store.systemClient(),
                    ClearCacheAction.Request.model(request.name(), null),
                    // the model's forgotten users go with its versions: keeps the cluster state small
                    () -> store.systemClient()
                        .execute(
                            io.personalize.profile.ForgottenUsersAction.TYPE,
                            io.personalize.profile.ForgottenUsersAction.Request.dropModel(request.name()),
                            ActionListener.running(() -> l.onResponse(AcknowledgedResponse.TRUE))
                        )
                )
            )
        );
    }
}
