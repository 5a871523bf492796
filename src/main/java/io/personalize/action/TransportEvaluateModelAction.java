package io.personalize.action;

import io.personalize.model.EvaluationJob;
import io.personalize.model.ModelStore;
import io.personalize.model.TrainingTask;
import io.personalize.model.TrainingThreadPool;
import io.personalize.stats.ServingStats;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.HandledTransportAction;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.common.util.concurrent.EsExecutors;
import org.elasticsearch.injection.guice.Inject;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.transport.TransportService;

public final class TransportEvaluateModelAction
        extends HandledTransportAction<EvaluateModelAction.Request, EvaluateModelAction.Response> {

    private final ModelStore store;
    private final Client client;
    private final TransportService transportService;
    private final ServingStats stats;

    @Inject
    public TransportEvaluateModelAction(
            TransportService transportService,
            ActionFilters actionFilters,
            Client client,
            ModelStore store,
            ServingStats stats) {
        super(
                EvaluateModelAction.NAME,
                transportService,
                actionFilters,
                EvaluateModelAction.Request::new,
                EsExecutors.DIRECT_EXECUTOR_SERVICE);
        this.store = store;
        this.stats = stats;
        this.client = client;
        this.transportService = transportService;
    }

    @Override
    protected void doExecute(
            Task task, EvaluateModelAction.Request request, ActionListener<EvaluateModelAction.Response> outcome) {
        ActionListener<EvaluateModelAction.Response> listener = stats.timed(ServingStats.Endpoint.EVALUATE, outcome);
        store.get(request.name(), listener.delegateFailureAndWrap((l, model) -> {
            EvaluationJob job = new EvaluationJob(
                    request.configFor(model.config()),
                    request.protocol(),
                    request.k(),
                    request.tuning(),
                    client,
                    transportService.getThreadPool().executor(TrainingThreadPool.NAME),
                    (TrainingTask) task);
            job.run(l.map(result -> new EvaluateModelAction.Response(request.name(), result)));
        }));
    }
}
