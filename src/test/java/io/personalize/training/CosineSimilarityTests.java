package io.personalize.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class CosineSimilarityTests {

    private static final float EPS = 1e-5f;

    private static ItemNeighbors cos(double alpha, double shrink, double gamma, double valueExp, int k) {
        return new CosineSimilarity(alpha, shrink, gamma, valueExp).compute(TestData.small(), k, TrainingMonitor.NOOP);
    }

    @Test
    void symmetricCosine() {
        // c01 = 2, c02 = 1, c12 = 2; n = 2, 3, 2, 1
        ItemNeighbors nb = cos(0.5, 0, 0, 0, 10);
        float s01 = (float) (2 / Math.sqrt(6));
        assertArrayEquals(new int[] {1, 2}, nb.neighbors(0));
        assertArrayEquals(new float[] {s01, 0.5f}, nb.scores(0), EPS);
        assertArrayEquals(new int[] {0, 2}, nb.neighbors(1)); // tie broken by smaller id
        assertArrayEquals(new float[] {s01, s01}, nb.scores(1), EPS);
        assertArrayEquals(new int[] {1, 0}, nb.neighbors(2));
        assertArrayEquals(new float[] {s01, 0.5f}, nb.scores(2), EPS);
        assertEquals(0, nb.rowLength(3)); // no co-occurrence, never itself
    }

    @Test
    void shrinkAndTopK() {
        ItemNeighbors nb = cos(0.5, 1, 0, 0, 1);
        assertArrayEquals(new int[] {1}, nb.neighbors(0));
        assertArrayEquals(new float[] {(float) (2 / (Math.sqrt(6) + 1))}, nb.scores(0), EPS);
        assertEquals(1, nb.rowLength(1));
    }

    @Test
    void asymmetricAlpha() {
        // alpha = 1: S[i][j] = c_ij / n_i
        ItemNeighbors a1 = cos(1, 0, 0, 0, 10);
        assertArrayEquals(new float[] {1f, 0.5f}, a1.scores(0), EPS);
        assertArrayEquals(new float[] {2f / 3, 2f / 3}, a1.scores(1), EPS);
        // alpha = 0: S[i][j] = c_ij / n_j
        ItemNeighbors a0 = cos(0, 0, 0, 0, 10);
        assertEquals(2f / 3, a0.score(0, 1), EPS);
        assertEquals(1f, a0.score(1, 0), EPS);
        assertEquals(1f, a0.score(1, 2), EPS);
        assertEquals(0.5f, a0.score(2, 0), EPS);
    }

    @Test
    void userActivityWeighting() {
        // f_u = deg^-1 * (8 / 4) = 1, 2/3, 1, 2; c01 = 5/3, n0 = 5/3, n1 = 8/3, c02 = 2/3, n2 = 5/3
        ItemNeighbors nb = cos(0.5, 0, 1, 0, 10);
        assertEquals((float) (5 / Math.sqrt(40)), nb.score(0, 1), EPS);
        assertEquals(0.4f, nb.score(0, 2), EPS);
        assertEquals((float) (5 / Math.sqrt(40)), nb.score(1, 2), EPS);
    }

    @Test
    void weightedValues() {
        // u1 has weight 4 on item 0, others 1; valueExponent 0.5 -> x = 2 for (u1, i0)
        InteractionMatrix m = new InteractionMatrix(
                2, 2, 0L, new int[] {0, 2, 4}, new int[] {0, 1, 0, 1}, new float[] {1, 1, 4, 1}, null);
        ItemNeighbors nb = new CosineSimilarity(0.5, 0, 0, 0.5).compute(m, 5, TrainingMonitor.NOOP);
        // c01 = 1*1 + 2*1 = 3; n0 = 1 + 4 = 5; n1 = 2
        assertEquals((float) (3 / Math.sqrt(10)), nb.score(0, 1), EPS);
        assertEquals((float) (3 / Math.sqrt(10)), nb.score(1, 0), EPS);
    }

    @Test
    void matchesBruteForceInDenseAndSparseModes() {
        InteractionMatrix denseCase = TestData.random(1, 60, 25, 0.3);
        InteractionMatrix sparseCase = TestData.random(2, 30, 400, 0.01);
        assertTrue(CooccurrenceKernel.useDenseAccumulator(denseCase));
        assertFalse(CooccurrenceKernel.useDenseAccumulator(sparseCase));
        for (InteractionMatrix m : new InteractionMatrix[] {denseCase, sparseCase}) {
            double alpha = 0.3;
            double shrink = 2;
            double gamma = 1.5;
            ItemNeighbors nb = new CosineSimilarity(alpha, shrink, gamma, 1).compute(m, 5, TrainingMonitor.NOOP);
            double[][] s = bruteForce(m, alpha, shrink, gamma);
            assertTopK(s, nb, 5);
        }
    }

    static double[][] bruteForce(InteractionMatrix m, double alpha, double shrink, double gamma) {
        double[][] x = TestData.dense(m);
        int nu = m.numUsers();
        int ni = m.numItems();
        double[] f = new double[nu];
        double total = 0;
        double weighted = 0;
        for (int u = 0; u < nu; u++) {
            int d = m.userDegree(u);
            f[u] = d == 0 ? 1 : Math.pow(d, -gamma);
            total += d;
            weighted += f[u] * d;
        }
        double[] n = new double[ni];
        for (int u = 0; u < nu; u++) {
            f[u] *= total / weighted;
            for (int i = 0; i < ni; i++) {
                n[i] += f[u] * x[u][i] * x[u][i];
            }
        }
        double[][] s = new double[ni][ni];
        for (int i = 0; i < ni; i++) {
            for (int j = 0; j < ni; j++) {
                double c = 0;
                for (int u = 0; u < nu; u++) {
                    c += f[u] * x[u][i] * x[u][j];
                }
                s[i][j] = i == j || c == 0 ? 0 : c / (Math.pow(n[i], alpha) * Math.pow(n[j], 1 - alpha) + shrink);
            }
        }
        return s;
    }

    /** Every row holds the k best positive entries of s (up to float rounding), sorted descending. */
    static void assertTopK(double[][] s, ItemNeighbors nb, int k) {
        for (int i = 0; i < s.length; i++) {
            double[] row = s[i].clone();
            long positive = Arrays.stream(row).filter(v -> v > 0).count();
            assertEquals(Math.min(k, positive), nb.rowLength(i), "row " + i);
            double[] sorted =
                    Arrays.stream(row).map(v -> -v).sorted().map(v -> -v).toArray();
            int[] ids = nb.neighbors(i);
            float[] sc = nb.scores(i);
            for (int x = 0; x < ids.length; x++) {
                assertEquals(row[ids[x]], sc[x], 1e-5 * Math.max(1, Math.abs(row[ids[x]])), "row " + i);
                assertEquals(sorted[x], sc[x], 1e-5 * Math.max(1, Math.abs(sorted[x])), "row " + i + " rank " + x);
                if (x > 0) {
                    assertTrue(sc[x - 1] >= sc[x]);
                }
            }
        }
    }

    @Test
    void rowsSharedOutAmongWorkersAreTheRowsOfOneThread() {
        InteractionMatrix m = TestData.random(41, 400, 300, 0.05);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            ItemNeighbors one = new CosineSimilarity(0.4, 10, 1.5, 0.5).compute(m, 20, TrainingMonitor.NOOP);
            ItemNeighbors shared =
                    new CosineSimilarity(0.4, 10, 1.5, 0.5, new Workers(pool, 3)).compute(m, 20, TrainingMonitor.NOOP);
            assertEquals(one.numItems(), shared.numItems());
            TestData.assertSameNeighbors(one, shared, "workers");
        } finally {
            pool.shutdown();
        }
    }
}
