package io.personalize.rest;

import static org.elasticsearch.rest.RestRequest.Method.GET;

import io.personalize.action.GetModelsAction;
import java.util.List;
import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.action.RestToXContentListener;

public final class RestGetModelsAction extends BaseRestHandler {

    @Override
    public String getName() {
        return "personalize_get_models";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(GET, "/_recommend/models"), new Route(GET, "/_recommend/models/{name}"));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
        GetModelsAction.Request get = new GetModelsAction.Request(request.param("name"));
        return channel -> client.execute(GetModelsAction.TYPE, get, new RestToXContentListener<>(channel));
    }
}
