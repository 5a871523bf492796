package io.personalize.spark;

import org.apache.spark.sql.SparkSession;

/** A small local Spark for tests: two threads, few shuffle partitions, no UI. */
final class LocalSpark {

    private LocalSpark() {}

    static SparkSession session() {
        return session("local[2]");
    }

    /** {@code local[2,2]}: a failed task is run once more, as on a cluster ({@code spark.task.maxFailures}). */
    static SparkSession session(String master) {
        return SparkSession.builder()
                .master(master)
                .appName("personalize-spark-tests")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.driver.host", "127.0.0.1")
                .getOrCreate();
    }

    /** The cosine model of {@link SparkTrainerTest#events} (seed 7) in 3 user partitions: what the import tests send. */
    static SparkTrainer.Result cosineModel(SparkSession spark) {
        return new SparkTrainer(spark, 3, 2)
                .train(
                        spark.createDataFrame(SparkTrainerTest.events(7), EventColumns.SCHEMA),
                        SparkTrainerTest.settings("cosine"),
                        SparkTrainerTest.NOW);
    }
}
