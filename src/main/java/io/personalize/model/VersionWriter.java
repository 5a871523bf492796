package io.personalize.model;

import java.util.Iterator;
import java.util.concurrent.Executor;
import org.elasticsearch.ExceptionsHelper;
import org.elasticsearch.ResourceAlreadyExistsException;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.admin.indices.create.CreateIndexRequest;
import org.elasticsearch.action.admin.indices.flush.FlushRequest;
import org.elasticsearch.action.admin.indices.refresh.RefreshRequest;
import org.elasticsearch.action.bulk.BulkRequest;
import org.elasticsearch.action.index.IndexRequest;
import org.elasticsearch.action.support.ActiveShardCount;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.tasks.CancellableTask;
import org.elasticsearch.tasks.TaskCancelledException;
import org.elasticsearch.xcontent.XContentType;

/**
 * Writes one model version into its own index: creates the index, bulk-writes the documents in batches, then refreshes
 * and flushes. Two batches are in flight at a time: the next one is built while the node indexes the previous ones,
 * and a big model still never floods the write queue. The index is written with an asynchronous translog (a version is
 * rebuilt, not recovered, if its node dies while it is written) and flushed once complete, so that it is durable
 * before it becomes active. Nothing reads a version index before the model's status points at it, so a half-written
 * version is never served.
 */
public final class VersionWriter {

    public static final int BATCH_DOCS = 2_000;
    private static final long BATCH_BYTES = 5L << 20;
    static final int MAX_IN_FLIGHT = 2;

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
        CreateIndexRequest create = new CreateIndexRequest(index)
                .settings(ModelIndices.dataSettings())
                .mapping(ModelIndices.dataMappings())
                .waitForActiveShards(ActiveShardCount.ONE);
        client.admin().indices().create(create, ActionListener.wrap(created -> listener.onResponse(null), e -> {
            if (ExceptionsHelper.unwrapCause(e) instanceof ResourceAlreadyExistsException) {
                // the name is this build's alone (the model's uuid, a version number reserved once): an elected master
                // applied this very creation and died before it answered, and Elasticsearch sent it again to the next
                // master, which found the index. It is ours; the first bulk waits for its primary.
                listener.onResponse(null);
            } else {
                listener.onFailure(e);
            }
        }));
    }

    /**
     * Writes every document of {@code docs}; {@code progress} gets the number written after each batch. On failure or
     * cancellation the listener is told only once no batch is in flight any more, so that deleting the index then
     * leaves nothing behind (a late bulk would create it again).
     */
    public void write(
            String index,
            Iterator<Doc> docs,
            EventReader.ProgressListener progress,
            long total,
            ActionListener<Void> listener) {
        write(index, docs, progress, total, true, listener);
    }

    /**
     * {@link #write}, refreshing and flushing the index at the end only if {@code finish}: an import session writes
     * its parts unfinished and {@link #finish}es the index once, when it completes.
     */
    public void write(
            String index,
            Iterator<Doc> docs,
            EventReader.ProgressListener progress,
            long total,
            boolean finish,
            ActionListener<Void> listener) {
        // on our executor: the caller is often the create-index callback, which runs on the cluster applier thread, and
        // building a batch of user profiles there would hold up every cluster state update of the node
        Run run = new Run(index, docs, progress, total, finish, listener);
        try {
            executor.execute(run::fill);
        } catch (Exception rejected) {
            listener.onFailure(rejected);
        }
    }

    private final class Run {
        private final String index;
        private final Iterator<Doc> docs;
        private final EventReader.ProgressListener progress;
        private final long total;
        private final boolean finish;
        private final ActionListener<Void> listener;
        // guarded by this
        private int inFlight;
        private boolean exhausted;
        private boolean building;
        private boolean fillQueued;
        private boolean finished;
        private long written;
        private Exception failure;

        Run(
                String index,
                Iterator<Doc> docs,
                EventReader.ProgressListener progress,
                long total,
                boolean finish,
                ActionListener<Void> listener) {
            this.index = index;
            this.docs = docs;
            this.progress = progress;
            this.total = total;
            this.finish = finish;
            this.listener = listener;
        }

        /**
         * Builds and sends batches until {@link #MAX_IN_FLIGHT} are in flight or the documents run out. One caller at a
         * time builds (outside the lock: building a batch of user profiles is the expensive part); a caller that finds
         * another one building leaves the free slot to it.
         */
        void fill() {
            synchronized (this) {
                fillQueued = false; // a batch completed from now on queues another fill
            }
            while (true) {
                synchronized (this) {
                    if (building || failure != null || exhausted || inFlight >= MAX_IN_FLIGHT) {
                        break;
                    }
                    if (task != null && task.isCancelled()) {
                        failure = new TaskCancelledException("task cancelled [" + task.getReasonCancelled() + "]");
                        break;
                    }
                    building = true;
                    inFlight++; // the slot is ours while we build
                }
                BulkRequest bulk = null;
                Exception error = null;
                try {
                    bulk = nextBatch();
                } catch (Exception e) {
                    error = e; // an import's bad line, say
                }
                synchronized (this) {
                    building = false;
                    if (error != null || bulk == null) {
                        inFlight--;
                        if (error != null) {
                            failure = failure == null ? error : failure;
                        } else {
                            exhausted = true;
                        }
                        break;
                    }
                }
                int actions = bulk.numberOfActions();
                client.bulk(
                        bulk,
                        ActionListener.wrap(
                                response -> {
                                    Exception failed = response.hasFailures()
                                            ? new IllegalStateException("writing model version [" + index + "] failed: "
                                                    + response.buildFailureMessage())
                                            : null;
                                    done(actions, failed);
                                },
                                e -> done(0, e)));
            }
            maybeFinish();
        }

        private BulkRequest nextBatch() {
            if (docs.hasNext() == false) {
                return null;
            }
            BulkRequest bulk = new BulkRequest(index);
            while (docs.hasNext() && bulk.numberOfActions() < BATCH_DOCS && bulk.estimatedSizeInBytes() < BATCH_BYTES) {
                Doc doc = docs.next();
                bulk.add(new IndexRequest().id(doc.id()).source(doc.json(), XContentType.JSON));
            }
            return bulk;
        }

        private void done(int actions, Exception e) {
            long nowWritten;
            boolean queueFill;
            synchronized (this) {
                inFlight--;
                // one fill queued at a time: while a fill builds batch after batch (bulks answering faster than
                // batches are built), each answer queuing its own fill would fill the executor's queue and reject
                queueFill = fillQueued == false;
                fillQueued = true;
                if (e != null) {
                    if (failure == null) {
                        failure = e;
                    } else if (failure != e) {
                        failure.addSuppressed(e);
                    }
                }
                written += actions;
                nowWritten = written;
            }
            if (e == null) {
                progress.onProgress(nowWritten, total);
            }
            if (queueFill == false) {
                return; // the fill queued already runs after this answer and sees its free slot
            }
            // the next batch is built on our executor, not on the thread that completed the bulk
            try {
                executor.execute(this::fill);
            } catch (Exception rejected) {
                synchronized (this) {
                    fillQueued = false; // none is queued: the next answer tries again, and finishes once none is left
                    if (failure == null) {
                        failure = rejected;
                    }
                }
                maybeFinish();
            }
        }

        private void maybeFinish() {
            Exception failed;
            synchronized (this) {
                if (finished || inFlight > 0 || (failure == null && exhausted == false)) {
                    return;
                }
                finished = true;
                failed = failure;
            }
            if (failed != null) {
                listener.onFailure(failed);
            } else if (finish) {
                finish(index, listener);
            } else {
                listener.onResponse(null);
            }
        }
    }

    /** Makes a written version searchable, then durable: the translog was asynchronous while writing. */
    public void finish(String index, ActionListener<Void> listener) {
        client.admin()
                .indices()
                .refresh(new RefreshRequest(index), listener.delegateFailureAndWrap((l, refreshed) -> client.admin()
                        .indices()
                        .flush(new FlushRequest(index), l.map(flushed -> null))));
    }
}
