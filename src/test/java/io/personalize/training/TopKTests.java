package io.personalize.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TopKTests {

    @Test
    void keepsBestInOrderWithTiesBySmallerId() {
        TopK top = new TopK(3);
        top.offer(5, 0.5f);
        top.offer(1, 0.9f);
        top.offer(7, 0.5f);
        top.offer(2, 0.1f);
        top.offer(3, 0.5f);
        int[] ids = new int[3];
        float[] scores = new float[3];
        assertEquals(3, top.drainSorted(ids, scores, 0));
        assertArrayEquals(new int[] {1, 3, 5}, ids);
        assertArrayEquals(new float[] {0.9f, 0.5f, 0.5f}, scores);
        assertEquals(0, top.size());
    }

    @Test
    void thresholdAndRejection() {
        TopK top = new TopK(2);
        assertEquals(Float.NEGATIVE_INFINITY, top.threshold());
        assertTrue(top.offer(1, 1f));
        assertTrue(top.offer(2, 2f));
        assertEquals(1f, top.threshold());
        assertFalse(top.offer(3, 0.5f));
        assertFalse(top.offer(4, 1f)); // same score, larger id ranks after id 1
        assertTrue(top.offer(0, 1f)); // same score, smaller id wins
        int[] ids = new int[2];
        top.drainSorted(ids, null, 0);
        assertArrayEquals(new int[] {2, 0}, ids);
    }

    @Test
    void zeroCapacityAndNaN() {
        TopK top = new TopK(0);
        assertFalse(top.offer(1, 1f));
        assertEquals(0, top.drainSorted(new int[0], new float[0], 0));
        assertThrows(IllegalArgumentException.class, () -> new TopK(1).offer(1, Float.NaN));
    }

    @Test
    void matchesFullSortOnRandomInput() {
        Random r = new Random(42);
        for (int trial = 0; trial < 200; trial++) {
            int n = r.nextInt(60);
            int k = 1 + r.nextInt(10);
            float[] s = new float[n];
            for (int i = 0; i < n; i++) {
                s[i] = r.nextInt(8) / 4f; // many ties
            }
            TopK top = new TopK(k);
            for (int i = 0; i < n; i++) {
                top.offer(i, s[i]);
            }
            int m = Math.min(n, k);
            int[] ids = new int[m];
            float[] sc = new float[m];
            top.drainSorted(ids, sc, 0);
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> s[a] != s[b] ? Float.compare(s[b], s[a]) : Integer.compare(a, b));
            for (int x = 0; x < m; x++) {
                assertEquals(order[x], ids[x]);
                assertEquals(s[order[x]], sc[x]);
            }
        }
    }

    @Test
    void drainsAtOffsetAndIsReusable() {
        TopK top = new TopK(2);
        top.offer(4, 1f);
        int[] ids = {-1, -1, -1};
        top.drainSorted(ids, null, 1);
        assertArrayEquals(new int[] {-1, 4, -1}, ids);
        top.offer(9, 3f);
        top.offer(8, 2f);
        top.offer(7, 1f);
        int[] again = new int[2];
        top.drainSorted(again, null, 0);
        assertArrayEquals(new int[] {9, 8}, again);
    }
}
