package io.personalize.action;

import java.io.IOException;
import java.util.List;
import org.elasticsearch.action.FailedNodeException;
import org.elasticsearch.action.support.TransportAction;
import org.elasticsearch.action.support.nodes.BaseNodeResponse;
import org.elasticsearch.action.support.nodes.BaseNodesResponse;
import org.elasticsearch.cluster.ClusterName;
import org.elasticsearch.cluster.node.DiscoveryNode;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;

/**
 * The answer of the plugin's node broadcasts ({@link ClearCacheAction}, {@link RecentItemsChangedAction}): which nodes
 * applied the change and which failed, nothing else. Only ever answered on the node that sent the broadcast.
 */
public final class NodeAcks extends BaseNodesResponse<NodeAcks.Ack> {

    /** One node's acknowledgement. */
    public static final class Ack extends BaseNodeResponse {
        public Ack(DiscoveryNode node) {
            super(node);
        }

        public Ack(StreamInput in) throws IOException {
            super(in);
        }
    }

    public NodeAcks(ClusterName clusterName, List<Ack> nodes, List<FailedNodeException> failures) {
        super(clusterName, nodes, failures);
    }

    @Override
    protected List<Ack> readNodesFrom(StreamInput in) {
        return TransportAction.localOnly();
    }

    @Override
    protected void writeNodesTo(StreamOutput out, List<Ack> nodes) {
        TransportAction.localOnly();
    }
}
