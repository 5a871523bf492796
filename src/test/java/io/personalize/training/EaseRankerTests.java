package io.personalize.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

class EaseRankerTests {

    /**
     * A hand-set B of 4 items (row i: how having i supports each j):
     *
     * <pre>
     *   row 0: [ 0,  .5, .5, .1]
     *   row 1: [.3,  0, -.4, .3]
     *   row 2: [.2, .1,  0,  0]
     *   row 3: [.1, .1, .1,  0]
     * </pre>
     *
     * A user with history {0, 1}: x_u B = [.3, .5, .1, .4]; without the history items, 3 (.4) before 2 (.1), scores
     * divided by the best: 1 and .25. Through the positive neighbour lists alone, 2 would get .5 and 3 .4: item 1's
     * negative weight on 2 puts it below 3.
     */
    private static final float[] B = {
        0, .5f, .5f, .1f, //
        .3f, 0, -.4f, .3f, //
        .2f, .1f, 0, 0, //
        .1f, .1f, .1f, 0
    };

    /** Each row's positive weights, best first (ties: smaller id), at most k. */
    private static ItemNeighbors positiveNeighbors(int n, float[] b, int k) {
        int[] offsets = new int[n + 1];
        int[] ids = new int[n * n];
        float[] scores = new float[n * n];
        TopK top = new TopK(k);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (j != i && b[i * n + j] > 0f) {
                    top.offer(j, b[i * n + j]);
                }
            }
            offsets[i + 1] = offsets[i] + top.drainSorted(ids, scores, offsets[i]);
        }
        return new ItemNeighbors(n, offsets, Arrays.copyOf(ids, offsets[n]), Arrays.copyOf(scores, offsets[n]));
    }

    private static EaseRanker ranker(EaseWeights w, ItemNeighbors nb, boolean allItems) {
        return new EaseRanker(w, nb, new float[w.numItems()], new ScoringParams(0, 0, 0), allItems);
    }

    @Test
    void scoresTheHistoryAgainstWholeRowsOfB() {
        EaseRanker r = ranker(EaseWeights.dense(4, B), positiveNeighbors(4, B, 4), true);
        UserRanker.Ranked u = r.rank(0, new int[] {0, 1}, null, new int[] {0, 1}, 10);
        assertArrayEquals(new int[] {3, 2}, u.items());
        assertArrayEquals(new float[] {1f, .25f}, u.scores(), 1e-6f);
    }

    @Test
    void aNegativeWeightLowersACandidateBelowOneThePositiveListsRankLower() {
        // through the positive neighbour lists alone, item 2 (.5 + 0) would lead item 3 (.1 + .3)
        ItemNeighbors nb = positiveNeighbors(4, B, 4);
        float two = nb.score(0, 2) + nb.score(1, 2);
        float three = nb.score(0, 3) + nb.score(1, 3);
        assertTrue(two > three);
        UserRanker.Ranked u =
                ranker(EaseWeights.dense(4, B), nb, true).rank(0, new int[] {0, 1}, null, new int[] {0, 1}, 10);
        assertEquals(3, u.items()[0]);
        // and an item whose whole score is negative is not recommended at all (no popularity term here)
        float[] b = B.clone();
        b[1 * 4 + 2] = -.6f; // x_u B on item 2: .5 - .6 < 0
        UserRanker.Ranked lowered = ranker(EaseWeights.dense(4, b), positiveNeighbors(4, b, 4), true)
                .rank(0, new int[] {0, 1}, null, new int[] {0, 1}, 10);
        assertArrayEquals(new int[] {3}, lowered.items());
    }

    @Test
    void seenItemsAreRemovedEvenWhenTheyScoreBest() {
        // x_u B for history {0, 1} gives item 1 .5 and item 0 .3, above 3's .4 and 2's .1: excluded, they never appear
        EaseRanker r = ranker(EaseWeights.dense(4, B), positiveNeighbors(4, B, 4), true);
        UserRanker.Ranked all = r.rank(0, new int[] {0, 1}, null, null, 10);
        assertArrayEquals(new int[] {1, 3, 0, 2}, all.items());
        UserRanker.Ranked seen = r.rank(0, new int[] {0, 1}, null, new int[] {0, 1}, 10);
        for (int item : seen.items()) {
            assertTrue(item != 0 && item != 1, "seen item " + item + " returned");
        }
    }

    @Test
    void reasonsComeFromTheNeighbourListsElseTheLargestPositiveWeight() {
        // neighbour lists of one item each: 0 -> {1 or 2}, 1 -> {0 or 3}; item 3 is reached from 1's list (.3), item 2
        // from none of the lists (0's list holds 1), its reason is the history item with the largest weight on it: 0
        ItemNeighbors nb = positiveNeighbors(4, B, 1);
        UserRanker.Ranked u =
                ranker(EaseWeights.dense(4, B), nb, true).rank(0, new int[] {0, 1}, null, new int[] {0, 1}, 10);
        assertArrayEquals(new int[] {3, 2}, u.items());
        assertArrayEquals(new int[] {1, 0}, u.reasons());
    }

    @Test
    void theTrainedModelsListsAreTheHistoryTimesTheExactB() {
        // random data, binary input, lambda 3: B computed here from the closed form, every user's list compared
        InteractionMatrix m = TestData.random(11, 60, 12, 0.35);
        double lambda = 3;
        TrainingConfig config = TrainingConfig.builder()
                .algorithm(TrainingConfig.Algorithm.EASE)
                .regularization(lambda)
                .valueExponent(0)
                .neighbors(3)
                .scoring(new ScoringParams(0, 0, 0))
                .build();
        TrainedModel model = ModelTrainer.train(builderOf(m), config, TrainingMonitor.NOOP);
        UserRanker ranker = model.newUserRanker();
        assertNotNull(ranker);
        double[][] b = exactB(m, lambda);
        int n = m.numItems();
        for (int u = 0; u < m.numUsers(); u++) {
            int[] history = model.historyItems(u);
            if (history.length == 0) {
                continue;
            }
            UserRanker.Ranked ranked = ranker.rank(u, history, model.historyWeights(u), history, n);
            double[] s = new double[n];
            for (int i : history) {
                for (int j = 0; j < n; j++) {
                    s[j] += b[i][j];
                }
            }
            double best = 0;
            for (int j = 0; j < n; j++) {
                if (Arrays.binarySearch(history, j) < 0) {
                    best = Math.max(best, s[j]);
                }
            }
            int expected = 0;
            for (int j = 0; j < n; j++) {
                if (Arrays.binarySearch(history, j) < 0 && s[j] > 1e-6) {
                    expected++;
                }
            }
            assertEquals(expected, ranked.items().length, "user " + u);
            for (int r = 0; r < ranked.items().length; r++) {
                int j = ranked.items()[r];
                assertEquals(s[j] / best, ranked.scores()[r], 1e-4, "user " + u + " item " + j);
                if (r > 0) {
                    assertTrue(s[ranked.items()[r - 1]] >= s[j] - 1e-6, "user " + u + " order at " + r);
                }
            }
        }
    }

    @Test
    void theSparseVariantsRowsRankAsTheDenseBWhenTheSupportIsEveryItem() {
        InteractionMatrix m = TestData.random(7, 80, 25, 0.4);
        EaseSimilarity dense = new EaseSimilarity(5, 0.5, 24, Long.MAX_VALUE, EaseSimilarity.Mode.DENSE);
        EaseSimilarity sparse = new EaseSimilarity(5, 0.5, 24, Long.MAX_VALUE, EaseSimilarity.Mode.SPARSE);
        EaseSimilarity.Trained d = dense.train(m, 10, true, TrainingMonitor.NOOP);
        EaseSimilarity.Trained s = sparse.train(m, 10, true, TrainingMonitor.NOOP);
        assertTrue(d.weights().isDense());
        assertTrue(s.weights().isDense() == false);
        EaseRanker dr = ranker(d.weights(), d.neighbors(), true);
        EaseRanker sr = ranker(s.weights(), s.neighbors(), true);
        for (int u = 0; u < m.numUsers(); u++) {
            int[] history = m.userItems(u);
            UserRanker.Ranked a = dr.rank(u, history, m.userWeights(u), history, 10);
            UserRanker.Ranked c = sr.rank(u, history, m.userWeights(u), history, 10);
            assertArrayEquals(a.items(), c.items(), "user " + u);
            assertArrayEquals(a.scores(), c.scores(), 1e-3f, "user " + u);
        }
    }

    @Test
    void candidatesModeRanksAsEveryItemWhenTheNeighbourListsHoldEveryPositiveWeight() {
        InteractionMatrix m = TestData.random(3, 70, 20, 0.3);
        EaseSimilarity.Trained t = new EaseSimilarity(2, 0, 200, Long.MAX_VALUE, EaseSimilarity.Mode.DENSE)
                .train(m, 20, true, TrainingMonitor.NOOP);
        EaseRanker all = ranker(t.weights(), t.neighbors(), true);
        EaseRanker candidates = ranker(t.weights(), t.neighbors(), false);
        for (int u = 0; u < m.numUsers(); u++) {
            int[] history = m.userItems(u);
            UserRanker.Ranked a = all.rank(u, history, null, history, 10);
            UserRanker.Ranked c = candidates.rank(u, history, null, history, 10);
            assertArrayEquals(a.items(), c.items(), "user " + u);
            assertArrayEquals(a.scores(), c.scores(), 1e-6f, "user " + u);
        }
    }

    @Test
    void cappedRowsKeepTheirStrongestWeightsByMagnitudeTiesToTheSmallerIdColumnsAscending() {
        // rows: 0 -> {1: .5, 2: -.9, 3: .1, 4: .5}, 1 -> {0: .2}, 2 -> {}, 3 -> {0: -.3, 1: .3, 4: .3}, 4 -> {0: 1}
        EaseWeights w =
                EaseWeights.sparse(5, new int[] {0, 4, 5, 5, 8, 9}, new int[] {1, 2, 3, 4, 0, 0, 1, 4, 0}, new float[] {
                    .5f, -.9f, .1f, .5f, .2f, -.3f, .3f, .3f, 1f
                });
        EaseWeights c = w.capRows(2);
        assertArrayEquals(new int[] {0, 2, 3, 3, 5, 6}, c.rowStart());
        // row 0: -.9 the strongest, then .5 twice: the smaller id (1) kept; row 3: three at .3, ids 0 and 1 kept
        assertArrayEquals(new int[] {1, 2, 0, 0, 1, 0}, c.rowIds());
        assertArrayEquals(new float[] {.5f, -.9f, .2f, -.3f, .3f, 1f}, c.rowWeights());
        assertEquals(-.9f, c.weight(0, 2));
        assertEquals(0f, c.weight(0, 4));
        assertTrue(w.capRows(4) == w, "no row longer than the cap: the same weights");
        // work = sum of degree(i) * min(row length, cap): degrees 1, 2, 3, 1, 5 -> whole rows 4 + 2 + 0 + 3 + 5 = 14
        int[] degrees = {1, 2, 3, 1, 5};
        assertEquals(Integer.MAX_VALUE, w.rowCap(degrees, 14));
        assertEquals(3, w.rowCap(degrees, 13)); // cap 3: 3 + 2 + 0 + 3 + 5 = 13
        assertEquals(2, w.rowCap(degrees, 12.5)); // cap 2: 2 + 2 + 0 + 2 + 5 = 11
        assertEquals(1, w.rowCap(degrees, 3)); // cap 1 (1 + 2 + 0 + 1 + 5 = 9) even above the bound: at least 1
    }

    @Test
    void theCapOfATrainedSparseBIsTheLargestWithinTheBoundAndKeepsEachRowsStrongestWeights() {
        InteractionMatrix m = TestData.random(11, 120, 40, 0.3);
        EaseWeights w = new EaseSimilarity(5, 0.5, 30, Long.MAX_VALUE, EaseSimilarity.Mode.SPARSE)
                .train(m, 10, true, TrainingMonitor.NOOP)
                .weights();
        int[] degrees = new int[m.numItems()];
        for (int i = 0; i < degrees.length; i++) {
            degrees[i] = m.itemDegree(i);
        }
        double whole = work(w, degrees, Integer.MAX_VALUE);
        assertEquals(Integer.MAX_VALUE, w.rowCap(degrees, whole));
        int cap = w.rowCap(degrees, whole / 2);
        assertTrue(work(w, degrees, cap) <= whole / 2 && work(w, degrees, cap + 1) > whole / 2, "cap " + cap);
        EaseWeights c = w.capRows(cap);
        assertTrue(c.nnz() < w.nnz());
        for (int i = 0; i < m.numItems(); i++) {
            int kept = c.rowStart()[i + 1] - c.rowStart()[i], length = w.rowStart()[i + 1] - w.rowStart()[i];
            assertEquals(Math.min(cap, length), kept, "row " + i);
            float weakestKept = Float.POSITIVE_INFINITY;
            for (int p = c.rowStart()[i]; p < c.rowStart()[i + 1]; p++) {
                assertEquals(w.weight(i, c.rowIds()[p]), c.rowWeights()[p], "row " + i);
                assertTrue(p == c.rowStart()[i] || c.rowIds()[p - 1] < c.rowIds()[p], "ascending, row " + i);
                weakestKept = Math.min(weakestKept, Math.abs(c.rowWeights()[p]));
            }
            for (int p = w.rowStart()[i]; p < w.rowStart()[i + 1]; p++) {
                if (c.weight(i, w.rowIds()[p]) == 0f) {
                    assertTrue(Math.abs(w.rowWeights()[p]) <= weakestKept, "row " + i + " dropped a stronger weight");
                }
            }
        }
    }

    private static double work(EaseWeights w, int[] degrees, int cap) {
        double work = 0;
        for (int i = 0; i < degrees.length; i++) {
            work += (double) degrees[i] * Math.min(cap, w.rowStart()[i + 1] - w.rowStart()[i]);
        }
        return work;
    }

    /** B = -P / diag(P), P = (X^T X + lambda I)^-1, X binary. */
    private static double[][] exactB(InteractionMatrix m, double lambda) {
        int n = m.numItems();
        DMatrixRMaj g = new DMatrixRMaj(n, n);
        for (int u = 0; u < m.numUsers(); u++) {
            int[] items = m.userItems(u);
            for (int a : items) {
                for (int c : items) {
                    g.add(a, c, 1);
                }
            }
        }
        for (int i = 0; i < n; i++) {
            g.add(i, i, lambda);
        }
        DMatrixRMaj p = new DMatrixRMaj(n, n);
        assertTrue(CommonOps_DDRM.invert(g, p));
        double[][] b = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                b[i][j] = i == j ? 0 : -p.get(i, j) / p.get(j, j);
            }
        }
        return b;
    }

    private static InteractionMatrixBuilder builderOf(InteractionMatrix m) {
        InteractionMatrixBuilder b = TrainingConfig.builder()
                .algorithm(TrainingConfig.Algorithm.EASE)
                .build()
                .newMatrixBuilder(m.nnz());
        for (int u = 0; u < m.numUsers(); u++) {
            for (int i : m.userItems(u)) {
                b.add(u, i, 1f, 0L);
            }
        }
        return b.numUsers(m.numUsers()).numItems(m.numItems());
    }
}
