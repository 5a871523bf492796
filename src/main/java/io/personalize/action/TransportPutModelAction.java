package io.personalize.action;

import io.personalize.model.ModelStore;
import io.personalize.model.ModelValidator;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.HandledTransportAction;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.common.util.concurrent.EsExecutors;
import org.elasticsearch.injection.guice.Inject;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.transport.TransportService;

public final class TransportPutModelAction
        extends HandledTransportAction<PutModelAction.Request, PutModelAction.Response> {

    private final ModelValidator validator;
    private final ModelStore store;
    private final ClusterModelBroadcasts broadcasts;

    @Inject
    public TransportPutModelAction(
            TransportService transportService, ActionFilters actionFilters, Client client, ModelStore store) {
        super(
                PutModelAction.NAME,
                transportService,
                actionFilters,
                PutModelAction.Request::new,
                EsExecutors.DIRECT_EXECUTOR_SERVICE);
        // the indices are checked as the calling user, the model stored by the plugin
        this.validator = new ModelValidator(client);
        this.store = store;
        this.broadcasts = new ClusterModelBroadcasts(store.systemClient());
    }

    @Override
    protected void doExecute(
            Task task, PutModelAction.Request request, ActionListener<PutModelAction.Response> listener) {
        validator.validate(
                request.config(),
                listener.delegateFailureAndWrap((l, valid) -> store.put(
                        request.name(),
                        request.config(),
                        l.delegateFailureAndWrap((l2, created) -> publish(request, created, l2)))));
    }

    /**
     * Publishes the model as now written (its new configuration, or a new model without a version) in the cluster
     * state, so that every node serves with the new configuration from the next request on.
     */
    private void publish(PutModelAction.Request request, boolean created, ActionListener<PutModelAction.Response> l) {
        PutModelAction.Response response = new PutModelAction.Response(request.name(), created);
        store.get(
                request.name(),
                l.delegateFailureAndWrap(
                        (l2, written) -> broadcasts.publishActive(written, l2.map(published -> response))));
    }
}
