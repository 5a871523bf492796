package io.personalize.rest;

import io.personalize.action.RecommendAction;
import io.personalize.action.TransportRecommendAction;
import io.personalize.model.ModelStore;
import io.personalize.profile.ProfileLoader;

import org.elasticsearch.action.ActionListener;
import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.common.Strings;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.action.RestCancellableNodeClient;
import org.elasticsearch.rest.action.RestToXContentListener;
import org.elasticsearch.search.fetch.subphase.FetchSourceContext;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

import static org.elasticsearch.rest.RestRequest.Method.GET;
import static org.elasticsearch.rest.RestRequest.Method.POST;

/**
 * {@code POST _recommend} with a body, or {@code GET _recommend?model=shop&user_id=...&item_ids=a,b&size=10} for the
 * simple cases. The model's catalogue index is looked up first, so that the action is authorized against it.
 */
public final class RestRecommendAction extends BaseRestHandler {

    private final ProfileLoader profiles;

    /** With the node's profile loader, whose copy of the model gives the catalogue index without a read. */
    public RestRecommendAction(ProfileLoader profiles) {
        this.profiles = profiles;
    }

    @Override
    public String getName() {
        return "personalize_recommend";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(GET, "/_recommend"), new Route(POST, "/_recommend"));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) throws IOException {
        RecommendAction.Body body = request.hasContent() ? RequestBodies.parse(request, RecommendAction.Body::parse) : new RecommendAction.Body();
        if (request.hasParam("model")) {
            body.model(request.param("model"));
        }
        if (request.hasParam("user_id")) {
            body.userId(request.param("user_id"));
        }
        if (request.hasParam("item_ids")) {
            body.itemIds(Arrays.asList(Strings.splitStringByCommaToArray(request.param("item_ids"))));
        }
        if (request.hasParam("size")) {
            body.size(request.paramAsInt("size", RecommendAction.DEFAULT_SIZE));
        }
        if (request.hasParam("exclude_seen")) {
            body.excludeSeen(request.paramAsBoolean("exclude_seen", true));
        }
        if (request.hasParam("diversity")) {
            String diversity = request.param("diversity");
            try {
                body.diversity(Float.parseFloat(diversity));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("[diversity] must be a number between 0 and 1, got [" + diversity + "]");
            }
        }
        if (request.hasParam("explain")) {
            body.explain(request.paramAsBoolean("explain", false));
        }
        FetchSourceContext source = FetchSourceContext.parseFromRestRequest(request);
        if (source != null) {
            body.source(source);
        }
        RecommendAction.Request recommend = new RecommendAction.Request(body);
        String model = body.modelName();
        return channel -> {
            RestToXContentListener<RecommendAction.Response> listener = new RestToXContentListener<>(channel);
            if (model == null) {
                // let validation say what is missing
                client.execute(RecommendAction.TYPE, recommend, listener);
                return;
            }
            RestCancellableNodeClient cancellable = new RestCancellableNodeClient(client, request.getHttpChannel());
            ModelStore.StoredModel known = profiles.cache().model(model);
            if (known == null) {
                lookUp(profiles, model, recommend, cancellable, listener);
                return;
            }
            recommend.index(known.config().catalog().index());
            cancellable.execute(RecommendAction.TYPE, recommend, ActionListener.wrap(listener::onResponse, e -> {
                if (e instanceof TransportRecommendAction.CatalogMismatchException) {
                    // the model's catalogue changed since this node last read it: authorize against the new one
                    lookUp(profiles, model, recommend, cancellable, listener);
                } else {
                    listener.onFailure(e);
                }
            }));
        };
    }

    private static void lookUp(
        ProfileLoader loader,
        String model,
        RecommendAction.Request recommend,
        RestCancellableNodeClient cancellable,
        ActionListener<RecommendAction.Response> listener
    ) {
        loader.model(model, listener.delegateFailureAndWrap((l, stored) -> {
            recommend.index(stored.config().catalog().index());
            cancellable.execute(RecommendAction.TYPE, recommend, l);
        }));
    }
}
