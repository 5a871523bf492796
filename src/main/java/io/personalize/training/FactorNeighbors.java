package io.personalize.training;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * Item neighbours from item factors, on the scale of a user's score: folding a user with history H into a factor
 * model gives (Hu, Koren and Volinsky, section 5, with the user-specific part of the Gram matrix left out)
 *
 * <pre>
 *   x_u ~ W * sum over i in H of y_i,   W = (Y^T Y + lambda I)^-1,   so   score(u, j) ~ sum over i in H of S[i][j]
 *   S[i][j] = y_i^T W y_j
 * </pre>
 *
 * so that the neighbours' formula over a shopper's newest events approximates the factor model's own score, and
 * {@code S[i][j]} is history item i's share of item j's score (the reason). The top k positive {@code S[i][j]}, j != i,
 * of every item; cost items^2 * factors.
 */
public final class FactorNeighbors {

    private final FactorModel model;
    private final float[] projected; // Y W, row-major items x factors

    public FactorNeighbors(FactorModel model, double regularization) {
        this.model = model;
        int f = model.factors();
        double[] gram = ImplicitAls.gram(model.itemFactors(), f);
        for (int d = 0; d < f; d++) {
            gram[d * f + d] += regularization;
        }
        DMatrixRMaj w = new DMatrixRMaj(f, f);
        if (CommonOps_DDRM.invertSPD(new DMatrixRMaj(f, f, true, gram), w) == false) {
            throw new IllegalStateException("[als] the item factors' Gram matrix is not positive definite");
        }
        float[] y = model.itemFactors();
        projected = new float[y.length];
        for (int i = 0; i < model.numItems(); i++) {
            int o = i * f;
            for (int a = 0; a < f; a++) {
                double t = 0;
                for (int b = 0; b < f; b++) {
                    t += y[o + b] * w.data[b * f + a];
                }
                projected[o + a] = (float) t;
            }
        }
    }

    /** y_i^T W y_j: item i's share of item j's score. */
    public double share(int i, int j) {
        int f = model.factors();
        return FactorModel.dot(projected, i * f, model.itemFactors(), j * f, f);
    }

    public ItemNeighbors compute(int k, TrainingMonitor monitor) {
        int n = model.numItems();
        int f = model.factors();
        float[] y = model.itemFactors();
        TopK top = new TopK(k);
        int[] offsets = new int[n + 1];
        int[] ids = new int[n * Math.min(k, Math.max(0, n - 1))];
        float[] scores = new float[ids.length];
        for (int i = 0; i < n; i++) {
            int o = i * f;
            for (int j = 0; j < n; j++) {
                if (j != i) {
                    float s = (float) FactorModel.dot(projected, o, y, j * f, f);
                    if (s > 0f && s >= top.threshold()) {
                        top.offer(j, s);
                    }
                }
            }
            offsets[i + 1] = offsets[i] + top.drainSorted(ids, scores, offsets[i]);
            if ((i & 255) == 0) {
                monitor.checkCancelled();
                monitor.progress("similarity", i, n);
            }
        }
        return new ItemNeighbors(
                n, offsets, java.util.Arrays.copyOf(ids, offsets[n]), java.util.Arrays.copyOf(scores, offsets[n]));
    }
}
