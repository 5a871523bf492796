package io.personalize.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Every algorithm trains through ModelTrainer into the same kind of model: item neighbours, and users' lists. */
class AlgorithmsTrainTests {

    private static TrainedModel train(TrainingConfig config) {
        java.util.Random r = new java.util.Random(17);
        int n = 3000;
        int[] users = new int[n];
        int[] items = new int[n];
        long[] times = new long[n];
        for (int e = 0; e < n; e++) {
            users[e] = r.nextInt(200);
            // two clusters of items: even users mostly buy items 0..19, odd users items 20..39
            items[e] = (users[e] % 2) * 20 + (r.nextInt(10) < 9 ? r.nextInt(20) : r.nextInt(40) - (users[e] % 2) * 20);
            times[e] = 1_000_000 + r.nextInt(86_400 * 30);
        }
        return ModelTrainer.train(users, items, null, times, config, TrainingMonitor.NOOP);
    }

    @Test
    void everyAlgorithmGivesNeighboursWithinTheClusterAndUsersLists() {
        for (TrainingConfig.Algorithm algorithm : TrainingConfig.Algorithm.values()) {
            TrainingConfig config = TrainingConfig.builder()
                    .algorithm(algorithm)
                    .neighbors(5)
                    .factors(8)
                    .regularization(algorithm == TrainingConfig.Algorithm.ALS ? 1 : 10)
                    .alsAlpha(5)
                    .build();
            TrainedModel model = train(config);
            ItemNeighbors nb = model.neighbors();
            assertEquals(40, nb.numItems(), algorithm.toString());
            int inCluster = 0;
            int all = 0;
            for (int i = 0; i < 40; i++) {
                for (int j : nb.neighbors(i)) {
                    inCluster += (i < 20) == (j < 20) ? 1 : 0;
                    all++;
                }
            }
            // neighbours drawn at random would be half in the cluster
            assertTrue(all > 0 && inCluster >= 0.8 * all, algorithm + ": " + inCluster + " of " + all);
            UserRanker ranker = model.newUserRanker();
            if (algorithm == TrainingConfig.Algorithm.ALS
                    || algorithm == TrainingConfig.Algorithm.USER_KNN
                    || algorithm == TrainingConfig.Algorithm.EASE) {
                assertNotNull(ranker, algorithm.toString());
                int[] history = model.historyItems(0); // an even user
                UserRanker.Ranked ranked = ranker.rank(0, history, model.historyWeights(0), history, 5);
                assertEquals(5, ranked.items().length, algorithm.toString());
                for (int r = 0; r < 5; r++) {
                    assertTrue(ranked.items()[r] < 20, algorithm + " recommends " + ranked.items()[r]);
                    assertTrue(ranked.reasons()[r] < 0
                            || java.util.Arrays.binarySearch(history, ranked.reasons()[r]) >= 0);
                }
                assertTrue(ranked.scores()[0] >= ranked.scores()[4]);
            } else {
                assertNull(ranker, algorithm.toString());
            }
        }
    }

    @Test
    void alsBeyondTheMemoryBudgetFailsBeforeItStarts() {
        TrainingConfig config = TrainingConfig.builder()
                .algorithm(TrainingConfig.Algorithm.ALS)
                .factors(500)
                .memoryBudgetBytes(100_000)
                .build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> train(config));
        assertTrue(e.getMessage().contains("above the training memory budget"), e.getMessage());
    }
}
