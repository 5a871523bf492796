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

    /** Stored weights: users' lists cost about this per history item, on average. */
    public long nnz() {
        return dense != null ? (long) numItems * numItems : rowStart[numItems];
    }

    /** Heap footprint of the weights, in bytes. */
    public long bytes() {
        return dense != null ? 4L * dense.length : 4L * (numItems + 1) + 8L * rowIds.length;
    }
}
