package io.personalize.rest;

import static org.elasticsearch.rest.RestRequest.Method.PUT;

import io.personalize.action.PutModelAction;
import io.personalize.model.ModelConfig;
import java.io.IOException;
import java.util.List;
import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.rest.action.RestToXContentListener;

public final class RestPutModelAction extends BaseRestHandler {

    @Override
    public String getName() {
        return "personalize_put_model";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(PUT, "/_recommend/models/{name}"));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) throws IOException {
        String name = request.param("name");
        ModelConfig config = RequestBodies.parse(request, ModelConfig::parse);
        PutModelAction.Request put = new PutModelAction.Request(name, config);
        return channel -> client.execute(
                PutModelAction.TYPE,
                put,
                new RestToXContentListener<>(channel, r -> r.created() ? RestStatus.CREATED : RestStatus.OK));
    }
}
