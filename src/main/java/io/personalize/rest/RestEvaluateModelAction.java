package io.personalize.rest;

import static org.elasticsearch.rest.RestRequest.Method.POST;

import io.personalize.action.EvaluateModelAction;
import java.io.IOException;
import java.util.List;
import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.action.RestCancellableNodeClient;
import org.elasticsearch.rest.action.RestToXContentListener;

public final class RestEvaluateModelAction extends BaseRestHandler {

    @Override
    public String getName() {
        return "personalize_evaluate_model";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(POST, "/_recommend/models/{name}/_evaluate"));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) throws IOException {
        String name = request.param("name");
        EvaluateModelAction.Body body = RequestBodies.parse(request, EvaluateModelAction.Body::parse);
        EvaluateModelAction.Request evaluate = new EvaluateModelAction.Request(name, body);
        return channel -> new RestCancellableNodeClient(client, request.getHttpChannel())
                .execute(EvaluateModelAction.TYPE, evaluate, new RestToXContentListener<>(channel));
    }
}
