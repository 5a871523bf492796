package io.personalize.action;

import io.personalize.Limits;
import io.personalize.action.CatalogResolver.CatalogMismatchException;
import io.personalize.profile.ActiveModel;
import io.personalize.profile.ProfileLoader;
import io.personalize.recommend.Recommender;
import io.personalize.stats.ServingStats;

import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.HandledTransportAction;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.common.util.concurrent.EsExecutors;
import org.elasticsearch.injection.guice.Inject;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.transport.TransportService;

/**
 * Serves {@code _recommend} once the caller's right to read the model's catalogue was checked against
 * {@link RecommendFromCatalogAction.Request#indices()}: the model's data is read through the plugin, the catalogue as
 * the caller. The shelf is filled from the version this node last saw active while the model's document is read again
 * ({@link ProfileLoader#withActive}), so that a warm request does not wait for that read.
 */
public final class TransportRecommendFromCatalogAction extends HandledTransportAction<RecommendFromCatalogAction.Request, RecommendAction.Response> {

    private final ProfileLoader profiles;
    private final Recommender recommender;
    private final Limits limits;
    private final ServingStats stats;

    @Inject
    public TransportRecommendFromCatalogAction(
        TransportService transportService,
        ActionFilters actionFilters,
        Client client,
        ProfileLoader profiles,
        Limits limits,
        ServingStats stats
    ) {
        super(
            RecommendFromCatalogAction.NAME,
            transportService,
            actionFilters,
            RecommendFromCatalogAction.Request::new,
            EsExecutors.DIRECT_EXECUTOR_SERVICE
        );
        this.profiles = profiles;
        this.recommender = new Recommender(profiles, client);
        this.limits = limits;
        this.stats = stats;
    }

    @Override
    protected void doExecute(Task task, RecommendFromCatalogAction.Request request, ActionListener<RecommendAction.Response> listener) {
        long start = System.nanoTime();
        RecommendAction.Request recommend = request.recommend();
        ActionListener.run(stats.timed(ServingStats.Endpoint.RECOMMEND, listener), timed -> {
            recommend.checkLimits(limits);
            profiles.withActive(recommend.model(), (model, l) -> recommend(model, request, start, l), timed);
        });
    }

    private void recommend(ActiveModel model, RecommendFromCatalogAction.Request request, long start, ActionListener<RecommendAction.Response> listener) {
        String catalog = model.config().catalog().index();
        if (catalog.equals(request.index()) == false) {
            // the caller was authorized for request.index(): it must be the catalogue that is read
            listener.onFailure(new CatalogMismatchException(request.recommend().model(), catalog, request.index()));
            return;
        }
        recommender.recommend(
            model,
            request.recommend(),
            listener.map(shelf -> new RecommendAction.Response(model.name(), model.version().version(), (System.nanoTime() - start) / 1_000_000, shelf))
        );
    }
}
