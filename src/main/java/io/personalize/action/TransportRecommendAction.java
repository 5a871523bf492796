package io.personalize.action;

import io.personalize.model.ModelStore;
import io.personalize.profile.ActiveModel;
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

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Serves {@code _recommend} on the node that received it: the model's data is read through the plugin, the catalogue
 * as the caller (whose right to read it was checked against {@link RecommendAction.Request#indices()} already).
 * <p>
 * Every request reads the model's document, to serve the version active now. When the node has read the model before,
 * the request does not wait for that read: it fills the shelf from the version it knows while the model's document is
 * read, and answers once both are done if the document did not change meanwhile; otherwise (a new version was
 * activated, the model was deleted or changed) it fills the shelf again from what the document says now. A request
 * thus sees the version active when it arrived, or a newer one, as if it had read the document first.
 */
public final class TransportRecommendAction extends HandledTransportAction<RecommendAction.Request, RecommendAction.Response> {

    private final ProfileLoader profiles;
    private final Recommender recommender;

    @Inject
    public TransportRecommendAction(TransportService transportService, ActionFilters actionFilters, Client client, ProfileLoader profiles) {
        super(RecommendAction.NAME, transportService, actionFilters, RecommendAction.Request::new, EsExecutors.DIRECT_EXECUTOR_SERVICE);
        this.profiles = profiles;
        this.recommender = new Recommender(profiles, client);
    }

    @Override
    protected void doExecute(Task task, RecommendAction.Request request, ActionListener<RecommendAction.Response> listener) {
        long start = System.nanoTime();
        ModelStore.StoredModel known = profiles.cachedModel(request.model());
        ActiveModel speculative = known == null || known.status().active() == null ? null : ProfileLoader.active(known);
        if (speculative == null || speculative.config().catalog().index().equals(request.index()) == false) {
            profiles.activeModel(request.model(), listener.delegateFailureAndWrap((l, model) -> recommend(model, request, start, l)));
            return;
        }
        AtomicReference<ModelStore.StoredModel> current = new AtomicReference<>();
        AtomicReference<Exception> modelFailure = new AtomicReference<>();
        AtomicReference<RecommendAction.Response> shelf = new AtomicReference<>();
        AtomicReference<Exception> shelfFailure = new AtomicReference<>();
        AtomicInteger pending = new AtomicInteger(2);
        Runnable done = () -> {
            if (pending.decrementAndGet() > 0) {
                return;
            }
            if (modelFailure.get() != null) {
                listener.onFailure(modelFailure.get()); // deleted, say: whatever the shelf, the model is no more
                return;
            }
            ActionListener.run(listener, l -> {
                ActiveModel now = ProfileLoader.active(current.get()); // 404 if it has no version any more
                if (now.equals(speculative) == false) {
                    // another version was activated (or the configuration changed) meanwhile: fill the shelf from it
                    recommend(now, request, start, l);
                } else if (shelfFailure.get() != null) {
                    l.onFailure(shelfFailure.get());
                } else {
                    l.onResponse(shelf.get());
                }
            });
        };
        profiles.model(request.model(), ActionListener.runAfter(ActionListener.wrap(current::set, modelFailure::set), done));
        recommend(speculative, request, start, ActionListener.runAfter(ActionListener.wrap(shelf::set, shelfFailure::set), done));
    }

    private void recommend(ActiveModel model, RecommendAction.Request request, long start, ActionListener<RecommendAction.Response> listener) {
        String catalog = model.config().catalog().index();
        if (catalog.equals(request.index()) == false) {
            // the caller was authorized for request.index(): it must be the catalogue that is read
            listener.onFailure(new CatalogMismatchException(request.model(), catalog, request.index()));
            return;
        }
        recommender.recommend(
            model,
            request,
            listener.map(shelf -> new RecommendAction.Response(model.name(), model.version().version(), (System.nanoTime() - start) / 1_000_000, shelf))
        );
    }

    /** The caller was authorized for another index than the model's catalogue (which changed since it was looked up). */
    public static final class CatalogMismatchException extends IllegalArgumentException {
        CatalogMismatchException(String model, String catalog, String index) {
            super("model [" + model + "] recommends from [" + catalog + "], not from [" + index + "]");
        }
    }
}
