package io.personalize.rescore;

import java.util.Arrays;
import java.util.function.Function;
import org.apache.lucene.util.BytesRef;
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
    // item + 1 per slot, 0 for an empty slot; a power of two at least twice the number of items
    private final int[] slots;
    private final int mask;
    // each item's hash, computed once: a segment's table of its own ids ({@link SegmentIdTerms}) is probed with it
    private final int[] hashes;

    private IdTable(byte[] bytes, int[] start, int[] slots, int[] hashes) {
        this.bytes = bytes;
        this.start = start;
        this.slots = slots;
        this.mask = slots.length - 1;
        this.hashes = hashes;
    }

    /** A table of {@code ids} encoded by {@code encode} (it may return a shared {@link BytesRef}). */
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
        return over(bytes, start);
    }

    /**
     * A table over ids already laid out in one array ({@code bytes[start[i], start[i + 1])} is item i), kept as they
     * are (no copy): the shipped form of the signals' items ({@link PersonalizationSignals#utf8Ids}).
     */
    static IdTable over(byte[] bytes, int[] start) {
        int size = start.length - 1;
        int[] hashes = new int[size];
        int capacity = Integer.highestOneBit(Math.max(2, size) * 2 - 1) << 1;
        int[] slots = new int[capacity];
        int mask = capacity - 1;
        for (int i = 0; i < size; i++) {
            int length = start[i + 1] - start[i];
            hashes[i] = hash(bytes, start[i], length);
            int slot = hashes[i] & mask;
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
            if (hashes[item] == hash
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

    /** What the table holds: the ids' bytes, their starts and hashes, and the slots. */
    long heapBytes() {
        return bytes.length + 4L * (start.length + hashes.length + slots.length);
    }

    /** Item {@code i}'s hash ({@link #hash}). */
    int hash(int item) {
        return hashes[item];
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
