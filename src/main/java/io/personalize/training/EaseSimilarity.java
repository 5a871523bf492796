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
    private final Workers workers;

    /**
     * @param lambda the L2 weight, > 0
     * @param valueExponent >= 0, 0 for binary interactions
     * @param support items each column is regressed on in the sparse variant (>= 1)
     * @param memoryBudgetBytes memory the training may use for B and its intermediates
     * @param mode dense, sparse, or chosen by memory
     */
    public EaseSimilarity(double lambda, double valueExponent, int support, long memoryBudgetBytes, Mode mode) {
        this(lambda, valueExponent, support, memoryBudgetBytes, mode, Workers.SERIAL);
    }

    /** With {@code workers} sharing out the sparse variant's columns: the same weights as on one thread. */
    public EaseSimilarity(
            double lambda, double valueExponent, int support, long memoryBudgetBytes, Mode mode, Workers workers) {
        if (!(lambda > 0) || Double.isInfinite(lambda) || !(valueExponent >= 0) || support < 1) {
            throw new IllegalArgumentException("invalid EASE parameters");
        }
        this.lambda = lambda;
        this.valueExponent = valueExponent;
        this.support = support;
        this.memoryBudgetBytes = memoryBudgetBytes;
        this.mode = mode;
        this.workers = java.util.Objects.requireNonNull(workers);
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
        int n = m.numItems();
        int s = Math.min(support, Math.max(1, n - 1));
        int block = columnsPerBlock(n, s);
        SparseColumns columns = columns(m, x, 0, n, n, blockBytes(n, s), heavyItems(n, s, block), true, monitor);
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
     * Bytes a block of columns may hold while their Gram matrices are built: half of what the memory budget leaves
     * beside the lists (each block walks the co-occurrences of its supports' items once, so fewer, larger blocks cost
     * less time). A block grows column by column, each counted at its own size ({@link #columnBytes}): the upper
     * triangle of its Gram matrix without the entries among heavy items, so a column whose support is mostly popular
     * items takes a fraction of the full triangle.
     */
    long blockBytes(int numItems, int s) {
        return Math.max(0, memoryBudgetBytes - sparseBytes(numItems, s)) / 2;
    }

    /**
     * Columns in a block at the least: as many as {@link #blockBytes} holds at the full triangle each ({@code s (s +
     * 1) / 2} doubles), at least 1; when they are all the columns, no item needs to be heavy ({@link #heavyItems}).
     */
    int columnsPerBlock(int numItems, int s) {
        return (int) Math.max(1, Math.min(numItems, 1 + blockBytes(numItems, s) / columnBytes(s * (s + 1L) / 2, s)));
    }

    /** Position of (a, b), a <= b, in the upper triangle of a {@code size x size} matrix stored row by row. */
    static int packed(int a, int b, int size) {
        return a * size - a * (a - 1) / 2 + (b - a);
    }

    /**
     * Items whose Gram entries among themselves are computed once, before the blocks, and kept: the items whose Gram
     * rows cost most to walk (the popular ones, in nearly every block's supports), as many as a quarter of what the
     * budget leaves beside the lists allows ({@code 4 h (h + 1)} bytes, the packed triangle of doubles); none when the
     * columns fit one block (each row is then walked once anyway).
     */
    int heavyItems(int numItems, int s, int block) {
        if (block >= numItems) {
            return 0;
        }
        long spare = Math.max(0, memoryBudgetBytes - sparseBytes(numItems, s)) / 4;
        long h = (long) Math.sqrt(spare / 4.0);
        while (h > 0 && 4 * h * (h + 1) + 4L * numItems > spare) {
            h--;
        }
        return (int) Math.min(Math.min(numItems, h), MAX_HEAVY_ITEMS);
    }

    /** Keeps the heavy items' packed triangle within an int-indexed array. */
    static final int MAX_HEAVY_ITEMS = 60_000;

    /** Column j regressed on the {@code support} items co-occurring most with j; the rows of B from the columns. */
    ItemNeighbors sparse(InteractionMatrix m, float[] x, int k, TrainingMonitor monitor) {
        int n = m.numItems();
        int s = Math.min(support, Math.max(1, n - 1));
        int block = columnsPerBlock(n, s);
        return sparse(m, x, k, block, heavyItems(n, s, block), monitor);
    }

    /** A thread's working arrays for the co-occurrence walks and the solves. */
    private static final class Scratch {
        final double[] acc;
        final int[] touched;
        final TopK top;
        final int[] chosen;
        final float[] chosenScores;
        final double[] full; // one column's Gram matrix, unpacked for the solver

        Scratch(int n, int s) {
            acc = new double[n];
            touched = new int[n + 1]; // one spare: coOccurrence writes ahead of its count
            top = new TopK(s);
            chosen = new int[s];
            chosenScores = new float[s];
            full = new double[s * s];
        }
    }

    /** Columns, support items or heavy items per task the workers claim. */
    private static final int COLUMNS_PER_TASK = 16;

    /**
     * Columns are solved in blocks: first every column's support (the top co-occurring items, a walk over the users of
     * j), then, block by block, in the order of {@link #supportOrder} (columns whose supports share items together),
     * the Gram matrices of the whole block, walking the users of each support item once per block (a popular item is
     * in most columns' supports: walking it once per column was most of the time), then the solves. A column's
     * right-hand side G[j][support] comes from the walk of j itself (or, for a heavy column, from its support items'
     * walks and the heavy triangle).
     *
     * <p>The {@code heavy} items whose rows cost most to walk are walked once for all blocks: their Gram entries among
     * themselves are kept ({@link #heavyItems}); a block walks its other support items only, each filling its entries
     * with every item of the column's support (with a heavy item too, from its own side: G is symmetric to the last
     * bit, both walks add the same products over the same users in the same order). Each entry is written by exactly
     * one walk, so the walks, like the supports and the solves, are shared out among the workers with the same weights
     * as on one thread.
     */
    ItemNeighbors sparse(InteractionMatrix m, float[] x, int k, int block, int heavy, TrainingMonitor monitor) {
        return sparse(m, x, k, block, Long.MAX_VALUE, heavy, monitor);
    }

    /** Blocks of at most {@code block} columns and {@code blockBytes} bytes ({@link #columnBytes}), at least one column. */
    ItemNeighbors sparse(
            InteractionMatrix m, float[] x, int k, int block, long blockBytes, int heavy, TrainingMonitor monitor) {
        return sparseRows(
                m.numItems(),
                java.util.List.of(columns(m, x, 0, m.numItems(), block, blockBytes, heavy, true, monitor)),
                k);
    }

    /** The columns in blocks of {@code block}, with no heavy items. */
    ItemNeighbors sparse(InteractionMatrix m, float[] x, int k, int block, TrainingMonitor monitor) {
        return sparse(m, x, k, block, 0, monitor);
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
                m,
                values(m.userWeights()),
                from,
                to,
                to - from,
                blockBytes(m.numItems(), s),
                0,
                false,
                TrainingMonitor.NOOP);
    }

    /**
     * Sparse EASE's columns {@code from..to}, solved as {@link #compute} solves them: {@code m} must hold every user of
     * those items and of their supports' items, with (at least) their entries on those items, in the training's order of
     * users (the Gram entries are then the same sums, in the same order). Columns are independent: a distributed job
     * solves blocks of them where the data is, then {@link #sparseRows} makes B's rows.
     */
    public SparseColumns sparseColumns(InteractionMatrix m, int from, int to, TrainingMonitor monitor) {
        int s = Math.min(support, Math.max(1, m.numItems() - 1));
        return columns(m, values(m.userWeights()), from, to, to - from, blockBytes(m.numItems(), s), 0, true, monitor);
    }

    private SparseColumns columns(
            InteractionMatrix m,
            float[] x,
            int from,
            int to,
            int block,
            long blockBytes,
            int heavy,
            boolean solve,
            TrainingMonitor monitor) {
        if (from < 0 || to > m.numItems() || from > to) {
            throw new IllegalArgumentException(
                    "columns [" + from + ", " + to + ") outside the matrix's " + m.numItems() + " items");
        }
        int n = m.numItems();
        int s = Math.min(support, Math.max(1, n - 1));
        int[] uo = m.userOffsets();
        int[] ui = m.userItems();
        int[] io = m.itemOffsets();
        int[] iu = m.itemUsers();
        // x aligned with the column-wise entries: the position of (u, i) in u's row, found by a merge per column
        float[] xc = columnValues(m, x);
        int[] colLength = new int[to - from];
        int[] colIds = new int[(to - from) * s];
        // every column's support first: G[j][.], the co-occurrence of j with every item; its top s are j's support
        workers.forEach(tasks(to - from), () -> new Scratch(n, s), (w, t) -> {
            for (int j = from + t * COLUMNS_PER_TASK, e = Math.min(to, j + COLUMNS_PER_TASK); j < e; j++) {
                double[] acc = w.acc;
                int nt = coOccurrence(j, io, iu, xc, uo, ui, x, acc, w.touched);
                TopK top = w.top;
                for (int q = 0; q < nt; q++) {
                    int i = w.touched[q];
                    if (i != j && acc[i] > 0) {
                        top.offer(i, (float) acc[i]);
                    }
                }
                int size = top.drainSorted(w.chosen, w.chosenScores, 0);
                System.arraycopy(w.chosen, 0, colIds, (j - from) * s, size);
                colLength[j - from] = size;
                for (int q = 0; q < nt; q++) {
                    acc[w.touched[q]] = 0;
                }
            }
            monitor.checkCancelled();
        });
        if (solve == false) {
            return new SparseColumns(from, s, colLength, colIds, null);
        }
        float[] colWeights = new float[(to - from) * s];
        // heavyIndex[i]: i's row and column in the heavy triangle, -1 for the other items
        int[] heavyIndex = heaviest(m, heavy);
        double[] heavyGram = heavyGram(m, x, xc, heavyIndex, heavy, monitor);
        int[] order = supportOrder(from, to, s, colLength, colIds, heavyIndex);
        block = Math.max(1, Math.min(block, Math.max(1, to - from)));
        double[][] rhs = new double[block][];
        GramLayout[] grams = new GramLayout[block];
        int[] blockColumns = new int[block];
        // the block's support entries by item: head[i] -> entry -> next entry; an entry is (column in block, position)
        int[] head = new int[n];
        java.util.Arrays.fill(head, -1);
        int[] self = new int[n]; // self[j]: j's column in the block, -1 when j is not a column of the block
        java.util.Arrays.fill(self, -1);
        int[] next = new int[0];
        int[] entryColumn = new int[0];
        int[] entryPosition = new int[0];
        int[] walkedItems = new int[0];
        int done = 0;
        for (int o0 = 0; o0 < order.length; ) {
            // the block: the next columns in the order of their supports while their Gram matrices fit blockBytes (at
            // least one column); a column keeps the entries of its support's non-heavy items only (GramLayout)
            int o1 = o0;
            long bytes = 0;
            int entries = 0;
            while (o1 < order.length && o1 - o0 < block) {
                int j = order[o1];
                int size = colLength[j - from];
                GramLayout g = size == 0 ? null : GramLayout.of(colIds, (j - from) * s, size, heavyIndex);
                long b = columnBytes(g == null ? 0 : g.entries(), size);
                if (o1 > o0 && bytes + b > blockBytes) {
                    break;
                }
                bytes += b;
                grams[o1 - o0] = g;
                blockColumns[o1 - o0] = j;
                entries += size;
                o1++;
            }
            final int columns = o1 - o0;
            if (next.length < entries) {
                next = new int[entries];
                entryColumn = new int[entries];
                entryPosition = new int[entries];
            }
            if (walkedItems.length < entries + columns) {
                walkedItems = new int[entries + columns];
            }
            entries = 0;
            int items = 0;
            for (int c = 0; c < columns; c++) {
                int j = blockColumns[c];
                int size = colLength[j - from];
                if (grams[c] != null) {
                    grams[c].allocate();
                }
                rhs[c] = new double[size];
                for (int a = 0; a < size; a++) {
                    int i = colIds[(j - from) * s + a];
                    if (head[i] < 0 && heavyIndex[i] < 0 && self[i] < 0) {
                        walkedItems[items++] = i;
                    }
                    entryColumn[entries] = c;
                    entryPosition[entries] = a;
                    next[entries] = head[i];
                    head[i] = entries++;
                }
            }
            for (int c = 0; c < columns; c++) {
                int j = blockColumns[c];
                // a non-heavy column's right-hand side, G[j][support], from its own walk
                if (heavyIndex[j] < 0 && head[j] < 0) {
                    walkedItems[items++] = j;
                }
                self[j] = c;
            }
            // G restricted to each support, from the rows of its items that are not heavy: row a of column j's matrix
            // is G[i][.] on j's support, i its a-th item, and the entries (b, a), b < a, of its heavy items; a heavy
            // column's right-hand side G[j][i] from the same walk (G is symmetric to the last bit: both walks add the
            // same products, exact in double, over the same users, in the same order)
            final int walked = items;
            final int[] nextEntry = next;
            final int[] columnOf = entryColumn;
            final int[] positionOf = entryPosition;
            final int[] walkedList = walkedItems;
            workers.forEach(tasks(walked), () -> new Scratch(n, s), (w, t) -> {
                double[] acc = w.acc;
                for (int e = t * COLUMNS_PER_TASK, end = Math.min(walked, e + COLUMNS_PER_TASK); e < end; e++) {
                    int i = walkedList[e];
                    int nt = coOccurrence(i, io, iu, xc, uo, ui, x, acc, w.touched);
                    if (heavyIndex[i] < 0) {
                        for (int entry = head[i]; entry >= 0; entry = nextEntry[entry]) {
                            int c = columnOf[entry];
                            int a = positionOf[entry];
                            int j = blockColumns[c];
                            grams[c].fillRow(a, acc, colIds, (j - from) * s, lambda);
                            if (heavyIndex[j] >= 0) {
                                rhs[c][a] = acc[j];
                            }
                        }
                    }
                    int c = self[i];
                    if (c >= 0 && heavyIndex[i] < 0) {
                        double[] r = rhs[c];
                        for (int a = 0, base = (i - from) * s; a < r.length; a++) {
                            r[a] = acc[colIds[base + a]];
                        }
                    }
                    for (int q = 0; q < nt; q++) {
                        acc[w.touched[q]] = 0;
                    }
                }
                monitor.checkCancelled();
            });
            for (int c = 0; c < columns; c++) {
                int j = blockColumns[c];
                self[j] = -1;
                for (int a = 0, size = colLength[j - from]; a < size; a++) {
                    head[colIds[(j - from) * s + a]] = -1;
                }
            }
            workers.forEach(tasks(columns), () -> new Scratch(n, s), (w, t) -> {
                double[] full = w.full;
                for (int c = t * COLUMNS_PER_TASK, e = Math.min(columns, c + COLUMNS_PER_TASK); c < e; c++) {
                    int j = blockColumns[c];
                    int size = colLength[j - from];
                    if (size == 0) {
                        continue;
                    }
                    int base = (j - from) * s;
                    double[] r = rhs[c];
                    int hj = heavyIndex[j];
                    if (hj >= 0) {
                        // a heavy column's right-hand side on its heavy items: the heavy triangle
                        for (int a = 0; a < size; a++) {
                            int ha = heavyIndex[colIds[base + a]];
                            if (ha >= 0) {
                                r[a] = heavyGram[hj <= ha ? packed(hj, ha, heavy) : packed(ha, hj, heavy)];
                            }
                        }
                    }
                    // the upper triangle, row by row: the solver's Cholesky (the inner-product form, lower) reads
                    // nothing else of its input; the lower triangle is written before it is read
                    grams[c].upperTriangle(full, colIds, base, heavyIndex, heavyGram, heavy, lambda);
                    LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.symmPosDef(size);
                    if (solver.setA(DMatrixRMaj.wrap(size, size, full)) == false) {
                        throw new IllegalStateException(
                                "[ease] a Gram matrix is not positive definite: raise the regularization");
                    }
                    DMatrixRMaj weights = new DMatrixRMaj(size, 1);
                    solver.solve(DMatrixRMaj.wrap(size, 1, r), weights);
                    for (int a = 0; a < size; a++) {
                        colWeights[base + a] = (float) weights.data[a];
                    }
                    grams[c] = null;
                    rhs[c] = null;
                }
                monitor.checkCancelled();
            });
            done += columns;
            monitor.checkCancelled();
            monitor.progress("similarity", done, n);
            o0 = o1;
        }
        return new SparseColumns(from, s, colLength, colIds, colWeights);
    }

    /**
     * The order the columns are solved in, greedy: next, the column not yet ordered that the most ordered columns hold
     * in their supports (among their non-heavy items; ties: the smaller id), else the smallest column not yet ordered.
     * A block walks the rows of its columns' support items, so columns whose supports share items belong in the same
     * block: in the items' id order (unrelated to what co-occurs) nearly every block walked nearly every item. The
     * weights do not depend on the order (each column is solved from the same sums).
     */
    static int[] supportOrder(int from, int to, int s, int[] colLength, int[] colIds, int[] heavyIndex) {
        int columns = to - from;
        int[] order = new int[columns];
        boolean[] ordered = new boolean[columns];
        int[] count = new int[columns];
        // an indexed max-heap of the columns some ordered column's support holds, by count, then the smaller id
        int[] heap = new int[columns];
        int[] at = new int[columns];
        java.util.Arrays.fill(at, -1);
        int size = 0;
        int seed = 0;
        for (int o = 0; o < columns; o++) {
            int c;
            if (size > 0) {
                c = heap[0];
                at[c] = -1;
                if (--size > 0) {
                    heap[0] = heap[size];
                    at[heap[0]] = 0;
                    siftDown(heap, at, count, size, 0);
                }
            } else {
                while (ordered[seed]) {
                    seed++;
                }
                c = seed;
            }
            ordered[c] = true;
            order[o] = from + c;
            for (int a = 0, length = colLength[c]; a < length; a++) {
                int i = colIds[c * s + a] - from;
                if (i < 0 || i >= columns || ordered[i] || heavyIndex[i + from] >= 0) {
                    continue;
                }
                count[i]++;
                if (at[i] < 0) {
                    heap[size] = i;
                    at[i] = size++;
                }
                siftUp(heap, at, count, at[i]);
            }
        }
        return order;
    }

    private static boolean before(int[] count, int a, int b) {
        return count[a] > count[b] || (count[a] == count[b] && a < b);
    }

    private static void siftUp(int[] heap, int[] at, int[] count, int p) {
        int c = heap[p];
        while (p > 0) {
            int parent = (p - 1) >>> 1;
            if (before(count, c, heap[parent]) == false) {
                break;
            }
            heap[p] = heap[parent];
            at[heap[p]] = p;
            p = parent;
        }
        heap[p] = c;
        at[c] = p;
    }

    private static void siftDown(int[] heap, int[] at, int[] count, int size, int p) {
        int c = heap[p];
        while (true) {
            int child = 2 * p + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && before(count, heap[child + 1], heap[child])) {
                child++;
            }
            if (before(count, heap[child], c) == false) {
                break;
            }
            heap[p] = heap[child];
            at[heap[p]] = p;
            p = child;
        }
        heap[p] = c;
        at[c] = p;
    }

    /**
     * A column's bytes in a block: its Gram entries (doubles), its right-hand side (doubles), its layout (two ints per
     * support item) and the block's entry lists (three ints per support item), plus the arrays' headers.
     */
    static long columnBytes(long gramEntries, int size) {
        return 8 * gramEntries + 8L * size + 9L * size + 12L * size + 128;
    }

    /**
     * Where a column's Gram entries are kept while its block is built: the upper triangle, row by row, without the
     * entries among heavy items (those are in the heavy triangle, shared by every column). Row a of a non-heavy item
     * holds (a, b) for every b >= a; row a of a heavy item only (a, b) for the non-heavy b > a. With no heavy item in
     * the support it is the packed upper triangle ({@link #packed}).
     */
    static final class GramLayout {
        private final int size;
        private final int[] start; // row a's first entry; start[size]: the entries
        private final int[] light; // light[a]: non-heavy positions before a (size + 1 of them)
        private final boolean[] heavyAt;
        private double[] g;

        private GramLayout(int size, int[] start, int[] light, boolean[] heavyAt) {
            this.size = size;
            this.start = start;
            this.light = light;
            this.heavyAt = heavyAt;
        }

        static GramLayout of(int[] ids, int base, int size, int[] heavyIndex) {
            int[] light = new int[size + 1];
            boolean[] heavyAt = new boolean[size];
            for (int a = 0; a < size; a++) {
                heavyAt[a] = heavyIndex[ids[base + a]] >= 0;
                light[a + 1] = light[a] + (heavyAt[a] ? 0 : 1);
            }
            int[] start = new int[size + 1];
            for (int a = 0; a < size; a++) {
                start[a + 1] = start[a] + (heavyAt[a] ? light[size] - light[a + 1] : size - a);
            }
            return new GramLayout(size, start, light, heavyAt);
        }

        int entries() {
            return start[size];
        }

        void allocate() {
            g = new double[start[size]];
        }

        /** The slot of (a, b), a <= b, not both heavy. */
        int slot(int a, int b) {
            return heavyAt[a] ? start[a] + light[b] - light[a + 1] : start[a] + b - a;
        }

        /**
         * Row a (a non-heavy item) from its co-occurrences {@code acc}: (a, b) for b >= a, the ridge on the diagonal,
         * and (b, a) for the heavy items b < a (G is symmetric to the last bit: both walks add the same products, over
         * the same users, in the same order).
         */
        void fillRow(int a, double[] acc, int[] ids, int base, double lambda) {
            int row = start[a] - a;
            for (int b = a; b < size; b++) {
                g[row + b] = acc[ids[base + b]];
            }
            g[start[a]] += lambda;
            if (light[a] < a) {
                for (int b = 0; b < a; b++) {
                    if (heavyAt[b]) {
                        g[start[b] + light[a] - light[b + 1]] = acc[ids[base + b]];
                    }
                }
            }
        }

        /** The upper triangle of the column's ridge Gram matrix into {@code full} ({@code size x size}, row-major). */
        void upperTriangle(
                double[] full, int[] ids, int base, int[] heavyIndex, double[] heavyGram, int heavy, double lambda) {
            for (int a = 0; a < size; a++) {
                if (heavyAt[a] == false) {
                    System.arraycopy(g, start[a], full, a * size + a, size - a);
                    continue;
                }
                int ha = heavyIndex[ids[base + a]];
                for (int b = a; b < size; b++) {
                    double v;
                    if (heavyAt[b] == false) {
                        v = g[start[a] + light[b] - light[a + 1]];
                    } else {
                        int hb = heavyIndex[ids[base + b]];
                        v = heavyGram[ha <= hb ? packed(ha, hb, heavy) : packed(hb, ha, heavy)];
                        if (a == b) {
                            v += lambda;
                        }
                    }
                    full[a * size + b] = v;
                }
            }
        }
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

    private static int tasks(int units) {
        return (units + COLUMNS_PER_TASK - 1) / COLUMNS_PER_TASK;
    }

    /**
     * The {@code heavy} items whose Gram rows cost most to walk (the sum of their users' history lengths), numbered
     * 0.. in that order; -1 for the others.
     */
    private static int[] heaviest(InteractionMatrix m, int heavy) {
        int n = m.numItems();
        int[] index = new int[n];
        java.util.Arrays.fill(index, -1);
        if (heavy == 0) {
            return index;
        }
        int[] uo = m.userOffsets();
        int[] io = m.itemOffsets();
        int[] iu = m.itemUsers();
        long[] keys = new long[n]; // (cost, item) ascending: the heaviest last
        for (int i = 0; i < n; i++) {
            long cost = 0;
            for (int p = io[i]; p < io[i + 1]; p++) {
                cost += uo[iu[p] + 1] - uo[iu[p]];
            }
            keys[i] = cost * n + i;
        }
        java.util.Arrays.sort(keys);
        for (int h = 0; h < heavy; h++) {
            index[(int) (keys[n - 1 - h] % n)] = h;
        }
        return index;
    }

    /** The packed upper triangle of G (no ridge) among the heavy items: each heavy item's row walked once. */
    private double[] heavyGram(
            InteractionMatrix m, float[] x, float[] xc, int[] heavyIndex, int heavy, TrainingMonitor monitor) {
        if (heavy == 0) {
            return new double[0];
        }
        int n = m.numItems();
        int[] items = new int[heavy];
        for (int i = 0; i < n; i++) {
            if (heavyIndex[i] >= 0) {
                items[heavyIndex[i]] = i;
            }
        }
        double[] g = new double[Math.toIntExact((long) heavy * (heavy + 1) / 2)];
        workers.forEach(tasks(heavy), () -> new Scratch(n, 1), (w, t) -> {
            double[] acc = w.acc;
            for (int h = t * COLUMNS_PER_TASK, end = Math.min(heavy, h + COLUMNS_PER_TASK); h < end; h++) {
                int nt = coOccurrence(
                        items[h],
                        m.itemOffsets(),
                        m.itemUsers(),
                        xc,
                        m.userOffsets(),
                        m.userItems(),
                        x,
                        acc,
                        w.touched);
                int row = packed(h, h, heavy) - h;
                for (int b = h; b < heavy; b++) {
                    g[row + b] = acc[items[b]];
                }
                for (int q = 0; q < nt; q++) {
                    acc[w.touched[q]] = 0;
                }
            }
            monitor.checkCancelled();
        });
        return g;
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
                    double before = acc[i];
                    // recorded when first reached, without a branch (first reach or not is hard to predict)
                    touched[nt] = i;
                    nt += before == 0 ? 1 : 0;
                    acc[i] = before + v;
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
