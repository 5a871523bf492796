package io.personalize.rest;

import static org.elasticsearch.rest.RestRequest.Method.DELETE;

import io.personalize.action.DeleteModelAction;
import java.util.List;
import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.action.RestToXContentListener;

public final class RestDeleteModelAction extends BaseRestHandler {

    @Override
    public String getName() {
        return "personalize_delete_model";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(DELETE, "/_recommend/models/{name}"));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
        DeleteModelAction.Request delete = new DeleteModelAction.Request(request.param("name"));
        return channel -> client.execute(DeleteModelAction.TYPE, delete, new RestToXContentListener<>(channel));
    }
}
