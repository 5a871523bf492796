package io.personalize.training;

import java.util.Arrays;

/**
 * Bounded selection of the k best (id, score) pairs, without allocation per offered element.
 *
 * <p>Order: higher score first; equal scores are ordered by smaller id first. This total order is
 * part of the scoring contract (serving must break ties the same way). NaN scores are rejected.
 * Reusable through {@link #reset}.
 */
public final class TopK {

    private final int capacity;
    private final int[] ids;
    private final float[] scores;
    private int size;

    public TopK(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must be >= 0");
        }
        this.capacity = capacity;
        this.ids = new int[capacity];
        this.scores = new float[capacity];
    }

    public int capacity() {
        return capacity;
    }

    public int size() {
        return size;
    }

    public void reset() {
        size = 0;
    }

    /** True if (id, score) ranks before (otherId, otherScore). */
    public static boolean before(int id, float score, int otherId, float otherScore) {
        return score > otherScore || (score == otherScore && id < otherId);
    }

    /** Lowest score currently kept, or -infinity while fewer than capacity elements are kept. */
    public float threshold() {
        if (capacity == 0) {
            return Float.POSITIVE_INFINITY; // nothing can enter
        }
        return size < capacity ? Float.NEGATIVE_INFINITY : scores[0];
    }

    /** Offers a candidate; returns true if it is (for now) kept. */
    public boolean offer(int id, float score) {
        if (score != score) {
            throw new IllegalArgumentException("NaN score for id " + id);
        }
        if (size < capacity) {
            // sift up; the heap root is the worst kept element
            int pos = size++;
            while (pos > 0) {
                int parent = (pos - 1) >>> 1;
                if (!before(ids[parent], scores[parent], id, score)) {
                    break;
                }
                ids[pos] = ids[parent];
                scores[pos] = scores[parent];
                pos = parent;
            }
            ids[pos] = id;
            scores[pos] = score;
            return true;
        }
        if (capacity == 0 || !before(id, score, ids[0], scores[0])) {
            return false;
        }
        siftDown(id, score, size);
        return true;
    }

    private void siftDown(int id, float score, int n) {
        int pos = 0;
        while (true) {
            int child = 2 * pos + 1;
            if (child >= n) {
                break;
            }
            int right = child + 1;
            // pick the worse child
            if (right < n && before(ids[child], scores[child], ids[right], scores[right])) {
                child = right;
            }
            if (!before(id, score, ids[child], scores[child])) {
                break;
            }
            ids[pos] = ids[child];
            scores[pos] = scores[child];
            pos = child;
        }
        ids[pos] = id;
        scores[pos] = score;
    }

    /**
     * Writes the kept elements, best first, into the given arrays at offset and empties this
     * selector. Returns the number written.
     */
    public int drainSorted(int[] outIds, float[] outScores, int offset) {
        int n = size;
        // heap sort in place: repeatedly move the worst element to the end
        for (int end = n - 1; end > 0; end--) {
            int worstId = ids[0];
            float worstScore = scores[0];
            int lastId = ids[end];
            float lastScore = scores[end];
            siftDown(lastId, lastScore, end);
            ids[end] = worstId;
            scores[end] = worstScore;
        }
        System.arraycopy(ids, 0, outIds, offset, n);
        if (outScores != null) {
            System.arraycopy(scores, 0, outScores, offset, n);
        }
        size = 0;
        return n;
    }

    /**
     * The ids of the positive values, best first in this class's order (higher value first, then smaller id): the
     * popularity term's order, which every user's list falls back to. Positive floats order as their bits, so
     * {@code (MAX - bits, id)} ascending is (value descending, id ascending).
     */
    public static int[] positiveInOrder(float[] values) {
        int n = 0;
        for (float v : values) {
            if (v > 0f) {
                n++;
            }
        }
        long[] keys = new long[n];
        n = 0;
        for (int j = 0; j < values.length; j++) {
            if (values[j] > 0f) {
                keys[n++] = ((long) (Integer.MAX_VALUE - Float.floatToIntBits(values[j])) << 32) | j;
            }
        }
        Arrays.sort(keys);
        int[] order = new int[n];
        for (int x = 0; x < n; x++) {
            order[x] = (int) keys[x];
        }
        return order;
    }
}
