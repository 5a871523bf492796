package io.personalize.model;

import io.personalize.model.ModelStatus.Training;
import io.personalize.model.ModelStore.StoredModel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.admin.cluster.node.tasks.get.GetTaskRequest;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.tasks.CancellableTask;
import org.elasticsearch.tasks.TaskId;

/**
 * Knows which trainings and imports run on this node, and tells a running one from one whose node died or restarted:
 * its model still says "running", but no task does the work any more. Such a training or import is settled as failed
 * ("interrupted"), so that the status says why and a new one can start; the previous version keeps serving all along,
 * and the elected master deletes the index it left ({@link OrphanVersionCleaner}).
 */
public final class TrainingRegistry {

    private final Map<String, CancellableTask> local = new ConcurrentHashMap<>();
    private final Map<String, CancellableTask> localImports = new ConcurrentHashMap<>();
    private final ClusterService clusterService;
    private final ModelStore store;
    private final Client client;
    /** When this node started, as far as builds go: one started before ran in an earlier life of the node. */
    private final long startedAt = System.currentTimeMillis();

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

    /** Whether this node runs a training of {@code model} now. */
    public boolean runsTraining(String model) {
        return local.containsKey(model);
    }

    /** Whether this node runs an import into {@code model} now. */
    public boolean runsImport(String model) {
        return localImports.containsKey(model);
    }

    /** Records that this node imports into {@code model}; false if it already does. */
    public boolean registerImport(String model, CancellableTask task) {
        return localImports.putIfAbsent(model, task) == null;
    }

    public void unregisterImport(String model, CancellableTask task) {
        localImports.remove(model, task);
    }

    /** The model as it is, or with its dead training and its dead import marked failed ("interrupted"). */
    public void settleInterrupted(StoredModel model, ActionListener<StoredModel> listener) {
        settle(model, false, listener.delegateFailureAndWrap((l, settled) -> settle(settled, true, l)));
    }

    private void settle(StoredModel model, boolean isImport, ActionListener<StoredModel> listener) {
        Training build = isImport ? model.status().importing() : model.status().training();
        if (build == null || build.state() != Training.State.RUNNING) {
            listener.onResponse(model);
            return;
        }
        if (isImport
                && ImportSessionRecords.of(clusterService.state())
                        .holds(model.name(), model.status().uuid(), build.version())) {
            // an import session outlives its node: the elected master abandons it once idle (ImportSessions)
            listener.onResponse(model);
            return;
        }
        String what = isImport ? "the import" : "the training";
        String localNode = clusterService.localNode().getId();
        if (localNode.equals(build.nodeId())) {
            if ((isImport ? localImports : local).containsKey(model.name())) {
                listener.onResponse(model);
            } else {
                settle(model, isImport, interruptedHere(build.startedAt(), startedAt, what), listener);
            }
            return;
        }
        if (build.nodeId() == null
                || build.taskId() == null
                || clusterService.state().nodes().nodeExists(build.nodeId()) == false) {
            settle(
                    model,
                    isImport,
                    "interrupted: node [" + build.nodeId() + "] left the cluster before " + what + " finished",
                    listener);
            return;
        }
        client.admin()
                .cluster()
                .getTask(
                        new GetTaskRequest().setTaskId(new TaskId(build.taskId())),
                        ActionListener.wrap(
                                response -> {
                                    if (response.getTask().isCompleted()) {
                                        settle(
                                                model,
                                                isImport,
                                                "interrupted: task [" + build.taskId()
                                                        + "] ended without recording its outcome",
                                                listener);
                                    } else {
                                        listener.onResponse(model);
                                    }
                                },
                                e -> settle(
                                        model,
                                        isImport,
                                        "interrupted: task [" + build.taskId() + "] no longer runs (" + e.getMessage()
                                                + ")",
                                        listener)));
    }

    /**
     * Why a build recorded as running on this node, which no task of this node runs, is over: the node restarted since
     * it began, or it ended here without recording how (its outcome's write failed, say), which is worth telling apart
     * when an operator reads the status.
     */
    static String interruptedHere(long buildStartedAt, long nodeStartedAt, String what) {
        return buildStartedAt < nodeStartedAt
                ? "interrupted: its node restarted before " + what + " finished"
                : "interrupted: " + what + " ended on its node without recording its outcome";
    }

    private void settle(StoredModel model, boolean isImport, String reason, ActionListener<StoredModel> listener) {
        long now = System.currentTimeMillis();
        store.updateStatus(
                model,
                status -> isImport
                        ? status.withImport(status.importing().finish(Training.State.FAILED, now, reason))
                        : status.withTraining(status.training().finish(Training.State.FAILED, now, reason)),
                "model [" + model.name() + "] changed while settling its interrupted "
                        + (isImport ? "import" : "training"),
                listener);
    }
}
