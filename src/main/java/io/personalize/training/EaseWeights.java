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
final class EaseWeights {

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
    static EaseWeights dense(int numItems, float[] b) {
        if (b.length != numItems * numItems) {
            throw new IllegalArgumentException("B must have numItems^2 entries");
        }
        return new EaseWeights(numItems, b, null, null, null);
    }

    /** @param rowStart CSR offsets (length numItems + 1); each row's ids ascending */
    static EaseWeights sparse(int numItems, int[] rowStart, int[] rowIds, float[] rowWeights) {
        if (rowStart.length != numItems + 1
                || rowIds.length != rowStart[numItems]
                || rowWeights.length != rowIds.length) {
            throw new IllegalArgumentException("inconsistent CSR arrays");
        }
        return new EaseWeights(numItems, null, rowStart, rowIds, rowWeights);
    }

    int numItems() {
        return numItems;
    }

    boolean isDense() {
        return dense != null;
    }

    /** The dense B (row-major); null when sparse. Callers must not modify it. */
    float[] denseWeights() {
        return dense;
    }

    int[] rowStart() {
        return rowStart;
    }

    int[] rowIds() {
        return rowIds;
    }

    float[] rowWeights() {
        return rowWeights;
    }

    /** B[i][j], 0 when the sparse variant did not regress j on i. */
    float weight(int i, int j) {
        if (dense != null) {
            return dense[i * numItems + j];
        }
        int p = Arrays.binarySearch(rowIds, rowStart[i], rowStart[i + 1], j);
        return p >= 0 ? rowWeights[p] : 0f;
    }

    /** Stored weights: users' lists cost about this per history item, on average. */
    long nnz() {
        return dense != null ? (long) numItems * numItems : rowStart[numItems];
    }

    /** Heap footprint of the weights, in bytes. */
    long bytes() {
        return dense != null ? 4L * dense.length : 4L * (numItems + 1) + 8L * rowIds.length;
    }
}
