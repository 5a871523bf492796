package io.personalize.training;

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
    void refusesBadParameters() {
        assertThrows(IllegalArgumentException.class, () -> new ImplicitAls(0, 1, 1, 1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new ImplicitAls(4, -1, 1, 1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new ImplicitAls(4, 1, -1, 1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new ImplicitAls(4, 1, 1, 0, 0, 1));
    }
}
