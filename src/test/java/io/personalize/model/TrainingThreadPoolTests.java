package io.personalize.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.elasticsearch.common.settings.Settings;
import org.junit.jupiter.api.Test;

class TrainingThreadPoolTests {

    @Test
    void theTrainingsThreadsAreHalfTheProcessorsByDefaultAndAtLeastOne() {
        // node.processors may not exceed the machine's: the default follows what the node was allotted
        int processors = Runtime.getRuntime().availableProcessors();
        assertEquals(Math.max(1, processors / 2), TrainingThreadPool.THREADS.get(Settings.EMPTY));
        assertEquals(
                1,
                TrainingThreadPool.THREADS.get(
                        Settings.builder().put("node.processors", 1).build()));
        Settings six = Settings.builder()
                .put("node.processors", 1)
                .put("personalize.training.threads", 6)
                .build();
        assertEquals(6, TrainingThreadPool.THREADS.get(six));
        Settings zero =
                Settings.builder().put("personalize.training.threads", 0).build();
        assertThrows(IllegalArgumentException.class, () -> TrainingThreadPool.THREADS.get(zero));
    }
}
