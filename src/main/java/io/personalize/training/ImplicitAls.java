package io.personalize.training;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Implicit-feedback matrix factorisation (Hu, Koren and Volinsky, "Collaborative Filtering for Implicit Feedback
 * Datasets", ICDM 2008): user factors x_u and item factors y_i minimising
 *
 * <pre>
 *   L = sum over all (u, i) of c[u,i] * (p[u,i] - x_u . y_i)^2  +  lambda * (sum |x_u|^2 + sum |y_i|^2)
 *   p[u,i] = 1 if u interacted with i, else 0;   c[u,i] = 1 + alpha * v[u,i],   v = weight^valueExponent (0: binary)
 * </pre>
 *
 * by alternating least squares, each user's (then each item's) system {@code (Y^T C_u Y + lambda I) x = Y^T C_u p_u}
 * solved approximately by a few conjugate-gradient steps started from the current factors (Takacs, Pilaszy and Tikk,
 * "Applications of the conjugate gradient method for implicit feedback collaborative filtering", RecSys 2011), with
 * {@code Y^T Y} computed once per sweep so that a user costs O(|history| * factors * steps). The tuning that matters
 * (Rendle et al., "Revisiting the performance of iALS on item recommendation benchmarks", RecSys 2022): enough
 * factors, the regularization, the weight of the observed entries (alpha), and enough iterations. Deterministic: a
 * fixed seed initialises the factors, users and items are solved in id order.
 */
public final class ImplicitAls implements ItemSimilarity {

    /** Conjugate-gradient steps per solve, as in Takacs et al. (3 is close to the exact solve once warm). */
    static final int CG_STEPS = 3;

    private final int factors;
    private final double regularization;
    private final double alpha;
    private final int iterations;
    private final double valueExponent;
    private final long seed;

    public ImplicitAls(
            int factors, double regularization, double alpha, int iterations, double valueExponent, long seed) {
        if (factors < 1 || !(regularization > 0) || !(alpha >= 0) || iterations < 1 || !(valueExponent >= 0)) {
            throw new IllegalArgumentException("invalid ALS parameters");
        }
        this.factors = factors;
        this.regularization = regularization;
        this.alpha = alpha;
        this.iterations = iterations;
        this.valueExponent = valueExponent;
        this.seed = seed;
    }

    public int factors() {
        return factors;
    }

    public double regularization() {
        return regularization;
    }

    /** Bytes the factors and the per-entry confidences take. */
    public static long bytes(int numUsers, int numItems, long entries, int factors) {
        return 4L * factors * ((long) numUsers + numItems) + 8L * entries;
    }

    /** Trains with the given number of sweeps; {@code afterSweep} (may be null) sees the model after each. */
    public FactorModel train(
            InteractionMatrix m, TrainingMonitor monitor, java.util.function.Consumer<FactorModel> afterSweep) {
        int nu = m.numUsers();
        int ni = m.numItems();
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[nu * factors];
        float[] y = new float[ni * factors];
        double scale = 0.1 / Math.sqrt(factors);
        for (int p = 0; p < x.length; p++) {
            x[p] = (float) (random.nextGaussian() * scale);
        }
        for (int p = 0; p < y.length; p++) {
            y[p] = (float) (random.nextGaussian() * scale);
        }
        float[] rowConfidence = confidences(m.userWeights());
        float[] colConfidence = confidences(m.itemWeights());
        FactorModel model = new FactorModel(nu, ni, factors, x, y);
        for (int it = 0; it < iterations; it++) {
            solve(nu, m.userOffsets(), m.userItems(), rowConfidence, y, x, monitor);
            solve(ni, m.itemOffsets(), m.itemUsers(), colConfidence, x, y, monitor);
            monitor.progress("factorizing", it + 1, iterations);
            monitor.checkCancelled();
            if (afterSweep != null) {
                afterSweep.accept(model);
            }
        }
        return model;
    }

    private float[] confidences(float[] weights) {
        float[] c = new float[weights.length];
        for (int p = 0; p < c.length; p++) {
            float w = weights[p];
            double v = valueExponent == 0 ? (w > 0 ? 1 : 0) : Math.pow(w, valueExponent);
            c[p] = (float) (1 + alpha * v);
        }
        return c;
    }

    /**
     * One side of a sweep: for each row r (a user, or an item), a few CG steps on
     * {@code (F^T F + lambda I + sum_e (c_e - 1) f_e f_e^T) s_r = sum_e c_e f_e} from the current {@code solved[r]}.
     */
    void solve(
            int rows,
            int[] offsets,
            int[] entries,
            float[] confidence,
            float[] fixed,
            float[] solved,
            TrainingMonitor monitor) {
        final int f = factors;
        double[] gram = gram(fixed, f);
        for (int d = 0; d < f; d++) {
            gram[d * f + d] += regularization;
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
            // r = b - A s
            multiply(gram, s, r, f);
            for (int d = 0; d < f; d++) {
                r[d] = -r[d];
            }
            for (int e = offsets[row], end = offsets[row + 1]; e < end; e++) {
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
            for (int step = 0; step < CG_STEPS && rs > 1e-20; step++) {
                multiply(gram, p, ap, f);
                for (int e = offsets[row], end = offsets[row + 1]; e < end; e++) {
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
            if ((row & 4095) == 0) {
                monitor.checkCancelled();
            }
        }
    }

    /** F^T F of a row-major n x f array. */
    static double[] gram(float[] fx, int f) {
        double[] g = new double[f * f];
        int n = fx.length / f;
        for (int row = 0; row < n; row++) {
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

    private static void multiply(double[] m, double[] v, double[] out, int f) {
        for (int a = 0; a < f; a++) {
            double t = 0;
            for (int b = 0; b < f; b++) {
                t += m[a * f + b] * v[b];
            }
            out[a] = t;
        }
    }

    private static double dot(double[] a, double[] b, int f) {
        double t = 0;
        for (int d = 0; d < f; d++) {
            t += a[d] * b[d];
        }
        return t;
    }

    /** The objective L above, over every (user, item) pair: for tests on small matrices. */
    public double loss(InteractionMatrix m, FactorModel model) {
        double[][] c = new double[m.numUsers()][m.numItems()];
        double[][] pref = new double[m.numUsers()][m.numItems()];
        for (double[] row : c) {
            java.util.Arrays.fill(row, 1.0);
        }
        float[] conf = confidences(m.userWeights());
        for (int u = 0; u < m.numUsers(); u++) {
            for (int e = m.userOffsets()[u]; e < m.userOffsets()[u + 1]; e++) {
                c[u][m.userItems()[e]] = conf[e];
                pref[u][m.userItems()[e]] = 1;
            }
        }
        double loss = 0;
        for (int u = 0; u < m.numUsers(); u++) {
            for (int i = 0; i < m.numItems(); i++) {
                double err = pref[u][i] - model.score(u, i);
                loss += c[u][i] * err * err;
            }
        }
        double norm = 0;
        for (float v : model.userFactors()) {
            norm += v * v;
        }
        for (float v : model.itemFactors()) {
            norm += v * v;
        }
        return loss + regularization * norm;
    }

    /** Trains, and returns the item neighbours of the factors ({@link FactorNeighbors}). */
    @Override
    public ItemNeighbors compute(InteractionMatrix m, int k, TrainingMonitor monitor) {
        return new FactorNeighbors(train(m, monitor, null), regularization).compute(m, k, monitor);
    }

    @Override
    public String describe() {
        return String.format(
                Locale.ROOT,
                "als(factors=%d, regularization=%s, alpha=%s, iterations=%d, valueExponent=%s)",
                factors,
                regularization,
                alpha,
                iterations,
                valueExponent);
    }
}
