package io.personalize.model;

import java.util.Map;
import org.elasticsearch.action.ActionListener;

/**
 * What the rest of the cluster must hear when a model's versions change. The transport actions that carry it sit above
 * this package (they reach the serving cache), so the version lifecycle reaches them through this interface, which
 * the plugin implements over them ({@code action/ClusterModelBroadcasts}).
 */
public interface ModelBroadcasts {

    /**
     * Drops, on every node, what the serving cache holds of {@code model} but its version in {@code keepIndex}, then runs
     * {@code then}. Never fails: old versions' entries only hold memory (they are keyed by version and expire).
     */
    void clearCaches(String model, String keepIndex, Runnable then);

    /**
     * Drops from the newest-items documents of {@code users} (user id to when they were forgotten) of {@code model}'s
     * incarnation {@code uuid} what they did before being forgotten: run before their entries are pruned, after which
     * serving no longer hides it.
     */
    void scrubForgotten(String model, String uuid, Map<String, Long> users, ActionListener<Void> listener);

    /** Drops from the cluster state the users of {@code model} forgotten before {@code olderThan}. */
    void pruneForgotten(String model, long olderThan, ActionListener<Void> listener);

    /**
     * Publishes, in the cluster state, what serving uses of the model as {@code model} was just written (its active
     * version, the write's sequence number): answers once every node applied it. Never older than what is published.
     */
    void publishActive(ModelStore.StoredModel model, ActionListener<Void> listener);

    /** Drops the model's entry from the cluster state, if it is of the incarnation {@code uuid} (the model is deleted). */
    void dropActive(String model, String uuid, ActionListener<Void> listener);
}
