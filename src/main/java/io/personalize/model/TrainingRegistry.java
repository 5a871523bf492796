package io.personalize.model;

import io.personalize.model.ModelStatus.Training;
import io.personalize.model.ModelStore.StoredModel;

import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.admin.cluster.node.tasks.get.GetTaskRequest;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.tasks.CancellableTask;
import org.elasticsearch.tasks.TaskId;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Knows which trainings run on this node, and tells a running training from one whose node died or restarted: its
 * model still says "running", but no task does the work any more. Such a training is settled as failed, so that the
 * status says why and a new training can start; the previous version keeps serving all along.
 */
public final class TrainingRegistry {

    private final Map<String, CancellableTask> local = new ConcurrentHashMap<>();
    private final ClusterService clusterService;
    private final ModelStore store;
    private final Client client;

    public TrainingRegistry(ClusterService clusterService, ModelStore store, Client client) {
        this.clusterService = clusterService;
        this.store = store;
        this.client = client;
    }

    /** Records that this node trains {@code model}; false if it already does. */
    public boolean register(String model, CancellableTask task) {
        return local.putIfAbsent(model, task) == null;
    }

    public void unregister(String model, CancellableTask task) {
        local.remove(model, task);
    }

    public CancellableTask localTraining(String model) {
        return local.get(model);
    }

    /** The model as it is, or with its dead training marked failed. */
    public void settleInterrupted(StoredModel model, ActionListener<StoredModel> listener) {
        Training training = model.status().training();
        if (model.status().isTraining() == false) {
            listener.onResponse(model);
            return;
        }
        String localNode = clusterService.localNode().getId();
        if (localNode.equals(training.nodeId())) {
            if (local.containsKey(model.name())) {
                listener.onResponse(model);
            } else {
                settle(model, "interrupted: its node restarted before the training finished", listener);
            }
            return;
        }
        if (training.nodeId() == null || clusterService.state().nodes().nodeExists(training.nodeId()) == false) {
            settle(model, "interrupted: node [" + training.nodeId() + "] left the cluster before the training finished", listener);
            return;
        }
        client.admin().cluster().getTask(new GetTaskRequest().setTaskId(new TaskId(training.taskId())), ActionListener.wrap(response -> {
            if (response.getTask().isCompleted()) {
                settle(model, "interrupted: task [" + training.taskId() + "] ended without recording its outcome", listener);
            } else {
                listener.onResponse(model);
            }
        }, e -> settle(model, "interrupted: task [" + training.taskId() + "] no longer runs (" + e.getMessage() + ")", listener)));
    }

    private void settle(StoredModel model, String reason, ActionListener<StoredModel> listener) {
        long now = System.currentTimeMillis();
        store.updateStatus(
            model,
            status -> status.withTraining(status.training().finish(Training.State.FAILED, now, reason)),
            "model [" + model.name() + "] changed while settling its interrupted training",
            listener
        );
    }
}
