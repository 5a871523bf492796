package io.personalize.action;

import io.personalize.model.ActiveVersions;
import io.personalize.model.ForgottenUsers;
import io.personalize.model.ModelBroadcasts;
import io.personalize.model.ModelIndices;
import io.personalize.model.ModelStore;
import io.personalize.profile.RecentItemsWriter;
import java.util.Map;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.client.internal.Client;

/** {@link ModelBroadcasts} over the plugin's transport actions, sent with the plugin's system client. */
public final class ClusterModelBroadcasts implements ModelBroadcasts {

    private final Client systemClient;

    public ClusterModelBroadcasts(Client systemClient) {
        this.systemClient = systemClient;
    }

    @Override
    public void clearCaches(String model, String keepIndex, Runnable then) {
        ClearCacheAction.broadcast(systemClient, ClearCacheAction.Request.model(model, keepIndex), then);
    }

    @Override
    public void scrubForgotten(String model, String uuid, Map<String, Long> users, ActionListener<Void> listener) {
        // the times come with the users: no cluster state needed
        String index = ModelIndices.recentIndex(model, uuid);
        // and every node's copy of them: the items scrubbed must not be served once the forgetting is pruned
        new RecentItemsWriter(systemClient, () -> ForgottenUsers.EMPTY)
                .scrub(
                        index,
                        users,
                        listener.delegateFailureAndWrap((l, changes) -> RecentItemsChangedAction.broadcast(
                                systemClient, model, index, changes, node -> true, l)));
    }

    @Override
    public void pruneForgotten(String model, long olderThan, ActionListener<Void> listener) {
        systemClient.execute(
                ForgottenUsersAction.TYPE,
                ForgottenUsersAction.Request.prune(model, olderThan),
                listener.map(acknowledged -> null));
    }

    @Override
    public void publishActive(ModelStore.StoredModel model, ActionListener<Void> listener) {
        systemClient.execute(
                ActiveVersionsAction.TYPE,
                ActiveVersionsAction.Request.publish(model.name(), ActiveVersions.Entry.of(model)),
                listener.map(acknowledged -> null));
    }

    @Override
    public void dropActive(String model, String uuid, ActionListener<Void> listener) {
        systemClient.execute(
                ActiveVersionsAction.TYPE,
                ActiveVersionsAction.Request.drop(model, uuid),
                listener.map(acknowledged -> null));
    }
}
