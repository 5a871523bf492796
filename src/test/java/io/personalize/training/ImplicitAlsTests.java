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
        ItemNeighbors nb = shares.compute(5, TrainingMonitor.NOOP);
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
    void refusesBadParameters() {
        assertThrows(IllegalArgumentException.class, () -> new ImplicitAls(0, 1, 1, 1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new ImplicitAls(4, -1, 1, 1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new ImplicitAls(4, 1, -1, 1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new ImplicitAls(4, 1, 1, 0, 0, 1));
    }
}
