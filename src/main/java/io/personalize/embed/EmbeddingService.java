package io.personalize.embed;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.support.ContextPreservingActionListener;
import org.elasticsearch.common.settings.Setting;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.util.concurrent.EsExecutors;
import org.elasticsearch.common.util.concurrent.EsRejectedExecutionException;
import org.elasticsearch.common.util.concurrent.ThreadContext;
import org.elasticsearch.threadpool.ExecutorBuilder;
import org.elasticsearch.threadpool.FixedExecutorBuilder;

/**
 * Runs model inference off the transport and write threads, on the node's {@code personalize_embed} pool (one thread
 * per allocated processor by default: {@code thread_pool.personalize_embed.size}), and batches texts across callers.
 * <p>
 * Texts wait in one queue per model; every submission schedules one drain task, and a drain task takes up to
 * {@link #BATCH_SIZE} waiting texts into one inference call. While the pool is busy, the texts of the next documents of
 * a bulk request pile up and go through together; an idle node runs a single text at once (no waiting for a batch to
 * fill). At most {@link #MAX_PENDING} texts wait per node: beyond that a submission is rejected with a 429, as a full
 * write queue is.
 * <p>
 * The batch size is 1 by default: the int8 MiniLM quantizes its activations per call (dynamic quantization over the
 * whole batch tensor), so a text batched with others gets a vector up to 3% off (cosine .97-.99 with its vector alone)
 * that depends on its neighbours in the queue, and the same product would get different vectors on different nodes.
 * Batching also bought nothing on product titles here (1,536 titles/s one at a time, 1,534 in batches of 32, one
 * thread, after warm-up). A float32 model may set {@code personalize.embed.batch_size} above 1.
 */
public final class EmbeddingService {

    public static final String THREAD_POOL = "personalize_embed";

    public static final Setting<Integer> BATCH_SIZE =
            Setting.intSetting("personalize.embed.batch_size", 1, 1, 1024, Setting.Property.NodeScope);
    public static final Setting<Integer> MAX_PENDING =
            Setting.intSetting("personalize.embed.max_pending", 10_000, 1, 1_000_000, Setting.Property.NodeScope);

    private final Executor executor;
    // null in unit tests without a node
    private final ThreadContext threadContext;
    private final int batchSize;
    private final int maxPending;
    private final AtomicInteger pending = new AtomicInteger();
    private final Map<SentenceEmbedder, Queue<Text>> queues = new ConcurrentHashMap<>();

    public EmbeddingService(Executor executor, ThreadContext threadContext, Settings settings) {
        this(executor, threadContext, BATCH_SIZE.get(settings), MAX_PENDING.get(settings));
    }

    EmbeddingService(Executor executor, ThreadContext threadContext, int batchSize, int maxPending) {
        this.executor = executor;
        this.threadContext = threadContext;
        this.batchSize = batchSize;
        this.maxPending = maxPending;
    }

    public Executor executor() {
        return executor;
    }

    public static List<Setting<?>> settings() {
        return List.of(BATCH_SIZE, MAX_PENDING);
    }

    public static ExecutorBuilder<?> executorBuilder(Settings settings) {
        return new FixedExecutorBuilder(
                settings,
                THREAD_POOL,
                EsExecutors.allocatedProcessors(settings),
                // unbounded: MAX_PENDING bounds the texts, and each waiting task stands for one of them
                -1,
                "thread_pool." + THREAD_POOL,
                EsExecutors.TaskTrackingConfig.DO_NOT_TRACK);
    }

    /** The vectors of {@code texts}, in order, to {@code listener} on a pool thread (or a rejection, at once). */
    public void embed(SentenceEmbedder model, List<String> texts, ActionListener<float[][]> listener) {
        if (texts.isEmpty()) {
            listener.onResponse(new float[0][]);
            return;
        }
        if (pending.addAndGet(texts.size()) > maxPending) {
            pending.addAndGet(-texts.size());
            listener.onFailure(new EsRejectedExecutionException(
                    "[" + THREAD_POOL + "] more than " + maxPending + " texts wait for inference on this node", false));
            return;
        }
        // a drain task answers the texts of other callers too: each answer goes back under its own caller's context
        // (request headers, the user), not the context of whichever submission scheduled the task
        if (threadContext != null) {
            listener = ContextPreservingActionListener.wrapPreservingContext(listener, threadContext);
        }
        Group group = new Group(texts.size(), listener);
        Queue<Text> queue = queues.computeIfAbsent(model, m -> new ConcurrentLinkedQueue<>());
        for (int i = 0; i < texts.size(); i++) {
            queue.add(new Text(texts.get(i), i, group));
        }
        try {
            for (int i = 0; i < texts.size(); i += batchSize) {
                executor.execute(() -> drain(model, queue));
            }
        } catch (EsRejectedExecutionException e) {
            // the pool is shutting down with the node: this caller fails now rather than never hearing back
            group.fail(e);
        }
    }

    private void drain(SentenceEmbedder model, Queue<Text> queue) {
        List<Text> batch = new ArrayList<>(batchSize);
        for (Text text; batch.size() < batchSize && (text = queue.poll()) != null; ) {
            batch.add(text);
        }
        if (batch.isEmpty()) {
            return; // an earlier task took these texts into its batch
        }
        pending.addAndGet(-batch.size());
        List<String> strings = new ArrayList<>(batch.size());
        for (Text text : batch) {
            strings.add(text.text);
        }
        float[][] vectors;
        try {
            vectors = model.embed(strings);
        } catch (Exception e) {
            for (Text text : batch) {
                text.group.fail(e);
            }
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).group.set(batch.get(i).index, vectors[i]);
        }
    }

    private record Text(String text, int index, Group group) {}

    /** The texts of one caller: answers once every one has its vector, or fails once. */
    private static final class Group {
        private final AtomicReferenceArray<float[]> vectors;
        private final AtomicInteger remaining;
        private final ActionListener<float[][]> listener;

        Group(int size, ActionListener<float[][]> listener) {
            this.vectors = new AtomicReferenceArray<>(size);
            this.remaining = new AtomicInteger(size);
            this.listener = ActionListener.notifyOnce(listener);
        }

        void set(int index, float[] vector) {
            vectors.set(index, vector);
            if (remaining.decrementAndGet() == 0) {
                float[][] all = new float[vectors.length()][];
                for (int i = 0; i < all.length; i++) {
                    all[i] = vectors.get(i);
                }
                listener.onResponse(all);
            }
        }

        void fail(Exception e) {
            remaining.set(Integer.MIN_VALUE); // never answers with vectors after a failure
            listener.onFailure(e);
        }
    }
}
