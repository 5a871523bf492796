package io.personalize.profile;

import io.personalize.model.ForgottenUsers;
import java.util.Map;
import org.elasticsearch.cluster.ClusterChangedEvent;
import org.elasticsearch.cluster.ClusterStateListener;

/**
 * Drops from the node's serving cache the profiles of users newly forgotten in the cluster state, as soon as the node
 * applies it: belt and braces, since serving already checks {@link ForgottenUsers} on every request and the forgetting
 * clears every cache itself. It matters for a node that missed that clearing (cut off, paused): it applies the state
 * when it rejoins.
 */
public final class ForgottenUsersListener implements ClusterStateListener {

    private final ServingCache cache;

    public ForgottenUsersListener(ServingCache cache) {
        this.cache = cache;
    }

    @Override
    public void clusterChanged(ClusterChangedEvent event) {
        ForgottenUsers before = ForgottenUsers.of(event.previousState());
        ForgottenUsers after = ForgottenUsers.of(event.state());
        if (before == after || before.equals(after)) {
            return;
        }
        for (Map.Entry<String, Map<String, Long>> model : after.models().entrySet()) {
            for (Map.Entry<String, Long> user : model.getValue().entrySet()) {
                if (before.forgottenAt(model.getKey(), user.getKey()) < user.getValue()) {
                    cache.invalidateUser(model.getKey(), user.getKey());
                }
            }
        }
    }
}
