package io.personalize.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * MLlib's ALS with many sweeps: without a checkpoint directory its lineage grows with every sweep until serializing a
 * task overflows the stack (it did at 30 sweeps on Online Retail, whatever the data's size); the job sets one in local
 * mode, so that ALS cuts the lineage every 10 sweeps, and 60 sweeps train.
 */
class AlsSweepsTest extends LocalSparkTest {

    @Test
    void sixtySweepsTrainWithACheckpointDirectory() {
        ModelSettings settings = SparkTrainerTest.settings("als", null, 60);
        SparkTrainer.Result result = new SparkTrainer(spark, 2, 2)
                .train(
                        spark.createDataFrame(SparkTrainerTest.events(7), EventColumns.SCHEMA),
                        settings,
                        SparkTrainerTest.NOW);
        assertEquals(60, result.config().iterations());
        assertTrue(spark.sparkContext().getCheckpointDir().isDefined(), "a checkpoint directory was set");
        assertTrue(result.users() > 0 && result.itemNames().length > 0);
    }
}
