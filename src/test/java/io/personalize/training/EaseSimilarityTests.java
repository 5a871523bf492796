package io.personalize.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EaseSimilarityTests {

    /**
     * u0 {0,1}, u1 {1,2}, u2 {0,1,2}, binary: G = [[2,2,1],[2,3,2],[1,2,2]]; with lambda 1, G + I = [[3,2,1],[2,4,2],
     * [1,2,3]], determinant 16, inverse P = [[.5,-.25,0],[-.25,.5,-.25],[0,-.25,.5]]; B[i][j] = -P[i][j] / P[j][j]:
     * B[0][1] = B[1][0] = B[1][2] = B[2][1] = .5, B[0][2] = B[2][0] = 0.
     */
    static InteractionMatrix threeItems() {
        return new InteractionMatrix(
                3,
                3,
                0L,
                new int[] {0, 2, 4, 7},
                new int[] {0, 1, 1, 2, 0, 1, 2},
                new float[] {1, 1, 1, 1, 1, 1, 1},
                null);
    }

    @Test
    void denseMatchesTheHandComputedClosedForm() {
        EaseSimilarity ease = new EaseSimilarity(1, 0, 10, Long.MAX_VALUE, EaseSimilarity.Mode.DENSE);
        ItemNeighbors nb = ease.compute(threeItems(), 5, TrainingMonitor.NOOP);
        assertArrayEquals(new int[] {1}, nb.neighbors(0));
        assertArrayEquals(new float[] {0.5f}, nb.scores(0), 1e-6f);
        assertArrayEquals(new int[] {0, 2}, nb.neighbors(1)); // a tie: the smaller id first
        assertArrayEquals(new float[] {0.5f, 0.5f}, nb.scores(1), 1e-6f);
        assertArrayEquals(new int[] {1}, nb.neighbors(2));
        assertArrayEquals(new float[] {0.5f}, nb.scores(2), 1e-6f);
    }

    @Test
    void sparseWithTheWholeSupportIsTheDenseSolution() {
        // dense random data: every pair of items co-occurs, so a support of all other items is the exact regression
        InteractionMatrix m = TestData.random(7, 80, 25, 0.4);
        ItemNeighbors dense = new EaseSimilarity(5, 0.5, 24, Long.MAX_VALUE, EaseSimilarity.Mode.DENSE)
                .compute(m, 24, TrainingMonitor.NOOP);
        ItemNeighbors sparse = new EaseSimilarity(5, 0.5, 24, Long.MAX_VALUE, EaseSimilarity.Mode.SPARSE)
                .compute(m, 24, TrainingMonitor.NOOP);
        for (int i = 0; i < m.numItems(); i++) {
            assertArrayEquals(dense.neighbors(i), sparse.neighbors(i), "item " + i);
            assertArrayEquals(dense.scores(i), sparse.scores(i), 1e-4f, "item " + i);
        }
    }

    @Test
    void thePackedUpperTriangleHoldsEachEntryOnceRowByRow() {
        // a block keeps each Gram matrix as its upper triangle: (a, b), a <= b, row by row, no gap and no overlap
        for (int size : new int[] {1, 2, 5, 200}) {
            int expected = 0;
            for (int a = 0; a < size; a++) {
                for (int b = a; b < size; b++) {
                    assertEquals(
                            expected++, EaseSimilarity.packed(a, b, size), "size " + size + " (" + a + ", " + b + ")");
                }
            }
            assertEquals(size * (size + 1) / 2, expected);
        }
    }

    @Test
    void sparseColumnsSolvedInBlocksAreTheColumnsSolvedOneByOne() {
        InteractionMatrix m = TestData.random(17, 120, 70, 0.08);
        EaseSimilarity ease = new EaseSimilarity(5, 0.5, 12, Long.MAX_VALUE, EaseSimilarity.Mode.SPARSE);
        float[] x = sqrtWeights(m);
        ItemNeighbors one = ease.sparse(m, x, 10, 1, TrainingMonitor.NOOP);
        for (int block : new int[] {7, 70, 500}) {
            ItemNeighbors blocked = ease.sparse(m, x, 10, block, TrainingMonitor.NOOP);
            TestData.assertSameNeighbors(one, blocked, "block " + block);
        }
    }

    /**
     * What a distributed job does (the Spark job's item blocks): each block of columns learns its supports from the
     * users of its items only, then solves its columns from the users of its items and their supports, each row cut to
     * those items; B's rows from all blocks' columns are the node's, to the last bit.
     */
    @Test
    void sparseColumnsByBlocksFromTheirUsersOnlyAreTheWholeTraining() {
        InteractionMatrix m = TestData.random(23, 150, 60, 0.1);
        EaseSimilarity ease = new EaseSimilarity(5, 0.5, 9, Long.MAX_VALUE, EaseSimilarity.Mode.SPARSE);
        ItemNeighbors whole = ease.compute(m, 10, TrainingMonitor.NOOP);
        java.util.List<EaseSimilarity.SparseColumns> blocks = new java.util.ArrayList<>();
        for (int from = 0; from < m.numItems(); from += 13) {
            int to = Math.min(m.numItems(), from + 13);
            boolean[] block = new boolean[m.numItems()];
            java.util.Arrays.fill(block, from, to, true);
            EaseSimilarity.SparseColumns supports = ease.sparseSupports(restricted(m, block, null), from, to);
            assertEquals(null, supports.weights());
            boolean[] needed = block.clone();
            for (int c = 0; c < to - from; c++) {
                for (int a = 0; a < supports.lengths()[c]; a++) {
                    needed[supports.ids()[c * supports.support() + a]] = true;
                }
            }
            blocks.add(ease.sparseColumns(restricted(m, needed, needed), from, to, TrainingMonitor.NOOP));
        }
        java.util.Collections.reverse(blocks); // any order
        ItemNeighbors byBlocks = EaseSimilarity.sparseRows(m.numItems(), blocks, 10);
        int withNeighbors = 0;
        for (int i = 0; i < m.numItems(); i++) {
            assertArrayEquals(whole.neighbors(i), byBlocks.neighbors(i), "item " + i);
            assertArrayEquals(whole.scores(i), byBlocks.scores(i), 0f, "item " + i);
            withNeighbors += whole.rowLength(i) > 0 ? 1 : 0;
        }
        assertTrue(withNeighbors > m.numItems() / 2, "items with neighbours: " + withNeighbors);
        assertThrows(IllegalArgumentException.class, () -> ease.sparseColumns(m, 50, 61, TrainingMonitor.NOOP));
    }

    /** The users with an item in {@code users}, in order, their rows cut to {@code keep} (null: whole rows). */
    private static InteractionMatrix restricted(InteractionMatrix m, boolean[] users, boolean[] keep) {
        java.util.List<Integer> kept = new java.util.ArrayList<>();
        int entries = 0;
        for (int u = 0; u < m.numUsers(); u++) {
            boolean in = false;
            int length = 0;
            for (int i : m.userItems(u)) {
                in |= users[i];
                length += keep == null || keep[i] ? 1 : 0;
            }
            if (in) {
                kept.add(u);
                entries += length;
            }
        }
        int[] offsets = new int[kept.size() + 1];
        int[] items = new int[entries];
        float[] weights = new float[entries];
        int at = 0;
        for (int x = 0; x < kept.size(); x++) {
            int u = kept.get(x);
            for (int p = m.userOffsets()[u]; p < m.userOffsets()[u + 1]; p++) {
                if (keep == null || keep[m.userItems()[p]]) {
                    items[at] = m.userItems()[p];
                    weights[at++] = m.userWeights()[p];
                }
            }
            offsets[x + 1] = at;
        }
        return new InteractionMatrix(kept.size(), m.numItems(), 0L, offsets, items, weights, null);
    }

    @Test
    void sparseColumnsWithTheHeavyItemsKeptAndOnWorkersAreTheColumnsSolvedOneByOne() {
        InteractionMatrix m = TestData.random(19, 150, 70, 0.1);
        float[] x = sqrtWeights(m);
        EaseSimilarity serial = new EaseSimilarity(5, 0.5, 12, Long.MAX_VALUE, EaseSimilarity.Mode.SPARSE);
        // every positive weight of B, not only the top ones: k = items
        ItemNeighbors one = serial.sparse(m, x, 70, 1, 0, TrainingMonitor.NOOP);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            EaseSimilarity parallel =
                    new EaseSimilarity(5, 0.5, 12, Long.MAX_VALUE, EaseSimilarity.Mode.SPARSE, new Workers(pool, 3));
            for (EaseSimilarity ease : new EaseSimilarity[] {serial, parallel}) {
                for (int block : new int[] {1, 7, 500}) {
                    for (int heavy : new int[] {0, 1, 9, 70}) {
                        ItemNeighbors blocked = ease.sparse(m, x, 70, block, heavy, TrainingMonitor.NOOP);
                        String what = (ease == serial ? "serial" : "workers") + ", block " + block + ", heavy " + heavy;
                        TestData.assertSameNeighbors(one, blocked, what);
                    }
                }
            }
        } finally {
            pool.shutdown();
        }
    }

    /**
     * Blocks cut by bytes (each column counted at its own size: fewer entries when its support holds heavy items), in
     * the order of the supports, any number of threads: the weights of the columns solved one by one, to the last bit.
     */
    @Test
    void sparseColumnsInBlocksCutByTheirBytesAreTheColumnsSolvedOneByOne() {
        InteractionMatrix m = TestData.random(29, 160, 80, 0.12);
        float[] x = sqrtWeights(m);
        EaseSimilarity serial = new EaseSimilarity(5, 0.5, 12, Long.MAX_VALUE, EaseSimilarity.Mode.SPARSE);
        ItemNeighbors one = serial.sparse(m, x, 80, 1, 0, TrainingMonitor.NOOP);
        long column = EaseSimilarity.columnBytes(12 * 13 / 2, 12);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            EaseSimilarity parallel =
                    new EaseSimilarity(5, 0.5, 12, Long.MAX_VALUE, EaseSimilarity.Mode.SPARSE, new Workers(pool, 3));
            for (EaseSimilarity ease : new EaseSimilarity[] {serial, parallel}) {
                for (long bytes : new long[] {1, column / 2, 3 * column, 20 * column}) {
                    for (int heavy : new int[] {0, 5, 30}) {
                        ItemNeighbors blocked = ease.sparse(m, x, 80, 80, bytes, heavy, TrainingMonitor.NOOP);
                        String what = (ease == serial ? "serial" : "workers") + ", bytes " + bytes + ", heavy " + heavy;
                        TestData.assertSameNeighbors(one, blocked, what);
                    }
                }
            }
        } finally {
            pool.shutdown();
        }
    }

    /**
     * A column's Gram entries without those among heavy items: supports (ids) 10, 11, 12, 13, heavy 11 and 13: rows
     * 0 and 2 (light) hold 4 and 2 entries, rows 1 and 3 (heavy) their light items after them: 1 (item 12) and 0.
     */
    @Test
    void aColumnKeepsNoGramEntryBetweenTwoHeavyItems() {
        int[] heavyIndex = new int[14];
        java.util.Arrays.fill(heavyIndex, -1);
        heavyIndex[11] = 0;
        heavyIndex[13] = 1;
        EaseSimilarity.GramLayout g = EaseSimilarity.GramLayout.of(new int[] {7, 10, 11, 12, 13}, 1, 4, heavyIndex);
        assertEquals(4 + 1 + 2 + 0, g.entries());
        Set<Integer> slots = new HashSet<>();
        for (int a = 0; a < 4; a++) {
            for (int b = a; b < 4; b++) {
                if ((a == 1 || a == 3) && (b == 1 || b == 3)) {
                    continue;
                }
                assertTrue(slots.add(g.slot(a, b)), "(" + a + ", " + b + ") shares a slot");
            }
        }
        assertEquals(Set.of(0, 1, 2, 3, 4, 5, 6), slots);
        int[] noHeavy = new int[14];
        java.util.Arrays.fill(noHeavy, -1);
        assertEquals(
                10,
                EaseSimilarity.GramLayout.of(new int[] {10, 11, 12, 13}, 0, 4, noHeavy)
                        .entries());
    }

    /**
     * Columns ordered greedily by the supports that hold them: 0 holds 1, 2 and 4, 1 holds 4 and 3: from 0 (the
     * smallest), then 1 (held once, the smallest), 4 (now held twice), 2 and 3 (held once, the smaller first); with 4
     * heavy it is never reached through a support, only as the last column left: 0, 1, 2, 3, 4.
     */
    @Test
    void columnsAreOrderedByTheSupportsThatHoldThem() {
        int s = 3;
        int[] lengths = {3, 2, 0, 0, 0};
        int[] ids = {1, 2, 4, 4, 3, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1};
        int[] light = {-1, -1, -1, -1, -1};
        assertArrayEquals(new int[] {0, 1, 4, 2, 3}, EaseSimilarity.supportOrder(0, 5, s, lengths, ids, light));
        int[] heavy = {-1, -1, -1, -1, 0};
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, EaseSimilarity.supportOrder(0, 5, s, lengths, ids, heavy));
    }

    @Test
    void theHeavyItemsTakeAQuarterOfTheSpareBudgetAndOnlyWhenThereAreSeveralBlocks() {
        long budget = EaseSimilarity.sparseBytes(1000, 20) + 4_000_000;
        EaseSimilarity ease = new EaseSimilarity(5, 0, 20, budget, EaseSimilarity.Mode.SPARSE);
        int heavy = ease.heavyItems(1000, 20, 100);
        assertTrue(heavy > 400 && 4L * heavy * (heavy + 1) + 4L * 1000 <= 1_000_000, "heavy " + heavy);
        assertEquals(0, ease.heavyItems(1000, 20, 1000));
    }

    @Test
    void sparseRecommendsWhatDenseRecommendsOnSparseData() {
        // 600 users and 200 items in 4 groups (90% of a user's items from their group), 3% density: each column
        // regressed on the 40 items co-occurring most with it, out of 199
        InteractionMatrix m = grouped(11, 600, 200, 4, 0.03);
        ItemNeighbors dense = new EaseSimilarity(5, 0, 40, Long.MAX_VALUE, EaseSimilarity.Mode.DENSE)
                .compute(m, 199, TrainingMonitor.NOOP);
        ItemNeighbors sparse = new EaseSimilarity(5, 0, 40, Long.MAX_VALUE, EaseSimilarity.Mode.SPARSE)
                .compute(m, 199, TrainingMonitor.NOOP);
        // how much of the dense model's own score the sparse lists keep: sum of dense scores over the sparse top 10,
        // over the same sum for the dense top 10 (1 when the lists hold the same items)
        double kept = 0;
        long shared = 0;
        long total = 0;
        for (int u = 0; u < m.numUsers(); u++) {
            int[] history = m.userItems(u);
            float[] denseScores = scores(dense, history);
            int[] best = top10(dense, history);
            int[] sparseBest = top10(sparse, history);
            double ideal = 0;
            double got = 0;
            Set<Integer> d = new HashSet<>();
            for (int j : best) {
                ideal += denseScores[j];
                d.add(j);
            }
            for (int j : sparseBest) {
                got += denseScores[j];
                shared += d.contains(j) ? 1 : 0;
            }
            total += best.length;
            kept += ideal > 0 ? got / ideal : 1;
        }
        kept /= m.numUsers();
        double overlap = (double) shared / total;
        assertTrue(kept >= 0.97, "dense score kept " + kept + ", overlap " + overlap);
        assertTrue(overlap >= 0.8, "dense score kept " + kept + ", overlap " + overlap);
    }

    private static float[] scores(ItemNeighbors nb, int[] history) {
        float[] scores = new float[nb.numItems()];
        for (int i : history) {
            for (int p = nb.offsets()[i]; p < nb.offsets()[i + 1]; p++) {
                scores[nb.neighbors()[p]] += nb.scores()[p];
            }
        }
        return scores;
    }

    /** A user's top 10 by the sum of their history items' rows, history excluded. */
    private static int[] top10(ItemNeighbors nb, int[] history) {
        float[] scores = scores(nb, history);
        TopK top = new TopK(10);
        for (int j = 0; j < scores.length; j++) {
            if (java.util.Arrays.binarySearch(history, j) < 0 && scores[j] > 0) {
                top.offer(j, scores[j]);
            }
        }
        int[] out = new int[top.size()];
        top.drainSorted(out, null, 0);
        return out;
    }

    private static InteractionMatrix grouped(long seed, int users, int items, int groups, double density) {
        java.util.Random r = new java.util.Random(seed);
        int[] offsets = new int[users + 1];
        java.util.List<Integer> ids = new java.util.ArrayList<>();
        int per = items / groups;
        for (int u = 0; u < users; u++) {
            java.util.TreeSet<Integer> row = new java.util.TreeSet<>();
            int n = 1 + (int) Math.round(density * items * (0.5 + r.nextDouble()));
            while (row.size() < n) {
                row.add(r.nextDouble() < 0.9 ? (u % groups) * per + r.nextInt(per) : r.nextInt(items));
            }
            ids.addAll(row);
            offsets[u + 1] = ids.size();
        }
        float[] w = new float[ids.size()];
        java.util.Arrays.fill(w, 1f);
        return new InteractionMatrix(
                users,
                items,
                0L,
                offsets,
                ids.stream().mapToInt(Integer::intValue).toArray(),
                w,
                null);
    }

    @Test
    void theMemoryBudgetChoosesTheVariantAndStopsWhatCannotFit() {
        InteractionMatrix m = TestData.random(3, 50, 40, 0.2);
        long dense = EaseSimilarity.denseBytes(40);
        assertEquals(
                EaseSimilarity.Mode.DENSE, new EaseSimilarity(10, 0, 20, dense, EaseSimilarity.Mode.AUTO).modeFor(40));
        EaseSimilarity small = new EaseSimilarity(10, 0, 20, dense - 1, EaseSimilarity.Mode.AUTO);
        assertEquals(EaseSimilarity.Mode.SPARSE, small.modeFor(40));
        assertEquals(40, small.compute(m, 5, TrainingMonitor.NOOP).numItems());
        EaseSimilarity none = new EaseSimilarity(10, 0, 20, 1000, EaseSimilarity.Mode.AUTO);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> none.compute(m, 5, TrainingMonitor.NOOP));
        assertTrue(e.getMessage().contains("above the training memory budget"), e.getMessage());
    }

    @Test
    void refusesANonPositiveRegularization() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new EaseSimilarity(0, 0, 10, Long.MAX_VALUE, EaseSimilarity.Mode.AUTO));
        assertThrows(
                IllegalArgumentException.class,
                () -> new EaseSimilarity(-1, 0, 10, Long.MAX_VALUE, EaseSimilarity.Mode.AUTO));
    }

    /** The input the sparse solver takes: each entry's weight to the power 0.5 (the default value exponent). */
    private static float[] sqrtWeights(InteractionMatrix m) {
        float[] x = new float[m.nnz()];
        for (int p = 0; p < x.length; p++) {
            x[p] = (float) Math.sqrt(m.userWeights()[p]);
        }
        return x;
    }
}
