package io.personalize.model;

import java.util.Map;
import org.elasticsearch.action.ActionListener;

/** Broadcasts to no other node, each answered at once: the version lifecycle's tests on one node (override to watch). */
class NoBroadcasts implements ModelBroadcasts {
    @Override
    public void clearCaches(String model, String keepIndex, Runnable then) {
        then.run();
    }

    @Override
    public void scrubForgotten(String model, String uuid, Map<String, Long> users, ActionListener<Void> listener) {
        listener.onResponse(null);
    }

    @Override
    public void pruneForgotten(String model, long olderThan, ActionListener<Void> listener) {
        listener.onResponse(null);
    }

    @Override
    public void publishActive(ModelStore.StoredModel model, ActionListener<Void> listener) {
        listener.onResponse(null);
    }

    @Override
    public void dropActive(String model, String uuid, ActionListener<Void> listener) {
        listener.onResponse(null);
    }
}
