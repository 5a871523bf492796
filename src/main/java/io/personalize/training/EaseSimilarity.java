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
 * bytes, plus half of what the budget leaves for the Gram matrices of a block of columns. Values: {@code x = weight^valueExponent} (0: binary).
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

    /**
     * Bytes the sparse variant needs at least: the columns' supports and weights, twice (columns, then rows), and one
     * column's Gram matrix; it builds more Gram matrices at once ({@link #columnsPerBlock}) when the budget allows.
     */
    public static long sparseBytes(int numItems, int support) {
        int s = Math.min(support, Math.max(1, numItems - 1));
        return 16L * numItems * s + 8L * s * (s + 1) + 12L * numItems;
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
        return train(m, k, false, monitor).neighbors();
    }

    /** The item neighbours, and with {@code keepWeights} the whole B they were chosen from (else null). */
    public record Trained(ItemNeighbors neighbors, EaseWeights weights) {}

    /**
     * {@link #compute}, keeping B for the users' lists ({@link ModelTrainer#easeRanker}) when asked: dense, {@code 4 *
     * items^2} bytes, allocated once the Gram matrix and the solver are released, so within {@link #denseBytes};
     * sparse, the rows B's neighbours are read from anyway, within {@link #sparseBytes}.
     */
    public Trained train(InteractionMatrix m, int k, boolean keepWeights, TrainingMonitor monitor) {
        checkMemory(m.numItems());
        float[] x = values(m.userWeights());
        if (modeFor(m.numItems()) == Mode.DENSE) {
            EaseWeights[] weights = keepWeights ? new EaseWeights[1] : null;
            ItemNeighbors nb = dense(m, x, k, weights, monitor);
            return new Trained(nb, keepWeights ? weights[0] : null);
        }
        int s = Math.min(support, Math.max(1, m.numItems() - 1));
        SparseColumns columns = columns(m, x, 0, m.numItems(), columnsPerBlock(m.numItems(), s), true, monitor);
        return sparseRows(m.numItems(), java.util.List.of(columns), k, keepWeights);
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
        return dense(m, x, k, null, monitor);
    }

    /** The exact closed form; B itself into {@code keep[0]} when {@code keep} is not null. */
    private ItemNeighbors dense(InteractionMatrix m, float[] x, int k, EaseWeights[] keep, TrainingMonitor monitor) {
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
        solver = null; // and its factor, before B is kept
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
        float[] whole = keep == null ? null : new float[n * n];
        for (int i = 0; i < n; i++) {
            int base = i * n;
            for (int j = 0; j < n; j++) {
                if (j != i) {
                    float b = (float) (-p[base + j] / diagonal[j]);
                    if (whole != null) {
                        whole[base + j] = b;
                    }
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
        if (keep != null) {
            keep[0] = EaseWeights.dense(n, whole);
        }
        return compact(n, offsets, ids, scores);
    }

    /**
     * Columns whose Gram matrices are built together: half of what the memory budget leaves beside the lists (each
     * block walks the co-occurrences of its supports' items once, so fewer, larger blocks cost less time), at least 1.
     * A block's Gram matrices are kept as their upper triangles ({@code s (s + 1) / 2} doubles each): twice the
     * columns per block, half the blocks, half the walks.
     */
    int columnsPerBlock(int numItems, int s) {
        long spare = Math.max(0, memoryBudgetBytes - sparseBytes(numItems, s)) / 2;
        return (int) Math.max(1, Math.min(numItems, 1 + spare / (4L * s * (s + 1) + 8L * s)));
    }

    /** Position of (a, b), a <= b, in the upper triangle of a {@code size x size} matrix stored row by row. */
    static int packed(int a, int b, int size) {
        return a * size - a * (a - 1) / 2 + (b - a);
    }

    /** Column j regressed on the {@code support} items co-occurring most with j; the rows of B from the columns. */
    ItemNeighbors sparse(InteractionMatrix m, float[] x, int k, TrainingMonitor monitor) {
        int n = m.numItems();
        int s = Math.min(support, Math.max(1, n - 1));
        return sparse(m, x, k, columnsPerBlock(n, s), monitor);
    }

    /**
     * Columns are solved in blocks: first each column's support (the top co-occurring items, a walk over the users of
     * j), then the Gram matrices of the whole block, walking the users of each support item once per block (a popular
     * item is in most columns' supports: walking it once per column was most of the time), then the solves.
     */
    ItemNeighbors sparse(InteractionMatrix m, float[] x, int k, int block, TrainingMonitor monitor) {
        return sparseRows(m.numItems(), java.util.List.of(columns(m, x, 0, m.numItems(), block, true, monitor)), k);
    }

    /**
     * Columns {@code from} to {@code to} (excluded) of sparse EASE's B: column {@code from + c} is regressed on
     * {@code lengths[c]} items, whose ids and weights start at {@code c * support} in {@code ids} and {@code weights}
     * ({@code weights} is null when only the supports were computed).
     */
    public record SparseColumns(int from, int support, int[] lengths, int[] ids, float[] weights) {}

    /**
     * The supports of sparse EASE's columns {@code from..to} (the items co-occurring most with each), without solving:
     * {@code m} must hold every user of those items with their whole rows, in the training's order of users. A job
     * that distributes the columns (the Spark job) learns from them which items each block of columns needs.
     */
    public SparseColumns sparseSupports(InteractionMatrix m, int from, int to) {
        int s = Math.min(support, Math.max(1, m.numItems() - 1));
        return columns(
                m, values(m.userWeights()), from, to, columnsPerBlock(m.numItems(), s), false, TrainingMonitor.NOOP);
    }

    /**
     * Sparse EASE's columns {@code from..to}, solved as {@link #compute} solves them: {@code m} must hold every user of
     * those items and of their supports' items, with (at least) their entries on those items, in the training's order of
     * users (the Gram entries are then the same sums, in the same order). Columns are independent: a distributed job
     * solves blocks of them where the data is, then {@link #sparseRows} makes B's rows.
     */
    public SparseColumns sparseColumns(InteractionMatrix m, int from, int to, TrainingMonitor monitor) {
        int s = Math.min(support, Math.max(1, m.numItems() - 1));
        return columns(m, values(m.userWeights()), from, to, columnsPerBlock(m.numItems(), s), true, monitor);
    }

    private SparseColumns columns(
            InteractionMatrix m, float[] x, int from, int to, int block, boolean solve, TrainingMonitor monitor) {
        if (from < 0 || to > m.numItems() || from > to) {
            throw new IllegalArgumentException(
                    "columns [" + from + ", " + to + ") outside the matrix's " + m.numItems() + " items");
        }
        int n = m.numItems();
        int s = Math.min(support, Math.max(1, n - 1));
        block = Math.max(1, Math.min(block, Math.max(1, to - from)));
        int[] uo = m.userOffsets();
        int[] ui = m.userItems();
        int[] io = m.itemOffsets();
        int[] iu = m.itemUsers();
        // x aligned with the column-wise entries: the position of (u, i) in u's row, found by a merge per column
        float[] xc = columnValues(m, x);
        int[] colLength = new int[to - from];
        int[] colIds = new int[(to - from) * s];
        float[] colWeights = solve ? new float[(to - from) * s] : null;
        double[] acc = new double[n];
        int[] touched = new int[n];
        TopK top = new TopK(s);
        int[] chosen = new int[s];
        float[] chosenScores = new float[s];
        double[][] rhs = new double[block][s];
        double[][] grams = new double[block][];
        double[] full = new double[s * s]; // one column's Gram matrix, unpacked for the solver
        // the block's support entries by item: head[i] -> entry -> next entry; an entry is (column in block, position)
        int[] head = new int[n];
        java.util.Arrays.fill(head, -1);
        int[] next = new int[block * s];
        int[] entryColumn = new int[block * s];
        int[] entryPosition = new int[block * s];
        int[] supportItems = new int[block * s];
        for (int j0 = from; j0 < to; j0 += block) {
            int j1 = Math.min(to, j0 + block);
            int entries = 0;
            int items = 0;
            for (int j = j0; j < j1; j++) {
                // G[j][.]: co-occurrence of j with every item
                int nt = coOccurrence(j, io, iu, xc, uo, ui, x, acc, touched);
                for (int t = 0; t < nt; t++) {
                    int i = touched[t];
                    if (i != j && acc[i] > 0) {
                        top.offer(i, (float) acc[i]);
                    }
                }
                int size = top.drainSorted(chosen, chosenScores, 0);
                System.arraycopy(chosen, 0, colIds, (j - from) * s, size);
                colLength[j - from] = size;
                for (int a = 0; a < size; a++) {
                    int i = chosen[a];
                    rhs[j - j0][a] = acc[i];
                    if (head[i] < 0) {
                        supportItems[items++] = i;
                    }
                    entryColumn[entries] = j - j0;
                    entryPosition[entries] = a;
                    next[entries] = head[i];
                    head[i] = entries++;
                }
                for (int t = 0; t < nt; t++) {
                    acc[touched[t]] = 0;
                }
                grams[j - j0] = size == 0 || solve == false ? null : new double[size * (size + 1) / 2];
            }
            if (solve == false) {
                for (int e = 0; e < items; e++) {
                    head[supportItems[e]] = -1;
                }
                continue;
            }
            // G restricted to each support: row a of column j's matrix is G[i][.] on j's support, i its a-th item
            for (int e = 0; e < items; e++) {
                int i = supportItems[e];
                int nt = coOccurrence(i, io, iu, xc, uo, ui, x, acc, touched);
                for (int entry = head[i]; entry >= 0; entry = next[entry]) {
                    int c = entryColumn[entry];
                    int a = entryPosition[entry];
                    int size = colLength[j0 + c - from];
                    double[] gd = grams[c];
                    int base = (j0 + c - from) * s;
                    // the upper triangle: G is symmetric to the last bit (both walks add the same products, over the
                    // same users, in the same order), so row a from column a on is all there is
                    int row = packed(a, a, size) - a;
                    for (int b = a; b < size; b++) {
                        gd[row + b] = acc[colIds[base + b]];
                    }
                    gd[row + a] += lambda;
                }
                for (int t = 0; t < nt; t++) {
                    acc[touched[t]] = 0;
                }
                head[i] = -1;
                monitor.checkCancelled();
            }
            for (int j = j0; j < j1; j++) {
                int size = colLength[j - from];
                if (size == 0) {
                    continue;
                }
                double[] packedGram = grams[j - j0];
                for (int a = 0; a < size; a++) {
                    int row = packed(a, a, size) - a;
                    for (int b = a; b < size; b++) {
                        full[a * size + b] = packedGram[row + b];
                        full[b * size + a] = packedGram[row + b];
                    }
                }
                LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.symmPosDef(size);
                if (solver.setA(DMatrixRMaj.wrap(size, size, full)) == false) {
                    throw new IllegalStateException(
                            "[ease] a Gram matrix is not positive definite: raise the regularization");
                }
                DMatrixRMaj w = new DMatrixRMaj(size, 1);
                solver.solve(DMatrixRMaj.wrap(size, 1, java.util.Arrays.copyOf(rhs[j - j0], size)), w);
                for (int a = 0; a < size; a++) {
                    colWeights[(j - from) * s + a] = (float) w.data[a];
                }
                grams[j - j0] = null;
            }
            monitor.checkCancelled();
            monitor.progress("similarity", j1, n);
        }
        return new SparseColumns(from, s, colLength, colIds, colWeights);
    }

    /**
     * B's rows from its columns (any blocks of them, in any order; each row's top {@code k} positive weights, the
     * order of {@link TopK}): B[i][j] for every column j whose support holds i. A row the columns given do not reach
     * is empty, so a job may select the rows of a range of items from the columns' entries on those items only.
     */
    public static ItemNeighbors sparseRows(int n, java.util.List<SparseColumns> columns, int k) {
        return sparseRows(n, columns, k, false).neighbors();
    }

    /**
     * {@link #sparseRows(int, java.util.List, int)}, and with {@code keepWeights} the rows themselves, every weight
     * (each row's columns ascending), for the users' lists.
     */
    public static Trained sparseRows(int n, java.util.List<SparseColumns> columns, int k, boolean keepWeights) {
        // by first column: each row's columns then come in ascending order (blocks are disjoint ranges)
        columns = columns.stream()
                .sorted(java.util.Comparator.comparingInt(SparseColumns::from))
                .toList();
        int[] rowStart = new int[n + 1];
        for (SparseColumns c : columns) {
            for (int jj = 0; jj < c.lengths().length; jj++) {
                for (int a = 0; a < c.lengths()[jj]; a++) {
                    rowStart[c.ids()[jj * c.support() + a] + 1]++;
                }
            }
        }
        for (int i = 0; i < n; i++) {
            rowStart[i + 1] += rowStart[i];
        }
        int[] fill = java.util.Arrays.copyOf(rowStart, n);
        int[] rowIds = new int[rowStart[n]];
        float[] rowWeights = new float[rowStart[n]];
        for (SparseColumns c : columns) {
            for (int jj = 0; jj < c.lengths().length; jj++) {
                for (int a = 0; a < c.lengths()[jj]; a++) {
                    int i = c.ids()[jj * c.support() + a];
                    rowIds[fill[i]] = c.from() + jj;
                    rowWeights[fill[i]++] = c.weights()[jj * c.support() + a];
                }
            }
        }
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
        return new Trained(
                compact(n, offsets, ids, scores),
                keepWeights ? EaseWeights.sparse(n, rowStart, rowIds, rowWeights) : null);
    }

    /**
     * Row j of the Gram matrix without its ridge: {@code acc[i] = sum over users u of j of x[u,j] * x[u,i]}, for the
     * items recorded in {@code touched} (returns how many). Values are >= 0: acc[i] leaves 0 once, when i is recorded.
     * The caller sets {@code acc} back to 0 on the touched items.
     */
    private static int coOccurrence(
            int j, int[] io, int[] iu, float[] xc, int[] uo, int[] ui, float[] x, double[] acc, int[] touched) {
        int nt = 0;
        for (int p = io[j], pe = io[j + 1]; p < pe; p++) {
            int u = iu[p];
            double xj = xc[p];
            for (int q = uo[u], qe = uo[u + 1]; q < qe; q++) {
                double v = xj * x[q];
                if (v > 0) {
                    int i = ui[q];
                    if (acc[i] == 0) {
                        touched[nt++] = i;
                    }
                    acc[i] += v;
                }
            }
        }
        return nt;
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
