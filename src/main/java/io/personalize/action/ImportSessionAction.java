package io.personalize.action;

import io.personalize.compat.PluginActionRequest;
import io.personalize.model.ImportSessions;
import io.personalize.model.ModelConfig;
import java.io.IOException;
import java.util.Objects;
import org.elasticsearch.action.ActionRequestValidationException;
import org.elasticsearch.action.ActionResponse;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.common.bytes.BytesArray;
import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;

/**
 * An import in numbered parts, for a model larger than one request body: {@code POST
 * _recommend/models/{name}/_import/_session} opens a session, {@code PUT .../_import/{session}/{part}} sends a part,
 * {@code GET .../_import/{session}} says which parts arrived, {@code POST .../_import/{session}/_complete} validates and
 * activates, {@code DELETE .../_import/{session}} aborts. One action name for all of them: they need the privilege of
 * {@code _import} ({@code cluster:admin/personalize/model/import/session} falls under {@code cluster:admin/personalize/*}).
 */
public final class ImportSessionAction {

    public static final String NAME = "cluster:admin/personalize/model/import/session";
    public static final ActionType<Response> TYPE = new ActionType<>(NAME);

    private ImportSessionAction() {}

    public enum Op {
        OPEN,
        PART,
        STATUS,
        COMPLETE,
        ABORT
    }

    public static final class Request extends PluginActionRequest {
        private final Op op;
        private final String name;
        private final String session;
        private final int part;
        private final BytesReference lines;
        private final long newestEvent;
        private final Integer parts;
        private final String importId;

        private Request(
                Op op,
                String name,
                String session,
                int part,
                BytesReference lines,
                long newestEvent,
                Integer parts,
                String importId) {
            this.op = op;
            this.name = ModelConfig.validateName(name);
            this.session = session;
            this.part = part;
            this.lines = lines;
            if (newestEvent < 0) {
                throw new IllegalArgumentException(
                        "[newest_event] must be epoch milliseconds >= 0, got [" + newestEvent + "]");
            }
            this.newestEvent = newestEvent;
            if (parts != null && parts < 1) {
                throw new IllegalArgumentException("[parts] must be at least 1, got [" + parts + "]");
            }
            this.parts = parts;
            this.importId = ImportModelAction.checkImportId(importId);
        }

        public static Request open(String name) {
            return open(name, null);
        }

        /**
         * @param importId the caller's name for the import, or null: the same opening sent again (its answer lost) is
         *     answered with the session the first one opened, not refused as a second import
         */
        public static Request open(String name, String importId) {
            return new Request(Op.OPEN, name, null, 0, BytesArray.EMPTY, 0, null, importId);
        }

        public static Request part(String name, String session, int part, BytesReference lines) {
            return new Request(Op.PART, name, session, part, lines, 0, null, null);
        }

        public static Request status(String name, String session) {
            return new Request(Op.STATUS, name, session, 0, BytesArray.EMPTY, 0, null, null);
        }

        /**
         * @param parts how many parts the import has (null: as many as arrived, numbered from 1)
         * @param newestEvent as for {@code _import}: the newest event (epoch milliseconds) the model was computed from
         */
        public static Request complete(String name, String session, Integer parts, long newestEvent) {
            return new Request(Op.COMPLETE, name, session, 0, BytesArray.EMPTY, newestEvent, parts, null);
        }

        public static Request abort(String name, String session) {
            return new Request(Op.ABORT, name, session, 0, BytesArray.EMPTY, 0, null, null);
        }

        public Request(StreamInput in) throws IOException {
            super(in);
            this.op = in.readEnum(Op.class);
            this.name = in.readString();
            this.session = in.readOptionalString();
            this.part = in.readVInt();
            this.lines = in.readBytesReference();
            this.newestEvent = in.readVLong();
            this.parts = in.readOptionalVInt();
            this.importId = in.readOptionalString();
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            super.writeTo(out);
            out.writeEnum(op);
            out.writeString(name);
            out.writeOptionalString(session);
            out.writeVInt(part);
            out.writeBytesReference(lines);
            out.writeVLong(newestEvent);
            out.writeOptionalVInt(parts);
            out.writeOptionalString(importId);
        }

        public Op op() {
            return op;
        }

        public String name() {
            return name;
        }

        public String session() {
            return session;
        }

        public int part() {
            return part;
        }

        public BytesReference lines() {
            return lines;
        }

        public long newestEvent() {
            return newestEvent;
        }

        public Integer parts() {
            return parts;
        }

        public String importId() {
            return importId;
        }

        @Override
        public ActionRequestValidationException validate() {
            return null;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Request other
                    && op == other.op
                    && name.equals(other.name)
                    && Objects.equals(session, other.session)
                    && part == other.part
                    && lines.equals(other.lines)
                    && newestEvent == other.newestEvent
                    && Objects.equals(parts, other.parts)
                    && Objects.equals(importId, other.importId);
        }

        @Override
        public int hashCode() {
            return Objects.hash(op, name, session, part, lines, newestEvent, parts, importId);
        }
    }

    /** The session as it is after the request: its parts, and the version it became once completed. */
    public static final class Response extends ActionResponse implements ToXContentObject {
        private final ImportSessions.Info info;

        public Response(ImportSessions.Info info) {
            this.info = info;
        }

        public Response(StreamInput in) throws IOException {
            this.info = new ImportSessions.Info(in);
        }

        public ImportSessions.Info info() {
            return info;
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            info.writeTo(out);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            return info.toXContent(builder, params);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Response other && info.equals(other.info);
        }

        @Override
        public int hashCode() {
            return info.hashCode();
        }
    }
}
