package io.personalize.rest;

import static org.elasticsearch.rest.RestRequest.Method.GET;

import io.personalize.action.StatsAction;
import java.util.List;
import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.common.Strings;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.action.RestToXContentListener;

/** {@code GET _recommend/_stats[/{node_id}]}: per node, requests and latencies per endpoint, the serving cache, trainings. */
public final class RestStatsAction extends BaseRestHandler {

    @Override
    public String getName() {
        return "personalize_stats";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(GET, "/_recommend/_stats"), new Route(GET, "/_recommend/_stats/{node_id}"));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
        StatsAction.Request stats =
                new StatsAction.Request(Strings.splitStringByCommaToArray(request.param("node_id", "_all")));
        return channel -> client.execute(StatsAction.TYPE, stats, new RestToXContentListener<>(channel));
    }
}
