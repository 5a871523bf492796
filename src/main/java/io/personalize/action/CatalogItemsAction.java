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
import org.elasticsearch.index.shard.ShardId;

/**
 * Reads which of some item ids one shard copy of a catalogue holds, with their attribute values, as the caller: the
 * catalogue read of a shelf without a search ({@link io.personalize.recommend.ShardItems}). An index read of the
 * catalogue, so Elasticsearch's security authorizes the caller's {@code read} privilege on {@link Request#indices()}
 * and sets their document- and field-level security for the shard's reader, as for a GET or a search; the node that
 * holds the copy authorizes it again when the request comes over the wire.
 */
public final class CatalogItemsAction {

    public static final String NAME = "indices:data/read/personalize/catalog_items";
    public static final ActionType<Response> TYPE = new ActionType<>(NAME);

    private CatalogItemsAction() {}

    /** The catalogue as the model names it (what the caller is authorized for), the shard to read and what to read. */
    public static final class Request extends PluginActionRequest implements IndicesRequest {
        private final String index;
        private final ShardId shard;
        private final String idField;
        private final List<String> attributes;
        private final List<String> ids;
        private final int maxValues;

        public Request(
                String index, ShardId shard, String idField, List<String> attributes, List<String> ids, int maxValues) {
            this.index = index;
            this.shard = shard;
            this.idField = idField;
            this.attributes = List.copyOf(attributes);
            this.ids = List.copyOf(ids);
            this.maxValues = maxValues;
        }

        public Request(StreamInput in) throws IOException {
            super(in);
            this.index = in.readString();
            this.shard = new ShardId(in);
            this.idField = in.readString();
            this.attributes = in.readStringCollectionAsImmutableList();
            this.ids = in.readStringCollectionAsImmutableList();
            this.maxValues = in.readVInt();
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            super.writeTo(out);
            out.writeString(index);
            shard.writeTo(out);
            out.writeString(idField);
            out.writeStringCollection(attributes);
            out.writeStringCollection(ids);
            out.writeVInt(maxValues);
        }

        @Override
        public ActionRequestValidationException validate() {
            ActionRequestValidationException e = null;
            if (index.isEmpty()) {
                e = addValidationError("[index] is required", e);
            }
            if (maxValues < 1) {
                e = addValidationError("[max_values] must be at least 1", e);
            }
            return e;
        }

        @Override
        public String[] indices() {
            return new String[] {index};
        }

        @Override
        public IndicesOptions indicesOptions() {
            return IndicesOptions.strictSingleIndexNoExpandForbidClosed();
        }

        public ShardId shard() {
            return shard;
        }

        public String idField() {
            return idField;
        }

        public List<String> attributes() {
            return attributes;
        }

        public List<String> ids() {
            return ids;
        }

        public int maxValues() {
            return maxValues;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Request other
                    && index.equals(other.index)
                    && shard.equals(other.shard)
                    && idField.equals(other.idField)
                    && attributes.equals(other.attributes)
                    && ids.equals(other.ids)
                    && maxValues == other.maxValues;
        }

        @Override
        public int hashCode() {
            return Objects.hash(index, shard, idField, attributes, ids, maxValues);
        }
    }

    /**
     * The items found (by id, each with its attribute values), or {@code readable == false}: the shard's mapping of the
     * id field or an attribute is not one this read handles (not a keyword), and the shelf reads the catalogue with a
     * search instead.
     */
    public static final class Response extends ActionResponse {
        private final boolean readable;
        private final Map<String, Map<String, List<String>>> items;

        public Response(boolean readable, Map<String, Map<String, List<String>>> items) {
            this.readable = readable;
            this.items = items;
        }

        public Response(StreamInput in) throws IOException {
            this.readable = in.readBoolean();
            this.items = in.readMap(StreamInput::readString, i -> i.readMap(StreamInput::readStringCollectionAsList));
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeBoolean(readable);
            out.writeMap(
                    items,
                    StreamOutput::writeString,
                    (o, values) -> o.writeMap(values, StreamOutput::writeString, StreamOutput::writeStringCollection));
        }

        public boolean readable() {
            return readable;
        }

        public Map<String, Map<String, List<String>>> items() {
            return items;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Response other && readable == other.readable && items.equals(other.items);
        }

        @Override
        public int hashCode() {
            return Objects.hash(readable, items);
        }
    }
}
