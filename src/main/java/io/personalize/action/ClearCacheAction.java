package io.personalize.action;

import io.personalize.compat.PluginNodeRequest;
import io.personalize.compat.PluginNodesRequest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.elasticsearch.ElasticsearchException;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.action.FailedNodeException;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;

/**
 * Drops, on every node, what the serving cache holds of a model (its document and its old versions' documents,
 * after a version is activated or the model deleted) or of a user (after they are forgotten). Sent by the plugin itself,
 * through its system client.
 */
public final class ClearCacheAction {

    public static final String NAME = "cluster:admin/personalize/cache/clear";
    public static final ActionType<NodeAcks> TYPE = new ActionType<>(NAME);

    private static final Logger logger = LogManager.getLogger(ClearCacheAction.class);

    private ClearCacheAction() {}

    /**
     * Sends the request to every node, then runs {@code then}. For a model's old versions the caches only hold memory
     * (their entries are keyed by version and expire): a node that misses the request is logged, never the caller's
     * failure.
     */
    public static void broadcast(Client client, Request request, Runnable then) {
        client.execute(
                TYPE,
                request,
                ActionListener.running(then)
                        .delegateResponse((l, e) -> {
                            logger.warn("could not clear the personalize serving caches", e);
                            l.onResponse(null);
                        })
                        .map(response -> {
                            for (FailedNodeException failure : response.failures()) {
                                logger.warn(
                                        "could not clear the personalize serving cache of node [" + failure.nodeId()
                                                + "]",
                                        failure);
                            }
                            return null;
                        }));
    }

    /**
     * Sends the request to every node and fails unless every node cleared its cache: a forgotten user's profile must
     * not survive on a node that missed the request (the caller retries; forgetting is idempotent).
     */
    public static void broadcastOrFail(Client client, Request request, ActionListener<Void> listener) {
        broadcastOrFail(client, request, nodeId -> true, listener);
    }

    /**
     * As {@link #broadcastOrFail(Client, Request, ActionListener)}, but a node that failed and is no longer in the cluster
     * ({@code inCluster} says, from the cluster state after the answers) does not count: to serve again it must rejoin,
     * and a joining node gets the cluster state (with {@link ForgottenUsers}) before it is in the cluster.
     */
    public static void broadcastOrFail(
            Client client, Request request, Predicate<String> inCluster, ActionListener<Void> listener) {
        client.execute(TYPE, request, listener.map(response -> {
            List<FailedNodeException> failures = new ArrayList<>();
            for (FailedNodeException failure : response.failures()) {
                if (inCluster.test(failure.nodeId())) {
                    failures.add(failure);
                } else {
                    logger.info(
                            "node [" + failure.nodeId()
                                    + "] left the cluster while its serving cache was cleared: it will apply the cluster state when it rejoins",
                            failure);
                }
            }
            if (failures.isEmpty() == false) {
                ElasticsearchException failure =
                        new ElasticsearchException("could not clear the serving cache of node(s) "
                                + failures.stream()
                                        .map(FailedNodeException::nodeId)
                                        .toList() + ": retry the request");
                failures.forEach(failure::addSuppressed);
                throw failure;
            }
            return null;
        }));
    }

    public static final class Request extends PluginNodesRequest<Request> {
        private final NodeRequest what;

        private Request(NodeRequest what) {
            super((String[]) null);
            this.what = what;
        }

        NodeRequest nodeRequest() {
            return what;
        }

        /** The model's document and the documents of its versions but {@code keepIndex} (the active one; may be null). */
        public static Request model(String model, String keepIndex) {
            return new Request(new NodeRequest(model, keepIndex, null, 0));
        }

        /** A user's profile in every version of the model. */
        public static Request user(String model, String userId) {
            return user(model, userId, 0);
        }

        /**
         * A user's profile in every version of the model, on nodes that have applied the cluster state in which the user
         * is forgotten at {@code forgottenAt} or later: a node that has not fails (it could still serve the profile).
         */
        public static Request user(String model, String userId, long forgottenAt) {
            return new Request(new NodeRequest(model, null, userId, forgottenAt));
        }
    }

    public static final class NodeRequest extends PluginNodeRequest {
        private final String model;
        private final String keepIndex;
        private final String userId;
        private final long forgottenAt;

        String model() {
            return model;
        }

        String keepIndex() {
            return keepIndex;
        }

        String userId() {
            return userId;
        }

        long forgottenAt() {
            return forgottenAt;
        }

        NodeRequest(String model, String keepIndex, String userId, long forgottenAt) {
            this.model = model;
            this.keepIndex = keepIndex;
            this.userId = userId;
            this.forgottenAt = forgottenAt;
        }

        public NodeRequest(StreamInput in) throws IOException {
            super(in);
            this.model = in.readString();
            this.keepIndex = in.readOptionalString();
            this.userId = in.readOptionalString();
            this.forgottenAt = in.readLong();
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            super.writeTo(out);
            out.writeString(model);
            out.writeOptionalString(keepIndex);
            out.writeOptionalString(userId);
            out.writeLong(forgottenAt);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof NodeRequest other
                    && model.equals(other.model)
                    && java.util.Objects.equals(keepIndex, other.keepIndex)
                    && java.util.Objects.equals(userId, other.userId)
                    && forgottenAt == other.forgottenAt;
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(model, keepIndex, userId, forgottenAt);
        }
    }
}
