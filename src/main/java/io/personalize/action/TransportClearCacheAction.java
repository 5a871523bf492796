package io.personalize.action;

import io.personalize.model.ForgottenUsers;
import io.personalize.profile.ServingCache;
import java.io.IOException;
import java.util.List;
import org.elasticsearch.ElasticsearchException;
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

/** Clears what this node's serving cache holds of a model or a user ({@link ClearCacheAction}). */
public final class TransportClearCacheAction
        extends TransportNodesAction<
                ClearCacheAction.Request, NodeAcks, ClearCacheAction.NodeRequest, NodeAcks.Ack, Void> {
    private final ServingCache cache;

    @Inject
    public TransportClearCacheAction(
            TransportService transportService,
            ClusterService clusterService,
            ThreadPool threadPool,
            ActionFilters actionFilters,
            ServingCache cache) {
        super(
                ClearCacheAction.NAME,
                clusterService,
                transportService,
                actionFilters,
                ClearCacheAction.NodeRequest::new,
                threadPool.executor(ThreadPool.Names.MANAGEMENT));
        this.cache = cache;
    }

    @Override
    protected NodeAcks newResponse(
            ClearCacheAction.Request request, List<NodeAcks.Ack> nodes, List<FailedNodeException> failures) {
        return new NodeAcks(clusterService.getClusterName(), nodes, failures);
    }

    @Override
    protected ClearCacheAction.NodeRequest newNodeRequest(ClearCacheAction.Request request) {
        return request.nodeRequest();
    }

    @Override
    protected NodeAcks.Ack newNodeResponse(StreamInput in, DiscoveryNode node) throws IOException {
        return new NodeAcks.Ack(in);
    }

    @Override
    protected NodeAcks.Ack nodeOperation(ClearCacheAction.NodeRequest request, Task task) {
        if (request.userId() != null) {
            if (request.forgottenAt() > 0
                    && ForgottenUsers.of(clusterService.state()).forgottenAt(request.model(), request.userId())
                            < request.forgottenAt()) {
                throw new ElasticsearchException(
                        "node [" + clusterService.localNode().getName()
                                + "] has not applied the cluster state forgetting the user yet");
            }
            cache.invalidateUser(request.model(), request.userId());
        } else {
            cache.invalidateModel(request.model(), request.keepIndex());
        }
        return new NodeAcks.Ack(clusterService.localNode());
    }
}
