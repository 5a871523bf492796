package io.personalize.action;

import io.personalize.model.ModelStore;
import io.personalize.model.TrainingRegistry;

import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.HandledTransportAction;
import org.elasticsearch.common.util.concurrent.EsExecutors;
import org.elasticsearch.injection.guice.Inject;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.transport.TransportService;

import java.util.List;

public final class TransportGetModelsAction extends HandledTransportAction<GetModelsAction.Request, GetModelsAction.Response> {

    private final ModelStore store;
    private final TrainingRegistry trainings;

    @Inject
    public TransportGetModelsAction(TransportService transportService, ActionFilters actionFilters, ModelStore store, TrainingRegistry trainings) {
        super(GetModelsAction.NAME, transportService, actionFilters, GetModelsAction.Request::new, EsExecutors.DIRECT_EXECUTOR_SERVICE);
        this.store = store;
        this.trainings = trainings;
    }

    @Override
    protected void doExecute(Task task, GetModelsAction.Request request, ActionListener<GetModelsAction.Response> listener) {
        if (request.name() != null) {
            // a training whose node died still says "running" until someone looks: settle it now
            store.get(
                request.name(),
                listener.delegateFailureAndWrap(
                    (l, model) -> trainings.settleInterrupted(model, l.map(settled -> new GetModelsAction.Response(List.of(settled), true)))
                )
            );
        } else {
            store.list(listener.map(models -> new GetModelsAction.Response(models, false)));
        }
    }
}
