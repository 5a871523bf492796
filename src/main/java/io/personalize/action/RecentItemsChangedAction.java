package io.personalize.action;

import io.personalize.compat.PluginNodeRequest;
import io.personalize.compat.PluginNodesRequest;
import io.personalize.profile.RecentItems;
import io.personalize.profile.RecentItemsCache;
import io.personalize.profile.SourceItem;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.elasticsearch.ExceptionsHelper;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.action.FailedNodeException;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.core.TimeValue;
import org.elasticsearch.transport.ReceiveTimeoutTransportException;

/**
 * Tells every node what the events API (or the scrub of a forgotten user's items) just wrote in users' newest-items
 * documents, so that each node's {@link RecentItemsCache} serves the new items from the next request on, without a read.
 * Sent by the plugin itself, through its system client, before the events API answers.
 */
public final class RecentItemsChangedAction {

    public static final String NAME = "cluster:admin/personalize/recent_items/changed";
    public static final ActionType<NodeAcks> TYPE = new ActionType<>(NAME);

    private static final Logger logger = LogManager.getLogger(RecentItemsChangedAction.class);
    static final int ATTEMPTS = 3;

    /**
     * How long a node has to apply the changes (a few map updates) before it counts as failed: the events API answers
     * within this of its writes even if a node that is still in the cluster never answers (a stuck pool, a long
     * collection). A paused or cut-off node holds a copy of the newest-items index, so the writes before this broadcast
     * already waited for it until it was resumed or the master removed it (fault detection); a timed-out node is not
     * asked again, and serves its older copy for at most {@code personalize.cache.recent_items.expire_after_write}.
     */
    static final TimeValue NODE_TIMEOUT = TimeValue.timeValueSeconds(10);

    private RecentItemsChangedAction() {}

    /**
     * Sends the changes to every node and answers once every node has applied them or {@link #NODE_TIMEOUT} passed. A
     * node that failed (but did not time out) is asked again (changes are idempotent), up to {@link #ATTEMPTS} times in
     * all; one that left the cluster ({@code inCluster} says) does not count: it drops its whole copy when it follows a
     * master again. A node still failing after that, or timed out, is logged, not the caller's failure: the events are
     * written, and answering an error would have them sent twice.
     */
    public static void broadcast(
            Client client,
            String model,
            String index,
            List<RecentItemsCache.Change> changes,
            Predicate<String> inCluster,
            ActionListener<Void> listener) {
        if (changes.isEmpty()) {
            listener.onResponse(null);
            return;
        }
        send(client, new NodeRequest(model, index, changes), null, inCluster, ATTEMPTS, listener);
    }

    private static void send(
            Client client,
            NodeRequest what,
            String[] nodes,
            Predicate<String> inCluster,
            int attempts,
            ActionListener<Void> listener) {
        client.execute(
                TYPE,
                new Request(what, nodes),
                ActionListener.wrap(
                        response -> {
                            List<String> failed = new ArrayList<>();
                            for (FailedNodeException failure : response.failures()) {
                                if (inCluster.test(failure.nodeId())) {
                                    boolean timedOut =
                                            ExceptionsHelper.unwrap(failure, ReceiveTimeoutTransportException.class)
                                                    != null;
                                    if (timedOut == false) {
                                        failed.add(failure.nodeId());
                                    }
                                    if (attempts <= 1 || timedOut) {
                                        logger.warn(
                                                "node [" + failure.nodeId()
                                                        + "] could not apply the newest items of model [" + what.model
                                                        + "]: it serves its copy until it reads them again",
                                                failure);
                                    }
                                }
                            }
                            if (failed.isEmpty() || attempts <= 1) {
                                listener.onResponse(null);
                            } else {
                                send(client, what, failed.toArray(String[]::new), inCluster, attempts - 1, listener);
                            }
                        },
                        e -> {
                            logger.warn(
                                    "could not send the newest items of model [" + what.model + "] to the nodes", e);
                            listener.onResponse(null);
                        }));
    }

    public static final class Request extends PluginNodesRequest<Request> {
        private final NodeRequest what;

        Request(NodeRequest what, String[] nodes) {
            super(nodes);
            this.what = what;
            timeoutAfter(NODE_TIMEOUT);
        }

        NodeRequest nodeRequest() {
            return what;
        }
    }

    public static final class NodeRequest extends PluginNodeRequest {
        private final String model;
        private final String index;
        private final List<RecentItemsCache.Change> changes;

        NodeRequest(String model, String index, List<RecentItemsCache.Change> changes) {
            this.model = model;
            this.index = index;
            this.changes = List.copyOf(changes);
        }

        public NodeRequest(StreamInput in) throws IOException {
            super(in);
            this.model = in.readString();
            this.index = in.readString();
            this.changes = in.readCollectionAsImmutableList(NodeRequest::readChange);
        }

        String model() {
            return model;
        }

        String index() {
            return index;
        }

        List<RecentItemsCache.Change> changes() {
            return changes;
        }

        private static RecentItemsCache.Change readChange(StreamInput in) throws IOException {
            String user = in.readString();
            RecentItems items = null;
            if (in.readBoolean()) {
                int n = in.readVInt();
                List<SourceItem> list = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    list.add(new SourceItem(in.readString(), SourceItem.Origin.RECENT, in.readLong()));
                }
                items = new RecentItems(List.copyOf(list));
            }
            long primaryTerm = in.readVLong();
            long seqNo = in.readZLong();
            return new RecentItemsCache.Change(user, items, primaryTerm, seqNo);
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            super.writeTo(out);
            out.writeString(model);
            out.writeString(index);
            out.writeCollection(changes, (o, change) -> {
                o.writeString(change.user());
                o.writeBoolean(change.items() != null);
                if (change.items() != null) {
                    o.writeVInt(change.items().items().size());
                    for (SourceItem item : change.items().items()) {
                        o.writeString(item.item());
                        o.writeLong(item.time());
                    }
                }
                o.writeVLong(change.primaryTerm());
                o.writeZLong(change.seqNo());
            });
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof NodeRequest other
                    && model.equals(other.model)
                    && index.equals(other.index)
                    && changes.equals(other.changes);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(model, index, changes);
        }
    }
}
