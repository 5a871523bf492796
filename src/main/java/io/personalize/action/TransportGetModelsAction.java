package io.personalize.action;

import io.personalize.compat.ClusterMetadata;
import io.personalize.model.ActiveVersions;
import io.personalize.model.ModelStatus;
import io.personalize.model.ModelStore;
import io.personalize.model.TrainingRegistry;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.HandledTransportAction;
import org.elasticsearch.cluster.ClusterState;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.util.concurrent.EsExecutors;
import org.elasticsearch.injection.guice.Inject;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.transport.TransportService;

public final class TransportGetModelsAction
        extends HandledTransportAction<GetModelsAction.Request, GetModelsAction.Response> {

    private final ModelStore store;
    private final TrainingRegistry trainings;
    private final ClusterService clusterService;

    @Inject
    public TransportGetModelsAction(
            TransportService transportService,
            ActionFilters actionFilters,
            ClusterService clusterService,
            ModelStore store,
            TrainingRegistry trainings) {
        super(
                GetModelsAction.NAME,
                transportService,
                actionFilters,
                GetModelsAction.Request::new,
                EsExecutors.DIRECT_EXECUTOR_SERVICE);
        this.store = store;
        this.trainings = trainings;
        this.clusterService = clusterService;
    }

    /** The version indices of these models that the cluster no longer has: the status shows them as missing. */
    private List<String> missing(List<ModelStore.StoredModel> models) {
        ClusterState state = clusterService.state();
        List<String> missing = new ArrayList<>();
        for (ModelStore.StoredModel model : models) {
            for (ModelStatus.Version version : model.status().versions()) {
                if (ClusterMetadata.hasIndex(state, version.index()) == false) {
                    missing.add(version.index());
                }
            }
        }
        return missing;
    }

    /**
     * Publishes the model's active version again when the cluster state names another one than its document (a
     * publication that failed after the activation's compare-and-set, the master being unavailable): looking at a model
     * is enough to bring serving in line with it. In the background: the answer shows the document either way.
     */
    private void republishIfBehind(ModelStore.StoredModel model) {
        ActiveVersions.Entry entry = ActiveVersions.of(clusterService.state()).get(model.name());
        ActiveVersions.Entry current = ActiveVersions.Entry.of(model);
        boolean behind = entry == null
                || java.util.Objects.equals(entry.uuid(), current.uuid()) == false
                || java.util.Objects.equals(entry.active(), current.active()) == false;
        if (behind && (entry == null || current.newerThan(entry))) {
            new ClusterModelBroadcasts(store.systemClient())
                    .publishActive(model, ActionListener.wrap(ok -> {}, e -> LogManager.getLogger(
                                    TransportGetModelsAction.class)
                            .warn("model [" + model.name() + "] could not publish its active version", e)));
        }
    }

    @Override
    protected void doExecute(
            Task task, GetModelsAction.Request request, ActionListener<GetModelsAction.Response> listener) {
        if (request.name() != null) {
            // a training whose node died still says "running" until someone looks: settle it now
            store.get(
                    request.name(),
                    listener.delegateFailureAndWrap((l, model) -> trainings.settleInterrupted(model, l.map(settled -> {
                        republishIfBehind(settled);
                        return new GetModelsAction.Response(List.of(settled), true, missing(List.of(settled)));
                    }))));
        } else {
            store.list(listener.map(models -> new GetModelsAction.Response(models, false, missing(models))));
        }
    }
}
