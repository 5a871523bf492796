package io.personalize.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class Rp3BetaSimilarityTests {

    private static final float EPS = 1e-5f;

    @Test
    void plainRandomWalk() {
        // S_ij = sum_u (1 / deg_i) (1 / deg_u)
        ItemNeighbors nb = new Rp3BetaSimilarity(1, 0, 0).compute(TestData.small(), 10, TrainingMonitor.NOOP);
        assertArrayEquals(new int[] {1, 2}, nb.neighbors(0));
        assertArrayEquals(new float[] {5f / 12, 1f / 6}, nb.scores(0), EPS);
        assertArrayEquals(new int[] {0, 2}, nb.neighbors(1));
        assertArrayEquals(new float[] {5f / 18, 5f / 18}, nb.scores(1), EPS);
        assertArrayEquals(new int[] {1, 0}, nb.neighbors(2));
        assertArrayEquals(new float[] {5f / 12, 1f / 6}, nb.scores(2), EPS);
        assertEquals(0, nb.rowLength(3));
    }

    @Test
    void popularityPenaltyAndAlpha() {
        ItemNeighbors nb = new Rp3BetaSimilarity(1, 0.5, 0).compute(TestData.small(), 10, TrainingMonitor.NOOP);
        assertEquals((float) (5.0 / 12 / Math.sqrt(3)), nb.score(0, 1), EPS);
        assertEquals((float) (1.0 / 6 / Math.sqrt(2)), nb.score(0, 2), EPS);
        // alpha = 2: S_01 = (1/2)^2 * ((1/2)^2 + (1/3)^2)
        ItemNeighbors a2 = new Rp3BetaSimilarity(2, 0, 0).compute(TestData.small(), 10, TrainingMonitor.NOOP);
        assertEquals((float) (0.25 * (0.25 + 1.0 / 9)), a2.score(0, 1), EPS);
    }

    @Test
    void weightedMatchesBruteForce() {
        InteractionMatrix m = TestData.random(3, 40, 30, 0.2);
        double alpha = 0.8;
        double beta = 0.4;
        ItemNeighbors nb = new Rp3BetaSimilarity(alpha, beta, 1).compute(m, 6, TrainingMonitor.NOOP);
        double[][] x = TestData.dense(m);
        int nu = m.numUsers();
        int ni = m.numItems();
        double[] rowSum = new double[nu];
        double[] colSum = new double[ni];
        for (int u = 0; u < nu; u++) {
            for (int i = 0; i < ni; i++) {
                rowSum[u] += x[u][i];
                colSum[i] += x[u][i];
            }
        }
        double[][] s = new double[ni][ni];
        for (int i = 0; i < ni; i++) {
            for (int j = 0; j < ni; j++) {
                double c = 0;
                for (int u = 0; u < nu; u++) {
                    if (x[u][i] > 0 && x[u][j] > 0) {
                        c += Math.pow(x[u][i] / colSum[i], alpha) * Math.pow(x[u][j] / rowSum[u], alpha);
                    }
                }
                s[i][j] = i == j ? 0 : c / Math.pow(colSum[j], beta);
            }
        }
        CosineSimilarityTests.assertTopK(s, nb, 6);
    }

    @Test
    void rowsSharedOutAmongWorkersAreTheRowsOfOneThread() {
        InteractionMatrix m = TestData.random(43, 400, 300, 0.05);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            ItemNeighbors one = new Rp3BetaSimilarity(0.8, 0.4, 0.5).compute(m, 20, TrainingMonitor.NOOP);
            ItemNeighbors shared =
                    new Rp3BetaSimilarity(0.8, 0.4, 0.5, new Workers(pool, 3)).compute(m, 20, TrainingMonitor.NOOP);
            assertEquals(one.numItems(), shared.numItems());
            TestData.assertSameNeighbors(one, shared, "workers");
        } finally {
            pool.shutdown();
        }
    }
}
