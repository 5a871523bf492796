package io.personalize.model;

import io.personalize.compat.ClusterEvents;
import io.personalize.compat.ClusterMetadata;
import io.personalize.model.ModelStatus.Training;
import io.personalize.model.ModelStore.StoredModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.support.RefCountingListener;
import org.elasticsearch.cluster.ClusterChangedEvent;
import org.elasticsearch.cluster.ClusterState;
import org.elasticsearch.cluster.ClusterStateListener;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.settings.Setting;
import org.elasticsearch.core.TimeValue;
import org.elasticsearch.gateway.GatewayService;
import org.elasticsearch.threadpool.Scheduler;
import org.elasticsearch.threadpool.ThreadPool;

/**
 * Finds and deletes orphaned version indices, on the elected master only, as Elasticsearch's own
 * {@code PersistentTasksClusterService} reacts to cluster changes: when the node becomes master (a cluster's start), when
 * nodes leave the cluster (their builds died with them), and every {@link #CHECK_INTERVAL}.
 * <p>
 * A version index is an orphan when it is none of: a kept version of its model (the model existing, with the uuid the
 * index name carries), or the version a training or import of that model is building on a node that is alive and runs
 * it. A node that dies while it writes a version (a crash, a kill) leaves such an index behind, and so may a build
 * whose model was deleted under it. The cluster's indices are read before the models, so that a build whose index
 * exists is always seen as reserved (builds reserve their version before they create its index); a build whose node
 * is dead is recorded as interrupted in its model's status before its index is deleted, so that a late activation of
 * it is refused ({@link ActivationRule}). When the models cannot be read completely (their index not yet recovered,
 * say), nothing is deleted and the check is tried again a little later.
 */
public final class OrphanVersionCleaner implements ClusterStateListener {

    private static final Logger logger = LogManager.getLogger(OrphanVersionCleaner.class);

    public static final Setting<TimeValue> CHECK_INTERVAL = Setting.timeSetting(
            "personalize.versions.orphan_check_interval",
            TimeValue.timeValueMinutes(10),
            TimeValue.timeValueSeconds(1),
            Setting.Property.NodeScope);

    private static final TimeValue RETRY_DELAY = TimeValue.timeValueSeconds(5);
    /** Tries after becoming master, while the models cannot be read yet: about five minutes. */
    private static final int ELECTED_ATTEMPTS = 60;

    private final ClusterService clusterService;
    private final ThreadPool threadPool;
    private final ModelStore store;
    private final TrainingRegistry builds;
    private final TimeValue interval;
    private final AtomicBoolean running = new AtomicBoolean();
    private Scheduler.Cancellable periodic; // guarded by this

    public OrphanVersionCleaner(
            ClusterService clusterService, ThreadPool threadPool, ModelStore store, TrainingRegistry builds) {
        this.clusterService = clusterService;
        this.threadPool = threadPool;
        this.store = store;
        this.builds = builds;
        this.interval = CHECK_INTERVAL.get(clusterService.getSettings());
    }

    /** Cluster state updates arrive on the applier thread: everything here only schedules work on the generic pool. */
    @Override
    public void clusterChanged(ClusterChangedEvent event) {
        if (event.localNodeMaster() == false) {
            stopPeriodic();
            return;
        }
        if (event.previousState().nodes().isLocalNodeElectedMaster() == false) {
            startPeriodic();
            schedule(TimeValue.ZERO, ELECTED_ATTEMPTS);
        } else if (ClusterEvents.justRecovered(event)) {
            schedule(TimeValue.ZERO, ELECTED_ATTEMPTS); // the indices read from disk are known from now on
        } else if (event.nodesRemoved()) {
            schedule(TimeValue.ZERO, 3);
        }
    }

    private synchronized void startPeriodic() {
        if (periodic == null) {
            periodic = threadPool.scheduleWithFixedDelay(() -> check(1), interval, threadPool.generic());
        }
    }

    private synchronized void stopPeriodic() {
        if (periodic != null) {
            periodic.cancel();
            periodic = null;
        }
    }

    private void schedule(TimeValue delay, int attempts) {
        threadPool.schedule(() -> check(attempts), delay, threadPool.generic());
    }

    /** One check; when it cannot complete (or another one runs), tried again later while {@code attempts} remain. */
    void check(int attempts) {
        if (clusterService.state().nodes().isLocalNodeElectedMaster() == false) {
            return;
        }
        if (running.compareAndSet(false, true) == false) {
            if (attempts > 1) {
                schedule(RETRY_DELAY, attempts - 1);
            }
            return;
        }
        run(ActionListener.wrap(
                deleted -> {
                    running.set(false);
                    if (deleted.isEmpty() == false) {
                        logger.info("deleted orphaned model version indices {}", deleted);
                    }
                },
                e -> {
                    running.set(false);
                    if (attempts > 1) {
                        logger.debug("could not check for orphaned model version indices; trying again", e);
                        schedule(RETRY_DELAY, attempts - 1);
                    } else {
                        logger.warn("could not check for orphaned model version indices", e);
                    }
                }));
    }

    /** Finds and deletes the orphans; answers the indices deleted. */
    public void run(ActionListener<List<String>> listener) {
        // the indices first, then the models (see the class comment)
        ClusterState state = clusterService.state();
        if (state.blocks().hasGlobalBlock(GatewayService.STATE_NOT_RECOVERED_BLOCK)) {
            listener.onFailure(new IllegalStateException("the cluster state is not recovered yet"));
            return;
        }
        List<String> indices = new ArrayList<>();
        for (String index : ClusterMetadata.indices(state).keySet()) {
            if (ModelIndices.parseDataIndex(index) != null) {
                indices.add(index);
            }
        }
        if (indices.isEmpty()) {
            listener.onResponse(List.of());
            return;
        }
        boolean modelsExist = ClusterMetadata.hasIndex(state, ModelIndices.MODELS);
        ActionListener<List<StoredModel>> withModels = listener.delegateFailureAndWrap(
                (l, models) -> settleDeadBuilds(models, l.delegateFailureAndWrap((l2, settled) -> {
                    List<String> orphans = orphans(indices, settled, this::alive);
                    store.deleteIndices(orphans, l2.map(ok -> orphans));
                })));
        if (modelsExist) {
            store.listAll(withModels);
        } else {
            withModels.onResponse(List.of()); // no model at all: every version index is an orphan
        }
    }

    /** Whether {@code build} (of {@code model}) runs on a node that is in the cluster and, if it is this node, runs it. */
    private boolean alive(StoredModel model, Training build, boolean isImport) {
        if (isImport
                && ImportSessionRecords.of(clusterService.state())
                        .holds(model.name(), model.status().uuid(), build.version())) {
            return true; // an import session outlives its node, until the master abandons it (ImportSessions)
        }
        if (build.nodeId() == null || clusterService.state().nodes().nodeExists(build.nodeId()) == false) {
            return false;
        }
        if (build.nodeId().equals(clusterService.localNode().getId())) {
            return isImport ? builds.runsImport(model.name()) : builds.runsTraining(model.name());
        }
        return true; // another live node: it settles its own builds if it restarted (TrainingRegistry)
    }

    interface Liveness {
        boolean alive(StoredModel model, Training build, boolean isImport);
    }

    /** Records the builds whose node is dead as interrupted, so that nothing activates them after their index is gone. */
    private void settleDeadBuilds(List<StoredModel> models, ActionListener<List<StoredModel>> listener) {
        Map<String, StoredModel> settled = new ConcurrentHashMap<>();
        try (RefCountingListener refs = new RefCountingListener(listener.map(ignored -> {
            List<StoredModel> result = new ArrayList<>();
            for (StoredModel model : models) {
                result.add(settled.getOrDefault(model.name(), model));
            }
            return result;
        }))) {
            for (StoredModel model : models) {
                boolean dead = dead(model, model.status().training(), false)
                        || dead(model, model.status().importing(), true);
                if (dead) {
                    // should it fail, nothing is deleted this time: its index goes only once the status says why
                    builds.settleInterrupted(model, refs.acquire(s -> settled.put(s.name(), s)));
                }
            }
        }
    }

    private boolean dead(StoredModel model, Training build, boolean isImport) {
        return build != null && build.state() == Training.State.RUNNING && alive(model, build, isImport) == false;
    }

    /**
     * The version indices among {@code indices} that belong to no kept version and to no live build of their model
     * (pure: the rule itself, tested alone).
     */
    static List<String> orphans(List<String> indices, List<StoredModel> models, Liveness liveness) {
        Map<String, StoredModel> byName = new HashMap<>();
        models.forEach(m -> byName.put(m.name(), m));
        Set<String> keep = new HashSet<>();
        for (StoredModel model : models) {
            ModelStatus status = model.status();
            status.versions().forEach(v -> keep.add(v.index()));
            for (boolean isImport : new boolean[] {false, true}) {
                Training build = isImport ? status.importing() : status.training();
                if (build != null
                        && build.state() == Training.State.RUNNING
                        && liveness.alive(model, build, isImport)) {
                    keep.add(ModelIndices.dataIndex(model.name(), status.uuid(), build.version()));
                }
            }
        }
        List<String> orphans = new ArrayList<>();
        for (String index : indices) {
            ModelIndices.DataIndex parsed = ModelIndices.parseDataIndex(index);
            if (parsed == null) {
                continue;
            }
            StoredModel model = byName.get(parsed.model());
            if (model == null
                    || Objects.equals(model.status().uuid(), parsed.uuid()) == false
                    || keep.contains(index) == false) {
                orphans.add(index);
            }
        }
        return orphans;
    }
}
