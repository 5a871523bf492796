package io.personalize.action;

import io.personalize.compat.PluginActionRequest;
import io.personalize.model.ModelConfig;
import io.personalize.model.ModelStatus;
import java.io.IOException;
import org.elasticsearch.action.ActionRequestValidationException;
import org.elasticsearch.action.ActionResponse;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;

/** A model computed elsewhere becomes a new version: {@code POST _recommend/models/{name}/_import} with NDJSON lines. */
public final class ImportModelAction {

    public static final String NAME = "cluster:admin/personalize/model/import";
    public static final ActionType<Response> TYPE = new ActionType<>(NAME);
    public static final String NO_LINES = "the import needs a body: one JSON line per item, user and popular list";
    /** The longest {@code import_id}, in characters. */
    public static final int MAX_IMPORT_ID = 256;

    private ImportModelAction() {}

    /** {@code importId} (null: none), or a 400 naming {@code [import_id]}: the same rule for {@code _import} and a session. */
    public static String checkImportId(String importId) {
        if (importId != null && (importId.isBlank() || importId.length() > MAX_IMPORT_ID)) {
            throw new IllegalArgumentException(
                    "[import_id] must be 1 to " + MAX_IMPORT_ID + " characters, not blank, got [" + importId + "]");
        }
        return importId;
    }

    public static final class Request extends PluginActionRequest {
        private final String name;
        private final BytesReference lines;
        private final long newestEvent;
        private final String importId;

        public Request(String name, BytesReference lines) {
            this(name, lines, 0);
        }

        public Request(String name, BytesReference lines, long newestEvent) {
            this(name, lines, newestEvent, null);
        }

        /**
         * @param newestEvent epoch milliseconds of the newest event the model was computed from, 0 when unknown: serving
         *     adds in real time only what a user did after it (what came before is in the stored lists already)
         * @param importId the caller's name for this import, or null: an import sent again with the id of a kept
         *     version's import is answered with that version, and makes none (a resend after a lost answer)
         */
        public Request(String name, BytesReference lines, long newestEvent, String importId) {
            this.name = ModelConfig.validateName(name);
            this.lines = lines;
            if (newestEvent < 0) {
                throw new IllegalArgumentException(
                        "[newest_event] must be epoch milliseconds >= 0, got [" + newestEvent + "]");
            }
            this.newestEvent = newestEvent;
            this.importId = checkImportId(importId);
        }

        public Request(StreamInput in) throws IOException {
            super(in);
            this.name = in.readString();
            this.lines = in.readBytesReference();
            this.newestEvent = in.readVLong();
            this.importId = in.readOptionalString();
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            super.writeTo(out);
            out.writeString(name);
            out.writeBytesReference(lines);
            out.writeVLong(newestEvent);
            out.writeOptionalString(importId);
        }

        /** The caller's name for this import, or null. */
        public String importId() {
            return importId;
        }

        public long newestEvent() {
            return newestEvent;
        }

        public String name() {
            return name;
        }

        /** Cancellable, so that deleting the model stops an import into it (and {@code POST _tasks/<id>/_cancel} works). */
        @Override
        public org.elasticsearch.tasks.Task createTask(
                long id,
                String type,
                String action,
                org.elasticsearch.tasks.TaskId parentTaskId,
                java.util.Map<String, String> headers) {
            return new org.elasticsearch.tasks.CancellableTask(
                    id, type, action, "import into model [" + name + "]", parentTaskId, headers);
        }

        public BytesReference lines() {
            return lines;
        }

        @Override
        public ActionRequestValidationException validate() {
            return null;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Request other
                    && name.equals(other.name)
                    && lines.equals(other.lines)
                    && newestEvent == other.newestEvent
                    && java.util.Objects.equals(importId, other.importId);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(name, lines, newestEvent, importId);
        }
    }

    /** The version the import became, and what it holds. */
    public static final class Response extends ActionResponse implements ToXContentObject {
        private final String model;
        private final ModelStatus.Version version;
        private final boolean noop;

        public Response(String model, ModelStatus.Version version) {
            this(model, version, false);
        }

        /** {@code noop}: the import was sent again with the import id of this version's: nothing was imported. */
        public Response(String model, ModelStatus.Version version, boolean noop) {
            this.model = model;
            this.version = version;
            this.noop = noop;
        }

        public Response(StreamInput in) throws IOException {
            this.model = in.readString();
            this.version = new ModelStatus.Version(in);
            this.noop = in.readBoolean();
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(model);
            version.writeTo(out);
            out.writeBoolean(noop);
        }

        public ModelStatus.Version version() {
            return version;
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            return builder.startObject()
                    .field("acknowledged", true)
                    .field("model", model)
                    // as Elasticsearch's document APIs say it: made now, or found made by the same import before
                    .field("result", noop ? "noop" : "created")
                    .field("version", version)
                    .endObject();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Response other
                    && model.equals(other.model)
                    && version.equals(other.version)
                    && noop == other.noop;
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(model, version, noop);
        }
    }
}
