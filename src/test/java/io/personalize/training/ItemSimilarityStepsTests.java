package io.personalize.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;

/** The steps a distributed training runs (parts of the users, blocks of items) give what {@code compute} gives. */
class ItemSimilarityStepsTests {

    @Test
    void cosineByPartsEqualsWhole() {
        assertStepsEqualWhole(new CosineSimilarity(0.4, 10, 1.5, 0.5));
    }

    @Test
    void rp3betaByPartsEqualsWhole() {
        assertStepsEqualWhole(new Rp3BetaSimilarity(1.0, 0.6, 0.5));
    }

    @Test
    void rowsOutsideTheMatrixAreRefused() {
        InteractionMatrix m = randomMatrix(new Random(1), 5, 5);
        var e = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class,
                () -> new CosineSimilarity(10).computeRows(m, new double[] {1, 1}, new double[5], 3, 2, 7, null));
        assertEquals("rows [2, 7) outside [0, 5)", e.getMessage());
    }

    @Test
    void alsFoldInNeighboursByBlocksOfItemsEqualWhole() {
        InteractionMatrix whole = randomMatrix(new Random(7), 300, 80);
        FactorModel model = new ImplicitAls(6, 1, 3, 4, 0, 7L).train(whole, TrainingMonitor.NOOP, null);
        FactorNeighbors driver = new FactorNeighbors(model, 1);
        // a block has the item factors and the fold-in matrix, not the users' factors
        FactorModel items = new FactorModel(0, 80, 6, new float[0], model.itemFactors());
        FactorNeighbors block = new FactorNeighbors(items, FactorNeighbors.foldIn(model.itemFactors(), 6, 1));
        for (boolean allPairs : new boolean[] {true, false}) {
            ItemNeighbors expected = driver.compute(whole, 10, allPairs, TrainingMonitor.NOOP);
            int compared = 0;
            for (int from = 0; from < 80; from += 25) {
                int to = Math.min(80, from + 25);
                boolean[] inBlock = usersOfItems(whole, from, to);
                InteractionMatrix users = usersOf(whole, u -> inBlock[u]);
                ItemNeighbors rows =
                        block.computeRows(users, 10, allPairs, from, to, TrainingMonitor.NOOP, Workers.SERIAL);
                assertEquals(to - from, rows.numItems());
                for (int i = from; i < to; i++) {
                    assertArrayEquals(expected.neighbors(i), rows.neighbors(i - from), allPairs + " item " + i);
                    assertArrayEquals(expected.scores(i), rows.scores(i - from), 0f, allPairs + " item " + i);
                    compared += expected.rowLength(i);
                }
            }
            assertTrue(compared > 80 * 5, "rows have neighbours: " + compared);
        }
        // the public entry chooses as compute does (every pair on a catalogue this small)
        ItemNeighbors rows = block.computeRows(whole, 10, 30, 40, TrainingMonitor.NOOP);
        ItemNeighbors expected = driver.compute(whole, 10, TrainingMonitor.NOOP);
        for (int i = 30; i < 40; i++) {
            assertArrayEquals(expected.neighbors(i), rows.neighbors(i - 30));
        }
    }

    private static void assertStepsEqualWhole(StepwiseSimilarity similarity) {
        Random random = new Random(42);
        int numUsers = 300;
        int numItems = 80;
        InteractionMatrix whole = randomMatrix(random, numUsers, numItems);
        ItemNeighbors expected = similarity.compute(whole, 10, TrainingMonitor.NOOP);

        // steps 1 and 2 over three parts of the users, added up
        List<InteractionMatrix> parts = new ArrayList<>();
        for (int part = 0; part < 3; part++) {
            final int p = part;
            parts.add(usersOf(whole, u -> u % 3 == p));
        }
        double[] userSums = null;
        for (InteractionMatrix part : parts) {
            userSums = add(userSums, similarity.userSums(part));
        }
        double[] itemSums = null;
        for (InteractionMatrix part : parts) {
            itemSums = add(itemSums, similarity.itemSums(part, userSums));
        }
        // step 3 by blocks of 25 items, each from the users of its items only
        int compared = 0;
        for (int from = 0; from < numItems; from += 25) {
            int to = Math.min(numItems, from + 25);
            boolean[] inBlock = usersOfItems(whole, from, to);
            InteractionMatrix block = usersOf(whole, u -> inBlock[u]);
            assertTrue(block.numUsers() < numUsers, "a block sees only its items' users");
            ItemNeighbors rows = similarity.computeRows(block, userSums, itemSums, 10, from, to, TrainingMonitor.NOOP);
            assertEquals(to - from, rows.numItems());
            for (int i = from; i < to; i++) {
                assertArrayEquals(expected.neighbors(i), rows.neighbors(i - from), "item " + i);
                assertArrayEquals(
                        expected.scores(i), rows.scores(i - from), 1e-6f * Math.max(1f, max(expected.scores(i))));
                compared += expected.rowLength(i);
            }
        }
        assertTrue(compared > numItems * 5, "rows have neighbours: " + compared);
    }

    private static float max(float[] values) {
        float max = 0;
        for (float v : values) {
            max = Math.max(max, v);
        }
        return max;
    }

    private static double[] add(double[] total, double[] part) {
        if (total == null) {
            return part.clone();
        }
        for (int x = 0; x < part.length; x++) {
            total[x] += part[x];
        }
        return total;
    }

    private static boolean[] usersOfItems(InteractionMatrix m, int from, int to) {
        boolean[] users = new boolean[m.numUsers()];
        for (int p = m.itemOffsets()[from]; p < m.itemOffsets()[to]; p++) {
            users[m.itemUsers()[p]] = true;
        }
        return users;
    }

    /** The matrix of the users that pass, with all their items, renumbered from 0 (item ids unchanged). */
    static InteractionMatrix usersOf(InteractionMatrix m, IntPredicate keep) {
        int[] offsets = new int[m.numUsers() + 1];
        int n = 0;
        List<Integer> kept = new ArrayList<>();
        for (int u = 0; u < m.numUsers(); u++) {
            if (keep.test(u)) {
                kept.add(u);
                offsets[kept.size()] = offsets[kept.size() - 1] + m.userDegree(u);
            }
        }
        int[] items = new int[offsets[kept.size()]];
        float[] weights = new float[items.length];
        for (int x = 0; x < kept.size(); x++) {
            int u = kept.get(x);
            System.arraycopy(m.userItems(), m.userOffsets()[u], items, offsets[x], m.userDegree(u));
            System.arraycopy(m.userWeights(), m.userOffsets()[u], weights, offsets[x], m.userDegree(u));
            n++;
        }
        return new InteractionMatrix(
                n, m.numItems(), m.referenceTime(), java.util.Arrays.copyOf(offsets, n + 1), items, weights, null);
    }

    private static InteractionMatrix randomMatrix(Random random, int numUsers, int numItems) {
        InteractionMatrixBuilder builder = new InteractionMatrixBuilder().numItems(numItems);
        for (int u = 0; u < numUsers; u++) {
            int events = 1 + random.nextInt(12);
            for (int e = 0; e < events; e++) {
                // skewed: low ids are popular, so that blocks differ in work
                int item = (int) (numItems * Math.pow(random.nextDouble(), 2));
                builder.add(u, item, 1 + random.nextInt(5), 1_000_000L + random.nextInt(1_000_000));
            }
        }
        return builder.halfLifeSeconds(86_400 * 3).build();
    }
}
