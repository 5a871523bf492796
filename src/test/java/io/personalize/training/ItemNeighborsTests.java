package io.personalize.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ItemNeighborsTests {

    private static ItemNeighbors sample() {
        return new ItemNeighbors(
                3, new int[] {0, 2, 2, 5}, new int[] {1, 2, 0, 1, 2}, new float[] {4f, 2f, 3f, 2f, 1f});
    }

    @Test
    void accessors() {
        ItemNeighbors nb = sample();
        assertEquals(5, nb.nnz());
        assertEquals(0, nb.rowLength(1));
        assertEquals(2f, nb.score(0, 2));
        assertEquals(0f, nb.score(1, 0));
        assertArrayEquals(new int[] {0, 1, 2}, nb.neighbors(2));
    }

    @Test
    void rowNormalization() {
        ItemNeighbors max = sample().normalizeRows(ItemNeighbors.RowNormalization.MAX);
        assertArrayEquals(new float[] {1f, 0.5f, 1f, 2f / 3, 1f / 3}, max.scores(), 1e-6f);
        ItemNeighbors sum = sample().normalizeRows(ItemNeighbors.RowNormalization.SUM);
        assertArrayEquals(new float[] {2f / 3, 1f / 3, 0.5f, 1f / 3, 1f / 6}, sum.scores(), 1e-6f);
        ItemNeighbors none = sample().normalizeRows(ItemNeighbors.RowNormalization.NONE);
        assertArrayEquals(sample().scores(), none.scores());
    }

    @Test
    void truncate() {
        ItemNeighbors t = sample().truncate(1);
        assertArrayEquals(new int[] {0, 1, 1, 2}, t.offsets());
        assertArrayEquals(new int[] {1, 0}, t.neighbors());
        assertArrayEquals(new float[] {4f, 3f}, t.scores());
    }

    @Test
    void rejectsInconsistentArrays() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new ItemNeighbors(2, new int[] {0, 1}, new int[] {1}, new float[] {1f}));
    }
}
