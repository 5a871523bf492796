package io.personalize.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.personalize.training.ModelTrainer;
import io.personalize.training.TrainedModel;
import io.personalize.training.TrainingConfig;
import io.personalize.training.TrainingMonitor;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link TrainedModel#withScoring}: a model re-scored with another popularity weight ranks every user's list exactly as
 * a model trained with that weight, for every algorithm (what lets self-tuning compare popularity weights on one
 * training).
 */
class UserListsWithScoringTests {

    private static TrainedModel train(TrainingConfig config) {
        Random r = new Random(5);
        int n = 4000;
        int[] users = new int[n];
        int[] items = new int[n];
        long[] times = new long[n];
        for (int e = 0; e < n; e++) {
            users[e] = r.nextInt(150);
            // skewed popularity, so the popularity weight changes the lists
            items[e] = (int) Math.floor(60 * Math.pow(r.nextDouble(), 2.5));
            times[e] = 1_000_000 + r.nextInt(86_400 * 60);
        }
        return ModelTrainer.train(users, items, null, times, config, TrainingMonitor.NOOP);
    }

    @Test
    void aReScoredModelRanksAsOneTrainedWithThatWeight() {
        for (TrainingConfig.Algorithm algorithm : TrainingConfig.Algorithm.values()) {
            TrainingConfig base = TrainingConfig.builder()
                    .algorithm(algorithm)
                    .neighbors(10)
                    .factors(8)
                    .regularization(algorithm == TrainingConfig.Algorithm.ALS ? 1 : 10)
                    .build();
            TrainedModel trainedAtZero = train(base.toBuilder()
                    .scoring(base.scoring().withPopularityWeight(0))
                    .build());
            boolean anyChange = false;
            for (double weight : new double[] {0.1, 0.5}) {
                TrainingConfig weighted = base.toBuilder()
                        .scoring(base.scoring().withPopularityWeight(weight))
                        .build();
                TrainedModel trained = train(weighted);
                TrainedModel reScored = trainedAtZero.withScoring(weighted.scoring());
                assertEquals(weighted.scoring(), reScored.config().scoring());
                UserLists expected = new UserLists(trained);
                UserLists actual = new UserLists(reScored);
                UserLists atZero = new UserLists(trainedAtZero);
                for (int u = 0; u < trained.numUsers(); u++) {
                    int[] history = trained.historyItems(u);
                    float[] weights = trained.historyWeights(u);
                    Recommendations e = expected.recommend(u, history, weights, history, 10, 0);
                    Recommendations a = actual.recommend(u, history, weights, history, 10, 0);
                    assertArrayEquals(e.items(), a.items(), algorithm + " user " + u + " weight " + weight);
                    assertArrayEquals(e.scores(), a.scores(), algorithm + " user " + u + " weight " + weight);
                    anyChange |= Arrays.equals(
                                    e.items(),
                                    atZero.recommend(u, history, weights, history, 10, 0)
                                            .items())
                            == false;
                }
            }
            // the weight does change the lists: the comparison above is not between two identical rankings
            assertFalse(anyChange == false, algorithm + ": the popularity weight changed no list");
        }
    }
}
