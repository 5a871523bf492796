package io.personalize.model;

import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.ActionRunnable;
import org.elasticsearch.action.admin.indices.create.CreateIndexRequest;
import org.elasticsearch.action.admin.indices.refresh.RefreshRequest;
import org.elasticsearch.action.bulk.BulkRequest;
import org.elasticsearch.action.index.IndexRequest;
import org.elasticsearch.action.support.ActiveShardCount;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.tasks.CancellableTask;
import org.elasticsearch.xcontent.XContentType;

import java.util.Iterator;
import java.util.concurrent.Executor;

/**
 * Writes one model version into its own index: creates the index, bulk-writes the documents in batches (one batch in
 * flight at a time, so a big model never floods the write queue), then refreshes. Nothing reads a version index before
 * the model's status points at it, so a half-written version is never served.
 */
public final class VersionWriter {

    public static final int BATCH_DOCS = 2_000;
    private static final long BATCH_BYTES = 5L << 20;

    /** One document to write: its id and its JSON source. */
    public record Doc(String id, byte[] json) {}

    private final Client client;
    private final Executor executor;
    private final CancellableTask task;

    public VersionWriter(Client client, Executor executor, CancellableTask task) {
        this.client = client;
        this.executor = executor;
        this.task = task;
    }

    public void createIndex(String index, ActionListener<Void> listener) {
        CreateIndexRequest create = new CreateIndexRequest(index).settings(ModelIndices.dataSettings())
            .mapping(ModelIndices.dataMappings())
            .waitForActiveShards(ActiveShardCount.ONE);
        client.admin().indices().create(create, listener.map(r -> null));
    }

    /** Writes every document of {@code docs}; {@code progress} gets the number written after each batch. */
    public void write(String index, Iterator<Doc> docs, EventReader.ProgressListener progress, long total, ActionListener<Void> listener) {
        writeBatch(index, docs, progress, total, 0, listener);
    }

    private void writeBatch(String index, Iterator<Doc> docs, EventReader.ProgressListener progress, long total, long written, ActionListener<Void> listener) {
        if (task != null && task.isCancelled()) {
            task.notifyIfCancelled(listener);
            return;
        }
        if (docs.hasNext() == false) {
            client.admin().indices().refresh(new RefreshRequest(index), listener.map(r -> null));
            return;
        }
        BulkRequest bulk = new BulkRequest(index);
        while (docs.hasNext() && bulk.numberOfActions() < BATCH_DOCS && bulk.estimatedSizeInBytes() < BATCH_BYTES) {
            Doc doc = docs.next();
            bulk.add(new IndexRequest().id(doc.id()).source(doc.json(), XContentType.JSON));
        }
        long done = written + bulk.numberOfActions();
        client.bulk(bulk, listener.delegateFailureAndWrap((l, response) -> {
            if (response.hasFailures()) {
                l.onFailure(new IllegalStateException("writing model version [" + index + "] failed: " + response.buildFailureMessage()));
                return;
            }
            progress.onProgress(done, total);
            // the next batch is built on our executor, not on the thread that completed the bulk
            executor.execute(ActionRunnable.wrap(l, next -> writeBatch(index, docs, progress, total, done, next)));
        }));
    }
}
