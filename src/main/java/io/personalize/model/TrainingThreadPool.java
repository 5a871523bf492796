package io.personalize.model;

import io.personalize.training.Workers;
import org.elasticsearch.common.settings.Setting;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.util.concurrent.EsExecutors;
import org.elasticsearch.threadpool.ExecutorBuilder;
import org.elasticsearch.threadpool.FixedExecutorBuilder;
import org.elasticsearch.threadpool.ThreadPool;

/**
 * The node's thread pools for trainings and evaluations: {@code personalize_training} runs the jobs
 * ({@code thread_pool.personalize_training.*} settings), {@code personalize_training_workers} lends a job's maths the
 * threads of {@link #THREADS} beyond its own.
 */
public final class TrainingThreadPool {

    public static final String NAME = "personalize_training";

    /** Helpers of a training's maths: the independent parts of a sweep or of a block of columns. */
    public static final String WORKERS = "personalize_training_workers";

    /**
     * Threads a training's maths use, the training's own included (at least 1): by default half the node's allocated
     * processors, so that a training leaves the other half to search and indexing. The same model comes out whatever
     * the number.
     */
    public static final Setting<Integer> THREADS = Setting.intSetting(
            "personalize.training.threads",
            s -> Integer.toString(Math.max(1, EsExecutors.allocatedProcessors(s) / 2)),
            1,
            256,
            Setting.Property.NodeScope);

    private TrainingThreadPool() {}

    /** Trainings are CPU-heavy and long: one at a time per node, the others wait in the queue. */
    public static ExecutorBuilder<?> executorBuilder(Settings settings) {
        return new FixedExecutorBuilder(
                settings, NAME, 1, 100, "thread_pool." + NAME, EsExecutors.TaskTrackingConfig.DO_NOT_TRACK);
    }

    /**
     * The helpers' pool: {@code threads - 1} of them (at least one thread, idle when the setting is 1). Its queue holds
     * what a training submits at once; beyond it a training's own thread does the work (see {@link Workers}).
     */
    public static ExecutorBuilder<?> workersExecutorBuilder(Settings settings) {
        return new FixedExecutorBuilder(
                settings,
                WORKERS,
                Math.max(1, THREADS.get(settings) - 1),
                100,
                "thread_pool." + WORKERS,
                EsExecutors.TaskTrackingConfig.DO_NOT_TRACK);
    }

    /** What the training maths are given: {@link #THREADS} threads, the caller's and the workers pool's. */
    public static Workers workers(ThreadPool threadPool, Settings settings) {
        int threads = THREADS.get(settings);
        return threads == 1 ? Workers.SERIAL : new Workers(threadPool.executor(WORKERS), threads);
    }
}
