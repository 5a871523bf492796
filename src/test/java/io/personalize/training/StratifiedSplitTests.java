package io.personalize.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class StratifiedSplitTests {

    @Test
    void holdsOutTheRoundedFractionLeavingOneItemToTrainOn() {
        StratifiedSplit split = new StratifiedSplit(0.25, 42);
        assertEquals(0, split.heldOut(1));
        assertEquals(1, split.heldOut(2)); // round(0.5) = 1, and one is left
        assertEquals(1, split.heldOut(4));
        assertEquals(2, split.heldOut(7)); // round(1.75)
        assertEquals(25, split.heldOut(100));
        assertEquals(1, new StratifiedSplit(0.9, 1).heldOut(2));
    }

    @Test
    void theDrawDependsOnTheIdsAndTheSeedOnly() {
        StratifiedSplit split = new StratifiedSplit(0.25, 42);
        String[] items = {"a", "b", "c", "d", "e", "f", "g", "h"};
        long[] keys = new long[items.length];
        for (int x = 0; x < items.length; x++) {
            keys[x] = split.key("user-1", items[x]);
        }
        boolean[] out = split.heldOut(keys);
        int held = 0;
        for (boolean b : out) {
            held += b ? 1 : 0;
        }
        assertEquals(2, held);
        // the same pairs in reverse order: the same items held out
        long[] reversed = new long[keys.length];
        for (int x = 0; x < keys.length; x++) {
            reversed[x] = keys[keys.length - 1 - x];
        }
        boolean[] outReversed = split.heldOut(reversed);
        for (int x = 0; x < keys.length; x++) {
            assertEquals(out[x], outReversed[keys.length - 1 - x]);
        }
        assertArrayEquals(out, new StratifiedSplit(0.25, 42).heldOut(keys));
        assertNotEquals(split.key("user-1", "a"), new StratifiedSplit(0.25, 43).key("user-1", "a"));
        assertNotEquals(split.key("user-1", "a"), split.key("user-2", "a"));
    }

    @Test
    void refusesAFractionOutsideZeroOne() {
        assertThrows(IllegalArgumentException.class, () -> new StratifiedSplit(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new StratifiedSplit(1, 1));
    }
}
