package io.personalize.action;

import static org.elasticsearch.action.ValidateActions.addValidationError;

import io.personalize.compat.PluginActionRequest;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.elasticsearch.action.ActionRequestValidationException;
import org.elasticsearch.action.ActionResponse;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.action.IndicesRequest;
import org.elasticsearch.action.support.IndicesOptions;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.core.Nullable;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;

/**
 * {@code POST _recommend/models/{m}/_events}: events in the model's schema, written to its events index as the caller
 * (authorized, like a write to that index, against {@link Request#indices()}: the caller needs the {@code index}
 * privilege there), and each user's newest items kept in the plugin's per-user document for real-time serving. Each
 * event is answered on its own, as {@code _bulk} does: a bad one gets its 400, the good ones are kept.
 */
public final class EventsAction {

    public static final String NAME = "indices:data/write/personalize/events";
    public static final ActionType<Response> TYPE = new ActionType<>(NAME);

    /** At most this many events per request, as a bulk size a shop's tracker would send. */
    public static final int MAX_EVENTS = 10_000;

    private EventsAction() {}

    public static final class Request extends PluginActionRequest implements IndicesRequest {
        private final String model;
        private final List<Map<String, Object>> events;
        private String index;

        public Request(String model, List<Map<String, Object>> events) {
            this.model = model;
            this.events = List.copyOf(events);
        }

        public Request(StreamInput in) throws IOException {
            super(in);
            this.model = in.readString();
            this.events = in.readCollectionAsImmutableList(StreamInput::readGenericMap);
            this.index = in.readOptionalString();
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            super.writeTo(out);
            out.writeString(model);
            out.writeCollection(events, StreamOutput::writeGenericMap);
            out.writeOptionalString(index);
        }

        @Override
        public ActionRequestValidationException validate() {
            ActionRequestValidationException e = null;
            if (events.isEmpty()) {
                e = addValidationError("no events: send one event, or {\"events\": [...]}", e);
            }
            if (events.size() > MAX_EVENTS) {
                e = addValidationError(
                        "[events] at most " + MAX_EVENTS + " events per request, got [" + events.size() + "]", e);
            }
            if (index == null) {
                e = addValidationError("the model's events index is not set", e);
            }
            return e;
        }

        /** The model's events index, which the caller must be allowed to write to. */
        public Request index(String eventsIndex) {
            this.index = eventsIndex;
            return this;
        }

        public String index() {
            return index;
        }

        public String model() {
            return model;
        }

        public List<Map<String, Object>> events() {
            return events;
        }

        @Override
        public String[] indices() {
            return index == null ? new String[0] : new String[] {index};
        }

        @Override
        public IndicesOptions indicesOptions() {
            return IndicesOptions.strictSingleIndexNoExpandForbidClosed();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Request other
                    && model.equals(other.model)
                    && events.equals(other.events)
                    && Objects.equals(index, other.index);
        }

        @Override
        public int hashCode() {
            return Objects.hash(model, events, index);
        }
    }

    /** One event's outcome: its status and document id, or its status and error. */
    public record Item(int status, String id, String errorType, String reason) implements Writeable, ToXContentObject {

        public static Item written(String id) {
            return new Item(RestStatus.CREATED.getStatus(), id, null, null);
        }

        public static Item failed(RestStatus status, String type, String reason) {
            return failed(status, null, type, reason);
        }

        /** An event the events index refused, with its document id when it has one (as {@code _bulk} answers it). */
        public static Item failed(RestStatus status, String id, String type, String reason) {
            return new Item(status.getStatus(), id, type, reason);
        }

        Item(StreamInput in) throws IOException {
            this(in.readVInt(), in.readOptionalString(), in.readOptionalString(), in.readOptionalString());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeVInt(status);
            out.writeOptionalString(id);
            out.writeOptionalString(errorType);
            out.writeOptionalString(reason);
        }

        public boolean isFailed() {
            return reason != null;
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            builder.startObject().field("status", status);
            if (id != null) {
                builder.field("_id", id);
            }
            if (isFailed() == false) {
                builder.field("result", "created");
            }
            if (reason != null) {
                builder.startObject("error")
                        .field("type", errorType)
                        .field("reason", reason)
                        .endObject();
            }
            return builder.endObject();
        }
    }

    public static final class Response extends ActionResponse implements ToXContentObject {
        private final long tookMillis;
        private final List<Item> items;
        /** Null, or why the shoppers' newest items were not all updated after their events were written. */
        private final @Nullable Item recentItems;

        public Response(long tookMillis, List<Item> items, @Nullable Item recentItems) {
            this.tookMillis = tookMillis;
            this.items = List.copyOf(items);
            this.recentItems = recentItems;
        }

        public Response(StreamInput in) throws IOException {
            this.tookMillis = in.readVLong();
            this.items = in.readCollectionAsImmutableList(Item::new);
            this.recentItems = in.readOptionalWriteable(Item::new);
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeVLong(tookMillis);
            out.writeCollection(items);
            out.writeOptionalWriteable(recentItems);
        }

        public long took() {
            return tookMillis;
        }

        public List<Item> items() {
            return items;
        }

        public @Nullable Item recentItems() {
            return recentItems;
        }

        public boolean hasErrors() {
            return items.stream().anyMatch(Item::isFailed);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            builder.startObject().field("took", tookMillis).field("errors", hasErrors());
            if (recentItems != null) {
                // the events are written (their items say so, and are not to be sent again): only the real-time
                // newest items of some shoppers were not updated
                builder.field("recent_items", recentItems);
            }
            builder.startArray("items");
            for (Item item : items) {
                item.toXContent(builder, params);
            }
            return builder.endArray().endObject();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Response other
                    && tookMillis == other.tookMillis
                    && items.equals(other.items)
                    && Objects.equals(recentItems, other.recentItems);
        }

        @Override
        public int hashCode() {
            return Objects.hash(tookMillis, items, recentItems);
        }
    }
}
