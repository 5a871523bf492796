package io.personalize.training;

/**
 * The shared engine of the co-occurrence based similarities:
 *
 * <pre>
 *   acc[i][j] = sum over users u with entries (u,i) and (u,j) of left[u,i] * right[u,j]
 *   S[i][j]   = acc[i][j] / (rowScale[i] * colScale[j] + shrink),   j != i, acc[i][j] > 0
 * </pre>
 *
 * then the k best j per row. {@code left} and {@code right} must be finite and >= 0.
 * {@code left} is aligned with the column-wise entries of the matrix
 * ({@link InteractionMatrix#itemUsers()}), {@code right} with the row-wise entries
 * ({@link InteractionMatrix#userItems()}). Cost: sum over users of (items of the user)^2;
 * memory: a float and an int array of numItems plus the numItems * k output.
 */
final class CooccurrenceKernel {

    /** Rows between two checks for cancellation. */
    private static final int CHUNK = 8;

    private CooccurrenceKernel() {}

    /**
     * The rows of items {@code [from, to)} only: row {@code r} of the result is item {@code from + r} (neighbour ids stay
     * the matrix's). The matrix needs only the users of those items, with all their items: a distributed training
     * computes a block of rows from such a part of the matrix.
     */
    static ItemNeighbors compute(
            InteractionMatrix m,
            float[] left,
            float[] right,
            double[] rowScale,
            double[] colScale,
            double shrink,
            int k,
            int from,
            int to,
            String phase,
            TrainingMonitor monitor) {
        return compute(m, left, right, rowScale, colScale, shrink, k, from, to, phase, monitor, Workers.SERIAL);
    }

    /** Rows per task when the rows are shared out among workers. */
    private static final int ROWS_PER_TASK = 64;

    /**
     * The same, the rows shared out among {@code workers}: each row is computed by one thread with its own buffers and
     * written to its own place, so the neighbours are the same as on one thread.
     */
    static ItemNeighbors compute(
            InteractionMatrix m,
            float[] left,
            float[] right,
            double[] rowScale,
            double[] colScale,
            double shrink,
            int k,
            int from,
            int to,
            String phase,
            TrainingMonitor monitor,
            Workers workers) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1");
        }
        checkRows(m, from, to);
        final int ni = m.numItems();
        final int rows = to - from;
        final int[] rowLen = new int[rows];
        final long outSize = (long) rows * k;
        if (outSize > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("numItems * k too large");
        }
        final int[] outIds = new int[(int) outSize];
        final float[] outScores = new float[(int) outSize];
        final boolean dense = useDenseAccumulator(m, from, to);
        final float[] colScaleF;
        if (colScale == null) {
            colScaleF = null;
        } else {
            colScaleF = new float[ni];
            for (int j = 0; j < ni; j++) {
                colScaleF[j] = (float) colScale[j];
            }
        }
        // the caller's thread (a training pool thread), and the workers' (Elasticsearch's personalize_training_workers
        // pool): a plugin that started its own threads would need the manage_threads entitlement
        if (workers.threads() == 1) {
            new Worker(m, left, right, rowScale, colScaleF, shrink, k, rowLen, outIds, outScores, dense)
                    .run(from, to, monitor, phase);
        } else {
            // progress from the training's own thread only (the task's status is not written by helpers)
            Thread caller = Thread.currentThread();
            java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
            workers.forEach(
                    (rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK,
                    () -> new Worker(m, left, right, rowScale, colScaleF, shrink, k, rowLen, outIds, outScores, dense),
                    (worker, t) -> {
                        int a = from + t * ROWS_PER_TASK;
                        int b = Math.min(to, a + ROWS_PER_TASK);
                        worker.run(a, b, from, TrainingMonitor.NOOP, phase);
                        monitor.checkCancelled();
                        int total = done.addAndGet(b - a);
                        if (Thread.currentThread() == caller) {
                            monitor.progress(phase, total, rows);
                        }
                    });
        }
        monitor.progress(phase, rows, rows);
        // compact
        int[] offsets = new int[rows + 1];
        for (int r = 0; r < rows; r++) {
            offsets[r + 1] = offsets[r] + rowLen[r];
        }
        int nnz = offsets[rows];
        int[] ids = new int[nnz];
        float[] scores = new float[nnz];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(outIds, r * k, ids, offsets[r], rowLen[r]);
            System.arraycopy(outScores, r * k, scores, offsets[r], rowLen[r]);
        }
        return new ItemNeighbors(rows, offsets, ids, scores);
    }

    static void checkRows(InteractionMatrix m, int from, int to) {
        if (from < 0 || to > m.numItems() || from > to) {
            throw new IllegalArgumentException("rows [" + from + ", " + to + ") outside [0, " + m.numItems() + ")");
        }
    }

    /**
     * Dense mode scans all items for every row (numItems^2 work) instead of tracking touched items;
     * it is faster when that scan is small compared with the co-occurrence work itself. Entries
     * with zero weight would break neither mode.
     */
    static boolean useDenseAccumulator(InteractionMatrix m) {
        return useDenseAccumulator(m, 0, m.numItems());
    }

    /** The same choice for the rows [from, to): their co-occurrence work against their scans of all items. */
    static boolean useDenseAccumulator(InteractionMatrix m, int from, int to) {
        long work = 0;
        int[] uo = m.userOffsets();
        if (from == 0 && to == m.numItems()) {
            for (int u = 0; u < m.numUsers(); u++) {
                long d = uo[u + 1] - uo[u];
                work += d * d;
            }
        } else {
            int[] io = m.itemOffsets();
            int[] iu = m.itemUsers();
            for (int p = io[from]; p < io[to]; p++) {
                work += uo[iu[p] + 1] - uo[iu[p]];
            }
        }
        long scan = (long) (to - from) * m.numItems();
        return scan <= 2 * work;
    }

    private static final class Worker {
        private final InteractionMatrix m;
        private final float[] left;
        private final float[] right;
        private final double[] rowScale;
        private final float[] colScale; // float: keeps acc + colScale within a 1 MB L2 for 100k items
        private final double shrink;
        private final int k;
        private final int[] rowLen;
        private final int[] outIds;
        private final float[] outScores;
        private final boolean dense;

        Worker(
                InteractionMatrix m,
                float[] left,
                float[] right,
                double[] rowScale,
                float[] colScaleF,
                double shrink,
                int k,
                int[] rowLen,
                int[] outIds,
                float[] outScores,
                boolean dense) {
            this.m = m;
            this.left = left;
            this.right = right;
            this.rowScale = rowScale;
            this.colScale = colScaleF;

            this.shrink = shrink;
            this.k = k;
            this.rowLen = rowLen;
            this.outIds = outIds;
            this.outScores = outScores;
            this.dense = dense;
        }

        private void offer(TopK top, int j, float c, double a) {
            double b = colScale == null ? 1.0 : colScale[j];
            double den = a * b + shrink;
            float threshold = top.threshold();
            // c / den >= threshold, tested without the division (most candidates fail it)
            if (den > 0 && c >= threshold * den) {
                float s = (float) (c / den);
                if (s > 0f && s >= threshold) {
                    top.offer(j, s);
                }
            }
        }

        void run(int rowsFrom, int rowsTo, TrainingMonitor monitor, String phase) {
            run(rowsFrom, rowsTo, rowsFrom, monitor, phase);
        }

        /** Rows [rowsFrom, rowsTo), written at their place in an output whose first row is {@code origin}. */
        void run(int rowsFrom, int rowsTo, int origin, TrainingMonitor monitor, String phase) {
            final int ni = m.numItems();
            final int[] itemOffsets = m.itemOffsets();
            final int[] itemUsers = m.itemUsers();
            final int[] userOffsets = m.userOffsets();
            final int[] userItems = m.userItems();
            final float[] acc = new float[ni];
            final int[] touched = dense ? null : new int[ni];
            final TopK top = new TopK(k);
            final int rows = rowsTo - rowsFrom;
            final long reportEvery = Math.max(1, rows / 1000);
            long reported = 0;
            for (int from = rowsFrom; from < rowsTo; from += CHUNK) {
                int to = Math.min(rowsTo, from + CHUNK);
                for (int i = from; i < to; i++) {
                    if (itemOffsets[i] == itemOffsets[i + 1]) {
                        rowLen[i - origin] = 0;
                        continue;
                    }
                    double a = rowScale == null ? 1.0 : rowScale[i];
                    if (dense) {
                        // plain scatter-add, then a scan over all items (cheap when numItems^2 is
                        // small compared with the co-occurrence work)
                        for (int p = itemOffsets[i], pe = itemOffsets[i + 1]; p < pe; p++) {
                            float l = left[p];
                            if (!(l > 0f)) {
                                continue;
                            }
                            int u = itemUsers[p];
                            for (int q = userOffsets[u], qe = userOffsets[u + 1]; q < qe; q++) {
                                acc[userItems[q]] += l * right[q];
                            }
                        }
                        acc[i] = 0f;
                        for (int j = 0; j < ni; j++) {
                            float c = acc[j];
                            if (c != 0f) {
                                acc[j] = 0f;
                                if (c > 0f) {
                                    offer(top, j, c, a);
                                }
                            }
                        }
                    } else {
                        // all contributions are >= 0, so acc[j] leaves 0 at most once per row: that
                        // is when j is recorded as touched (zero contributions are skipped)
                        int nt = 0;
                        for (int p = itemOffsets[i], pe = itemOffsets[i + 1]; p < pe; p++) {
                            float l = left[p];
                            if (!(l > 0f)) {
                                continue;
                            }
                            int u = itemUsers[p];
                            for (int q = userOffsets[u], qe = userOffsets[u + 1]; q < qe; q++) {
                                float v = l * right[q];
                                if (v > 0f) {
                                    int j = userItems[q];
                                    float c = acc[j];
                                    if (c == 0f) {
                                        touched[nt++] = j;
                                    }
                                    acc[j] = c + v;
                                }
                            }
                        }
                        for (int t = 0; t < nt; t++) {
                            int j = touched[t];
                            float c = acc[j];
                            acc[j] = 0f;
                            if (j != i) {
                                offer(top, j, c, a);
                            }
                        }
                    }
                    rowLen[i - origin] = top.drainSorted(outIds, outScores, (i - origin) * k);
                }
                monitor.checkCancelled();
                if (to - rowsFrom - reported >= reportEvery) {
                    reported = to - rowsFrom;
                    monitor.progress(phase, reported, rows);
                }
            }
        }
    }
}
