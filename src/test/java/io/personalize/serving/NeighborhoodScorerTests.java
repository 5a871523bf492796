package io.personalize.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.personalize.training.ItemNeighbors;
import io.personalize.training.ModelTrainer;
import io.personalize.training.ScoringParams;
import io.personalize.training.TopK;
import io.personalize.training.TrainedModel;
import io.personalize.training.TrainingConfig;
import io.personalize.training.TrainingMonitor;
import org.junit.jupiter.api.Test;

class NeighborhoodScorerTests {

    private static final float EPS = 1e-6f;

    /** Rows: 0 -> {1: .8, 2: .4}; 1 -> {0: .6, 2: .5, 3: .1}; 2 -> {}; 3 -> {2: 1}. */
    static ItemNeighbors neighbors() {
        return new ItemNeighbors(4, new int[] {0, 2, 5, 5, 6}, new int[] {1, 2, 0, 2, 3, 2}, new float[] {
            0.8f, 0.4f, 0.6f, 0.5f, 0.1f, 1f
        });
    }

    static final float[] POPULARITY = {10f, 0f, 5f, 20f}; // normalised: .5, 0, .25, 1

    @Test
    void weightedAverageWithPopularity() {
        // g = w (p = 1), h = [1, 3] / 4; cf = [.45, .2, .475, .075]; + 0.1 * pop / 20
        NeighborhoodScorer scorer = new NeighborhoodScorer(neighbors(), POPULARITY, new ScoringParams(1, 1, 0.1));
        Recommendations r = scorer.recommend(new int[] {0, 1}, new float[] {1f, 3f}, new int[] {0, 1}, 10, 3);
        assertArrayEquals(new int[] {2, 3}, r.items());
        assertArrayEquals(new float[] {0.5f, 0.175f}, r.scores(), EPS);
        assertArrayEquals(new float[] {0.025f, 0.1f}, r.popularityParts(), EPS);
        assertArrayEquals(new int[] {1, 0}, r.reasonItems(0));
        assertArrayEquals(new float[] {0.375f, 0.1f}, r.reasonScores(0), EPS);
        assertArrayEquals(new int[] {1}, r.reasonItems(1));
        assertArrayEquals(new float[] {0.075f}, r.reasonScores(1), EPS);
    }

    @Test
    void tiesGoToSmallerIdAndNItemsCut() {
        NeighborhoodScorer scorer = new NeighborhoodScorer(neighbors(), POPULARITY, new ScoringParams(1, 1, 0.1));
        // scores without exclusion: [.5, .2, .5, .175]
        Recommendations r = scorer.recommend(new int[] {0, 1}, new float[] {1f, 3f}, null, 3, 0);
        assertArrayEquals(new int[] {0, 2, 1}, r.items());
        assertEquals(0, r.reasonItems(0).length);
    }

    @Test
    void binarySumWithoutPopularityReturnsOnlyPositiveScores() {
        // p = 0, q = 0: h = [1, 1]; cf = [.6, .8, .9, .1]
        NeighborhoodScorer scorer = new NeighborhoodScorer(neighbors(), POPULARITY, new ScoringParams(0, 0, 0));
        Recommendations r = scorer.recommend(new int[] {0, 1}, new float[] {1f, 3f}, null, 10, 1);
        assertArrayEquals(new int[] {2, 1, 0, 3}, r.items());
        assertArrayEquals(new float[] {0.9f, 0.8f, 0.6f, 0.1f}, r.scores(), EPS);
        assertArrayEquals(new int[] {1}, r.reasonItems(0));
        // a history with no neighbours and no popularity gives nothing
        assertEquals(0, scorer.recommend(new int[] {2}, null, null, 10, 0).size());
    }

    @Test
    void emptyHistoryFallsBackToPopularity() {
        NeighborhoodScorer scorer = new NeighborhoodScorer(neighbors(), POPULARITY, new ScoringParams(0, 1, 0.03));
        Recommendations r = scorer.recommend(new int[0], new float[0], new int[] {3}, 10, 2);
        assertArrayEquals(new int[] {0, 2}, r.items()); // item 1 has zero popularity
        assertArrayEquals(new float[] {0.015f, 0.0075f}, r.scores(), EPS);
    }

    @Test
    void historyNormalisationExponentAndRepeatedItems() {
        // p = 0, q = 0.5: h = 1 / sqrt(3) each for [0, 0, 1]; item 0 counted twice
        NeighborhoodScorer scorer = new NeighborhoodScorer(neighbors(), null, new ScoringParams(0, 0.5, 0));
        Recommendations r = scorer.recommend(new int[] {0, 0, 1}, null, new int[] {0, 1}, 10, 5);
        float h = (float) (1 / Math.sqrt(3));
        assertArrayEquals(new int[] {2, 3}, r.items());
        assertEquals(h * 0.4f + h * 0.4f + h * 0.5f, r.scores()[0], EPS);
        assertArrayEquals(new int[] {0, 1}, r.reasonItems(0)); // item 0's two entries are summed
        assertArrayEquals(new float[] {2 * h * 0.4f, h * 0.5f}, r.reasonScores(0), EPS);
    }

    @Test
    void workspaceReuseGivesSameResults() {
        NeighborhoodScorer scorer = new NeighborhoodScorer(neighbors(), POPULARITY, new ScoringParams(1, 1, 0.1));
        NeighborhoodScorer.Workspace ws = scorer.newWorkspace();
        for (int round = 0; round < 3; round++) {
            Recommendations a = scorer.recommend(new int[] {0, 1}, new float[] {1f, 3f}, new int[] {0, 1}, 10, 0, ws);
            assertArrayEquals(new int[] {2, 3}, a.items());
            Recommendations b = scorer.recommend(new int[] {3}, null, null, 2, 0, ws);
            assertArrayEquals(new int[] {2, 3}, b.items()); // 1 + .025 and 0 + .1
        }
    }

    @Test
    void ignoresOutOfRangeIdsAndValidates() {
        NeighborhoodScorer scorer = new NeighborhoodScorer(neighbors(), null, new ScoringParams(0, 1, 0));
        Recommendations r = scorer.recommend(new int[] {-1, 9, 3}, null, new int[] {42}, 10, 0);
        assertArrayEquals(new int[] {2}, r.items());
        assertThrows(
                IllegalArgumentException.class,
                () -> scorer.recommend(new int[] {0}, new float[] {1f, 2f}, null, 1, 0));
        assertThrows(
                IllegalArgumentException.class,
                () -> new NeighborhoodScorer(neighbors(), new float[2], ScoringParams.DEFAULTS));
    }

    /**
     * The scorer ranks the untouched items from a popularity-sorted list instead of scanning the catalogue: it must give
     * exactly what the full scan gives (the definition in the class comment), ties and exclusions included.
     */
    @Test
    void sameTopItemsAsScanningEveryItem() {
        java.util.Random random = new java.util.Random(42);
        for (int round = 0; round < 200; round++) {
            int ni = 1 + random.nextInt(60);
            int k = 1 + random.nextInt(6);
            int[] offsets = new int[ni + 1];
            java.util.List<Integer> ids = new java.util.ArrayList<>();
            java.util.List<Float> scores = new java.util.ArrayList<>();
            for (int i = 0; i < ni; i++) {
                int len = random.nextInt(Math.min(k, ni) + 1);
                java.util.Set<Integer> row = new java.util.TreeSet<>();
                while (row.size() < len) {
                    row.add(random.nextInt(ni));
                }
                for (int j : row) {
                    ids.add(j);
                    scores.add(random.nextInt(4) / 4f + 0.25f); // coarse: many ties
                }
                offsets[i + 1] = ids.size();
            }
            ItemNeighbors nb = new ItemNeighbors(
                    ni, offsets, ids.stream().mapToInt(Integer::intValue).toArray(), toFloats(scores));
            float[] popularity = new float[ni];
            for (int i = 0; i < ni; i++) {
                popularity[i] = random.nextInt(3) == 0 ? 0f : random.nextInt(5); // zeros and ties
            }
            ScoringParams params = new ScoringParams(random.nextInt(2), 1, random.nextBoolean() ? 0.05 : 0.5);
            NeighborhoodScorer scorer = new NeighborhoodScorer(nb, popularity, params);
            NeighborhoodScorer.Workspace ws = scorer.newWorkspace();
            for (int user = 0; user < 5; user++) {
                int[] history = random.ints(random.nextInt(6), 0, ni).toArray();
                float[] weights = new float[history.length];
                for (int x = 0; x < weights.length; x++) {
                    weights[x] = 0.5f + random.nextInt(4);
                }
                int[] exclude = random.nextBoolean()
                        ? history
                        : random.ints(random.nextInt(4), 0, ni).toArray();
                int n = 1 + random.nextInt(12);
                int maxReasons = random.nextInt(4);
                Recommendations r = scorer.recommend(history, weights, exclude, n, maxReasons, ws);
                long[] expected = bruteForce(scorer, nb, history, weights, exclude, n);
                assertEquals(expected.length, r.size(), "round " + round);
                for (int x = 0; x < expected.length; x++) {
                    assertEquals((int) expected[x], r.items()[x], "round " + round + " rank " + x);
                    assertEquals(
                            Float.intBitsToFloat((int) (expected[x] >>> 32)),
                            r.scores()[x],
                            "round " + round + " rank " + x);
                    // the reasons: per distinct history item i (its factors summed), h_i * S[i][j], best first
                    int j = r.items()[x];
                    float[] h = scorer.historyFactors(history, weights);
                    java.util.TreeMap<Integer, Float> factor = new java.util.TreeMap<>();
                    for (int y = 0; y < history.length; y++) {
                        factor.merge(history[y], h[y], Float::sum);
                    }
                    TopK reasons = new TopK(maxReasons);
                    factor.forEach((i, hi) -> {
                        float c = hi * nb.score(i, j);
                        if (c > 0f) {
                            reasons.offer(i, c);
                        }
                    });
                    int[] reasonItems = new int[reasons.size()];
                    float[] reasonScores = new float[reasons.size()];
                    reasons.drainSorted(reasonItems, reasonScores, 0);
                    assertArrayEquals(reasonItems, r.reasonItems(x), "round " + round + " rank " + x);
                    assertArrayEquals(reasonScores, r.reasonScores(x), "round " + round + " rank " + x);
                }
            }
        }
    }

    /** The class comment's definition, computed over every item: (score bits << 32 | item), best first. */
    private static long[] bruteForce(
            NeighborhoodScorer scorer, ItemNeighbors nb, int[] history, float[] weights, int[] exclude, int n) {
        int ni = nb.numItems();
        float[] h = scorer.historyFactors(history, weights);
        float[] acc = new float[ni];
        for (int x = 0; x < history.length; x++) {
            for (int p = nb.offsets()[history[x]]; p < nb.offsets()[history[x] + 1]; p++) {
                acc[nb.neighbors()[p]] += h[x] * nb.scores()[p];
            }
        }
        java.util.Set<Integer> excluded = new java.util.HashSet<>();
        for (int j : exclude) {
            excluded.add(j);
        }
        java.util.List<long[]> candidates = new java.util.ArrayList<>();
        for (int j = 0; j < ni; j++) {
            float s = acc[j] + scorer.popularityTerm(j);
            if (excluded.contains(j) == false && s > 0f) {
                candidates.add(new long[] {Float.floatToIntBits(s), j});
            }
        }
        candidates.sort((a, b) -> {
            float sa = Float.intBitsToFloat((int) a[0]), sb = Float.intBitsToFloat((int) b[0]);
            return sa != sb ? Float.compare(sb, sa) : Long.compare(a[1], b[1]);
        });
        return candidates.stream().limit(n).mapToLong(c -> (c[0] << 32) | c[1]).toArray();
    }

    private static float[] toFloats(java.util.List<Float> list) {
        float[] array = new float[list.size()];
        for (int i = 0; i < array.length; i++) {
            array[i] = list.get(i);
        }
        return array;
    }

    @Test
    void scoresATrainedModel() {
        // users 0..3 on items 0..3, all at the same time
        int[] users = {0, 0, 1, 1, 1, 2, 2, 3};
        int[] items = {0, 1, 0, 1, 2, 1, 2, 3};
        long[] times = new long[users.length];
        TrainingConfig config = TrainingConfig.builder()
                .cosineAlpha(0.5)
                .cosineShrink(0)
                .userWeightExponent(0)
                .valueExponent(0)
                .build();
        TrainedModel model = ModelTrainer.train(users, items, null, times, config, TrainingMonitor.NOOP);
        // user 0 (history {0, 1}): cf(2) = (0.5 + 0.8165) / 2; + 0.03 * 2 / 3
        Recommendations r = NeighborhoodScorer.of(model)
                .recommend(model.historyItems(0), model.historyWeights(0), model.historyItems(0), 2, 2);
        assertArrayEquals(new int[] {2, 3}, r.items());
        assertEquals((0.5 + 2 / Math.sqrt(6)) / 2 + 0.02, r.scores()[0], 1e-5);
        assertEquals(0.03 * 1 / 3, r.scores()[1], 1e-6); // popularity only: 1 user of max 3
        assertArrayEquals(new int[] {1, 0}, r.reasonItems(0));
        assertEquals(0, r.reasonItems(1).length);
    }
}
