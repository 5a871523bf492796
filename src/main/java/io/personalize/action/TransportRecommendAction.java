package io.personalize.action;

import io.personalize.profile.ProfileLoader;

import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.HandledTransportAction;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.client.internal.ParentTaskAssigningClient;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.util.concurrent.EsExecutors;
import org.elasticsearch.injection.guice.Inject;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.transport.TransportService;

/**
 * {@code _recommend} for REST and Java callers alike: resolves the model's catalogue index ({@link CatalogResolver})
 * and sends {@link RecommendFromCatalogAction} for it as the caller, so that security authorizes the shelf against the
 * catalogue. Callers name the model only.
 */
public final class TransportRecommendAction extends HandledTransportAction<RecommendAction.Request, RecommendAction.Response> {

    private final ProfileLoader profiles;
    private final Client client;
    private final ClusterService clusterService;

    @Inject
    public TransportRecommendAction(
        TransportService transportService,
        ActionFilters actionFilters,
        Client client,
        ClusterService clusterService,
        ProfileLoader profiles
    ) {
        super(RecommendAction.NAME, transportService, actionFilters, RecommendAction.Request::new, EsExecutors.DIRECT_EXECUTOR_SERVICE);
        this.profiles = profiles;
        this.client = client;
        this.clusterService = clusterService;
    }

    @Override
    protected void doExecute(Task task, RecommendAction.Request request, ActionListener<RecommendAction.Response> listener) {
        // the inner request is a child of this one: cancelling _recommend cancels it
        Client asChild = new ParentTaskAssigningClient(client, clusterService.localNode(), task);
        ActionListener.run(
            listener,
            l -> CatalogResolver.onCatalog(
                profiles,
                request.model(),
                (String catalog, ActionListener<RecommendAction.Response> onCatalog) -> asChild.execute(
                    RecommendFromCatalogAction.TYPE,
                    new RecommendFromCatalogAction.Request(request, catalog),
                    onCatalog
                ),
                l
            )
        );
    }
}
