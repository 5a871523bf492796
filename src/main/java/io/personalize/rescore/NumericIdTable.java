package io.personalize.rescore;

/**
 * The signals' items whose id is a number as a numeric id field holds it, in an open-addressing table of longs: a
 * document's doc value finds its item without printing it to a String. Only ids written as {@link Long#toString}
 * writes a long count ("7", not "07", "+7" or "7.0"), since that is the only text a long field's value has.
 */
final class NumericIdTable {

    private final long[] keys;
    // item + 1 per slot, 0 for an empty slot
    private final int[] items;
    private final int mask;

    private NumericIdTable(long[] keys, int[] items) {
        this.keys = keys;
        this.items = items;
        this.mask = keys.length - 1;
    }

    static NumericIdTable of(String[] ids) {
        // at most 3/4 full, as the signals' other tables (IdTable#compact): one per shopper is kept (SignalsCache)
        int capacity = IdTable.compactSlots(ids.length);
        long[] keys = new long[capacity];
        int[] items = new int[capacity];
        int mask = capacity - 1;
        for (int i = 0; i < ids.length; i++) {
            Long value = ShardSignals.canonicalLong(ids[i]);
            if (value == null) {
                continue;
            }
            int slot = hash(value) & mask;
            while (items[slot] != 0 && keys[slot] != value) {
                slot = (slot + 1) & mask;
            }
            if (items[slot] == 0) {
                keys[slot] = value;
                items[slot] = i + 1;
            }
        }
        return new NumericIdTable(keys, items);
    }

    private static int hash(long value) {
        long h = value * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    /** The item whose id is this number, or -1. */
    int find(long value) {
        int slot = hash(value) & mask;
        while (true) {
            int item = items[slot] - 1;
            if (item < 0 || keys[slot] == value) {
                return item;
            }
            slot = (slot + 1) & mask;
        }
    }
}
