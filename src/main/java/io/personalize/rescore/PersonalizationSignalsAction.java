package io.personalize.rescore;

import static org.elasticsearch.action.ValidateActions.addValidationError;

import io.personalize.compat.PluginActionRequest;
import java.io.IOException;
import java.util.List;
import org.elasticsearch.action.ActionRequestValidationException;
import org.elasticsearch.action.ActionResponse;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.action.IndicesRequest;
import org.elasticsearch.action.support.IndicesOptions;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;

/**
 * What the {@code personalize} rescorer loads on the coordinating node: a shopper's {@link PersonalizationSignals} from a
 * model. An index read, authorized against the model's catalogue index like {@code _recommend} (the {@code read}
 * privilege on the catalogue grants it), and sent by the rescorer's rewrite as the caller of the search: a search
 * user who may not read a model's catalogue may not personalize with that model.
 */
public final class PersonalizationSignalsAction {

    public static final String NAME = "indices:data/read/personalize/signals";
    public static final ActionType<Response> TYPE = new ActionType<>(NAME);

    private PersonalizationSignalsAction() {}

    public static final class Request extends PluginActionRequest implements IndicesRequest {
        private final String model;
        private final String userId;
        private final List<String> contextItems;
        private final int recentItems;
        // whether the search explains its hits: only then are the items behind the signals shipped (and checked)
        private final boolean explain;
        // the model's catalogue index: what the caller must be allowed to read
        private final String index;

        public Request(
                String model,
                String userId,
                List<String> contextItems,
                int recentItems,
                boolean explain,
                String index) {
            this.model = model;
            this.userId = userId;
            this.contextItems = List.copyOf(contextItems);
            this.recentItems = recentItems;
            this.explain = explain;
            this.index = index;
        }

        public Request(StreamInput in) throws IOException {
            super(in);
            this.model = in.readString();
            this.userId = in.readOptionalString();
            this.contextItems = in.readStringCollectionAsImmutableList();
            this.recentItems = in.readVInt();
            this.explain = in.readBoolean();
            this.index = in.readString();
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            super.writeTo(out);
            out.writeString(model);
            out.writeOptionalString(userId);
            out.writeStringCollection(contextItems);
            out.writeVInt(recentItems);
            out.writeBoolean(explain);
            out.writeString(index);
        }

        @Override
        public ActionRequestValidationException validate() {
            // the rescorer's builder checked the fields when it was parsed
            return index == null || index.isEmpty()
                    ? addValidationError("the model's catalogue index is not set", null)
                    : null;
        }

        @Override
        public String[] indices() {
            return new String[] {index};
        }

        @Override
        public IndicesOptions indicesOptions() {
            return IndicesOptions.strictSingleIndexNoExpandForbidClosed();
        }

        public String model() {
            return model;
        }

        public String userId() {
            return userId;
        }

        public List<String> contextItems() {
            return contextItems;
        }

        public int recentItems() {
            return recentItems;
        }

        public boolean explain() {
            return explain;
        }

        public String index() {
            return index;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Request other
                    && model.equals(other.model)
                    && java.util.Objects.equals(userId, other.userId)
                    && contextItems.equals(other.contextItems)
                    && recentItems == other.recentItems
                    && explain == other.explain
                    && index.equals(other.index);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(model, userId, contextItems, recentItems, explain, index);
        }
    }

    public static final class Response extends ActionResponse {
        private final PersonalizationSignals signals;

        public Response(PersonalizationSignals signals) {
            this.signals = signals;
        }

        public Response(StreamInput in) throws IOException {
            this.signals = new PersonalizationSignals(in);
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            signals.writeTo(out);
        }

        public PersonalizationSignals signals() {
            return signals;
        }
    }
}
