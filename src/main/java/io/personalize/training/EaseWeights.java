package io.personalize.training;

import java.util.Arrays;

/**
 * EASE's whole weight matrix B, negative weights included, kept after training for the users' lists ({@link
 * EaseRanker}): the item neighbours keep only each row's best positive weights, and a user's EASE score is
 * {@code sum over the history of B[i][j]} over whole rows, where the negative weights push down the items that
 * the rest of the history argues against (on Online Retail, protocol OR-stratified, the whole rows score NDCG@10 .3010
 * where the top 50 positive weights of each row score .2812).
 *
 * <p>Dense ({@code numItems^2} floats, row-major, zero diagonal: the exact solution) or sparse (each row's weights
 * in CSR form, columns ascending: the columns of the sparse variant whose support holds the row's item).
 */
public final class EaseWeights {

    private final int numItems;
    private final float[] dense;
    private final int[] rowStart;
    private final int[] rowIds;
    private final float[] rowWeights;

    private EaseWeights(int numItems, float[] dense, int[] rowStart, int[] rowIds, float[] rowWeights) {
        this.numItems = numItems;
        this.dense = dense;
        this.rowStart = rowStart;
        this.rowIds = rowIds;
        this.rowWeights = rowWeights;
    }

    /** @param b {@code numItems x numItems}, row-major, B[i][j] at {@code i * numItems + j} */
    public static EaseWeights dense(int numItems, float[] b) {
        if (b.length != numItems * numItems) {
            throw new IllegalArgumentException("B must have numItems^2 entries");
        }
        return new EaseWeights(numItems, b, null, null, null);
    }

    /** @param rowStart CSR offsets (length numItems + 1); each row's ids ascending */
    public static EaseWeights sparse(int numItems, int[] rowStart, int[] rowIds, float[] rowWeights) {
        if (rowStart.length != numItems + 1
                || rowIds.length != rowStart[numItems]
                || rowWeights.length != rowIds.length) {
            throw new IllegalArgumentException("inconsistent CSR arrays");
        }
        return new EaseWeights(numItems, null, rowStart, rowIds, rowWeights);
    }

    public int numItems() {
        return numItems;
    }

    public boolean isDense() {
        return dense != null;
    }

    /** The dense B (row-major); null when sparse. Callers must not modify it. */
    public float[] denseWeights() {
        return dense;
    }

    public int[] rowStart() {
        return rowStart;
    }

    public int[] rowIds() {
        return rowIds;
    }

    public float[] rowWeights() {
        return rowWeights;
    }

    /** B[i][j], 0 when the sparse variant did not regress j on i. */
    public float weight(int i, int j) {
        if (dense != null) {
            return dense[i * numItems + j];
        }
        int p = Arrays.binarySearch(rowIds, rowStart[i], rowStart[i + 1], j);
        return p >= 0 ? rowWeights[p] : 0f;
    }

    /**
     * The longest row a sparse B's users' lists may walk for their work, {@code sum over items of degree(i) *
     * min(row length(i), cap)} (each user's history walks its items' rows), to stay within {@code maxWork}: {@link
     * Integer#MAX_VALUE} when whole rows fit (and for a dense B, whose bound is {@link EaseRanker#ALL_ITEMS_WORK}), else
     * the largest cap that fits, at least 1. {@code degrees[i]}: the users whose histories hold item i.
     */
    public int rowCap(int[] degrees, double maxWork) {
        if (dense != null || work(degrees, Integer.MAX_VALUE) <= maxWork) {
            return Integer.MAX_VALUE;
        }
        int lo = 1, hi = 0; // the answer is in [lo, hi]: work(hi + 1) > maxWork
        for (int i = 0; i < numItems; i++) {
            hi = Math.max(hi, rowStart[i + 1] - rowStart[i]);
        }
        while (lo < hi) {
            int mid = (int) (((long) lo + hi + 1) >>> 1);
            if (work(degrees, mid) <= maxWork) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    private double work(int[] degrees, int cap) {
        double w = 0;
        for (int i = 0; i < numItems; i++) {
            w += (double) degrees[i] * Math.min(cap, rowStart[i + 1] - rowStart[i]);
        }
        return w;
    }

    /**
     * A sparse B whose rows keep their {@code cap} weights largest in magnitude (ties: the smaller column id), columns
     * still ascending: what a popular item's row, in nearly every column's support and so nearly as long as the
     * catalogue, adds to a user's scores beyond its strongest weights is small, and its walk is most of the lists' work.
     * This object itself when no row is longer than {@code cap} (or B is dense).
     */
    public EaseWeights capRows(int cap) {
        if (cap < 1) {
            throw new IllegalArgumentException("cap must be >= 1");
        }
        if (dense != null) {
            return this;
        }
        int[] start = new int[numItems + 1];
        for (int i = 0; i < numItems; i++) {
            start[i + 1] = start[i] + Math.min(cap, rowStart[i + 1] - rowStart[i]);
        }
        if (start[numItems] == rowStart[numItems]) {
            return this;
        }
        int[] ids = new int[start[numItems]];
        float[] w = new float[ids.length];
        float[] magnitudes = new float[0];
        for (int i = 0; i < numItems; i++) {
            int from = rowStart[i], length = rowStart[i + 1] - from, out = start[i];
            if (length <= cap) {
                System.arraycopy(rowIds, from, ids, out, length);
                System.arraycopy(rowWeights, from, w, out, length);
                continue;
            }
            if (magnitudes.length < length) {
                magnitudes = new float[length];
            }
            for (int p = 0; p < length; p++) {
                magnitudes[p] = Math.abs(rowWeights[from + p]);
            }
            Arrays.sort(magnitudes, 0, length);
            float threshold = magnitudes[length - cap]; // the cap-th largest magnitude
            int above = 0;
            for (int p = from; p < from + length; p++) {
                above += Math.abs(rowWeights[p]) > threshold ? 1 : 0;
            }
            int ties = cap - above; // entries at the threshold kept, the smaller ids first (rows ascend)
            for (int p = from; p < from + length; p++) {
                float m = Math.abs(rowWeights[p]);
                if (m > threshold || (m == threshold && ties-- > 0)) {
                    ids[out] = rowIds[p];
                    w[out++] = rowWeights[p];
                }
            }
        }
        return new EaseWeights(numItems, null, start, ids, w);
    }

    /** Stored weights: users' lists cost about this per history item, on average. */
    public long nnz() {
        return dense != null ? (long) numItems * numItems : rowStart[numItems];
    }

    /** Heap footprint of the weights, in bytes. */
    public long bytes() {
        return dense != null ? 4L * dense.length : 4L * (numItems + 1) + 8L * rowIds.length;
    }
}
