package io.personalize.profile;

import java.io.IOException;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.ActionRequestValidationException;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.master.AcknowledgedResponse;
import org.elasticsearch.action.support.master.AcknowledgedTransportMasterNodeAction;
import org.elasticsearch.action.support.master.MasterNodeRequest;
import org.elasticsearch.cluster.ClusterState;
import org.elasticsearch.cluster.ClusterStateTaskListener;
import org.elasticsearch.cluster.SimpleBatchedExecutor;
import org.elasticsearch.cluster.block.ClusterBlockException;
import org.elasticsearch.cluster.block.ClusterBlockLevel;
import org.elasticsearch.cluster.metadata.ProjectId;
import org.elasticsearch.cluster.metadata.ProjectMetadata;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.cluster.service.MasterServiceTaskQueue;
import org.elasticsearch.common.Priority;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.common.util.concurrent.EsExecutors;
import org.elasticsearch.core.Tuple;
import org.elasticsearch.injection.guice.Inject;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.threadpool.ThreadPool;
import org.elasticsearch.transport.TransportService;

/**
 * Changes {@link ForgottenUsers} in the cluster state, on the elected master through a task queue (changes are batched
 * and published like any cluster state update): forget a user, prune a model's old entries, drop a model's entries.
 * Answers once the new state is published. Sent by the plugin itself, through its system client.
 */
public final class ForgottenUsersAction {

    public static final String NAME = "cluster:admin/personalize/forgotten_users/update";
    public static final ActionType<AcknowledgedResponse> TYPE = new ActionType<>(NAME);

    private ForgottenUsersAction() {}

    public enum Op {
        /** The user is forgotten at {@code at}. */
        FORGET,
        /** The model's entries older than {@code at} go. */
        PRUNE,
        /** All the model's entries go (the model is deleted). */
        DROP_MODEL
    }

    public static final class Request extends MasterNodeRequest<Request> {
        private final Op op;
        private final String model;
        private final String user;
        private final long at;

        private Request(Op op, String model, String user, long at) {
            super(TRAPPY_IMPLICIT_DEFAULT_MASTER_NODE_TIMEOUT);
            this.op = op;
            this.model = model;
            this.user = user;
            this.at = at;
        }

        public static Request forget(String model, String user, long at) {
            return new Request(Op.FORGET, model, user, at);
        }

        public static Request prune(String model, long olderThan) {
            return new Request(Op.PRUNE, model, null, olderThan);
        }

        public static Request dropModel(String model) {
            return new Request(Op.DROP_MODEL, model, null, 0);
        }

        public Request(StreamInput in) throws IOException {
            super(in);
            this.op = in.readEnum(Op.class);
            this.model = in.readString();
            this.user = in.readOptionalString();
            this.at = in.readLong();
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            super.writeTo(out);
            out.writeEnum(op);
            out.writeString(model);
            out.writeOptionalString(user);
            out.writeLong(at);
        }

        @Override
        public ActionRequestValidationException validate() {
            return null;
        }

        ForgottenUsers apply(ForgottenUsers current) {
            return switch (op) {
                case FORGET -> current.forget(model, user, at);
                case PRUNE -> current.prune(model, forgottenAt -> forgottenAt < at);
                case DROP_MODEL -> current.prune(model, forgottenAt -> true);
            };
        }

        @Override
        public String toString() {
            return "personalize forgotten users " + op + " [" + model + "]" + (user == null ? "" : "[" + user + "]");
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Request other
                    && op == other.op
                    && model.equals(other.model)
                    && java.util.Objects.equals(user, other.user)
                    && at == other.at;
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(op, model, user, at);
        }
    }

    private record UpdateTask(Request request, ActionListener<AcknowledgedResponse> listener)
            implements ClusterStateTaskListener {
        @Override
        public void onFailure(Exception e) {
            listener.onFailure(e);
        }
    }

    private static final class Executor extends SimpleBatchedExecutor<UpdateTask, Void> {
        @Override
        public Tuple<ClusterState, Void> executeTask(UpdateTask task, ClusterState state) {
            ForgottenUsers current = ForgottenUsers.of(state);
            ForgottenUsers next = task.request().apply(current);
            if (next.equals(current)) {
                return Tuple.tuple(state, null);
            }
            ProjectMetadata project = state.metadata().getProject(ProjectId.DEFAULT);
            return Tuple.tuple(
                    ClusterState.builder(state)
                            .putProjectMetadata(ProjectMetadata.builder(project).putCustom(ForgottenUsers.TYPE, next))
                            .build(),
                    null);
        }

        @Override
        public void taskSucceeded(UpdateTask task, Void ignored) {
            // runs once the state is published (committed and applied on the master; the others had publish timeout to
            // apply)
            task.listener().onResponse(AcknowledgedResponse.TRUE);
        }
    }

    public static final class Transport extends AcknowledgedTransportMasterNodeAction<Request> {
        private final MasterServiceTaskQueue<UpdateTask> queue;

        @Inject
        public Transport(
                TransportService transportService,
                ClusterService clusterService,
                ThreadPool threadPool,
                ActionFilters actionFilters) {
            super(
                    NAME,
                    transportService,
                    clusterService,
                    threadPool,
                    actionFilters,
                    Request::new,
                    EsExecutors.DIRECT_EXECUTOR_SERVICE);
            this.queue = clusterService.createTaskQueue("personalize-forgotten-users", Priority.NORMAL, new Executor());
        }

        @Override
        protected void masterOperation(
                Task task, Request request, ClusterState state, ActionListener<AcknowledgedResponse> listener) {
            queue.submitTask(request.toString(), new UpdateTask(request, listener), request.masterNodeTimeout());
        }

        @Override
        protected ClusterBlockException checkBlock(Request request, ClusterState state) {
            return state.blocks().globalBlockedException(ClusterBlockLevel.METADATA_WRITE);
        }
    }
}
