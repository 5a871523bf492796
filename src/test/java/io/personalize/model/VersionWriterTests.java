package io.personalize.model;

import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.elasticsearch.ResourceAlreadyExistsException;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.ActionRequest;
import org.elasticsearch.action.ActionResponse;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.action.admin.indices.create.CreateIndexRequest;
import org.elasticsearch.action.bulk.BulkItemResponse;
import org.elasticsearch.action.bulk.BulkRequest;
import org.elasticsearch.action.bulk.BulkResponse;
import org.elasticsearch.action.support.PlainActionFuture;
import org.elasticsearch.test.ESTestCase;
import org.elasticsearch.test.client.NoOpClient;
import org.elasticsearch.threadpool.TestThreadPool;
import org.elasticsearch.threadpool.ThreadPool;
import org.elasticsearch.transport.RemoteTransportException;

public class VersionWriterTests extends ESTestCase {

    /** A node that indexes instantly: each bulk is answered at once, from another thread, without failures. */
    private static NoOpClient instantBulks(ThreadPool threadPool, AtomicLong indexed) {
        return new NoOpClient(threadPool) {
            @Override
            @SuppressWarnings("unchecked")
            protected <Request extends ActionRequest, Response extends ActionResponse> void doExecute(
                    ActionType<Response> action, Request request, ActionListener<Response> listener) {
                BulkRequest bulk = (BulkRequest) request;
                threadPool.generic().execute(() -> {
                    indexed.addAndGet(bulk.numberOfActions());
                    listener.onResponse((Response) new BulkResponse(new BulkItemResponse[0], 0));
                });
            }
        };
    }

    /** Documents that take a while to build, as users' profiles do: slower than the node answers the bulks. */
    private static Iterator<VersionWriter.Doc> slowDocs(int count) {
        return new Iterator<>() {
            int next;

            @Override
            public boolean hasNext() {
                return next < count;
            }

            @Override
            public VersionWriter.Doc next() {
                long until = System.nanoTime() + 20_000; // 20 µs a document: 40 ms a batch
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
                String id = "u" + next++;
                return new VersionWriter.Doc(id, ("{\"user\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8));
            }
        };
    }

    /**
     * The training pool has one thread and a bounded queue. When bulks are answered faster than batches are built,
     * the fill that builds keeps its thread; every answer used to queue a fill of its own, and the 101st was rejected,
     * failing a 20-million-event training in its writing phase. One fill is queued at a time now.
     */
    public void testBulksAnsweredFasterThanBatchesAreBuiltDoNotFloodTheExecutorsQueue() throws Exception {
        ThreadPool threadPool = new TestThreadPool(getTestName());
        ThreadPoolExecutor trainingPool =
                new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(2));
        try {
            AtomicLong indexed = new AtomicLong();
            int docs = 30 * VersionWriter.BATCH_DOCS;
            VersionWriter writer = new VersionWriter(instantBulks(threadPool, indexed), trainingPool, null);
            PlainActionFuture<Void> written = new PlainActionFuture<>();
            AtomicLong progress = new AtomicLong();
            writer.write("v1", slowDocs(docs), (done, total) -> progress.set(done), docs, false, written);
            written.actionGet(60, TimeUnit.SECONDS);
            assertEquals(docs, indexed.get());
            assertBusy(() -> assertEquals(docs, progress.get()));
        } finally {
            trainingPool.shutdownNow();
            ThreadPool.terminate(threadPool, 10, TimeUnit.SECONDS);
        }
    }

    /** A node whose elected master answers every index creation with {@code failure}. */
    private static NoOpClient creationFails(ThreadPool threadPool, Exception failure) {
        return new NoOpClient(threadPool) {
            @Override
            protected <Request extends ActionRequest, Response extends ActionResponse> void doExecute(
                    ActionType<Response> action, Request request, ActionListener<Response> listener) {
                assertTrue(request instanceof CreateIndexRequest);
                listener.onFailure(new RemoteTransportException("node-1", failure));
            }
        };
    }

    /**
     * A version's index creation applied by an elected master that died before it answered is sent again by
     * Elasticsearch to the next master, which finds the index: the index is this build's own (its name is), and the
     * build goes on. A training whose master was killed as it created its version index used to fail with a 400
     * {@code resource_already_exists_exception} naming its own index ({@code ActivationUnderFaultsIT}).
     */
    public void testAVersionIndexFoundByTheCreationSentAgainIsTheBuildsOwn() {
        ThreadPool threadPool = new TestThreadPool(getTestName());
        try {
            VersionWriter writer = new VersionWriter(
                    creationFails(threadPool, new ResourceAlreadyExistsException("v2")), Runnable::run, null);
            PlainActionFuture<Void> created = new PlainActionFuture<>();
            writer.createIndex("v2", created);
            assertNull(created.actionGet(10, TimeUnit.SECONDS));
            // any other failure stays one
            VersionWriter refused = new VersionWriter(
                    creationFails(threadPool, new IllegalArgumentException("no")), Runnable::run, null);
            PlainActionFuture<Void> failed = new PlainActionFuture<>();
            refused.createIndex("v2", failed);
            expectThrows(IllegalArgumentException.class, () -> failed.actionGet(10, TimeUnit.SECONDS));
        } finally {
            ThreadPool.terminate(threadPool, 10, TimeUnit.SECONDS);
        }
    }
}
