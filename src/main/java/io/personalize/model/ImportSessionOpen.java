package io.personalize.model;

import io.personalize.model.ModelStatus.Training;
import java.util.Locale;
import org.elasticsearch.ElasticsearchStatusException;
import org.elasticsearch.rest.RestStatus;

/**
 * What opening an import session answers, from the model's status: a new session, or (an opening sent again with the
 * {@code import_id} of the session it opened, its answer lost) that same session. The id names the import, as
 * {@code _import}'s does: {@code status.import} keeps it from the opening's reservation, so that a node asked again
 * while the first opening is still under way, or after the session was taken over by another node, finds it. An
 * opening refused (409) reserves nothing.
 *
 * @param resumed the id of the session the opening's {@code import_id} names, still running; null: open a new one
 */
public record ImportSessionOpen(String resumed) {

    static final ImportSessionOpen NEW = new ImportSessionOpen(null);

    /**
     * The answer to opening a session of model {@code name} with {@code importId} (null: none) while its status is
     * {@code status} (running imports of dead nodes already settled). Throws 409 when the model is importing under
     * another id or none, or when the import {@code importId} names is over (whatever its outcome: its session takes no
     * part any more, and a new one must be named anew).
     */
    public static ImportSessionOpen decide(String name, ModelStatus status, String importId) {
        Training importing = status.importing();
        if (importId != null && importing != null && importId.equals(importing.importId())) {
            if (importing.state() == Training.State.RUNNING) {
                return new ImportSessionOpen(importing.taskId());
            }
            String outcome = importing.state() == Training.State.SUCCEEDED
                    ? "succeeded: version [" + importing.version() + "]"
                    : importing.state() + (importing.reason() == null ? "" : " (" + importing.reason() + ")");
            throw ended(
                    name, importId, importing.state(), "its import session [" + importing.taskId() + "] " + outcome);
        }
        if (importId != null) {
            for (ModelStatus.Version version : status.versions()) {
                if (importId.equals(version.importId())) {
                    throw ended(
                            name, importId, Training.State.SUCCEEDED, "it made version [" + version.version() + "]");
                }
            }
        }
        if (status.isImporting()) {
            throw new ElasticsearchStatusException(
                    "model [" + name + "] is already importing (task [" + importing.taskId() + "]); wait for it to"
                            + " finish",
                    RestStatus.CONFLICT);
        }
        return NEW;
    }

    /**
     * The 409 for an import that is over. Its id and outcome are also fields of the error ({@code "import_id"},
     * {@code "import_state"}): a client whose opening never got an answer, told that the import its id names failed or
     * was cancelled, knows that no part of it was sent and opens again under a new id, without parsing the message.
     */
    private static ElasticsearchStatusException ended(String name, String importId, Training.State state, String what) {
        ElasticsearchStatusException e = new ElasticsearchStatusException(
                "the import [" + importId + "] of model [" + name + "] is over: " + what
                        + "; open a session with a new [import_id]",
                RestStatus.CONFLICT);
        e.addMetadata("es.import_id", importId);
        e.addMetadata("es.import_state", state.name().toLowerCase(Locale.ROOT));
        return e;
    }
}
