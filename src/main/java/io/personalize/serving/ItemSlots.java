package io.personalize.serving;

import java.util.Arrays;

/**
 * Item ids numbered 0, 1, 2... in the order they are added, looked up by id: what a {@code HashMap<String, Integer>}
 * does for a request's few thousand reached items, without a map node and a boxed number per item (on the bench, the
 * maps of the items a shopper's neighbour lists reach were the largest share of a warm shelf's own CPU and garbage).
 * Open addressing with linear probing on the ids' cached hash codes; not thread-safe.
 */
public final class ItemSlots {

    private String[] keys;
    private int[] slots;
    private int mask;
    private int size;

    /** Room for {@code expected} ids before the table grows. */
    public ItemSlots(int expected) {
        int capacity = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new String[capacity];
        slots = new int[capacity];
        mask = capacity - 1;
    }

    /** The id's number, or -1 when it was never added. */
    public int get(String item) {
        for (int at = spread(item.hashCode()) & mask; ; at = (at + 1) & mask) {
            String key = keys[at];
            if (key == null) {
                return -1;
            }
            if (key == item || key.equals(item)) {
                return slots[at];
            }
        }
    }

    /** The id's number: the one it has, or {@code slot} given to it now. */
    public int putIfAbsent(String item, int slot) {
        int at = spread(item.hashCode()) & mask;
        for (; ; at = (at + 1) & mask) {
            String key = keys[at];
            if (key == null) {
                break;
            }
            if (key == item || key.equals(item)) {
                return slots[at];
            }
        }
        keys[at] = item;
        slots[at] = slot;
        if (++size * 2 > keys.length) {
            grow();
        }
        return slot;
    }

    /** How many ids. */
    public int size() {
        return size;
    }

    /** Forgets every id, keeping the table's room. */
    public void clear() {
        Arrays.fill(keys, null);
        size = 0;
    }

    private void grow() {
        String[] oldKeys = keys;
        int[] oldSlots = slots;
        keys = new String[oldKeys.length * 2];
        slots = new int[keys.length];
        mask = keys.length - 1;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != null) {
                int at = spread(oldKeys[i].hashCode()) & mask;
                while (keys[at] != null) {
                    at = (at + 1) & mask;
                }
                keys[at] = oldKeys[i];
                slots[at] = oldSlots[i];
            }
        }
    }

    // ids that differ in their last characters only ("85123A", "85123B") hash to neighbouring codes: spread them
    // (Fibonacci hashing), so that a run of them does not fill one stretch of the table
    private static int spread(int hash) {
        int h = hash * 0x9E3779B1;
        return h ^ (h >>> 16);
    }
}
