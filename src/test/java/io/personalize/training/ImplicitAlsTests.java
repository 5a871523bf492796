package io.personalize.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

class ImplicitAlsTests {

    @Test
    void theLossDecreasesWithEverySweep() {
        InteractionMatrix m = TestData.random(5, 60, 30, 0.15);
        ImplicitAls als = new ImplicitAls(8, 0.5, 4, 8, 0, 1L);
        List<Double> losses = new ArrayList<>();
        als.train(m, TrainingMonitor.NOOP, model -> losses.add(als.loss(m, model)));
        assertEquals(8, losses.size());
        for (int s = 1; s < losses.size(); s++) {
            assertTrue(losses.get(s) <= losses.get(s - 1) + 1e-9, "sweep " + s + ": " + losses);
        }
        assertTrue(losses.get(losses.size() - 1) < 0.9 * losses.get(0), losses.toString());
    }

    @Test
    void theExactVariantsLossNeverRisesAndFallsFarBelowItsStart() {
        // its own objective (MLlib's): each exact half-sweep minimises it over one side, so no sweep raises it
        InteractionMatrix m = TestData.random(5, 60, 30, 0.15);
        ImplicitAls als = exact(8, 5, 4, 8, 0.5, 1L, Workers.SERIAL);
        List<Double> losses = new ArrayList<>();
        als.train(m, TrainingMonitor.NOOP, model -> losses.add(als.loss(m, model)));
        assertEquals(8, losses.size());
        for (int s = 1; s < losses.size(); s++) {
            assertTrue(losses.get(s) <= losses.get(s - 1) * (1 + 1e-6), "sweep " + s + ": " + losses);
        }
        assertTrue(losses.get(losses.size() - 1) < 0.9 * losses.get(0), losses.toString());
    }

    /**
     * The exact variant's users solve MLlib's system (ml.recommendation.ALS, implicitPrefs): A = Y^T Y + sum over the
     * user's entries of alpha |r| y y^T + regParam n_u I, b = sum over positive r of (1 + alpha r) y, n_u the positive
     * entries, regParam = lambda (users + items) / (2 entries), r = weight^valueExponent; written out here over every
     * item as the textbook form: (Y^T C_u Y + regParam n_u I) x = Y^T C_u p_u. Zero weights make entries whose r is 0
     * (confidence 1, preference 0, not counted), as MLlib takes them.
     */
    @Test
    void theExactVariantSolvesMllibsSystemForEveryUser() {
        InteractionMatrix random = TestData.random(9, 40, 15, 0.3);
        float[] weights = random.userWeights().clone();
        for (int p = 0; p < weights.length; p += 5) {
            weights[p] = 0;
        }
        InteractionMatrix m = new InteractionMatrix(
                random.numUsers(), random.numItems(), 0L, random.userOffsets(), random.userItems(), weights, null);
        int f = 4;
        double lambda = 3;
        double alpha = 2;
        double exponent = 0.5;
        ImplicitAls als = exact(f, lambda, alpha, 6, exponent, 3L, Workers.SERIAL);
        FactorModel model = als.train(m, TrainingMonitor.NOOP, null);
        float[] y = model.itemFactors();
        float[] x = model.userFactors();
        double regParam = lambda * (m.numUsers() + m.numItems()) / (2.0 * m.nnz());
        assertEquals(regParam, ImplicitAls.perEntryRegularization(lambda, m.numUsers(), m.numItems(), m.nnz()), 1e-15);
        int solved = 0;
        for (int u = 0; u < m.numUsers(); u++) {
            DMatrixRMaj a = new DMatrixRMaj(f, f);
            DMatrixRMaj b = new DMatrixRMaj(f, 1);
            int positive = 0;
            for (int i = 0; i < m.numItems(); i++) {
                double c = 1;
                double pref = 0;
                for (int p = m.userOffsets()[u]; p < m.userOffsets()[u + 1]; p++) {
                    if (m.userItems()[p] == i) {
                        double r = weights[p] > 0 ? Math.pow(weights[p], exponent) : 0;
                        c = 1 + alpha * r;
                        pref = r > 0 ? 1 : 0;
                        positive += r > 0 ? 1 : 0;
                    }
                }
                for (int r = 0; r < f; r++) {
                    b.data[r] += c * pref * y[i * f + r];
                    for (int s = 0; s < f; s++) {
                        a.data[r * f + s] += c * y[i * f + r] * y[i * f + s];
                    }
                }
            }
            if (positive == 0) {
                for (int d = 0; d < f; d++) {
                    assertEquals(0f, x[u * f + d], "a user with no positive entry has no factors, as in MLlib");
                }
                continue;
            }
            for (int d = 0; d < f; d++) {
                a.data[d * f + d] += regParam * positive;
            }
            DMatrixRMaj want = new DMatrixRMaj(f, 1);
            assertTrue(CommonOps_DDRM.solve(a, b, want));
            for (int d = 0; d < f; d++) {
                assertEquals(want.data[d], x[u * f + d], 1e-5 * (1 + Math.abs(want.data[d])), "user " + u + ", " + d);
            }
            solved++;
        }
        assertTrue(solved > m.numUsers() / 2, "most users solved: " + solved);
        // the last half-sweep is the one any caller can run from item factors (the Spark test's check of MLlib's)
        assertArrayEquals(x, als.solveUsersExactly(m, y));
    }

    @Test
    void theExactVariantIsTheSameOnSeveralThreadsAndDiffersFromConjugateGradient() throws Exception {
        InteractionMatrix m = TestData.random(31, 700, 90, 0.12);
        FactorModel serial = exact(10, 2, 3, 4, 1, 17L, Workers.SERIAL).train(m, TrainingMonitor.NOOP, null);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            FactorModel parallel =
                    exact(10, 2, 3, 4, 1, 17L, new Workers(pool, 4)).train(m, TrainingMonitor.NOOP, null);
            assertArrayEquals(serial.userFactors(), parallel.userFactors());
            assertArrayEquals(serial.itemFactors(), parallel.itemFactors());
        } finally {
            pool.shutdown();
        }
        FactorModel cg = new ImplicitAls(10, 2, 3, 4, 1, 17L).train(m, TrainingMonitor.NOOP, null);
        assertTrue(java.util.Arrays.equals(serial.itemFactors(), cg.itemFactors()) == false);
        assertEquals(
                "als(factors=10, regularization=2.0, alpha=3.0, iterations=4, valueExponent=1.0, variant=exact)",
                exact(10, 2, 3, 4, 1, 17L, Workers.SERIAL).describe());
        assertEquals(ImplicitAls.Solver.EXACT, ImplicitAls.Solver.of("Exact"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImplicitAls.Solver.of("lu"));
        assertEquals("unknown ALS variant [lu], expected one of [cg, exact]", e.getMessage());
    }

    private static ImplicitAls exact(
            int f, double lambda, double alpha, int iterations, double exponent, long seed, Workers workers) {
        return new ImplicitAls(f, lambda, alpha, iterations, exponent, seed, workers, ImplicitAls.Solver.EXACT);
    }

    @Test
    void aUsersConjugateGradientStepsReachTheDirectSolve() {
        // 3 factors: 3 CG steps solve a 3 x 3 system exactly (up to rounding)
        InteractionMatrix m = TestData.random(9, 30, 12, 0.3);
        int f = 3;
        double lambda = 0.7;
        double alpha = 2;
        ImplicitAls als = new ImplicitAls(f, lambda, alpha, 5, 1, 3L);
        FactorModel model = als.train(m, TrainingMonitor.NOOP, null);
        float[] y = model.itemFactors();
        float[] x = model.userFactors().clone();
        float[] confidence = new float[m.nnz()];
        for (int p = 0; p < confidence.length; p++) {
            confidence[p] = (float) (1 + alpha * m.userWeights()[p]);
        }
        als.solve(m.numUsers(), m.userOffsets(), m.userItems(), confidence, y, x, TrainingMonitor.NOOP);
        for (int u = 0; u < m.numUsers(); u++) {
            // A = Y^T C_u Y + lambda I over every item, b = Y^T C_u p_u
            DMatrixRMaj a = new DMatrixRMaj(f, f);
            DMatrixRMaj b = new DMatrixRMaj(f, 1);
            for (int i = 0; i < m.numItems(); i++) {
                double c = 1;
                double pref = 0;
                for (int p = m.userOffsets()[u]; p < m.userOffsets()[u + 1]; p++) {
                    if (m.userItems()[p] == i) {
                        c = confidence[p];
                        pref = 1;
                    }
                }
                for (int r = 0; r < f; r++) {
                    b.data[r] += c * pref * y[i * f + r];
                    for (int s = 0; s < f; s++) {
                        a.data[r * f + s] += c * y[i * f + r] * y[i * f + s];
                    }
                }
            }
            for (int r = 0; r < f; r++) {
                a.data[r * f + r] += lambda;
            }
            DMatrixRMaj direct = new DMatrixRMaj(f, 1);
            assertTrue(CommonOps_DDRM.solve(a, b, direct));
            for (int r = 0; r < f; r++) {
                assertEquals(direct.data[r], x[u * f + r], 1e-4, "user " + u + " factor " + r);
            }
        }
    }

    @Test
    void theSeedIsTheConfigurationsAndOnlyItMovesTheFactors() {
        InteractionMatrix m = TestData.random(13, 80, 20, 0.2);
        TrainingConfig config = TrainingConfig.builder()
                .algorithm(TrainingConfig.Algorithm.ALS)
                .factors(4)
                .iterations(3)
                .build();
        assertEquals(TrainingConfig.DEFAULT_ALS_SEED, config.alsSeed());
        TrainingConfig other = config.toBuilder().alsSeed(43).build();
        assertEquals(43, other.alsSeed());
        assertEquals(43, other.toBuilder().build().alsSeed(), "a builder from the configuration keeps the seed");
        float[] a = ((ImplicitAls) config.similarity())
                .train(m, TrainingMonitor.NOOP, null)
                .itemFactors();
        float[] again = ((ImplicitAls) config.similarity())
                .train(m, TrainingMonitor.NOOP, null)
                .itemFactors();
        float[] b = ((ImplicitAls) other.similarity())
                .train(m, TrainingMonitor.NOOP, null)
                .itemFactors();
        assertArrayEquals(a, again, 0f, "the same seed, the same factors");
        assertTrue(java.util.Arrays.equals(a, b) == false, "another seed, other factors");
    }

    @Test
    void foldInNeighboursRankLikeTheFactors() {
        InteractionMatrix m = TestData.random(13, 80, 20, 0.2);
        ImplicitAls als = new ImplicitAls(6, 1, 3, 10, 0, 7L);
        FactorModel model = als.train(m, TrainingMonitor.NOOP, null);
        FactorNeighbors shares = new FactorNeighbors(model, 1);
        ItemNeighbors nb = shares.compute(m, 5, TrainingMonitor.NOOP);
        for (int i = 0; i < m.numItems(); i++) {
            int[] ids = nb.neighbors(i);
            float[] scores = nb.scores(i);
            for (int r = 0; r < ids.length; r++) {
                assertEquals(shares.share(i, ids[r]), scores[r], 1e-5);
                assertTrue(scores[r] > 0);
            }
        }
    }

    @Test
    void foldInNeighboursOnWorkersAreTheNeighboursOfOneThread() {
        InteractionMatrix m = TestData.random(43, 200, 300, 0.03);
        FactorModel model = new ImplicitAls(6, 1, 3, 4, 0, 7L).train(m, TrainingMonitor.NOOP, null);
        FactorNeighbors shares = new FactorNeighbors(model, 1);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            for (boolean allPairs : new boolean[] {true, false}) {
                ItemNeighbors one = shares.compute(m, 7, allPairs, TrainingMonitor.NOOP);
                ItemNeighbors shared = shares.compute(m, 7, allPairs, TrainingMonitor.NOOP, new Workers(pool, 3));
                for (int i = 0; i < m.numItems(); i++) {
                    assertArrayEquals(one.neighbors(i), shared.neighbors(i), "all pairs " + allPairs + ", item " + i);
                    assertArrayEquals(one.scores(i), shared.scores(i), "all pairs " + allPairs + ", item " + i);
                }
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void onALargeCatalogueNeighboursAreTheBestAmongCoOccurringItems() {
        InteractionMatrix m = TestData.random(21, 60, 90, 0.04);
        ImplicitAls als = new ImplicitAls(6, 1, 3, 6, 0, 5L);
        FactorModel model = als.train(m, TrainingMonitor.NOOP, null);
        FactorNeighbors shares = new FactorNeighbors(model, 1);
        int k = 4;
        ItemNeighbors nb = shares.compute(m, k, false, TrainingMonitor.NOOP);
        boolean someoneMissesANonCoOccurringNeighbour = false;
        ItemNeighbors all = shares.compute(m, k, true, TrainingMonitor.NOOP);
        for (int i = 0; i < m.numItems(); i++) {
            java.util.Set<Integer> together = coOccurring(m, i);
            int[] ids = nb.neighbors(i);
            float[] scores = nb.scores(i);
            float last = ids.length == 0 ? Float.POSITIVE_INFINITY : scores[ids.length - 1];
            for (int r = 0; r < ids.length; r++) {
                assertTrue(together.contains(ids[r]), "item " + i + ": " + ids[r] + " never co-occurs with it");
                assertEquals(shares.share(i, ids[r]), scores[r], 1e-5);
            }
            // no co-occurring item left out scores better than the last one kept
            for (int j : together) {
                boolean kept = java.util.Arrays.stream(ids).anyMatch(id -> id == j);
                double share = shares.share(i, j);
                if (kept == false && share > 0) {
                    assertEquals(k, ids.length, "item " + i + " has room for " + j);
                    assertTrue(share <= last + 1e-6, "item " + i + ": " + j + " at " + share + " beats " + last);
                }
            }
            for (int j : all.neighbors(i)) {
                someoneMissesANonCoOccurringNeighbour |= together.contains(j) == false;
            }
        }
        assertTrue(someoneMissesANonCoOccurringNeighbour, "the data should make the two modes differ");
    }

    private static java.util.Set<Integer> coOccurring(InteractionMatrix m, int i) {
        java.util.Set<Integer> items = new java.util.HashSet<>();
        for (int p = m.itemOffsets()[i]; p < m.itemOffsets()[i + 1]; p++) {
            int u = m.itemUsers()[p];
            for (int q = m.userOffsets()[u]; q < m.userOffsets()[u + 1]; q++) {
                if (m.userItems()[q] != i) {
                    items.add(m.userItems()[q]);
                }
            }
        }
        return items;
    }

    @Test
    void onALargeCatalogueAUsersListScoresTheNeighboursOfTheirHistoryAndThePopularItems() {
        InteractionMatrix m = TestData.random(23, 80, 2000, 0.01);
        ImplicitAls als = new ImplicitAls(6, 1, 3, 6, 0, 9L);
        FactorModel model = als.train(m, TrainingMonitor.NOOP, null);
        FactorNeighbors shares = new FactorNeighbors(model, 1);
        ItemNeighbors nb = shares.compute(m, 5, TrainingMonitor.NOOP);
        float[] popularity = new float[m.numItems()];
        for (int i = 0; i < popularity.length; i++) {
            popularity[i] = m.itemDegree(i);
        }
        // no popularity term: every item of a list is one the ranker scored
        ScoringParams scoring = new ScoringParams(0.0, 1.0, 0.0);
        FactorRanker candidates = new FactorRanker(model, shares, nb, popularity, scoring, false);
        FactorRanker everything = new FactorRanker(model, shares, nb, popularity, scoring, true);
        java.util.Set<Integer> popular = new java.util.HashSet<>();
        for (int j : java.util.Arrays.copyOf(TopK.positiveInOrder(popularity), FactorRanker.POPULAR_CANDIDATES)) {
            popular.add(j);
        }
        boolean differ = false;
        for (int u = 0; u < m.numUsers(); u++) {
            int[] history = java.util.Arrays.copyOfRange(m.userItems(), m.userOffsets()[u], m.userOffsets()[u + 1]);
            java.util.Set<Integer> allowed = new java.util.HashSet<>(popular);
            for (int i : history) {
                for (int j : nb.neighbors(i)) {
                    allowed.add(j);
                }
            }
            UserRanker.Ranked ranked = candidates.rank(u, history, null, history, 10);
            for (int j : ranked.items()) {
                assertTrue(allowed.contains(j), "user " + u + ": item " + j + " was not a candidate");
            }
            UserRanker.Ranked full = everything.rank(u, history, null, history, 10);
            differ |= java.util.Arrays.equals(ranked.items(), full.items()) == false;
        }
        assertTrue(differ, "2,000 items, 200 popular candidates: the two modes should differ for someone");
    }

    @Test
    void theBlockedLoopsAndTheWorkersGiveTheTextbookFactorsBitForBit() throws Exception {
        // 10 factors (not a multiple of 4) and rows of every length; zero weights make entries whose confidence is 1
        InteractionMatrix random = TestData.random(31, 700, 90, 0.12);
        float[] weights = random.userWeights().clone();
        for (int p = 0; p < weights.length; p += 7) {
            weights[p] = 0;
        }
        InteractionMatrix m = new InteractionMatrix(
                random.numUsers(), random.numItems(), 0L, random.userOffsets(), random.userItems(), weights, null);
        int f = 10;
        FactorModel textbook = TextbookAls.train(m, f, 0.8, 3, 4, 1, 17L);
        FactorModel serial = new ImplicitAls(f, 0.8, 3, 4, 1, 17L).train(m, TrainingMonitor.NOOP, null);
        assertArrayEquals(textbook.userFactors(), serial.userFactors());
        assertArrayEquals(textbook.itemFactors(), serial.itemFactors());
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            FactorModel parallel = new ImplicitAls(f, 0.8, 3, 4, 1, 17L, new Workers(pool, 4), ImplicitAls.Solver.CG)
                    .train(m, TrainingMonitor.NOOP, null);
            assertArrayEquals(serial.userFactors(), parallel.userFactors());
            assertArrayEquals(serial.itemFactors(), parallel.itemFactors());
        } finally {
            pool.shutdown();
        }
        float[] items = textbook.itemFactors();
        double[] expected = TextbookAls.gram(items, f);
        assertArrayEquals(expected, ImplicitAls.gram(items, f));
    }

    /** The sweeps as first written: one sum at a time, every row in order on one thread (the reference bits). */
    private static final class TextbookAls {

        static FactorModel train(
                InteractionMatrix m,
                int f,
                double lambda,
                double alpha,
                int iterations,
                double valueExponent,
                long seed) {
            java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
            float[] x = new float[m.numUsers() * f];
            float[] y = new float[m.numItems() * f];
            double scale = 0.1 / Math.sqrt(f);
            for (int p = 0; p < x.length; p++) {
                x[p] = (float) (random.nextGaussian() * scale);
            }
            for (int p = 0; p < y.length; p++) {
                y[p] = (float) (random.nextGaussian() * scale);
            }
            float[] rows = confidences(m.userWeights(), alpha, valueExponent);
            float[] cols = confidences(m.itemWeights(), alpha, valueExponent);
            for (int it = 0; it < iterations; it++) {
                solve(m.numUsers(), m.userOffsets(), m.userItems(), rows, y, x, f, lambda);
                solve(m.numItems(), m.itemOffsets(), m.itemUsers(), cols, x, y, f, lambda);
            }
            return new FactorModel(m.numUsers(), m.numItems(), f, x, y);
        }

        static float[] confidences(float[] weights, double alpha, double valueExponent) {
            float[] c = new float[weights.length];
            for (int p = 0; p < c.length; p++) {
                float w = weights[p];
                double v = valueExponent == 0 ? (w > 0 ? 1 : 0) : Math.pow(w, valueExponent);
                c[p] = (float) (1 + alpha * v);
            }
            return c;
        }

        static void solve(
                int rows,
                int[] offsets,
                int[] entries,
                float[] confidence,
                float[] fixed,
                float[] solved,
                int f,
                double lambda) {
            double[] gram = gram(fixed, f);
            for (int d = 0; d < f; d++) {
                gram[d * f + d] += lambda;
            }
            double[] s = new double[f];
            double[] r = new double[f];
            double[] p = new double[f];
            double[] ap = new double[f];
            for (int row = 0; row < rows; row++) {
                int base = row * f;
                for (int d = 0; d < f; d++) {
                    s[d] = solved[base + d];
                }
                multiply(gram, s, r, f);
                for (int d = 0; d < f; d++) {
                    r[d] = -r[d];
                }
                for (int e = offsets[row]; e < offsets[row + 1]; e++) {
                    int o = entries[e] * f;
                    double c = confidence[e];
                    double dot = 0;
                    for (int d = 0; d < f; d++) {
                        dot += fixed[o + d] * s[d];
                    }
                    double coef = c - (c - 1) * dot;
                    for (int d = 0; d < f; d++) {
                        r[d] += coef * fixed[o + d];
                    }
                }
                System.arraycopy(r, 0, p, 0, f);
                double rs = dot(r, r, f);
                for (int step = 0; step < ImplicitAls.CG_STEPS && rs > 1e-20; step++) {
                    multiply(gram, p, ap, f);
                    for (int e = offsets[row]; e < offsets[row + 1]; e++) {
                        int o = entries[e] * f;
                        double c1 = confidence[e] - 1.0;
                        if (c1 == 0) {
                            continue;
                        }
                        double dot = 0;
                        for (int d = 0; d < f; d++) {
                            dot += fixed[o + d] * p[d];
                        }
                        dot *= c1;
                        for (int d = 0; d < f; d++) {
                            ap[d] += dot * fixed[o + d];
                        }
                    }
                    double a = rs / dot(p, ap, f);
                    for (int d = 0; d < f; d++) {
                        s[d] += a * p[d];
                        r[d] -= a * ap[d];
                    }
                    double rsNew = dot(r, r, f);
                    double beta = rsNew / rs;
                    for (int d = 0; d < f; d++) {
                        p[d] = r[d] + beta * p[d];
                    }
                    rs = rsNew;
                }
                for (int d = 0; d < f; d++) {
                    solved[base + d] = (float) s[d];
                }
            }
        }

        static double[] gram(float[] fx, int f) {
            double[] g = new double[f * f];
            for (int row = 0; row < fx.length / f; row++) {
                int o = row * f;
                for (int a = 0; a < f; a++) {
                    double va = fx[o + a];
                    if (va == 0) {
                        continue;
                    }
                    for (int b = a; b < f; b++) {
                        g[a * f + b] += va * fx[o + b];
                    }
                }
            }
            for (int a = 0; a < f; a++) {
                for (int b = 0; b < a; b++) {
                    g[a * f + b] = g[b * f + a];
                }
            }
            return g;
        }

        static void multiply(double[] m, double[] v, double[] out, int f) {
            for (int a = 0; a < f; a++) {
                double t = 0;
                for (int b = 0; b < f; b++) {
                    t += m[a * f + b] * v[b];
                }
                out[a] = t;
            }
        }

        static double dot(double[] a, double[] b, int f) {
            double t = 0;
            for (int d = 0; d < f; d++) {
                t += a[d] * b[d];
            }
            return t;
        }
    }

    @Test
    void refusesBadParameters() {
        assertThrows(IllegalArgumentException.class, () -> new ImplicitAls(0, 1, 1, 1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new ImplicitAls(4, -1, 1, 1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new ImplicitAls(4, 1, -1, 1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new ImplicitAls(4, 1, 1, 0, 0, 1));
    }
}
