package io.personalize.model;

import io.personalize.model.ModelStatus.Training;
import java.util.function.UnaryOperator;
import org.elasticsearch.ExceptionsHelper;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.tasks.TaskCancelledException;

/**
 * How an import ends, the same for one body ({@code _import}) and for a session of parts: the written version becomes
 * the active one (recorded in {@code status.import} as succeeded), or it is deleted and {@code status.import} says why.
 */
public final class ImportVersions {

    private ImportVersions() {}

    /** The import that reserved {@code pending}: it started at {@code start} on {@code nodeId} as task {@code taskId}. */
    public static UnaryOperator<ModelStatus> running(String taskId, String nodeId, long start) {
        return running(taskId, nodeId, start, null);
    }

    /** The same, named by the caller's {@code importId} (null: none), which the status keeps until the next import. */
    public static UnaryOperator<ModelStatus> running(String taskId, String nodeId, long start, String importId) {
        return status -> status.withImport(
                new Training(Training.State.RUNNING, taskId, nodeId, start, 0, status.lastVersion(), null, importId));
    }

    /**
     * Activates the written version {@code pending} (all its documents written and flushed); should the activation fail,
     * abandons it as {@link #abandonOnFailure} does.
     */
    public static void activate(
            ModelVersions versions,
            ModelVersions.Pending pending,
            long users,
            long items,
            long newestEvent,
            long start,
            ActionListener<ModelStatus.Version> listener) {
        activate(versions, pending, users, items, newestEvent, start, null, listener);
    }

    /** The same, recording the caller's {@code importId} (null: none) in the version. */
    public static void activate(
            ModelVersions versions,
            ModelVersions.Pending pending,
            long users,
            long items,
            long newestEvent,
            long start,
            String importId,
            ActionListener<ModelStatus.Version> listener) {
        long now = System.currentTimeMillis();
        ModelStatus.Version version = new ModelStatus.Version(
                        pending.version(),
                        pending.index(),
                        ModelStatus.Version.IMPORTED,
                        now,
                        0,
                        users,
                        items,
                        newestEvent,
                        now - start,
                        null,
                        start,
                        null)
                .withImportId(importId);
        // an import does not depend on the configuration: only the incarnation and the active version count
        versions.activate(
                pending,
                version,
                false,
                status -> status.withImport(
                        status.importing() == null
                                ? null
                                : status.importing().finish(Training.State.SUCCEEDED, now, null)),
                abandonOnFailure(versions, pending, listener).map(activated -> version));
    }

    /**
     * Whatever fails, from the first line to the activation itself: the version is deleted and the status says why
     * (cancelled, superseded, or the failure's message); the listener gets the failure.
     */
    public static <T> ActionListener<T> abandonOnFailure(
            ModelVersions versions, ModelVersions.Pending pending, ActionListener<T> listener) {
        return ActionListener.wrap(listener::onResponse, e -> abandon(versions, pending, e, listener));
    }

    /** Deletes the version {@code pending} and records in {@code status.import} why; the listener gets {@code cause}. */
    public static void abandon(
            ModelVersions versions, ModelVersions.Pending pending, Exception cause, ActionListener<?> listener) {
        Throwable unwrapped = ExceptionsHelper.unwrapCause(cause);
        Training.State state = unwrapped instanceof TaskCancelledException
                ? Training.State.CANCELLED
                : unwrapped instanceof ActivationRule.SupersededException
                        ? Training.State.SUPERSEDED
                        : Training.State.FAILED;
        String reason = state == Training.State.CANCELLED ? "cancelled" : unwrapped.getMessage();
        abandon(versions, pending, cause, state, reason, listener);
    }

    /** {@link #abandon}, with the state and reason to record. */
    public static void abandon(
            ModelVersions versions,
            ModelVersions.Pending pending,
            Exception cause,
            Training.State state,
            String reason,
            ActionListener<?> listener) {
        // only this import's record: one that started after it was settled as interrupted is left alone
        UnaryOperator<ModelStatus> record =
                status -> status.importing() == null || status.importing().version() != pending.version()
                        ? status
                        : status.withImport(status.importing().finish(state, System.currentTimeMillis(), reason));
        versions.abandon(pending, cause, record, listener);
    }
}
