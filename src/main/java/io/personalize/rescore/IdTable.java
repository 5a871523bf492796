package io.personalize.rescore;

import java.util.Arrays;
import java.util.function.Function;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.RamUsageEstimator;
import org.apache.lucene.util.StringHelper;
import org.apache.lucene.util.UnicodeUtil;

/**
 * The signals' item ids as bytes (UTF-8, or however the id field encodes them), all in one array, with an open-addressing
 * hash table over them: a hit's id bytes (a doc-values term, a stored {@code _id}) find their item without building a
 * String or a {@link BytesRef} per hit, and a segment can seek each item's bytes in its terms. Read-only once built, so
 * segments searched concurrently can share it.
 */
final class IdTable {

    private final byte[] bytes;
    // item i's bytes are bytes[start[i], start[i + 1])
    private final int[] start;
    // item + 1 per slot, 0 for an empty slot; a power of two, at least twice the number of items when the hashes are
    // kept, else at least 4/3 of it
    private final int[] slots;
    private final int mask;
    // each item's hash, computed once, in a segment's table of its ids (SegmentIdTerms), probed once per hit: a probe
    // compares hashes before bytes, and the signals' items are probed with them. Null in a signals' table, one of many
    // held per node (SignalsCache): there a probe compares the bytes, and an item's hash is computed when asked
    private final int[] hashes;

    private IdTable(byte[] bytes, int[] start, int[] slots, int[] hashes) {
        this.bytes = bytes;
        this.start = start;
        this.slots = slots;
        this.mask = slots.length - 1;
        this.hashes = hashes;
    }

    /** A compact table ({@link #compact}) of {@code ids} encoded by {@code encode} (it may return a shared {@link BytesRef}). */
    static IdTable of(String[] ids, Function<String, BytesRef> encode) {
        int[] start = new int[ids.length + 1];
        byte[] bytes = new byte[Math.max(16, ids.length * 12)];
        for (int i = 0; i < ids.length; i++) {
            BytesRef encoded = encode.apply(ids[i]);
            int end = start[i] + encoded.length;
            if (end > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(end, bytes.length * 2));
            }
            System.arraycopy(encoded.bytes, encoded.offset, bytes, start[i], encoded.length);
            start[i + 1] = end;
        }
        return compact(Arrays.copyOf(bytes, start[ids.length]), start);
    }

    /**
     * A table over ids already laid out in one array ({@code bytes[start[i], start[i + 1])} is item i), kept as they
     * are (no copy), each id's hash kept and the table at most half full: a segment's table of its ids, probed once per
     * hit ({@link SegmentIdTerms}).
     */
    static IdTable over(byte[] bytes, int[] start) {
        int size = start.length - 1;
        int[] hashes = new int[size];
        for (int i = 0; i < size; i++) {
            hashes[i] = hash(bytes, start[i], start[i + 1] - start[i]);
        }
        return fill(bytes, start, Integer.highestOneBit(Math.max(2, size) * 2 - 1) << 1, hashes);
    }

    /**
     * A table over ids laid out as {@link #over} takes them, without the hashes and at most 3/4 full: the signals' items
     * ({@link PersonalizationSignals#utf8Ids}), whose tables a node keeps one per shopper ({@link SignalsCache}): 5 to 11
     * bytes an item beside the ids (12 to 20 with the hashes and at most half full).
     */
    static IdTable compact(byte[] bytes, int[] start) {
        return fill(bytes, start, compactSlots(start.length - 1), null);
    }

    private static IdTable fill(byte[] bytes, int[] start, int capacity, int[] hashes) {
        int size = start.length - 1;
        int[] slots = new int[capacity];
        int mask = capacity - 1;
        for (int i = 0; i < size; i++) {
            int slot = (hashes == null ? hash(bytes, start[i], start[i + 1] - start[i]) : hashes[i]) & mask;
            while (slots[slot] != 0) {
                int other = slots[slot] - 1;
                if (Arrays.equals(bytes, start[other], start[other + 1], bytes, start[i], start[i + 1])) {
                    break; // the same id twice: the first keeps it
                }
                slot = (slot + 1) & mask;
            }
            if (slots[slot] == 0) {
                slots[slot] = i + 1;
            }
        }
        return new IdTable(bytes, start, slots, hashes);
    }

    /** A table of ids as their UTF-8 bytes (keyword doc values, the order of a keyword field's terms). */
    static IdTable utf8(String[] ids) {
        BytesRef scratch = new BytesRef(new byte[64]);
        return of(ids, id -> {
            int max = id.length() * 3;
            if (scratch.bytes.length < max) {
                scratch.bytes = new byte[max];
            }
            scratch.length = UnicodeUtil.UTF16toUTF8(id, 0, id.length(), scratch.bytes);
            return scratch;
        });
    }

    /** The hash {@link #find} and {@link SegmentIdTerms} use for an id's bytes. */
    static int hash(byte[] bytes, int offset, int length) {
        return StringHelper.murmurhash3_x86_32(bytes, offset, length, 0x5bd1e995);
    }

    /** The item whose id is these bytes, or -1. */
    int find(byte[] other, int offset, int length) {
        return find(other, offset, length, hash(other, offset, length));
    }

    /** The item whose id is these bytes, whose {@link #hash} is known, or -1. */
    int find(byte[] other, int offset, int length, int hash) {
        int slot = hash & mask;
        while (true) {
            int item = slots[slot] - 1;
            if (item < 0) {
                return -1;
            }
            if ((hashes == null || hashes[item] == hash)
                    && Arrays.equals(bytes, start[item], start[item + 1], other, offset, offset + length)) {
                return item;
            }
            slot = (slot + 1) & mask;
        }
    }

    int find(BytesRef id) {
        return find(id.bytes, id.offset, id.length);
    }

    int size() {
        return start.length - 1;
    }

    private static final long SHALLOW = RamUsageEstimator.shallowSizeOfInstance(IdTable.class);

    /** What the table holds: the ids' bytes, their starts, hashes (when kept) and slots, with the arrays' headers. */
    long heapBytes() {
        return SHALLOW
                + RamUsageEstimator.sizeOf(bytes)
                + RamUsageEstimator.sizeOf(start)
                + (hashes == null ? 0 : RamUsageEstimator.sizeOf(hashes))
                + RamUsageEstimator.sizeOf(slots);
    }

    private static long intArray(int length) {
        return RamUsageEstimator.alignObjectSize(
                RamUsageEstimator.NUM_BYTES_ARRAY_HEADER + (long) Integer.BYTES * length);
    }

    /** What a {@link #compact} table of {@code size} items adds to the ids it is built over: itself and its slots. */
    static long compactBytes(int size) {
        return SHALLOW + intArray(compactSlots(size));
    }

    /** The slots a {@link #compact} table of {@code size} items has. */
    static int compactSlots(int size) {
        return Integer.highestOneBit(Math.max(1, size * 4 / 3)) << 1;
    }

    /** Item {@code i}'s hash ({@link #hash}). */
    int hash(int item) {
        return hashes != null ? hashes[item] : hash(bytes, start[item], start[item + 1] - start[item]);
    }

    /** The array every item's bytes are in (do not change it): {@link #start}. */
    byte[] bytes() {
        return bytes;
    }

    /** Where item {@code i}'s bytes start in {@link #bytes}; they end where item {@code i + 1}'s start. */
    int start(int item) {
        return start[item];
    }

    /** Points {@code scratch} at item {@code i}'s bytes (no copy: do not change them). */
    BytesRef bytesOf(int item, BytesRef scratch) {
        scratch.bytes = bytes;
        scratch.offset = start[item];
        scratch.length = start[item + 1] - start[item];
        return scratch;
    }
}
