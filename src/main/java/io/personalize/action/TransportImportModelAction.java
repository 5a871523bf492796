package io.personalize.action;

import io.personalize.model.ModelLines;
import io.personalize.model.ModelStatus;
import io.personalize.model.ModelStore;
import io.personalize.model.ModelVersions;
import io.personalize.model.VersionWriter;

import io.personalize.stats.ServingStats;

import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.HandledTransportAction;
import org.elasticsearch.tasks.CancellableTask;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.threadpool.ThreadPool;
import org.elasticsearch.transport.TransportService;
import org.elasticsearch.injection.guice.Inject;

import java.util.concurrent.Executor;
import java.util.function.UnaryOperator;

/**
 * Writes the imported lines into a new version index, parsing them as they are written, and activates the version
 * only when every line was valid and written.
 */
public final class TransportImportModelAction extends HandledTransportAction<ImportModelAction.Request, ImportModelAction.Response> {

    private final ModelStore store;
    private final ModelVersions versions;
    private final Executor executor;
    private final ServingStats stats;

    @Inject
    public TransportImportModelAction(
        TransportService transportService,
        ActionFilters actionFilters,
        ModelStore store,
        ModelVersions versions,
        ServingStats stats
    ) {
        // parsing the lines is CPU work: not on a network thread
        super(
            ImportModelAction.NAME,
            transportService,
            actionFilters,
            ImportModelAction.Request::new,
            transportService.getThreadPool().executor(ThreadPool.Names.GENERIC)
        );
        this.store = store;
        this.versions = versions;
        this.stats = stats;
        this.executor = transportService.getThreadPool().executor(ThreadPool.Names.GENERIC);
    }

    @Override
    protected void doExecute(Task task, ImportModelAction.Request request, ActionListener<ImportModelAction.Response> outcome) {
        ActionListener<ImportModelAction.Response> listener = stats.timed(ServingStats.Endpoint.IMPORT, outcome);
        long start = System.currentTimeMillis();
        if (ModelLines.hasLines(request.lines()) == false) {
            listener.onFailure(new IllegalArgumentException(ImportModelAction.NO_LINES));
            return;
        }
        store.get(request.name(), listener.delegateFailureAndWrap((l, model) -> versions.reserve(
            model,
            UnaryOperator.identity(),
            "model [" + request.name() + "] changed during the import, try again",
            l.delegateFailureAndWrap((l2, pending) -> {
                VersionWriter writer = new VersionWriter(store.systemClient(), executor, task instanceof CancellableTask c ? c : null);
                ModelLines lines = new ModelLines(request.lines());
                ActionListener<Void> written = ActionListener.wrap(ok -> {
                    ModelStatus.Version version = new ModelStatus.Version(
                        pending.version(),
                        pending.index(),
                        ModelStatus.Version.IMPORTED,
                        System.currentTimeMillis(),
                        0,
                        lines.users(),
                        lines.items(),
                        0,
                        System.currentTimeMillis() - start,
                        null,
                        start,
                        null
                    );
                    versions.activate(pending, version, UnaryOperator.identity(), l2.map(activated -> new ImportModelAction.Response(request.name(), version)));
                }, e -> versions.abandon(pending, e, UnaryOperator.identity(), l2));
                writer.createIndex(pending.index(), written.delegateFailureAndWrap((w, created) -> writer.write(pending.index(), lines, (d, t) -> {}, -1, w)));
            })
        )));
    }
}
