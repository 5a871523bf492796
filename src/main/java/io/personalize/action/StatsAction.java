package io.personalize.action;

import io.personalize.compat.PluginNodeRequest;
import io.personalize.compat.PluginNodesRequest;
import io.personalize.stats.CacheStats;
import io.personalize.stats.ServingStats;
import java.io.IOException;
import java.util.List;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.action.FailedNodeException;
import org.elasticsearch.action.support.TransportAction;
import org.elasticsearch.action.support.nodes.BaseNodeResponse;
import org.elasticsearch.action.support.nodes.BaseNodesResponse;
import org.elasticsearch.cluster.ClusterName;
import org.elasticsearch.cluster.node.DiscoveryNode;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;

/** {@code GET _recommend/_stats}: each node's {@link ServingStats} and cache figures. */
public final class StatsAction {

    public static final String NAME = "cluster:monitor/personalize/stats";
    public static final ActionType<Response> TYPE = new ActionType<>(NAME);

    private StatsAction() {}

    public static final class Request extends PluginNodesRequest<Request> {
        public Request(String... nodeIds) {
            super(nodeIds);
        }
    }

    /** What one node is asked. */
    public static final class NodeRequest extends PluginNodeRequest {
        public NodeRequest() {}

        public NodeRequest(StreamInput in) throws IOException {
            super(in);
        }
    }

    public static final class NodeResponse extends BaseNodeResponse implements ToXContentObject {
        private final ServingStats.Snapshot stats;
        private final CacheStats cache;
        // the shoppers' signals as last computed (SignalsCache) and the node's copy of their newest items
        // (RecentItemsCache): whether a search reads or computes anything
        private final CacheStats signalsCache;
        private final CacheStats recentItemsCache;

        public NodeResponse(
                DiscoveryNode node,
                ServingStats.Snapshot stats,
                CacheStats cache,
                CacheStats signalsCache,
                CacheStats recentItemsCache) {
            super(node);
            this.stats = stats;
            this.cache = cache;
            this.signalsCache = signalsCache;
            this.recentItemsCache = recentItemsCache;
        }

        public NodeResponse(StreamInput in) throws IOException {
            super(in);
            this.stats = new ServingStats.Snapshot(in);
            this.cache = new CacheStats(in);
            this.signalsCache = new CacheStats(in);
            this.recentItemsCache = new CacheStats(in);
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            super.writeTo(out);
            stats.writeTo(out);
            cache.writeTo(out);
            signalsCache.writeTo(out);
            recentItemsCache.writeTo(out);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            builder.startObject().field("name", getNode().getName());
            builder.field("serving", stats);
            builder.field("cache", cache);
            builder.field("signals_cache", signalsCache);
            builder.field("recent_items_cache", recentItemsCache);
            return builder.endObject();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof NodeResponse other
                    && getNode().equals(other.getNode())
                    && stats.equals(other.stats)
                    && cache.equals(other.cache)
                    && signalsCache.equals(other.signalsCache)
                    && recentItemsCache.equals(other.recentItemsCache);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(getNode(), stats, cache, signalsCache, recentItemsCache);
        }
    }

    public static final class Response extends BaseNodesResponse<NodeResponse> implements ToXContentObject {
        public Response(ClusterName clusterName, List<NodeResponse> nodes, List<FailedNodeException> failures) {
            super(clusterName, nodes, failures);
        }

        @Override
        protected List<NodeResponse> readNodesFrom(StreamInput in) {
            return TransportAction.localOnly();
        }

        @Override
        protected void writeNodesTo(StreamOutput out, List<NodeResponse> nodes) {
            TransportAction.localOnly();
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            builder.startObject().field("cluster_name", getClusterName().value());
            builder.startObject("_nodes")
                    .field("total", getNodes().size() + failures().size())
                    .field("successful", getNodes().size())
                    .field("failed", failures().size())
                    .endObject();
            builder.startObject("nodes");
            for (NodeResponse node : getNodes()) {
                builder.field(node.getNode().getId(), node);
            }
            return builder.endObject().endObject();
        }
    }
}
