package io.personalize.training;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

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
 *
 * <p>{@link Solver#EXACT} is Spark MLlib's implicit ALS ({@code ml.recommendation.ALS}, {@code implicitPrefs}), so that
 * the Spark job's factorisation and the node's are one algorithm: each row's system solved exactly (Cholesky), the
 * penalty of a row its number of positive entries times a per-entry lambda (ALS-WR: {@link #perEntryRegularization},
 * the plugin's lambda spread over the entries), the preference 1 only for a positive value, every sweep items then
 * users, each user's initial factors a random unit vector, rows without entries 0. Only the random numbers differ
 * (MLlib's generator and blocks are Spark's own), so two runs agree as two seeds of one ALS do.
 */
public final class ImplicitAls implements ItemSimilarity {

    /** How each row's least-squares system is solved. */
    public enum Solver {
        /** A few conjugate-gradient steps from the current factors, one lambda for every row (the default). */
        CG,
        /** Spark MLlib's ALS: exact (Cholesky), lambda times the row's positive entries, items first. */
        EXACT;

        /** The names a model's {@code similarity.variant} gives them. */
        public static final List<String> NAMES = List.of("cg", "exact");

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The solver a model's {@code similarity.variant} names ({@link #NAMES}). */
        public static Solver of(String name) {
            int at = NAMES.indexOf(name.toLowerCase(Locale.ROOT));
            if (at < 0) {
                throw new IllegalArgumentException("unknown ALS variant [" + name + "], expected one of " + NAMES);
            }
            return values()[at];
        }
    }

    /** Conjugate-gradient steps per solve, as in Takacs et al. (3 is close to the exact solve once warm). */
    static final int CG_STEPS = 3;

    private final int factors;
    private final double regularization;
    private final double alpha;
    private final int iterations;
    private final double valueExponent;
    private final long seed;
    private final Workers workers;
    private final Solver solver;

    public ImplicitAls(
            int factors, double regularization, double alpha, int iterations, double valueExponent, long seed) {
        this(factors, regularization, alpha, iterations, valueExponent, seed, Workers.SERIAL, Solver.CG);
    }

    /**
     * With {@code workers} sharing out each half-sweep's rows (the same factors as on one thread) and the rows'
     * {@code solver}.
     */
    public ImplicitAls(
            int factors,
            double regularization,
            double alpha,
            int iterations,
            double valueExponent,
            long seed,
            Workers workers,
            Solver solver) {
        if (factors < 1 || !(regularization > 0) || !(alpha >= 0) || iterations < 1 || !(valueExponent >= 0)) {
            throw new IllegalArgumentException("invalid ALS parameters");
        }
        this.factors = factors;
        this.regularization = regularization;
        this.alpha = alpha;
        this.iterations = iterations;
        this.valueExponent = valueExponent;
        this.seed = seed;
        this.workers = java.util.Objects.requireNonNull(workers);
        this.solver = java.util.Objects.requireNonNull(solver);
    }

    public Solver solver() {
        return solver;
    }

    /**
     * The exact solver's lambda per positive entry (MLlib's {@code regParam}): {@code regularization x (users + items)
     * / (2 x entries)}, so the penalty has the weight of the plugin's constant lambda in all when users' and items'
     * factors are of similar size, and {@code regularization} keeps its scale across the variants. The Spark job gives
     * MLlib this regParam.
     */
    public static double perEntryRegularization(double regularization, long users, long items, long entries) {
        return regularization * (users + (double) items) / (2.0 * Math.max(1, entries));
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
        if (solver == Solver.EXACT) {
            return trainExactly(m, monitor, afterSweep);
        }
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
     * {@link Solver#EXACT}: MLlib's sweeps. Each user with entries starts from a random unit vector (MLlib: Gaussian
     * components, normalised); items start at 0, as they are solved first and their initial factors never read; rows
     * without entries stay 0 (MLlib has no factors for them, and the Spark job leaves them 0).
     */
    private FactorModel trainExactly(
            InteractionMatrix m, TrainingMonitor monitor, java.util.function.Consumer<FactorModel> afterSweep) {
        int nu = m.numUsers();
        int ni = m.numItems();
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[nu * factors];
        float[] y = new float[ni * factors];
        int[] userOffsets = m.userOffsets();
        for (int u = 0; u < nu; u++) {
            if (userOffsets[u + 1] == userOffsets[u]) {
                continue;
            }
            int o = u * factors;
            double norm = 0;
            for (int d = 0; d < factors; d++) {
                float v = (float) random.nextGaussian();
                x[o + d] = v;
                norm += (double) v * v;
            }
            float scale = (float) (1 / Math.sqrt(norm));
            for (int d = 0; d < factors; d++) {
                x[o + d] *= scale;
            }
        }
        float[] rowRatings = ratings(m.userWeights());
        float[] colRatings = ratings(m.itemWeights());
        double lambda = perEntryRegularization(regularization, nu, ni, m.nnz());
        FactorModel model = new FactorModel(nu, ni, factors, x, y);
        for (int it = 0; it < iterations; it++) {
            solveExactly(ni, m.itemOffsets(), m.itemUsers(), colRatings, x, y, lambda, monitor);
            solveExactly(nu, userOffsets, m.userItems(), rowRatings, y, x, lambda, monitor);
            monitor.progress("factorizing", it + 1, iterations);
            monitor.checkCancelled();
            if (afterSweep != null) {
                afterSweep.accept(model);
            }
        }
        return model;
    }

    /**
     * The users' factors that one exact half-sweep gives from {@code itemFactors} (what the last step of an {@link
     * Solver#EXACT} sweep, and of MLlib's, computes): for tests that hold MLlib's factors against the node's systems.
     */
    public float[] solveUsersExactly(InteractionMatrix m, float[] itemFactors) {
        float[] x = new float[m.numUsers() * factors];
        solveExactly(
                m.numUsers(),
                m.userOffsets(),
                m.userItems(),
                ratings(m.userWeights()),
                itemFactors,
                x,
                perEntryRegularization(regularization, m.numUsers(), m.numItems(), m.nnz()),
                TrainingMonitor.NOOP);
        return x;
    }

    /**
     * The value r of each entry as the Spark job gives it to MLlib, a float: {@code weight^valueExponent} (0: 1 for
     * a positive weight); confidence {@code 1 + alpha |r|}, preference 1 when r is positive.
     */
    private float[] ratings(float[] weights) {
        float[] r = new float[weights.length];
        for (int p = 0; p < r.length; p++) {
            float w = weights[p];
            r[p] = valueExponent == 0 ? (w > 0 ? 1f : 0f) : (float) Math.pow(w, valueExponent);
        }
        return r;
    }

    /**
     * One side of an exact sweep: for each row r, {@code (F^T F + sum_e alpha |r_e| f_e f_e^T + lambda n_r I) s_r =
     * sum_{e: r_e > 0} (1 + alpha r_e) f_e}, n_r the row's positive entries (MLlib's {@code computeFactors} and
     * {@code CholeskySolver}).
     */
    private void solveExactly(
            int rows,
            int[] offsets,
            int[] entries,
            float[] ratings,
            float[] fixed,
            float[] solved,
            double lambda,
            TrainingMonitor monitor) {
        final int f = factors;
        double[] gram = gram(fixed, f);
        workers.forEach((rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK, () -> new ExactRowSolver(f), (rowSolver, t) -> {
            for (int row = t * ROWS_PER_TASK, end = Math.min(rows, row + ROWS_PER_TASK); row < end; row++) {
                rowSolver.solve(gram, offsets[row], offsets[row + 1], entries, ratings, fixed, solved, row * f, lambda);
            }
            monitor.checkCancelled();
        });
    }

    /** One row's exact solve (EJML's Cholesky), with its buffers (one per thread). */
    final class ExactRowSolver {
        private final int f;
        private final DMatrixRMaj a;
        private final DMatrixRMaj b;
        private final DMatrixRMaj s;
        private final LinearSolverDense<DMatrixRMaj> cholesky;

        ExactRowSolver(int f) {
            this.f = f;
            this.a = new DMatrixRMaj(f, f);
            this.b = new DMatrixRMaj(f, 1);
            this.s = new DMatrixRMaj(f, 1);
            this.cholesky = LinearSolverFactory_DDRM.chol(f);
        }

        void solve(
                double[] gram,
                int from,
                int to,
                int[] entries,
                float[] ratings,
                float[] fixed,
                float[] solved,
                int out,
                double lambda) {
            double[] ad = a.data;
            double[] bd = b.data;
            System.arraycopy(gram, 0, ad, 0, f * f);
            java.util.Arrays.fill(bd, 0);
            int positive = 0;
            for (int e = from; e < to; e++) {
                int o = entries[e] * f;
                double r = ratings[e];
                double c1 = alpha * Math.abs(r);
                if (r > 0) {
                    positive++;
                    double c = 1 + c1;
                    for (int d = 0; d < f; d++) {
                        bd[d] += c * fixed[o + d];
                    }
                }
                if (c1 != 0) {
                    // the upper triangle; mirrored below
                    for (int p = 0; p < f; p++) {
                        double vp = c1 * fixed[o + p];
                        int row = p * f;
                        for (int q = p; q < f; q++) {
                            ad[row + q] += vp * fixed[o + q];
                        }
                    }
                }
            }
            if (positive == 0) {
                // nothing to fit: MLlib's solution (b = 0) and the job's missing factors are both 0
                java.util.Arrays.fill(solved, out, out + f, 0f);
                return;
            }
            for (int p = 0; p < f; p++) {
                for (int q = 0; q < p; q++) {
                    ad[p * f + q] = ad[q * f + p];
                }
                ad[p * f + p] += lambda * positive;
            }
            if (cholesky.setA(a) == false) {
                throw new IllegalStateException("[als] a row's system is not positive definite");
            }
            cholesky.solve(b, s);
            for (int d = 0; d < f; d++) {
                solved[out + d] = (float) s.data[d];
            }
        }
    }

    /** Rows (users or items) per task of a half-sweep: the unit the workers claim, and between cancellation checks. */
    static final int ROWS_PER_TASK = 512;

    /**
     * One side of a sweep: for each row r (a user, or an item), a few CG steps on
     * {@code (F^T F + lambda I + sum_e (c_e - 1) f_e f_e^T) s_r = sum_e c_e f_e} from the current {@code solved[r]}.
     * Rows are independent (each reads {@code fixed} and writes its own {@code solved[r]}): the workers share them out,
     * and the factors are the same whichever thread solved which row.
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
        int longest = 0;
        for (int row = 0; row < rows; row++) {
            longest = Math.max(longest, offsets[row + 1] - offsets[row]);
        }
        final int maxEntries = longest;
        workers.forEach((rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK, () -> new RowSolver(f, maxEntries), (solver, t) -> {
            for (int row = t * ROWS_PER_TASK, end = Math.min(rows, row + ROWS_PER_TASK); row < end; row++) {
                solver.solve(gram, offsets[row], offsets[row + 1], entries, confidence, fixed, solved, row * f);
            }
            monitor.checkCancelled();
        });
    }

    /**
     * One row's conjugate-gradient solve, with its buffers (one per thread). The loops work on four rows of the Gram
     * matrix, or four of the row's entries, at once: four independent sums, each added in the textbook order (over the
     * factors, then the entries, in order), so the factors are the same to the last bit as one sum at a time, only the
     * processor is not kept waiting on each addition before the next.
     */
    static final class RowSolver {
        private final int f;
        private final double[] s;
        private final double[] r;
        private final double[] p;
        private final double[] ap;
        private final int[] base; // entries' offsets into the fixed factors
        private final double[] coefficient;

        RowSolver(int f, int maxEntries) {
            this.f = f;
            this.s = new double[f];
            this.r = new double[f];
            this.p = new double[f];
            this.ap = new double[f];
            this.base = new int[maxEntries];
            this.coefficient = new double[maxEntries];
        }

        void solve(
                double[] gram,
                int from,
                int to,
                int[] entries,
                float[] confidence,
                float[] fixed,
                float[] solved,
                int out) {
            final int f = this.f;
            for (int d = 0; d < f; d++) {
                s[d] = solved[out + d];
            }
            // r = b - A s
            multiply(gram, s, r, f);
            for (int d = 0; d < f; d++) {
                r[d] = -r[d];
            }
            int n = 0;
            for (int e = from; e < to; e++) {
                base[n] = entries[e] * f;
                coefficient[n++] = confidence[e];
            }
            // r += (c - (c - 1) f.s) f for each entry
            int e = 0;
            for (; e + 4 <= n; e += 4) {
                int o0 = base[e], o1 = base[e + 1], o2 = base[e + 2], o3 = base[e + 3];
                double d0 = 0, d1 = 0, d2 = 0, d3 = 0;
                for (int d = 0; d < f; d++) {
                    double sd = s[d];
                    d0 += fixed[o0 + d] * sd;
                    d1 += fixed[o1 + d] * sd;
                    d2 += fixed[o2 + d] * sd;
                    d3 += fixed[o3 + d] * sd;
                }
                double c0 = coefficient[e], c1 = coefficient[e + 1], c2 = coefficient[e + 2], c3 = coefficient[e + 3];
                double k0 = c0 - (c0 - 1) * d0, k1 = c1 - (c1 - 1) * d1;
                double k2 = c2 - (c2 - 1) * d2, k3 = c3 - (c3 - 1) * d3;
                for (int d = 0; d < f; d++) {
                    double t = r[d];
                    t += k0 * fixed[o0 + d];
                    t += k1 * fixed[o1 + d];
                    t += k2 * fixed[o2 + d];
                    t += k3 * fixed[o3 + d];
                    r[d] = t;
                }
            }
            for (; e < n; e++) {
                int o = base[e];
                double c = coefficient[e];
                double dot = 0;
                for (int d = 0; d < f; d++) {
                    dot += fixed[o + d] * s[d];
                }
                double coef = c - (c - 1) * dot;
                for (int d = 0; d < f; d++) {
                    r[d] += coef * fixed[o + d];
                }
            }
            // the CG steps need only the entries whose confidence is above 1: (c - 1) f f^T
            int n1 = 0;
            for (int q = 0; q < n; q++) {
                double c1 = coefficient[q] - 1.0;
                if (c1 != 0) {
                    base[n1] = base[q];
                    coefficient[n1++] = c1;
                }
            }
            System.arraycopy(r, 0, p, 0, f);
            double rs = dot(r, r, f);
            for (int step = 0; step < CG_STEPS && rs > 1e-20; step++) {
                multiply(gram, p, ap, f);
                e = 0;
                for (; e + 4 <= n1; e += 4) {
                    int o0 = base[e], o1 = base[e + 1], o2 = base[e + 2], o3 = base[e + 3];
                    double d0 = 0, d1 = 0, d2 = 0, d3 = 0;
                    for (int d = 0; d < f; d++) {
                        double pd = p[d];
                        d0 += fixed[o0 + d] * pd;
                        d1 += fixed[o1 + d] * pd;
                        d2 += fixed[o2 + d] * pd;
                        d3 += fixed[o3 + d] * pd;
                    }
                    d0 *= coefficient[e];
                    d1 *= coefficient[e + 1];
                    d2 *= coefficient[e + 2];
                    d3 *= coefficient[e + 3];
                    for (int d = 0; d < f; d++) {
                        double t = ap[d];
                        t += d0 * fixed[o0 + d];
                        t += d1 * fixed[o1 + d];
                        t += d2 * fixed[o2 + d];
                        t += d3 * fixed[o3 + d];
                        ap[d] = t;
                    }
                }
                for (; e < n1; e++) {
                    int o = base[e];
                    double dot = 0;
                    for (int d = 0; d < f; d++) {
                        dot += fixed[o + d] * p[d];
                    }
                    dot *= coefficient[e];
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
                solved[out + d] = (float) s[d];
            }
        }
    }

    /**
     * F^T F of a row-major n x f array (the upper triangle, mirrored): four rows of F at a time, each entry's sum still
     * added row by row in order (the same bits as one row at a time; a zero factor adds nothing to a sum that, starting
     * at +0, is never -0).
     */
    static double[] gram(float[] fx, int f) {
        double[] g = new double[f * f];
        int n = fx.length / f;
        int row = 0;
        for (; row + 4 <= n; row += 4) {
            int o0 = row * f, o1 = o0 + f, o2 = o1 + f, o3 = o2 + f;
            for (int a = 0; a < f; a++) {
                double v0 = fx[o0 + a], v1 = fx[o1 + a], v2 = fx[o2 + a], v3 = fx[o3 + a];
                int ga = a * f;
                for (int b = a; b < f; b++) {
                    double t = g[ga + b];
                    t += v0 * fx[o0 + b];
                    t += v1 * fx[o1 + b];
                    t += v2 * fx[o2 + b];
                    t += v3 * fx[o3 + b];
                    g[ga + b] = t;
                }
            }
        }
        for (; row < n; row++) {
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

    /** out = m v for an f x f matrix: four rows at a time, each row's sum in order. */
    private static void multiply(double[] m, double[] v, double[] out, int f) {
        int a = 0;
        for (; a + 4 <= f; a += 4) {
            int m0 = a * f, m1 = m0 + f, m2 = m1 + f, m3 = m2 + f;
            double t0 = 0, t1 = 0, t2 = 0, t3 = 0;
            for (int b = 0; b < f; b++) {
                double vb = v[b];
                t0 += m[m0 + b] * vb;
                t1 += m[m1 + b] * vb;
                t2 += m[m2 + b] * vb;
                t3 += m[m3 + b] * vb;
            }
            out[a] = t0;
            out[a + 1] = t1;
            out[a + 2] = t2;
            out[a + 3] = t3;
        }
        for (; a < f; a++) {
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

    /**
     * The objective L above, over every (user, item) pair: for tests on small matrices. {@link Solver#EXACT}'s: each
     * entry's confidence {@code 1 + alpha |r|} and preference {@code r > 0}, and each row's penalty its positive
     * entries times {@link #perEntryRegularization}.
     */
    public double loss(InteractionMatrix m, FactorModel model) {
        boolean exact = solver == Solver.EXACT;
        double[][] c = new double[m.numUsers()][m.numItems()];
        double[][] pref = new double[m.numUsers()][m.numItems()];
        for (double[] row : c) {
            java.util.Arrays.fill(row, 1.0);
        }
        float[] conf = confidences(m.userWeights());
        float[] r = ratings(m.userWeights());
        int[] userPositives = new int[m.numUsers()];
        int[] itemPositives = new int[m.numItems()];
        for (int u = 0; u < m.numUsers(); u++) {
            for (int e = m.userOffsets()[u]; e < m.userOffsets()[u + 1]; e++) {
                int i = m.userItems()[e];
                c[u][i] = exact ? 1 + alpha * Math.abs(r[e]) : conf[e];
                pref[u][i] = exact && r[e] <= 0 ? 0 : 1;
                if (r[e] > 0) {
                    userPositives[u]++;
                    itemPositives[i]++;
                }
            }
        }
        double loss = 0;
        for (int u = 0; u < m.numUsers(); u++) {
            for (int i = 0; i < m.numItems(); i++) {
                double err = pref[u][i] - model.score(u, i);
                loss += c[u][i] * err * err;
            }
        }
        if (exact) {
            double lambda = perEntryRegularization(regularization, m.numUsers(), m.numItems(), m.nnz());
            return loss
                    + lambda * weightedNorm(model.userFactors(), userPositives)
                    + lambda * weightedNorm(model.itemFactors(), itemPositives);
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

    /** sum over rows of {@code weights[row] |row's factors|^2}. */
    private double weightedNorm(float[] rowFactors, int[] weights) {
        double norm = 0;
        for (int row = 0; row < weights.length; row++) {
            for (int d = 0; d < factors; d++) {
                double v = rowFactors[row * factors + d];
                norm += weights[row] * v * v;
            }
        }
        return norm;
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
                "als(factors=%d, regularization=%s, alpha=%s, iterations=%d, valueExponent=%s%s)",
                factors,
                regularization,
                alpha,
                iterations,
                valueExponent,
                solver == Solver.CG ? "" : ", variant=" + solver.id());
    }
}
