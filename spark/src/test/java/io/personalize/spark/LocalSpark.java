package io.personalize.spark;

import org.apache.spark.sql.SparkSession;

/** A small local Spark for tests: two threads, few shuffle partitions, no UI. */
final class LocalSpark {

    private LocalSpark() {}

    static SparkSession session() {
        return SparkSession.builder()
                .master("local[2]")
                .appName("personalize-spark-tests")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.driver.host", "127.0.0.1")
                .getOrCreate();
    }
}
