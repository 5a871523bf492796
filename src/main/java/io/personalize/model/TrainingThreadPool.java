package io.personalize.model;

import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.util.concurrent.EsExecutors;
import org.elasticsearch.threadpool.ExecutorBuilder;
import org.elasticsearch.threadpool.FixedExecutorBuilder;

/** The node's thread pool for trainings and evaluations ({@code thread_pool.personalize_training.*} settings). */
public final class TrainingThreadPool {

    public static final String NAME = "personalize_training";

    private TrainingThreadPool() {}

    /** Trainings are CPU-heavy and long: one at a time per node, the others wait in the queue. */
    public static ExecutorBuilder<?> executorBuilder(Settings settings) {
        return new FixedExecutorBuilder(
                settings, NAME, 1, 100, "thread_pool." + NAME, EsExecutors.TaskTrackingConfig.DO_NOT_TRACK);
    }
}
