package io.personalize.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;

/** Small matrices for tests. */
final class TestData {

    private TestData() {}

    /**
     * 4 users x 4 items, binary: u0 {0,1}, u1 {0,1,2}, u2 {1,2}, u3 {3}.
     * Item degrees 2, 3, 2, 1; user degrees 2, 3, 2, 1.
     */
    static InteractionMatrix small() {
        return new InteractionMatrix(
                4,
                4,
                0L,
                new int[] {0, 2, 5, 7, 8},
                new int[] {0, 1, 0, 1, 2, 1, 2, 3},
                new float[] {1, 1, 1, 1, 1, 1, 1, 1},
                null);
    }

    /** Random matrix with positive weights; each row sorted and duplicate-free. */
    static InteractionMatrix random(long seed, int users, int items, double density) {
        Random r = new Random(seed);
        int[] offsets = new int[users + 1];
        int[] buf = new int[users * items];
        float[] w = new float[users * items];
        int n = 0;
        for (int u = 0; u < users; u++) {
            for (int i = 0; i < items; i++) {
                if (r.nextDouble() < density) {
                    buf[n] = i;
                    w[n] = 0.5f + r.nextInt(8) * 0.25f;
                    n++;
                }
            }
            offsets[u + 1] = n;
        }
        return new InteractionMatrix(
                users, items, 0L, offsets, java.util.Arrays.copyOf(buf, n), java.util.Arrays.copyOf(w, n), null);
    }

    static double[][] dense(InteractionMatrix m) {
        double[][] x = new double[m.numUsers()][m.numItems()];
        for (int u = 0; u < m.numUsers(); u++) {
            for (int p = m.userOffsets()[u]; p < m.userOffsets()[u + 1]; p++) {
                x[u][m.userItems()[p]] = m.userWeights()[p];
            }
        }
        return x;
    }

    /** Every item's neighbours and weights the same, to the last bit. */
    static void assertSameNeighbors(ItemNeighbors expected, ItemNeighbors actual, String what) {
        for (int i = 0; i < expected.numItems(); i++) {
            assertArrayEquals(expected.neighbors(i), actual.neighbors(i), what + ", item " + i);
            assertArrayEquals(expected.scores(i), actual.scores(i), what + ", item " + i);
        }
    }
}
