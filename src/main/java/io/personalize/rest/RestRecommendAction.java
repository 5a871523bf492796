package io.personalize.rest;

import io.personalize.action.RecommendAction;
import io.personalize.model.ModelStore;

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
            body.diversity(Float.parseFloat(request.param("diversity")));
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
            new ModelStore(client).get(model, listener.delegateFailureAndWrap((l, stored) -> {
                recommend.index(stored.config().catalog().index());
                new RestCancellableNodeClient(client, request.getHttpChannel()).execute(RecommendAction.TYPE, recommend, l);
            }));
        };
    }
}
