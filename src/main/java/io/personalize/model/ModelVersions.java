package io.personalize.model;

import io.personalize.model.ModelStore.StoredModel;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.elasticsearch.ElasticsearchException;
import org.elasticsearch.ExceptionsHelper;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.bulk.BulkRequest;
import org.elasticsearch.action.delete.DeleteRequest;
import org.elasticsearch.action.support.WriteRequest;

/**
 * The life of a new model version, shared by training and import: a version number is reserved, its index written,
 * and only then does the model's status point at it (one compare-and-set: the atomic swap). Serving reads the active
 * version from the status, so it sees the old version or the new one, never a mix. A version that fails is deleted
 * and never becomes visible. The newest {@link #KEEP} versions are kept, the older ones deleted.
 */
public final class ModelVersions {

    private static final Logger logger = LogManager.getLogger(ModelVersions.class);

    /** The active version and the one before it, for a quick rollback. */
    public static final int KEEP = 2;

    /**
     * A version being written: its number and index, and what it was started from (the model's incarnation, the
     * version then active, the configuration then) for {@link ActivationRule}. Nothing serves it until
     * {@link #activate}.
     */
    public record Pending(
            String model, long version, String index, String uuid, long fromVersion, ModelConfig config) {}

    /** How long a forgotten user's entry outlives the versions that could hold them: imports and builds in flight. */
    public static final long FORGOTTEN_GRACE_MILLIS = 60 * 60 * 1000L;

    private final ModelStore store;
    private final Supplier<ForgottenUsers> forgotten;
    private final ModelBroadcasts broadcasts;

    /** {@code forgotten}: the users forgotten as the node's current cluster state says. */
    public ModelVersions(ModelStore store, Supplier<ForgottenUsers> forgotten, ModelBroadcasts broadcasts) {
        this.store = store;
        this.forgotten = forgotten;
        this.broadcasts = broadcasts;
    }

    /**
     * Reserves the next version number of {@code model}, applying {@code change} to the status in the same
     * compare-and-set (a training marks itself running there); a concurrent change answers 409 {@code conflict}.
     */
    public void reserve(
            StoredModel model, UnaryOperator<ModelStatus> change, String conflict, ActionListener<Pending> listener) {
        store.updateStatus(model, status -> change.apply(status.reserveVersion()), conflict, listener.map(updated -> {
            long version = updated.status().lastVersion();
            String uuid = updated.status().uuid();
            return new Pending(
                    model.name(),
                    version,
                    ModelIndices.dataIndex(model.name(), uuid, version),
                    uuid,
                    model.status().activeVersion(),
                    model.config());
        }));
    }

    /**
     * Makes the written version the active one, then deletes the versions beyond {@link #KEEP}; unless
     * {@link ActivationRule} refuses, in the same compare-and-set, which fails {@code listener} with a
     * {@link ActivationRule.SupersededException} (the caller abandons the version).
     */
    public void activate(
            Pending pending,
            ModelStatus.Version version,
            UnaryOperator<ModelStatus> change,
            ActionListener<StoredModel> listener) {
        activate(pending, version, true, change, listener);
    }

    /** {@link #activate} of a training ({@code isTraining}) or an import: an import does not depend on the configuration. */
    public void activate(
            Pending pending,
            ModelStatus.Version version,
            boolean isTraining,
            UnaryOperator<ModelStatus> change,
            ActionListener<StoredModel> listener) {
        deleteForgottenProfiles(
                pending,
                version,
                listener.delegateFailureAndWrap(
                        (l, ok) -> swap(pending, version, isTraining, change, l.map(activated -> {
                            pruneForgotten(activated, System.currentTimeMillis());
                            return activated;
                        }))));
    }

    /**
     * Deletes from the new version the profiles of the users forgotten since its build started (its events or lines were
     * read before, or while, they were forgotten). A user forgotten after this point is deleted by the forgetting itself
     * (it deletes from every data index of the model) and hidden by serving until then.
     */
    private void deleteForgottenProfiles(Pending pending, ModelStatus.Version version, ActionListener<Void> listener) {
        Map<String, Long> users = forgotten.get().forgottenSince(pending.model(), version.builtFrom());
        if (users.isEmpty()) {
            listener.onResponse(null);
            return;
        }
        BulkRequest bulk = new BulkRequest().setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE);
        users.keySet().forEach(user -> bulk.add(new DeleteRequest(pending.index(), ModelDocuments.userDocId(user))));
        store.systemClient().bulk(bulk, listener.map(response -> {
            if (response.hasFailures()) {
                throw new ElasticsearchException("model [" + pending.model()
                        + "] could not delete the profiles of users forgotten during the build: "
                        + response.buildFailureMessage());
            }
            return null;
        }));
    }

    /**
     * Drops the model's forgotten users that no kept version, no training running and no build of the last
     * {@link #FORGOTTEN_GRACE_MILLIS} can hold: each kept version's build started after they were forgotten.
     */
    void pruneForgotten(StoredModel activated, long now) {
        long olderThan = forgottenCutoff(activated.status(), now);
        Map<String, Long> pruned = new HashMap<>();
        forgotten.get().models().getOrDefault(activated.name(), Map.of()).forEach((user, at) -> {
            if (at < olderThan) {
                pruned.put(user, at);
            }
        });
        if (pruned.isEmpty()) {
            return;
        }
        ActionListener<Void> logged = ActionListener.wrap(
                ok -> {},
                e -> logger.warn(
                        "model [" + activated.name()
                                + "] could not prune its forgotten users (the next activation tries again)",
                        e));
        // what a forgetting cut short left in their newest-items documents is hidden only while the entries exist:
        // dropped first, and the entries go only once it is
        broadcasts.scrubForgotten(
                activated.name(),
                activated.status().uuid(),
                pruned,
                logged.delegateFailureAndWrap(
                        (l, scrubbed) -> broadcasts.pruneForgotten(activated.name(), olderThan, l)));
    }

    /** Users forgotten before this time can be in no kept version, no running training and no build of the grace period. */
    static long forgottenCutoff(ModelStatus status, long now) {
        long cutoff = now - FORGOTTEN_GRACE_MILLIS;
        for (ModelStatus.Version kept : status.versions()) {
            cutoff = Math.min(cutoff, kept.builtFrom());
        }
        if (status.isTraining()) {
            cutoff = Math.min(cutoff, status.training().startedAt());
        }
        if (status.importing() != null && status.importing().state() == ModelStatus.Training.State.RUNNING) {
            cutoff = Math.min(cutoff, status.importing().startedAt());
        }
        return cutoff;
    }

    private void swap(
            Pending pending,
            ModelStatus.Version version,
            boolean isTraining,
            UnaryOperator<ModelStatus> change,
            ActionListener<StoredModel> listener) {
        ModelStatus[] before = new ModelStatus[1];
        Function<StoredModel, ModelStatus> activation = current -> {
            if (activatedAlready(pending, current)) {
                // this very swap, written though its answer was lost: nothing to write again, nothing to undo (the
                // versions it dropped are left to the orphan check)
                before[0] = current.status();
                return null;
            }
            ActivationRule.check(pending, current, isTraining);
            ModelStatus status = current.status();
            before[0] = status;
            return change.apply(status.activate(version, KEEP));
        };
        ActionListener<StoredModel> swapped = listener.delegateFailureAndWrap((l, activated) -> {
            List<String> dropped = before[0].droppedBy(activated.status()).stream()
                    .map(ModelStatus.Version::index)
                    .toList();
            // the model already serves the new version: failing to drop old indices must not fail the training
            Runnable clearCaches =
                    () -> broadcasts.clearCaches(pending.model(), pending.index(), () -> l.onResponse(activated));
            Runnable dropOld = () -> store.deleteIndices(dropped, ActionListener.wrap(ok -> clearCaches.run(), e -> {
                logger.warn("model [" + pending.model() + "] could not delete old versions " + dropped, e);
                clearCaches.run();
            }));
            // every node learns the new version from the cluster state before the answer, and before any
            // version a node could still be serving is dropped: the next request anywhere is served from it
            broadcasts.publishActive(activated, ActionListener.wrap(ok -> dropOld.run(), e -> {
                // the document (the source of truth) already names the new version: the activation stands;
                // nodes serve the version the cluster state names until the next publication of this model
                logger.warn(
                        "model [" + pending.model() + "] could not publish its active version [" + version.version()
                                + "] in the cluster state",
                        e);
                clearCaches.run();
            }));
        });
        store.updateModel(pending.model(), activation, swapped.delegateResponse((l, e) -> {
            if (ExceptionsHelper.unwrapCause(e) instanceof ActivationRule.SupersededException) {
                l.onFailure(e);
                return;
            }
            // a write of the models index can fail after it was applied: ModelStore answers success when it reads
            // the document back as written, but not when that read fails or another change came on top. The model
            // says whether it was applied, and a second compare-and-set applies it if it was not. Never a written
            // version abandoned (its index deleted) while the model names it active.
            logger.info(
                    "model [" + pending.model() + "]: the activation of version [" + pending.version()
                            + "] failed, reading the model to find out whether it was applied",
                    e);
            store.updateModel(pending.model(), activation, l.delegateResponse((l2, again) -> {
                again.addSuppressed(e);
                l2.onFailure(again);
            }));
        }));
    }

    /**
     * Whether the model already has {@code pending} as one of its versions: its activation was written (a version
     * number is reserved once per incarnation, so no other build has it).
     */
    static boolean activatedAlready(Pending pending, StoredModel current) {
        return Objects.equals(current.status().uuid(), pending.uuid())
                && current.status().versions().stream().anyMatch(v -> v.version() == pending.version());
    }

    /** Deletes the version's index and records the outcome with {@code change}; always answers {@code cause}. */
    public void abandon(
            Pending pending, Exception cause, UnaryOperator<ModelStatus> change, ActionListener<?> listener) {
        store.deleteIndices(
                List.of(pending.index()),
                ActionListener.wrap(deleted -> record(pending, cause, change, listener), e -> {
                    logger.warn(
                            "model [" + pending.model() + "] could not delete abandoned version [" + pending.index()
                                    + "]",
                            e);
                    record(pending, cause, change, listener);
                }));
    }

    // only on the incarnation the version was started for: a model deleted and created again knows nothing of it
    private void record(
            Pending pending, Exception cause, UnaryOperator<ModelStatus> change, ActionListener<?> listener) {
        store.updateModel(
                pending.model(),
                current ->
                        Objects.equals(current.status().uuid(), pending.uuid()) ? change.apply(current.status()) : null,
                ActionListener.wrap(ok -> listener.onFailure(cause), e -> {
                    cause.addSuppressed(e);
                    listener.onFailure(cause);
                }));
    }
}
