package io.personalize.model;

import org.elasticsearch.test.ESTestCase;

public class TrainingRegistryTests extends ESTestCase {

    /**
     * A build that this node records as its own but no longer runs: a restart when it began before the node started;
     * otherwise it ended here without writing its outcome, which CI once showed as a restart that never happened.
     */
    public void testAnInterruptedBuildSaysWhetherItsNodeRestarted() {
        assertEquals(
                "interrupted: its node restarted before the import finished",
                TrainingRegistry.interruptedHere(1_000, 2_000, "the import"));
        assertEquals(
                "interrupted: the training ended on its node without recording its outcome",
                TrainingRegistry.interruptedHere(2_000, 2_000, "the training"));
    }
}
