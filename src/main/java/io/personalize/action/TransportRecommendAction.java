package io.personalize.action;

import io.personalize.profile.ActiveModel;
import io.personalize.profile.CatalogResolver;
import io.personalize.profile.Limits;
import io.personalize.profile.ProfileLoader;
import io.personalize.recommend.Recommender;
import io.personalize.stats.ServingStats;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.HandledTransportAction;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.cluster.metadata.IndexNameExpressionResolver;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.util.concurrent.EsExecutors;
import org.elasticsearch.injection.guice.Inject;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.transport.TransportService;

/**
 * Serves {@code _recommend} on the node that received it: the model's data is read through the plugin, the catalogue
 * as the caller (whose right to read it was checked against {@link RecommendAction.Request#indices()} already). The
 * shelf is filled from the version this node last saw active while the model's document is read again
 * ({@link ProfileLoader#withActive}), so that a warm request does not wait for that read.
 */
public final class TransportRecommendAction
        extends HandledTransportAction<RecommendAction.Request, RecommendAction.Response> {

    private final ProfileLoader profiles;
    private final Recommender recommender;
    private final Limits limits;
    private final ServingStats stats;

    @Inject
    public TransportRecommendAction(
            TransportService transportService,
            ActionFilters actionFilters,
            Client client,
            ClusterService clusterService,
            IndexNameExpressionResolver resolver,
            ProfileLoader profiles,
            Limits limits,
            ServingStats stats) {
        super(
                RecommendAction.NAME,
                transportService,
                actionFilters,
                RecommendAction.Request::new,
                EsExecutors.DIRECT_EXECUTOR_SERVICE);
        this.profiles = profiles;
        this.recommender = new Recommender(
                profiles, client, new CatalogItemsReads(client, clusterService, transportService, resolver));
        this.limits = limits;
        this.stats = stats;
    }

    @Override
    protected void doExecute(
            Task task, RecommendAction.Request request, ActionListener<RecommendAction.Response> listener) {
        long start = System.nanoTime();
        ActionListener.run(stats.timed(ServingStats.Endpoint.RECOMMEND, listener), timed -> {
            request.query().checkLimits(limits);
            profiles.withActive(request.model(), (model, l) -> recommend(model, request, start, l), timed);
        });
    }

    private void recommend(
            ActiveModel model,
            RecommendAction.Request request,
            long start,
            ActionListener<RecommendAction.Response> listener) {
        String catalog = model.config().catalog().index();
        if (catalog.equals(request.index()) == false) {
            // the caller was authorized for request.index(): it must be the catalogue that is read
            listener.onFailure(new CatalogResolver.CatalogMismatchException(request.model(), catalog, request.index()));
            return;
        }
        recommender.recommend(
                model,
                request.query(),
                listener.map(shelf -> new RecommendAction.Response(
                        model.name(), model.version().version(), (System.nanoTime() - start) / 1_000_000, shelf)));
    }
}
