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
 * of every item: over every pair (cost items^2 * factors) while that is at most {@link #ALL_PAIRS_WORK}, else over the
 * items each item co-occurs with in some user's history (cost: the co-occurrence walk of the neighbourhood algorithms,
 * sum over users of their items squared, plus factors per distinct pair). The second misses neighbours that never
 * co-occur, which on a catalogue that large are mostly noise of the factors, and is what makes ALS train at all there.
 */
public final class FactorNeighbors {

    /** Factor products beyond which items are compared with the items they co-occur with only. */
    static final double ALL_PAIRS_WORK = 2e10;

    private final FactorModel model;
    private final float[] projected; // Y W, row-major items x factors

    public FactorNeighbors(FactorModel model, double regularization) {
        this(model, foldIn(model.itemFactors(), model.factors(), regularization));
    }

    /**
     * With the fold-in matrix already computed ({@link #foldIn} of the same item factors): what a block of items
     * computed elsewhere needs, the item factors and this f x f matrix, not the users' factors.
     */
    public FactorNeighbors(FactorModel model, double[] foldIn) {
        this.model = model;
        int f = model.factors();
        if (foldIn.length != f * f) {
            throw new IllegalArgumentException("the fold-in matrix is not factors x factors");
        }
        float[] y = model.itemFactors();
        projected = new float[y.length];
        for (int i = 0; i < model.numItems(); i++) {
            int o = i * f;
            for (int a = 0; a < f; a++) {
                double t = 0;
                for (int b = 0; b < f; b++) {
                    t += y[o + b] * foldIn[b * f + a];
                }
                projected[o + a] = (float) t;
            }
        }
    }

    /** W = (Y^T Y + lambda I)^-1, row-major factors x factors, of the item factors {@code itemFactors}. */
    public static double[] foldIn(float[] itemFactors, int factors, double regularization) {
        int f = factors;
        double[] gram = ImplicitAls.gram(itemFactors, f);
        for (int d = 0; d < f; d++) {
            gram[d * f + d] += regularization;
        }
        DMatrixRMaj w = new DMatrixRMaj(f, f);
        if (CommonOps_DDRM.invertSPD(new DMatrixRMaj(f, f, true, gram), w) == false) {
            throw new IllegalStateException("[als] the item factors' Gram matrix is not positive definite");
        }
        return w.data;
    }

    /** y_i^T W y_j: item i's share of item j's score. */
    public double share(int i, int j) {
        int f = model.factors();
        return FactorModel.dot(projected, i * f, model.itemFactors(), j * f, f);
    }

    /** Whether {@link #compute} compares every pair of items of a catalogue of {@code items}. */
    public static boolean allPairs(int items, int factors) {
        return (double) items * items * factors <= ALL_PAIRS_WORK;
    }

    /** The neighbours of the items of {@code matrix}, the matrix the factors were trained on. */
    public ItemNeighbors compute(InteractionMatrix matrix, int k, TrainingMonitor monitor) {
        return compute(matrix, k, monitor, Workers.SERIAL);
    }

    /** The same, the items shared out among {@code workers} (each item's row is the same whichever thread ran it). */
    public ItemNeighbors compute(InteractionMatrix matrix, int k, TrainingMonitor monitor, Workers workers) {
        return compute(matrix, k, allPairs(model.numItems(), model.factors()), monitor, workers);
    }

    ItemNeighbors compute(InteractionMatrix matrix, int k, boolean allPairs, TrainingMonitor monitor) {
        return compute(matrix, k, allPairs, monitor, Workers.SERIAL);
    }

    /** A thread's selection and marks. */
    private record Scratch(TopK top, int[] compared) {}

    /** Items per task the workers claim, and between cancellation checks. */
    private static final int ITEMS_PER_TASK = 64;

    ItemNeighbors compute(InteractionMatrix matrix, int k, boolean allPairs, TrainingMonitor monitor, Workers workers) {
        return computeRows(matrix, k, allPairs, 0, model.numItems(), monitor, workers);
    }

    /**
     * The neighbours of items {@code from..to} (row r of the answer is item {@code from + r}), the same rows as
     * {@link #compute} gives them: every pair, or, on a large catalogue, the items co-occurring with each, for which
     * {@code matrix} needs only the users of these items, each with their whole row (a block of items' users).
     */
    public ItemNeighbors computeRows(InteractionMatrix matrix, int k, int from, int to, TrainingMonitor monitor) {
        return computeRows(matrix, k, allPairs(model.numItems(), model.factors()), from, to, monitor, Workers.SERIAL);
    }

    ItemNeighbors computeRows(
            InteractionMatrix matrix,
            int k,
            boolean allPairs,
            int from,
            int to,
            TrainingMonitor monitor,
            Workers workers) {
        int n = model.numItems();
        if (from < 0 || to > n || from > to) {
            throw new IllegalArgumentException("rows [" + from + ", " + to + ") out of [0, " + n + ")");
        }
        int rows = to - from;
        int f = model.factors();
        float[] y = model.itemFactors();
        int[] itemOffsets = matrix.itemOffsets();
        int[] itemUsers = matrix.itemUsers();
        int[] userOffsets = matrix.userOffsets();
        int[] userItems = matrix.userItems();
        int width = Math.min(k, Math.max(0, n - 1)); // no item has more candidates than the others
        int[] lengths = new int[rows];
        int[] ids = new int[rows * width];
        float[] scores = new float[ids.length];
        Thread caller = Thread.currentThread();
        java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
        workers.forEach(
                (rows + ITEMS_PER_TASK - 1) / ITEMS_PER_TASK,
                // compared[j] == i + 1: j already offered for item i
                () -> new Scratch(new TopK(k), allPairs ? null : new int[n]),
                (scratch, t) -> {
                    TopK top = scratch.top();
                    int[] compared = scratch.compared();
                    int start = from + t * ITEMS_PER_TASK;
                    int end = Math.min(to, start + ITEMS_PER_TASK);
                    for (int i = start; i < end; i++) {
                        int o = i * f;
                        if (allPairs) {
                            for (int j = 0; j < n; j++) {
                                if (j != i) {
                                    offer(top, j, (float) FactorModel.dot(projected, o, y, j * f, f));
                                }
                            }
                        } else {
                            for (int p = itemOffsets[i]; p < itemOffsets[i + 1]; p++) {
                                int u = itemUsers[p];
                                for (int q = userOffsets[u]; q < userOffsets[u + 1]; q++) {
                                    int j = userItems[q];
                                    if (j != i && compared[j] != i + 1) {
                                        compared[j] = i + 1;
                                        offer(top, j, (float) FactorModel.dot(projected, o, y, j * f, f));
                                    }
                                }
                            }
                        }
                        lengths[i - from] = top.drainSorted(ids, scores, (i - from) * width);
                    }
                    monitor.checkCancelled();
                    int total = done.addAndGet(end - start);
                    if (Thread.currentThread() == caller) {
                        monitor.progress("similarity", total, rows);
                    }
                });
        int[] offsets = new int[rows + 1];
        for (int r = 0; r < rows; r++) {
            offsets[r + 1] = offsets[r] + lengths[r];
        }
        int[] packedIds = new int[offsets[rows]];
        float[] packedScores = new float[offsets[rows]];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(ids, r * width, packedIds, offsets[r], lengths[r]);
            System.arraycopy(scores, r * width, packedScores, offsets[r], lengths[r]);
        }
        return new ItemNeighbors(rows, offsets, packedIds, packedScores);
    }

    private static void offer(TopK top, int j, float s) {
        if (s > 0f && s >= top.threshold()) {
            top.offer(j, s);
        }
    }
}
