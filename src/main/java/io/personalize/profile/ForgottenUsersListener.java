package io.personalize.profile;

import io.personalize.model.ForgottenUsers;
import java.util.Map;
import org.elasticsearch.cluster.ClusterChangedEvent;
import org.elasticsearch.cluster.ClusterStateListener;

/**
 * Drops from the node's serving cache the profiles of users newly forgotten in the cluster state, as soon as the node
 * applies it: belt and braces, since serving already checks {@link ForgottenUsers} on every request and the forgetting
 * clears every cache itself. It matters for a node that missed that clearing (cut off, paused): it applies the state
 * when it rejoins. It also drops the node's whole copy of the shoppers' newest items ({@link RecentItemsCache}) when
 * the node follows a new master or finds one again.
 */
public final class ForgottenUsersListener implements ClusterStateListener {

    private final ServingCache cache;

    public ForgottenUsersListener(ServingCache cache) {
        this.cache = cache;
    }

    @Override
    public void clusterChanged(ClusterChangedEvent event) {
        if (event.nodesDelta().masterNodeChanged()
                || event.previousState().nodes().getMasterNodeId() == null) {
            // joined a master anew: while cut off, this node may have missed the events API's changes of the shoppers'
            // newest items, which it would otherwise keep serving
            cache.recentItems().clear();
        }
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
