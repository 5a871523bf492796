package io.personalize.action;

import io.personalize.profile.ServingCache;
import io.personalize.rescore.SignalsCache;
import io.personalize.stats.ServingStats;
import java.io.IOException;
import java.util.List;
import org.elasticsearch.action.FailedNodeException;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.nodes.TransportNodesAction;
import org.elasticsearch.cluster.node.DiscoveryNode;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.injection.guice.Inject;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.threadpool.ThreadPool;
import org.elasticsearch.transport.TransportService;

public final class TransportStatsAction
        extends TransportNodesAction<
                StatsAction.Request, StatsAction.Response, StatsAction.NodeRequest, StatsAction.NodeResponse, Void> {

    private final ServingStats stats;
    private final ServingCache cache;
    private final SignalsCache signalsCache;

    @Inject
    public TransportStatsAction(
            TransportService transportService,
            ClusterService clusterService,
            ThreadPool threadPool,
            ActionFilters actionFilters,
            ServingStats stats,
            ServingCache cache,
            SignalsCache signalsCache) {
        super(
                StatsAction.NAME,
                clusterService,
                transportService,
                actionFilters,
                StatsAction.NodeRequest::new,
                threadPool.executor(ThreadPool.Names.MANAGEMENT));
        this.stats = stats;
        this.cache = cache;
        this.signalsCache = signalsCache;
    }

    @Override
    protected StatsAction.Response newResponse(
            StatsAction.Request request, List<StatsAction.NodeResponse> nodes, List<FailedNodeException> failures) {
        return new StatsAction.Response(clusterService.getClusterName(), nodes, failures);
    }

    @Override
    protected StatsAction.NodeRequest newNodeRequest(StatsAction.Request request) {
        return new StatsAction.NodeRequest();
    }

    @Override
    protected StatsAction.NodeResponse newNodeResponse(StreamInput in, DiscoveryNode node) throws IOException {
        return new StatsAction.NodeResponse(in);
    }

    @Override
    protected StatsAction.NodeResponse nodeOperation(StatsAction.NodeRequest request, Task task) {
        return new StatsAction.NodeResponse(
                clusterService.localNode(),
                stats.snapshot(),
                cache.stats(),
                signalsCache.stats(),
                cache.recentItems().stats());
    }
}
