package io.personalize.action;

import io.personalize.model.ImportVersions;
import io.personalize.model.ModelLines;
import io.personalize.model.ModelStatus;
import io.personalize.model.ModelStore;
import io.personalize.model.ModelVersions;
import io.personalize.model.TrainingRegistry;
import io.personalize.model.VersionWriter;
import io.personalize.stats.ServingStats;
import java.util.concurrent.Executor;
import org.elasticsearch.ElasticsearchStatusException;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.HandledTransportAction;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.injection.guice.Inject;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.tasks.CancellableTask;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.threadpool.ThreadPool;
import org.elasticsearch.transport.TransportService;

/**
 * Writes the imported lines into a new version index, parsing them as they are written, and activates the version
 * only when every line was valid and written, and {@link io.personalize.model.ActivationRule} allows it. The import is recorded in the
 * model's status as a training is ({@code status.import}: running on a node, then how it ended), so that an import
 * whose node died shows as interrupted and its partial index is known to be an orphan. One import per model at a time.
 */
public final class TransportImportModelAction
        extends HandledTransportAction<ImportModelAction.Request, ImportModelAction.Response> {

    private final ModelStore store;
    private final ModelVersions versions;
    private final TrainingRegistry builds;
    private final ClusterService clusterService;
    private final Executor executor;
    private final ServingStats stats;

    @Inject
    public TransportImportModelAction(
            TransportService transportService,
            ActionFilters actionFilters,
            ClusterService clusterService,
            ModelStore store,
            ModelVersions versions,
            TrainingRegistry builds,
            ServingStats stats) {
        // parsing the lines is CPU work: not on a network thread
        super(
                ImportModelAction.NAME,
                transportService,
                actionFilters,
                ImportModelAction.Request::new,
                transportService.getThreadPool().executor(ThreadPool.Names.GENERIC));
        this.store = store;
        this.versions = versions;
        this.builds = builds;
        this.clusterService = clusterService;
        this.stats = stats;
        this.executor = transportService.getThreadPool().executor(ThreadPool.Names.GENERIC);
    }

    @Override
    protected void doExecute(
            Task task, ImportModelAction.Request request, ActionListener<ImportModelAction.Response> outcome) {
        ActionListener<ImportModelAction.Response> listener = stats.timed(ServingStats.Endpoint.IMPORT, outcome);
        long start = System.currentTimeMillis();
        if (ModelLines.hasLines(request.lines()) == false) {
            listener.onFailure(new IllegalArgumentException(ImportModelAction.NO_LINES));
            return;
        }
        String name = request.name();
        String nodeId = clusterService.localNode().getId();
        String taskId = nodeId + ":" + task.getId();
        CancellableTask cancellable = task instanceof CancellableTask c ? c : null;
        store.get(
                name,
                listener.delegateFailureAndWrap(
                        (l, stored) -> builds.settleInterrupted(stored, l.delegateFailureAndWrap((l1, model) -> {
                            ModelStatus.Version made = imported(model.status(), request.importId());
                            if (made != null) {
                                // sent again (its answer was lost): the version it made, not a second one
                                l1.onResponse(new ImportModelAction.Response(name, made, true));
                                return;
                            }
                            if (model.status().isImporting()) {
                                throw new ElasticsearchStatusException(
                                        "model [" + name + "] is already importing (task ["
                                                + model.status().importing().taskId() + "]); wait for it to finish",
                                        RestStatus.CONFLICT);
                            }
                            // registered before the status says "running": a node that reads it meanwhile must not take
                            // it for dead
                            if (cancellable != null && builds.registerImport(name, cancellable) == false) {
                                throw new ElasticsearchStatusException(
                                        "model [" + name + "] is already importing on this node", RestStatus.CONFLICT);
                            }
                            // unregistered before the answer goes out: the caller's next request must find this node
                            // free
                            ActionListener<ImportModelAction.Response> done = cancellable == null
                                    ? l1
                                    : ActionListener.runBefore(l1, () -> builds.unregisterImport(name, cancellable));
                            versions.reserve(
                                    model,
                                    ImportVersions.running(taskId, nodeId, start),
                                    "model [" + name + "] changed during the import, try again",
                                    done.delegateFailureAndWrap(
                                            (l2, pending) -> write(request, pending, cancellable, start, l2)));
                        }))));
    }

    /** The kept version an import of {@code importId} made, or null (none, or no id). */
    static ModelStatus.Version imported(ModelStatus status, String importId) {
        if (importId == null) {
            return null;
        }
        for (ModelStatus.Version version : status.versions()) {
            if (importId.equals(version.importId())) {
                return version;
            }
        }
        return null;
    }

    private void write(
            ImportModelAction.Request request,
            ModelVersions.Pending pending,
            CancellableTask task,
            long start,
            ActionListener<ImportModelAction.Response> listener) {
        VersionWriter writer = new VersionWriter(store.systemClient(), executor, task);
        ModelLines lines = new ModelLines(request.lines());
        ActionListener<ModelStatus.Version> activated =
                listener.map(version -> new ImportModelAction.Response(request.name(), version));
        // whatever fails, from the first line to the activation itself: the version is deleted and the status says why
        ActionListener<Void> written = ImportVersions.abandonOnFailure(versions, pending, activated)
                .delegateFailureAndWrap((l, ok) -> ImportVersions.activate(
                        versions,
                        pending,
                        lines.users(),
                        lines.items(),
                        request.newestEvent(),
                        start,
                        request.importId(),
                        activated));
        writer.createIndex(
                pending.index(),
                written.delegateFailureAndWrap(
                        (w, created) -> writer.write(pending.index(), lines, (d, t) -> {}, -1, w)));
    }
}
