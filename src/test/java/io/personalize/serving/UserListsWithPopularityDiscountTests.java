package io.personalize.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.personalize.training.ItemNeighbors;
import io.personalize.training.ModelTrainer;
import io.personalize.training.ScoringParams;
import io.personalize.training.TrainedModel;
import io.personalize.training.TrainingConfig;
import io.personalize.training.TrainingMonitor;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link TrainingConfig#popularityDiscount()}: every algorithm's users' lists hold the same items as without it, each
 * collaborative score multiplied by {@code users(j)^-d} (up to the one scale per user that the rankers' division by the
 * user's best score gives), so the discount reorders lists towards the items fewer users have.
 */
class UserListsWithPopularityDiscountTests {

    private static TrainedModel train(TrainingConfig config) {
        Random r = new Random(11);
        int n = 3000;
        int[] users = new int[n];
        int[] items = new int[n];
        long[] times = new long[n];
        for (int e = 0; e < n; e++) {
            users[e] = r.nextInt(120);
            // skewed popularity, so the discount changes the order
            items[e] = (int) Math.floor(50 * Math.pow(r.nextDouble(), 2.5));
            times[e] = 1_000_000 + r.nextInt(86_400 * 60);
        }
        return ModelTrainer.train(users, items, null, times, config, TrainingMonitor.NOOP);
    }

    @Test
    void everyAlgorithmsListsAreItsUndiscountedScoresTimesTheItemsFactor() {
        double d = 0.5;
        for (TrainingConfig.Algorithm algorithm : TrainingConfig.Algorithm.values()) {
            TrainingConfig base = TrainingConfig.builder()
                    .algorithm(algorithm)
                    .neighbors(10)
                    .factors(8)
                    .regularization(algorithm == TrainingConfig.Algorithm.ALS ? 1 : 10)
                    .rowNormalization(ItemNeighbors.RowNormalization.NONE)
                    .scoring(new ScoringParams(0, 1, 0))
                    .build();
            TrainedModel plain = train(base);
            TrainedModel discounted =
                    train(base.toBuilder().popularityDiscount(d).build());
            float[] f = new float[plain.numItems()];
            for (int j = 0; j < f.length; j++) {
                f[j] = (float) Math.pow(Math.max(1, plain.matrix().itemDegree(j)), -d);
            }
            UserLists a = new UserLists(plain);
            UserLists b = new UserLists(discounted);
            boolean anyReordered = false;
            for (int u = 0; u < plain.numUsers(); u++) {
                int[] history = plain.historyItems(u);
                Recommendations x = a.recommend(u, history, plain.historyWeights(u), history, plain.numItems(), 0);
                Recommendations y = b.recommend(u, history, discounted.historyWeights(u), history, plain.numItems(), 0);
                int[] sortedX = x.items().clone();
                int[] sortedY = y.items().clone();
                Arrays.sort(sortedX);
                Arrays.sort(sortedY);
                assertEquals(Arrays.toString(sortedX), Arrays.toString(sortedY), algorithm + " user " + u);
                double scale = Double.NaN;
                for (int r = 0; r < y.size(); r++) {
                    int j = y.items()[r];
                    int at = indexOf(x.items(), j);
                    double ratio = y.scores()[r] / (x.scores()[at] * f[j]);
                    if (Double.isNaN(scale)) {
                        scale = ratio;
                    }
                    assertEquals(scale, ratio, 1e-4 * scale, algorithm + " user " + u + " item " + j);
                }
                anyReordered |= Arrays.equals(x.items(), y.items()) == false;
            }
            assertTrue(anyReordered, algorithm + ": the discount changes some list's order");
            assertNotEquals(0, plain.numUsers());
        }
    }

    private static int indexOf(int[] values, int value) {
        for (int x = 0; x < values.length; x++) {
            if (values[x] == value) {
                return x;
            }
        }
        return -1;
    }
}
