package io.personalize.action;

import io.personalize.model.ForgottenUsers;
import java.io.IOException;
import org.elasticsearch.action.ActionRequestValidationException;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.action.support.master.AcknowledgedResponse;
import org.elasticsearch.action.support.master.MasterNodeRequest;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;

/**
 * Changes {@link ForgottenUsers} in the cluster state, on the elected master through a task queue (changes are batched
 * and published like any cluster state update): forget a user, prune a model's old entries, drop a model's entries.
 * Answers once the new state is published ({@link TransportForgottenUsersAction}). Sent by the plugin itself, through
 * its system client.
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
}
