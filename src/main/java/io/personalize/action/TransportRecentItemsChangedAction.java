package io.personalize.action;

import io.personalize.profile.ServingCache;
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

/**
 * Applies, on this node, the writes of users' newest-items documents to its copy of them ({@link RecentItemsChangedAction}):
 * a few map updates, on the management pool (a nodes action never runs on the transport thread).
 */
public final class TransportRecentItemsChangedAction
        extends TransportNodesAction<
                RecentItemsChangedAction.Request, NodeAcks, RecentItemsChangedAction.NodeRequest, NodeAcks.Ack, Void> {
    private final ServingCache cache;

    @Inject
    public TransportRecentItemsChangedAction(
            TransportService transportService,
            ClusterService clusterService,
            ThreadPool threadPool,
            ActionFilters actionFilters,
            ServingCache cache) {
        super(
                RecentItemsChangedAction.NAME,
                clusterService,
                transportService,
                actionFilters,
                RecentItemsChangedAction.NodeRequest::new,
                threadPool.executor(ThreadPool.Names.MANAGEMENT));
        this.cache = cache;
    }

    @Override
    protected NodeAcks newResponse(
            RecentItemsChangedAction.Request request, List<NodeAcks.Ack> nodes, List<FailedNodeException> failures) {
        return new NodeAcks(clusterService.getClusterName(), nodes, failures);
    }

    @Override
    protected RecentItemsChangedAction.NodeRequest newNodeRequest(RecentItemsChangedAction.Request request) {
        return request.nodeRequest();
    }

    @Override
    protected NodeAcks.Ack newNodeResponse(StreamInput in, DiscoveryNode node) throws IOException {
        return new NodeAcks.Ack(in);
    }

    @Override
    protected NodeAcks.Ack nodeOperation(RecentItemsChangedAction.NodeRequest request, Task task) {
        cache.recentItems().changed(request.model(), request.index(), request.changes());
        return new NodeAcks.Ack(clusterService.localNode());
    }
}
