package io.personalize.action;

import io.personalize.model.ActiveVersions;
import java.io.IOException;
import java.util.Objects;
import org.elasticsearch.action.ActionRequestValidationException;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.action.support.master.AcknowledgedRequest;
import org.elasticsearch.action.support.master.AcknowledgedResponse;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;

/**
 * Changes {@link ActiveVersions} in the cluster state, on the elected master through a task queue: publish a model's
 * entry (after an activation, a new configuration, a creation), or drop it (the model is deleted). Answers once every
 * node has applied the new state (acknowledged), so that the caller's next request is served from it on every node; an
 * answer with {@code acknowledged: false} means a node did not apply it within the ack timeout. Sent by the plugin
 * itself, through its system client.
 */
public final class ActiveVersionsAction {

    public static final String NAME = "cluster:admin/personalize/active_versions/update";
    public static final ActionType<AcknowledgedResponse> TYPE = new ActionType<>(NAME);

    private ActiveVersionsAction() {}

    public static final class Request extends AcknowledgedRequest<Request> {
        private final String model;
        // null: drop the model's entry, if it is still of the incarnation {@code uuid}
        private final ActiveVersions.Entry entry;
        private final String uuid;

        private Request(String model, ActiveVersions.Entry entry, String uuid) {
            super(TRAPPY_IMPLICIT_DEFAULT_MASTER_NODE_TIMEOUT, DEFAULT_ACK_TIMEOUT);
            this.model = model;
            this.entry = entry;
            this.uuid = uuid;
        }

        public static Request publish(String model, ActiveVersions.Entry entry) {
            return new Request(model, Objects.requireNonNull(entry), entry.uuid());
        }

        /** Drops the model's entry if it is of the incarnation {@code uuid}: a model created again keeps its own. */
        public static Request drop(String model, String uuid) {
            return new Request(model, null, uuid);
        }

        public Request(StreamInput in) throws IOException {
            super(in);
            this.model = in.readString();
            this.entry = in.readOptionalWriteable(ActiveVersions.Entry::readFrom);
            this.uuid = in.readOptionalString();
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            super.writeTo(out);
            out.writeString(model);
            out.writeOptionalWriteable(entry);
            out.writeOptionalString(uuid);
        }

        @Override
        public ActionRequestValidationException validate() {
            return null;
        }

        ActiveVersions apply(ActiveVersions current) {
            if (entry != null) {
                return current.put(model, entry);
            }
            ActiveVersions.Entry held = current.get(model);
            return held != null && Objects.equals(held.uuid(), uuid) ? current.remove(model) : current;
        }

        @Override
        public String toString() {
            return "personalize active version " + (entry == null ? "drop" : "publish") + " [" + model + "]";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Request other
                    && model.equals(other.model)
                    && Objects.equals(entry, other.entry)
                    && Objects.equals(uuid, other.uuid);
        }

        @Override
        public int hashCode() {
            return Objects.hash(model, entry, uuid);
        }
    }
}
