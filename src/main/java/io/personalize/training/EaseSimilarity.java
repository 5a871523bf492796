package io.personalize.training;

import java.util.Locale;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

/**
 * EASE (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", WWW 2019): the item-item weights B that best
 * reconstruct each item's column of the interaction matrix X from the other items' columns, with an L2 weight lambda:
 *
 * <pre>
 *   G = X^T X + lambda I,   P = G^-1,   B[i][j] = -P[i][j] / P[j][j]  (i != j),   B[j][j] = 0
 *   score(u, j) = sum over i in u's history of x[u,i] * B[i][j]
 * </pre>
 *
 * Column j of B is the ridge regression of X's column j on all the other columns (the closed form above is that
 * regression for every j at once). Row i of B, its positive entries, best first, are item i's neighbours.
 *
 * <p>Two ways to compute it, chosen by memory: <b>dense</b> (the exact closed form, the Gram matrix inverted with
 * EJML's Cholesky solver; about {@code 24 * items^2} bytes) while that fits the memory budget; beyond it, <b>sparse</b>:
 * column j is the same ridge regression restricted to the {@code support} items that co-occur most with j (the items
 * whose weight in the exact solution is largest are, in practice, among them); about {@code 16 * items * support}
 * bytes. Values: {@code x = weight^valueExponent} (0: binary).
 */
public final class EaseSimilarity implements ItemSimilarity {

    /** How B is computed. */
    public enum Mode {
        /** Dense while it fits the memory budget, else sparse. */
        AUTO,
        DENSE,
        SPARSE
    }

    private final double lambda;
    private final double valueExponent;
    private final int support;
    private final long memoryBudgetBytes;
    private final Mode mode;

    /**
     * @param lambda the L2 weight, > 0
     * @param valueExponent >= 0, 0 for binary interactions
     * @param support items each column is regressed on in the sparse variant (>= 1)
     * @param memoryBudgetBytes memory the training may use for B and its intermediates
     * @param mode dense, sparse, or chosen by memory
     */
    public EaseSimilarity(double lambda, double valueExponent, int support, long memoryBudgetBytes, Mode mode) {
        if (!(lambda > 0) || Double.isInfinite(lambda) || !(valueExponent >= 0) || support < 1) {
            throw new IllegalArgumentException("invalid EASE parameters");
        }
        this.lambda = lambda;
        this.valueExponent = valueExponent;
        this.support = support;
        this.memoryBudgetBytes = memoryBudgetBytes;
        this.mode = mode;
    }

    /** Bytes the dense variant needs: the Gram matrix, its inverse and the solver's blocked copy (doubles). */
    public static long denseBytes(int numItems) {
        return 24L * numItems * numItems;
    }

    /** Bytes the sparse variant needs: the columns' supports and weights, twice (columns, then rows). */
    public static long sparseBytes(int numItems, int support) {
        return 16L * numItems * Math.min(support, Math.max(1, numItems - 1)) + 8L * support * support;
    }

    /** The variant this configuration uses for a catalogue of {@code numItems}. */
    public Mode modeFor(int numItems) {
        if (mode != Mode.AUTO) {
            return mode;
        }
        return denseBytes(numItems) <= memoryBudgetBytes ? Mode.DENSE : Mode.SPARSE;
    }

    /** Fails early, with the sizes, when the chosen variant would not fit the memory budget. */
    public void checkMemory(int numItems) {
        Mode m = modeFor(numItems);
        long need = m == Mode.DENSE ? denseBytes(numItems) : sparseBytes(numItems, support);
        if (need > memoryBudgetBytes) {
            throw new IllegalArgumentException(String.format(
                    Locale.ROOT,
                    "[ease] on %,d items needs about %,d MB (%s), above the training memory budget of %,d MB",
                    numItems,
                    need >> 20,
                    m == Mode.DENSE ? "dense" : "sparse, support " + support,
                    memoryBudgetBytes >> 20));
        }
    }

    @Override
    public ItemNeighbors compute(InteractionMatrix m, int k, TrainingMonitor monitor) {
        checkMemory(m.numItems());
        float[] x = values(m.userWeights());
        return modeFor(m.numItems()) == Mode.DENSE ? dense(m, x, k, monitor) : sparse(m, x, k, monitor);
    }

    private float[] values(float[] weights) {
        float[] x = new float[weights.length];
        for (int p = 0; p < x.length; p++) {
            float w = weights[p];
            x[p] = valueExponent == 0 ? (w > 0 ? 1f : 0f) : valueExponent == 1 ? w : (float) Math.pow(w, valueExponent);
        }
        return x;
    }

    /** The exact closed form. */
    ItemNeighbors dense(InteractionMatrix m, float[] x, int k, TrainingMonitor monitor) {
        int n = m.numItems();
        DMatrixRMaj g = new DMatrixRMaj(n, n);
        double[] a = g.data;
        int[] uo = m.userOffsets();
        int[] ui = m.userItems();
        for (int u = 0; u < m.numUsers(); u++) {
            for (int p = uo[u], e = uo[u + 1]; p < e; p++) {
                double xp = x[p];
                int base = ui[p] * n;
                for (int q = uo[u]; q < e; q++) {
                    a[base + ui[q]] += xp * x[q];
                }
            }
            if ((u & 1023) == 0) {
                monitor.checkCancelled();
                monitor.progress("gram", u, m.numUsers());
            }
        }
        for (int i = 0; i < n; i++) {
            a[i * n + i] += lambda;
        }
        monitor.progress("inverting", 0, 1);
        LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.symmPosDef(n);
        if (solver.setA(g) == false) {
            throw new IllegalStateException(
                    "[ease] the Gram matrix is not positive definite: raise the regularization");
        }
        DMatrixRMaj inverse = new DMatrixRMaj(n, n);
        solver.invert(inverse);
        g = null; // free before the neighbour selection
        monitor.checkCancelled();
        double[] p = inverse.data;
        double[] diagonal = new double[n];
        for (int j = 0; j < n; j++) {
            diagonal[j] = p[j * n + j];
        }
        TopK top = new TopK(k);
        int[] offsets = new int[n + 1];
        int[] ids = new int[n * Math.min(k, Math.max(0, n - 1))];
        float[] scores = new float[ids.length];
        for (int i = 0; i < n; i++) {
            int base = i * n;
            for (int j = 0; j < n; j++) {
                if (j != i) {
                    float b = (float) (-p[base + j] / diagonal[j]);
                    if (b > 0f && b >= top.threshold()) {
                        top.offer(j, b);
                    }
                }
            }
            offsets[i + 1] = offsets[i] + top.drainSorted(ids, scores, offsets[i]);
            if ((i & 255) == 0) {
                monitor.checkCancelled();
                monitor.progress("similarity", i, n);
            }
        }
        return compact(n, offsets, ids, scores);
    }

    /** Column j regressed on the {@code support} items co-occurring most with j; the rows of B from the columns. */
    ItemNeighbors sparse(InteractionMatrix m, float[] x, int k, TrainingMonitor monitor) {
        int n = m.numItems();
        int s = Math.min(support, Math.max(1, n - 1));
        int[] uo = m.userOffsets();
        int[] ui = m.userItems();
        int[] io = m.itemOffsets();
        int[] iu = m.itemUsers();
        // x aligned with the column-wise entries: the position of (u, i) in u's row, found by a merge per column
        float[] xc = columnValues(m, x);
        int[] colLength = new int[n];
        int[] colIds = new int[n * s];
        float[] colWeights = new float[n * s];
        double[] acc = new double[n];
        int[] touched = new int[n];
        int[] pos = new int[n];
        java.util.Arrays.fill(pos, -1);
        TopK top = new TopK(s);
        int[] chosen = new int[s];
        float[] chosenScores = new float[s];
        for (int j = 0; j < n; j++) {
            // G[j][.]: co-occurrence of j with every item
            int nt = 0;
            for (int p = io[j], pe = io[j + 1]; p < pe; p++) {
                int u = iu[p];
                double xj = xc[p];
                for (int q = uo[u], qe = uo[u + 1]; q < qe; q++) {
                    double v = xj * x[q];
                    if (v > 0) { // values are >= 0: acc[i] leaves 0 once, when i is recorded
                        int i = ui[q];
                        if (acc[i] == 0) {
                            touched[nt++] = i;
                        }
                        acc[i] += v;
                    }
                }
            }
            for (int t = 0; t < nt; t++) {
                int i = touched[t];
                if (i != j && acc[i] > 0) {
                    top.offer(i, (float) acc[i]);
                }
            }
            int size = top.drainSorted(chosen, chosenScores, 0);
            if (size > 0) {
                double[] rhs = new double[size];
                for (int a = 0; a < size; a++) {
                    pos[chosen[a]] = a;
                    rhs[a] = acc[chosen[a]];
                }
                DMatrixRMaj gs = new DMatrixRMaj(size, size);
                double[] gd = gs.data;
                // G restricted to the support: for each support item, its users' items within the support
                for (int a = 0; a < size; a++) {
                    int i = chosen[a];
                    for (int p = io[i], pe = io[i + 1]; p < pe; p++) {
                        int u = iu[p];
                        double xi = xc[p];
                        for (int q = uo[u], qe = uo[u + 1]; q < qe; q++) {
                            int b = pos[ui[q]];
                            if (b >= 0) {
                                gd[a * size + b] += xi * x[q];
                            }
                        }
                    }
                    gd[a * size + a] += lambda;
                }
                LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.symmPosDef(size);
                if (solver.setA(gs) == false) {
                    throw new IllegalStateException(
                            "[ease] a Gram matrix is not positive definite: raise the regularization");
                }
                DMatrixRMaj w = new DMatrixRMaj(size, 1);
                solver.solve(new DMatrixRMaj(size, 1, true, rhs), w);
                for (int a = 0; a < size; a++) {
                    colIds[j * s + a] = chosen[a];
                    colWeights[j * s + a] = (float) w.data[a];
                    pos[chosen[a]] = -1;
                }
                colLength[j] = size;
            }
            for (int t = 0; t < nt; t++) {
                acc[touched[t]] = 0;
            }
            if ((j & 63) == 0) {
                monitor.checkCancelled();
                monitor.progress("similarity", j, n);
            }
        }
        // rows of B: B[i][j] for every column j whose support holds i
        int[] rowStart = new int[n + 1];
        for (int j = 0; j < n; j++) {
            for (int a = 0; a < colLength[j]; a++) {
                rowStart[colIds[j * s + a] + 1]++;
            }
        }
        for (int i = 0; i < n; i++) {
            rowStart[i + 1] += rowStart[i];
        }
        int[] fill = java.util.Arrays.copyOf(rowStart, n);
        int[] rowIds = new int[rowStart[n]];
        float[] rowWeights = new float[rowStart[n]];
        for (int j = 0; j < n; j++) {
            for (int a = 0; a < colLength[j]; a++) {
                int i = colIds[j * s + a];
                rowIds[fill[i]] = j;
                rowWeights[fill[i]++] = colWeights[j * s + a];
            }
        }
        colIds = null;
        colWeights = null;
        TopK best = new TopK(k);
        int[] offsets = new int[n + 1];
        int[] ids = new int[n * Math.min(k, Math.max(0, n - 1))];
        float[] scores = new float[ids.length];
        for (int i = 0; i < n; i++) {
            for (int p = rowStart[i]; p < rowStart[i + 1]; p++) {
                if (rowWeights[p] > 0f && rowWeights[p] >= best.threshold()) {
                    best.offer(rowIds[p], rowWeights[p]);
                }
            }
            offsets[i + 1] = offsets[i] + best.drainSorted(ids, scores, offsets[i]);
        }
        return compact(n, offsets, ids, scores);
    }

    /** The values of {@code x} (aligned with the row-wise entries) in the order of the column-wise entries. */
    private static float[] columnValues(InteractionMatrix m, float[] x) {
        int[] uo = m.userOffsets();
        int[] ui = m.userItems();
        int[] io = m.itemOffsets();
        int[] fill = java.util.Arrays.copyOf(io, m.numItems());
        float[] xc = new float[x.length];
        // columns are sorted by user: visiting users in order fills each column in order
        for (int u = 0; u < m.numUsers(); u++) {
            for (int q = uo[u]; q < uo[u + 1]; q++) {
                xc[fill[ui[q]]++] = x[q];
            }
        }
        return xc;
    }

    private static ItemNeighbors compact(int n, int[] offsets, int[] ids, float[] scores) {
        return new ItemNeighbors(
                n, offsets, java.util.Arrays.copyOf(ids, offsets[n]), java.util.Arrays.copyOf(scores, offsets[n]));
    }

    @Override
    public String describe() {
        return "ease(lambda=" + lambda + ", valueExponent=" + valueExponent + ", support=" + support + ", mode="
                + mode.name().toLowerCase(Locale.ROOT) + ")";
    }
}
