package io.personalize.training;

import java.util.Arrays;

/**
 * Sparse item-item similarity: for every item its top-K neighbours in CSR form, each row sorted by
 * score descending (ties: smaller neighbour id first). Row i holds S[i][j]: how much having item i
 * in the history supports recommending item j. The matrix is generally not symmetric.
 *
 * <p>The accessors return the internal arrays; callers must not modify them.
 */
public final class ItemNeighbors {

    /** How {@link #normalizeRows} rescales each row. */
    public enum RowNormalization {
        /** Leave scores unchanged. */
        NONE,
        /** Divide each row by its largest score (best neighbour gets 1). */
        MAX,
        /** Divide each row by the sum of its scores (rows sum to 1). */
        SUM
    }

    private final int numItems;
    private final int[] offsets;
    private final int[] neighbors;
    private final float[] scores;

    /**
     * @param offsets row offsets, length numItems + 1
     * @param neighbors neighbour ids, length offsets[numItems]
     * @param scores scores aligned with neighbors
     */
    public ItemNeighbors(int numItems, int[] offsets, int[] neighbors, float[] scores) {
        if (offsets.length != numItems + 1
                || neighbors.length != offsets[numItems]
                || scores.length != neighbors.length) {
            throw new IllegalArgumentException("inconsistent CSR arrays");
        }
        this.numItems = numItems;
        this.offsets = offsets;
        this.neighbors = neighbors;
        this.scores = scores;
    }

    public int numItems() {
        return numItems;
    }

    public int[] offsets() {
        return offsets;
    }

    public int[] neighbors() {
        return neighbors;
    }

    public float[] scores() {
        return scores;
    }

    /** Number of stored (item, neighbour) pairs. */
    public int nnz() {
        return offsets[numItems];
    }

    public int rowLength(int item) {
        return offsets[item + 1] - offsets[item];
    }

    /** Copy of item's neighbour ids, best first. */
    public int[] neighbors(int item) {
        return Arrays.copyOfRange(neighbors, offsets[item], offsets[item + 1]);
    }

    /** Copy of item's neighbour scores, best first. */
    public float[] scores(int item) {
        return Arrays.copyOfRange(scores, offsets[item], offsets[item + 1]);
    }

    /** Score S[item][neighbor], or 0 if neighbor is not among item's top-K. */
    public float score(int item, int neighbor) {
        for (int p = offsets[item], end = offsets[item + 1]; p < end; p++) {
            if (neighbors[p] == neighbor) {
                return scores[p];
            }
        }
        return 0f;
    }

    /** Returns a copy with every row rescaled (row order is unchanged). */
    public ItemNeighbors normalizeRows(RowNormalization mode) {
        float[] out = scores.clone();
        if (mode == RowNormalization.NONE) {
            return new ItemNeighbors(numItems, offsets, neighbors, out);
        }
        for (int i = 0; i < numItems; i++) {
            int s = offsets[i];
            int e = offsets[i + 1];
            if (s == e) {
                continue;
            }
            double d = 0;
            if (mode == RowNormalization.MAX) {
                d = out[s]; // rows are sorted, first is the largest
            } else {
                for (int p = s; p < e; p++) {
                    d += out[p];
                }
            }
            if (d > 0) {
                for (int p = s; p < e; p++) {
                    out[p] = (float) (out[p] / d);
                }
            }
        }
        return new ItemNeighbors(numItems, offsets, neighbors, out);
    }

    /**
     * Returns a copy with each neighbour's score multiplied by its item's factor ({@code factors[neighbour]}), each row
     * sorted again by score descending (ties by smaller id): a discount of the target items, applied to the rows kept.
     */
    public ItemNeighbors scaleColumns(float[] factors) {
        int[] nb = neighbors.clone();
        float[] sc = new float[scores.length];
        TopK row = new TopK(1);
        for (int i = 0; i < numItems; i++) {
            int s = offsets[i];
            int len = offsets[i + 1] - s;
            if (len == 0) {
                continue;
            }
            if (row.capacity() < len) {
                row = new TopK(len);
            }
            row.reset();
            for (int p = s; p < s + len; p++) {
                row.offer(neighbors[p], scores[p] * factors[neighbors[p]]);
            }
            row.drainSorted(nb, sc, s);
        }
        return new ItemNeighbors(numItems, offsets, nb, sc);
    }

    /** Returns a copy keeping at most k neighbours per row. */
    public ItemNeighbors truncate(int k) {
        int[] off = new int[numItems + 1];
        for (int i = 0; i < numItems; i++) {
            off[i + 1] = off[i] + Math.min(k, rowLength(i));
        }
        int[] nb = new int[off[numItems]];
        float[] sc = new float[off[numItems]];
        for (int i = 0; i < numItems; i++) {
            int len = off[i + 1] - off[i];
            System.arraycopy(neighbors, offsets[i], nb, off[i], len);
            System.arraycopy(scores, offsets[i], sc, off[i], len);
        }
        return new ItemNeighbors(numItems, off, nb, sc);
    }

    /** Approximate heap footprint of the arrays, in bytes. */
    public long estimatedBytes() {
        return 4L * (numItems + 1) + 8L * nnz();
    }
}
