package io.personalize.action;

import io.personalize.Limits;
import io.personalize.profile.ProfileLoader;
import io.personalize.recommend.Recommender;

import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.HandledTransportAction;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.common.util.concurrent.EsExecutors;
import org.elasticsearch.injection.guice.Inject;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.transport.TransportService;

/**
 * Serves {@code _recommend} on the node that received it: the model's data is read through the plugin, the catalogue
 * as the caller (whose right to read it was checked against {@link RecommendAction.Request#indices()} already).
 */
public final class TransportRecommendAction extends HandledTransportAction<RecommendAction.Request, RecommendAction.Response> {

    private final ProfileLoader profiles;
    private final Recommender recommender;
    private final Limits limits;

    @Inject
    public TransportRecommendAction(
        TransportService transportService,
        ActionFilters actionFilters,
        Client client,
        ProfileLoader profiles,
        Limits limits
    ) {
        super(RecommendAction.NAME, transportService, actionFilters, RecommendAction.Request::new, EsExecutors.DIRECT_EXECUTOR_SERVICE);
        this.profiles = profiles;
        this.recommender = new Recommender(profiles, client);
        this.limits = limits;
    }

    @Override
    protected void doExecute(Task task, RecommendAction.Request request, ActionListener<RecommendAction.Response> listener) {
        long start = System.nanoTime();
        request.checkLimits(limits);
        profiles.activeModel(request.model(), listener.delegateFailureAndWrap((l, model) -> {
            String catalog = model.config().catalog().index();
            if (catalog.equals(request.index()) == false) {
                // the caller was authorized for request.index(): it must be the catalogue that is read
                throw new IllegalArgumentException(
                    "model [" + request.model() + "] recommends from [" + catalog + "], not from [" + request.index() + "]"
                );
            }
            recommender.recommend(
                model,
                request,
                l.map(shelf -> new RecommendAction.Response(model.name(), model.version().version(), (System.nanoTime() - start) / 1_000_000, shelf))
            );
        }));
    }
}
