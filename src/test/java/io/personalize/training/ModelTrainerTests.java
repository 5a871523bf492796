package io.personalize.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;

class ModelTrainerTests {

    @Test
    void defaultsAreTheChosenOnes() {
        TrainingConfig c = TrainingConfig.defaults();
        assertEquals(TrainingConfig.Algorithm.COSINE, c.algorithm());
        assertEquals(21, c.halfLifeDays());
        assertEquals(3, c.popularityHalfLifeDays());
        assertTrue(c.popularityCountsUsers());
        assertEquals(500, c.maxItemsPerUser());
        assertEquals(50, c.neighbors());
        assertEquals(0.4, c.cosineAlpha());
        assertEquals(10, c.cosineShrink());
        assertEquals(1.5, c.userWeightExponent());
        assertEquals(0.5, c.valueExponent());
        assertEquals(ItemNeighbors.RowNormalization.NONE, c.rowNormalization());
        assertEquals(0, c.scoring().historyWeightExponent());
        assertEquals(1, c.scoring().historyNormExponent());
        assertEquals(0.03, c.scoring().popularityWeight());
        TrainingConfig rp3 = TrainingConfig.builder()
                .algorithm(TrainingConfig.Algorithm.RP3BETA)
                .build();
        assertEquals(ItemNeighbors.RowNormalization.MAX, rp3.rowNormalization());
        assertEquals(0.05, rp3.scoring().popularityWeight());
        assertTrue(rp3.similarity() instanceof Rp3BetaSimilarity);
    }

    @Test
    void aPopularityDiscountMultipliesEveryAlgorithmsNeighbourScoresByTheirItemsFactor() {
        java.util.Random random = new java.util.Random(7);
        int n = 900;
        int[] users = new int[n];
        int[] items = new int[n];
        long[] times = new long[n];
        for (int e = 0; e < n; e++) {
            users[e] = random.nextInt(80);
            // skewed: low ids bought by many, high ids by few, so the discount changes the order
            items[e] = (int) Math.min(29, Math.floor(-Math.log(1 - random.nextDouble()) * 8));
            times[e] = random.nextInt(1_000_000);
        }
        double d = 0.5;
        for (TrainingConfig.Algorithm algorithm : TrainingConfig.Algorithm.values()) {
            TrainingConfig plainConfig = TrainingConfig.builder()
                    .algorithm(algorithm)
                    .rowNormalization(ItemNeighbors.RowNormalization.NONE)
                    .scoring(new ScoringParams(0, 1, 0))
                    .build();
            TrainedModel plain = ModelTrainer.train(users, items, null, times, plainConfig, TrainingMonitor.NOOP);
            TrainedModel discounted = ModelTrainer.train(
                    users,
                    items,
                    null,
                    times,
                    plainConfig.toBuilder().popularityDiscount(d).build(),
                    TrainingMonitor.NOOP);
            // users(j)^-d over its mean across the histories' entries (so the scores keep their scale)
            double weighted = 0;
            double entries = 0;
            for (int j = 0; j < plain.numItems(); j++) {
                int degree = plain.matrix().itemDegree(j);
                weighted += degree * Math.pow(Math.max(1, degree), -d);
                entries += degree;
            }
            float[] f = new float[plain.numItems()];
            for (int j = 0; j < f.length; j++) {
                f[j] = (float) (Math.pow(Math.max(1, plain.matrix().itemDegree(j)), -d) / (weighted / entries));
            }
            assertArrayEquals(f, ModelTrainer.popularityDiscount(plain.matrix(), d));
            assertEquals(null, ModelTrainer.popularityDiscount(plain.matrix(), 0));
            // the neighbours: each kept score times its item's factor, rows sorted again
            for (int i = 0; i < plain.numItems(); i++) {
                int[] nb = discounted.neighbors().neighbors(i);
                float[] sc = discounted.neighbors().scores(i);
                assertEquals(plain.neighbors().rowLength(i), nb.length, algorithm + " row " + i);
                for (int p = 0; p < nb.length; p++) {
                    assertEquals(plain.neighbors().score(i, nb[p]) * f[nb[p]], sc[p], 1e-6, algorithm + " " + i);
                    assertTrue(p == 0 || sc[p - 1] >= sc[p], algorithm + " row " + i + " sorted");
                }
            }
        }
    }

    @Test
    void trainsEndToEnd() {
        // users 0..3 on items as in TestData.small(), all at the same time
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
        assertEquals(4, model.numUsers());
        assertEquals(4, model.numItems());
        assertArrayEquals(new int[] {0, 1}, model.historyItems(0));
        assertArrayEquals(new float[] {1f, 1f}, model.historyWeights(0));
        assertArrayEquals(new float[] {2f, 3f, 2f, 1f}, model.popularity());
        assertArrayEquals(new int[] {1, 2}, model.neighbors().neighbors(0));
    }

    @Test
    void reportsProgressAndCancels() {
        InteractionMatrix big = TestData.random(7, 300, 200, 0.05);
        List<String> phases = new ArrayList<>();
        TrainingMonitor recording = new TrainingMonitor() {
            @Override
            public void progress(String phase, long done, long total) {
                phases.add(phase);
                assertTrue(done <= total);
            }

            @Override
            public void checkCancelled() {}
        };
        new CosineSimilarity(0.5, 0, 0, 0).compute(big, 10, recording);
        assertTrue(phases.contains("similarity"));

        int[] calls = {0};
        TrainingMonitor cancelling = new TrainingMonitor() {
            @Override
            public void progress(String phase, long done, long total) {}

            @Override
            public void checkCancelled() {
                if (++calls[0] > 2) {
                    throw new CancellationException("cancelled");
                }
            }
        };
        assertThrows(
                CancellationException.class, () -> new CosineSimilarity(0.5, 0, 0, 0).compute(big, 10, cancelling));
    }

    @Test
    void aTrainingOnWorkersStopsWhenCancelledFromAnyThread() {
        InteractionMatrix big = TestData.random(7, 300, 200, 0.05);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            Workers workers = new Workers(pool, 3);
            java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
            TrainingMonitor cancelling = new TrainingMonitor() {
                @Override
                public void progress(String phase, long done, long total) {}

                @Override
                public void checkCancelled() {
                    if (calls.incrementAndGet() > 3) {
                        throw new CancellationException("cancelled");
                    }
                }
            };
            for (ItemSimilarity similarity : new ItemSimilarity[] {
                new CosineSimilarity(0.5, 0, 0, 0, workers),
                new EaseSimilarity(5, 0, 20, Long.MAX_VALUE, EaseSimilarity.Mode.SPARSE, workers),
                new ImplicitAls(4, 1, 2, 3, 0, 1L, workers, ImplicitAls.Solver.CG)
            }) {
                calls.set(0);
                assertThrows(
                        CancellationException.class,
                        () -> similarity.compute(big, 10, cancelling),
                        similarity.describe());
            }
        } finally {
            pool.shutdown();
        }
    }
}
