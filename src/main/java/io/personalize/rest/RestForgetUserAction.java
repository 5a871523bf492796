package io.personalize.rest;

import static org.elasticsearch.rest.RestRequest.Method.DELETE;

import io.personalize.action.ForgetUserAction;
import java.util.List;
import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.action.RestToXContentListener;

public final class RestForgetUserAction extends BaseRestHandler {

    @Override
    public String getName() {
        return "personalize_forget_user";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(DELETE, "/_recommend/models/{name}/users/{user_id}"));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
        ForgetUserAction.Request forget = new ForgetUserAction.Request(request.param("name"), request.param("user_id"));
        return channel -> client.execute(ForgetUserAction.TYPE, forget, new RestToXContentListener<>(channel));
    }
}
