package io.personalize.model;

import io.personalize.model.ModelStore.StoredModel;
import java.util.Objects;
import org.elasticsearch.ElasticsearchStatusException;
import org.elasticsearch.rest.RestStatus;

/**
 * When a newly written version may become the active one: an activation never goes back in time. A version built by a
 * training or an import is activated only if, at the moment of the activation (checked in the same compare-and-set
 * that activates it):
 * <ol>
 *   <li>the model is still the incarnation it was started for (same uuid): a model deleted and created again is a new
 *       model that no older work can touch;</li>
 *   <li>the version active now is still the one that was active when it started: a version activated meanwhile (an
 *       import acknowledged during a long training, say) was asked for and answered while this one ran, and it stays;
 *       the first build to finish wins, and the other one says so;</li>
 *   <li>for a training, the model's configuration is still the one it trained with: a {@code PUT} that replaced it
 *       asked for another model;</li>
 *   <li>the status still records the build as running (and not, say, as interrupted by a master that took its node
 *       for dead and deleted its index as an orphan: {@link OrphanVersionCleaner}).</li>
 * </ol>
 * Otherwise the version is not activated, its index is deleted, and the status records why (state
 * {@code superseded}).
 */
public final class ActivationRule {

    private ActivationRule() {}

    /** A version refused by the rule: 409, with the reason the status records. */
    public static final class SupersededException extends ElasticsearchStatusException {
        public SupersededException(String reason) {
            super(reason, RestStatus.CONFLICT);
        }
    }

    /** Throws {@link SupersededException} unless {@code pending} may be activated on {@code current}. */
    public static void check(ModelVersions.Pending pending, StoredModel current, boolean isTraining) {
        String why = refusal(pending, current, isTraining);
        if (why != null) {
            throw new SupersededException(why);
        }
    }

    /** Why {@code pending} may not be activated on the model as it is now, or null when it may. */
    public static String refusal(ModelVersions.Pending pending, StoredModel current, boolean isTraining) {
        String what = "version [" + pending.version() + "] of model [" + pending.model() + "] was not activated: ";
        if (Objects.equals(current.status().uuid(), pending.uuid()) == false) {
            return what + "the model was deleted (and created again) while it was built";
        }
        long active = current.status().activeVersion();
        if (active != pending.fromVersion()) {
            ModelStatus.Version version = current.status().active();
            String source = version == null ? "" : " (" + version.source() + ")";
            return what + "version [" + active + "] was activated" + source + " while it was built from version ["
                    + pending.fromVersion() + "]; what is active stays";
        }
        ModelStatus.Training build =
                isTraining ? current.status().training() : current.status().importing();
        if (build == null
                || build.state() != ModelStatus.Training.State.RUNNING
                || build.version() != pending.version()) {
            // settled as interrupted meanwhile (its node was taken for dead), and its index may be deleted already
            return what + "its run was recorded as ended meanwhile"
                    + (build == null || build.reason() == null ? "" : " (" + build.reason() + ")");
        }
        if (isTraining && current.config().equals(pending.config()) == false) {
            return what + "the model's configuration was replaced while it was trained; train again";
        }
        return null;
    }
}
