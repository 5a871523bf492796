package io.personalize.action;

import io.personalize.model.ImportSessionRecords;
import java.io.IOException;
import org.elasticsearch.action.ActionRequestValidationException;
import org.elasticsearch.action.ActionResponse;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.action.support.master.MasterNodeRequest;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;

/**
 * Changes one import session's record in the cluster state ({@link ImportSessionRecords}), on the elected master
 * through a task queue: a session opened, a part begun or ended, a completion begun, a takeover, the record removed.
 * Answers the record as the master left it (none once removed), after the new state is committed. Sent by the plugin
 * itself, through its system client.
 */
public final class ImportSessionStateAction {

    public static final String NAME = "cluster:admin/personalize/import_sessions/update";
    public static final ActionType<Response> TYPE = new ActionType<>(NAME);

    private ImportSessionStateAction() {}

    public static final class Request extends MasterNodeRequest<Request> {
        private final ImportSessionRecords.Update update;

        public Request(ImportSessionRecords.Update update) {
            super(TRAPPY_IMPLICIT_DEFAULT_MASTER_NODE_TIMEOUT);
            this.update = update;
        }

        public Request(StreamInput in) throws IOException {
            super(in);
            this.update = new ImportSessionRecords.Update(in);
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            super.writeTo(out);
            update.writeTo(out);
        }

        public ImportSessionRecords.Update update() {
            return update;
        }

        @Override
        public ActionRequestValidationException validate() {
            return null;
        }

        @Override
        public String toString() {
            return update.toString();
        }
    }

    public static final class Response extends ActionResponse {
        private final ImportSessionRecords.Record record;

        public Response(ImportSessionRecords.Record record) {
            this.record = record;
        }

        public Response(StreamInput in) throws IOException {
            this.record = in.readOptionalWriteable(ImportSessionRecords.Record::readFrom);
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeOptionalWriteable(record);
        }

        /** The record after the change; null once removed. */
        public ImportSessionRecords.Record record() {
            return record;
        }
    }
}
