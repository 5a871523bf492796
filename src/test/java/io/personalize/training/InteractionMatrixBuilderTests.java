package io.personalize.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;

class InteractionMatrixBuilderTests {

    private static final float EPS = 1e-6f;

    private static InteractionMatrixBuilder sample() {
        InteractionMatrixBuilder b = new InteractionMatrixBuilder(2) // small capacity: exercises growth
                .halfLifeSeconds(10)
                .popularityHalfLifeSeconds(10);
        b.add(0, 1, 2f, 100);
        b.add(0, 1, 2f, 90);
        b.add(0, 0, 1f, 80);
        b.add(1, 0, 4f, 100);
        return b;
    }

    @Test
    void decaysAndMergesDuplicates() {
        InteractionMatrixBuilder b = sample();
        InteractionMatrix m = b.build();
        assertEquals(2, m.numUsers());
        assertEquals(2, m.numItems());
        assertEquals(100, m.referenceTime());
        assertArrayEquals(new int[] {0, 2, 3}, m.userOffsets());
        assertArrayEquals(new int[] {0, 1, 0}, m.userItems());
        // (u0,i0): 1 * 0.5^(20/10); (u0,i1): 2 + 2 * 0.5; (u1,i0): 4
        assertArrayEquals(new float[] {0.25f, 3f, 4f}, m.userWeights(), EPS);
        assertArrayEquals(new int[] {20, 0, 0}, m.userAges());
        // transpose
        assertArrayEquals(new int[] {0, 2, 3}, m.itemOffsets());
        assertArrayEquals(new int[] {0, 1, 0}, m.itemUsers());
        assertArrayEquals(new float[] {0.25f, 4f, 3f}, m.itemWeights(), EPS);
        // popularity over events: i0 = 1 * 0.25 + 4, i1 = 2 + 2 * 0.5
        assertArrayEquals(new float[] {4.25f, 3f}, b.popularity(), EPS);
    }

    @Test
    void popularityCanCountUsers() {
        InteractionMatrixBuilder b = sample().popularityCountsUsers(true);
        b.build();
        // i0: u0 last at 80 -> 0.25, u1 at 100 -> 1; i1: u0 last at 100 -> 1
        assertArrayEquals(new float[] {1.25f, 1f}, b.popularity(), EPS);
    }

    @Test
    void capKeepsMostRecentItemsButPopularitySeesAll() {
        InteractionMatrixBuilder b = sample().maxItemsPerUser(1);
        InteractionMatrix m = b.build();
        assertArrayEquals(new int[] {0, 1, 2}, m.userOffsets());
        assertArrayEquals(new int[] {1, 0}, m.userItems());
        assertArrayEquals(new float[] {3f, 4f}, m.userWeights(), EPS);
        assertArrayEquals(new float[] {4.25f, 3f}, b.popularity(), EPS);
    }

    @Test
    void capBreaksTimeTiesBySmallerItemAndKeepsItemOrder() {
        InteractionMatrixBuilder b = new InteractionMatrixBuilder().maxItemsPerUser(2);
        b.add(0, 9, 1f, 50);
        b.add(0, 3, 1f, 50);
        b.add(0, 5, 1f, 50);
        b.add(0, 1, 1f, 10);
        InteractionMatrix m = b.build();
        assertArrayEquals(new int[] {3, 5}, m.userItems());
    }

    @Test
    void noDecayByDefaultAndExplicitReference() {
        InteractionMatrixBuilder b =
                new InteractionMatrixBuilder().numUsers(3).numItems(4).referenceTime(1_000);
        b.addAll(new int[] {1, 1}, new int[] {2, 2}, null, new long[] {10, 2_000});
        InteractionMatrix m = b.build();
        assertEquals(3, m.numUsers());
        assertEquals(4, m.numItems());
        assertEquals(1_000, m.referenceTime());
        assertArrayEquals(new float[] {2f}, m.userWeights(), EPS);
        assertArrayEquals(new int[] {0}, m.userAges()); // events after the reference are not aged
        assertArrayEquals(new float[] {0f, 0f, 2f, 0f}, b.popularity(), EPS);
    }

    @Test
    void futureEventsAreNotAmplified() {
        InteractionMatrixBuilder b =
                new InteractionMatrixBuilder().halfLifeSeconds(10).referenceTime(100);
        b.add(0, 0, 1f, 120);
        assertArrayEquals(new float[] {1f}, b.build().userWeights(), EPS);
    }

    @Test
    void oneRecentOutlierCannotDecayEveryOtherWeightToZero() {
        // a 21-day half-life; events of 2011 and one of 2025: 14 years is 240 half-lives, far past a float's range
        double halfLife = 21 * 86_400.0;
        long in2011 = 1_300_000_000L;
        long in2025 = 1_750_000_000L;
        InteractionMatrixBuilder b =
                new InteractionMatrixBuilder().halfLifeSeconds(halfLife).popularityHalfLifeSeconds(halfLife);
        b.add(0, 0, 5f, in2011);
        b.add(0, 1, 5f, in2011 - 86_400);
        b.add(1, 0, 5f, in2011);
        b.add(2, 2, 5f, in2025);
        InteractionMatrix m = b.build();
        float[] weights = m.userWeights();
        for (float w : weights) {
            assertTrue(w > 0, "no weight decays to zero: " + java.util.Arrays.toString(weights));
        }
        // older than 20 half-lives, both 2011 events weigh the floor: 5 * 2^-20
        assertArrayEquals(new float[] {5f * 0x1p-20f, 5f * 0x1p-20f, 5f * 0x1p-20f, 5f}, weights, 1e-12f);
        for (float p : b.popularity()) {
            assertTrue(p > 0, "popularity too: " + java.util.Arrays.toString(b.popularity()));
        }
    }

    @Test
    void decayAboveTheFloorIsUnchanged() {
        InteractionMatrixBuilder b =
                new InteractionMatrixBuilder().halfLifeSeconds(10).referenceTime(200);
        b.add(0, 0, 1f, 200 - 190); // 19 half-lives
        assertArrayEquals(new float[] {(float) Math.pow(0.5, 19)}, b.build().userWeights(), 1e-12f);
    }

    @Test
    void emptyBuilder() {
        InteractionMatrix m =
                new InteractionMatrixBuilder().numUsers(2).numItems(3).build();
        assertEquals(0, m.nnz());
        assertArrayEquals(new int[] {0, 0, 0}, m.userOffsets());
        assertArrayEquals(new int[] {0, 0, 0, 0}, m.itemOffsets());
    }

    @Test
    void rejectsInvalidInputAndSecondBuild() {
        InteractionMatrixBuilder b = new InteractionMatrixBuilder();
        assertThrows(IllegalArgumentException.class, () -> b.add(-1, 0, 1f, 0));
        assertThrows(IllegalArgumentException.class, () -> b.add(0, 0, -1f, 0));
        assertThrows(IllegalArgumentException.class, () -> b.add(0, 0, Float.NaN, 0));
        assertThrows(IllegalArgumentException.class, () -> b.halfLifeSeconds(-1));
        b.add(0, 0, 1f, 0);
        assertThrows(IllegalArgumentException.class, () -> b.add(0, 0, 1f, 3_000_000_000L));
        b.build();
        assertThrows(IllegalStateException.class, b::build);
        assertThrows(IllegalStateException.class, () -> b.add(0, 0, 1f, 0));
    }

    @Test
    void cancellationStopsBuild() {
        InteractionMatrixBuilder b = sample();
        TrainingMonitor cancel = new TrainingMonitor() {
            @Override
            public void progress(String phase, long done, long total) {}

            @Override
            public void checkCancelled() {
                throw new CancellationException("stop");
            }
        };
        assertThrows(CancellationException.class, () -> b.build(cancel));
    }

    @Test
    void matrixRejectsNegativeOrInfiniteWeights() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new InteractionMatrix(1, 1, 0L, new int[] {0, 1}, new int[] {0}, new float[] {-1f}, null));
        assertThrows(
                IllegalArgumentException.class,
                () -> new InteractionMatrix(
                        1, 1, 0L, new int[] {0, 1}, new int[] {0}, new float[] {Float.POSITIVE_INFINITY}, null));
        assertThrows(
                IllegalArgumentException.class,
                () -> new InteractionMatrix(1, 1, 0L, new int[] {0, 1}, new int[] {3}, new float[] {1f}, null));
    }

    /**
     * The same events, arriving in another order under other ids (as parallel reads give them), relabelled to the same
     * ids, build bit-identical matrices and popularity: floating-point sums no longer follow arrival order.
     */
    @Test
    void relabelledEventsInAnyOrderBuildTheSameModel() {
        java.util.Random random = new java.util.Random(42);
        int users = 50, items = 40, n = 5_000;
        int[] u = new int[n], it = new int[n];
        float[] w = new float[n];
        long[] t = new long[n];
        for (int e = 0; e < n; e++) {
            u[e] = random.nextInt(users);
            it[e] = random.nextInt(items);
            w[e] = 0.1f
                    + random.nextInt(1000) / 7f; // weights of mixed magnitudes: sums in another order round differently
            t[e] = 1_000_000 + random.nextInt(86_400 * 60);
        }
        InteractionMatrixBuilder canonical =
                new InteractionMatrixBuilder().halfLifeSeconds(86_400 * 7).popularityHalfLifeSeconds(86_400 * 3);
        canonical.addAll(u, it, w, t);
        InteractionMatrix expected = canonical.build();

        // arrival in reverse, with ids given in order of first arrival (a dictionary's way), then relabelled back
        int[] userIds = new int[users], itemIds = new int[items];
        java.util.Arrays.fill(userIds, -1);
        java.util.Arrays.fill(itemIds, -1);
        int[] userBack = new int[users], itemBack = new int[items];
        int nu = 0, ni = 0;
        InteractionMatrixBuilder shuffled =
                new InteractionMatrixBuilder().halfLifeSeconds(86_400 * 7).popularityHalfLifeSeconds(86_400 * 3);
        for (int e = n - 1; e >= 0; e--) {
            if (userIds[u[e]] < 0) {
                userBack[nu] = u[e];
                userIds[u[e]] = nu++;
            }
            if (itemIds[it[e]] < 0) {
                itemBack[ni] = it[e];
                itemIds[it[e]] = ni++;
            }
            shuffled.add(userIds[u[e]], itemIds[it[e]], w[e], t[e]);
        }
        shuffled.relabel(java.util.Arrays.copyOf(userBack, nu), java.util.Arrays.copyOf(itemBack, ni));
        InteractionMatrix actual = shuffled.build();

        assertArrayEquals(expected.userOffsets(), actual.userOffsets());
        assertArrayEquals(expected.userItems(), actual.userItems());
        assertArrayEquals(expected.userWeights(), actual.userWeights(), 0f);
        assertArrayEquals(expected.userAges(), actual.userAges());
        assertArrayEquals(expected.itemWeights(), actual.itemWeights(), 0f);
        assertArrayEquals(canonical.popularity(), shuffled.popularity(), 0f);
    }

    @Test
    void relabelNeedsMapsCoveringEveryId() {
        InteractionMatrixBuilder b = sample();
        assertThrows(IllegalArgumentException.class, () -> b.relabel(new int[] {1}, new int[] {1, 0}));
    }
}
