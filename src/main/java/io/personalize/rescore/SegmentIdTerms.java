package io.personalize.rescore;

import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.SortedSetDocValues;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.util.BytesRef;

/**
 * Every term of a segment's keyword id field, hashed once for the segment's life in one open-addressing table from the
 * id's bytes to its ordinal (a segment never changes; its entry goes when its core closes). A request then turns each
 * of its signals' items into the segment's ordinal with one probe of this table, with the hash its {@link IdTable}
 * computed once for all segments: no seek in the terms dictionary (a compressed block decoded per item), no String
 * built or hashed. Only segments with at most {@link #MAX_TERMS} ids are tabled (about 26 bytes an id), and at most
 * {@link #MAX_NODE_TERMS} ids on the node in all (about 110 MB); others go the way of {@link SegmentIdOrds}.
 */
final class SegmentIdTerms {

    /** A segment with more distinct ids than this is not tabled. */
    static final int MAX_TERMS = 1 << 18;
    /** Segments tabled at most (a shard has tens). */
    static final int MAX_SEGMENTS = 512;
    /** Ids tabled on the node at most, over every segment. */
    static final long MAX_NODE_TERMS = 1L << 22;

    private static final AtomicLong TABLED = new AtomicLong();

    private record Key(Object core, String field) {}

    private static final Map<Key, SegmentIdTerms> SEGMENTS = new ConcurrentHashMap<>();

    // term t's bytes are bytes[start[t], start[t + 1]); its ordinal is t (terms are read in ordinal order)
    private final byte[] bytes;
    private final int[] start;
    // term + 1 per slot, 0 for an empty slot; a power of two at least twice the number of terms
    private final int[] slots;
    private final int[] hashes;
    private final int mask;

    private SegmentIdTerms(byte[] bytes, int[] start, int[] hashes) {
        this.bytes = bytes;
        this.start = start;
        this.hashes = hashes;
        int terms = hashes.length;
        int capacity = Integer.highestOneBit(Math.max(2, terms) * 2 - 1) << 1;
        this.slots = new int[capacity];
        this.mask = capacity - 1;
        for (int t = 0; t < terms; t++) {
            int slot = hashes[t] & mask;
            while (slots[slot] != 0) {
                slot = (slot + 1) & mask; // terms are distinct
            }
            slots[slot] = t + 1;
        }
    }

    /**
     * The table of the segment's ids, built at the first call for the segment (by walking its terms once); null when the
     * segment has no cache key or too many ids, or too many segments are tabled.
     */
    static SegmentIdTerms of(IndexReader.CacheHelper core, String field, SortedSetDocValues ids) throws IOException {
        if (core == null || ids.getValueCount() > MAX_TERMS) {
            return null;
        }
        Key key = new Key(core.getKey(), field);
        SegmentIdTerms known = SEGMENTS.get(key);
        if (known != null || SEGMENTS.size() >= MAX_SEGMENTS) {
            return known;
        }
        long terms = ids.getValueCount();
        if (TABLED.get() + terms > MAX_NODE_TERMS) {
            return null;
        }
        // two requests may both build it: equal, the first kept
        SegmentIdTerms built = build(ids);
        if (built == null) {
            return null;
        }
        known = SEGMENTS.putIfAbsent(key, built);
        if (known != null) {
            return known;
        }
        TABLED.addAndGet(terms);
        core.addClosedListener(closed -> {
            SegmentIdTerms gone = SEGMENTS.remove(key);
            if (gone != null) {
                TABLED.addAndGet(-gone.hashes.length);
            }
        });
        return built;
    }

    private static SegmentIdTerms build(SortedSetDocValues ids) throws IOException {
        int terms = (int) ids.getValueCount();
        int[] start = new int[terms + 1];
        int[] hashes = new int[terms];
        byte[] bytes = new byte[Math.max(16, terms * 8)];
        TermsEnum termsEnum = ids.termsEnum();
        int t = 0;
        for (BytesRef term = termsEnum.next(); term != null && t < terms; term = termsEnum.next(), t++) {
            int end = start[t] + term.length;
            if (end > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(end, bytes.length * 2));
            }
            System.arraycopy(term.bytes, term.offset, bytes, start[t], term.length);
            start[t + 1] = end;
            hashes[t] = IdTable.hash(bytes, start[t], term.length);
        }
        if (t < terms) {
            return null; // fewer terms than the value count says (never expected): the segment is not tabled
        }
        return new SegmentIdTerms(bytes, start, hashes);
    }

    /** The segment's ordinal of the id whose bytes are {@code other[offset, offset + length)} with this hash, or -1. */
    long ord(byte[] other, int offset, int length, int hash) {
        int slot = hash & mask;
        while (true) {
            int term = slots[slot] - 1;
            if (term < 0) {
                return -1;
            }
            if (hashes[term] == hash
                    && Arrays.equals(bytes, start[term], start[term + 1], other, offset, offset + length)) {
                return term;
            }
            slot = (slot + 1) & mask;
        }
    }

    /** The array every id's bytes are in (do not change it): id {@code t}'s are {@code [start(t), start(t + 1))}. */
    byte[] bytes() {
        return bytes;
    }

    int start(int term) {
        return start[term];
    }

    /** The hash of the id whose ordinal is {@code term} ({@link IdTable#hash}). */
    int hash(int term) {
        return hashes[term];
    }

    /** Segments tabled now (tests). */
    static int segments() {
        return SEGMENTS.size();
    }
}
