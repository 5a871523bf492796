package io.personalize.rescore;

import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.SortedSetDocValues;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.util.BytesRef;
import org.elasticsearch.common.breaker.CircuitBreaker;
import org.elasticsearch.common.breaker.CircuitBreakingException;
import org.elasticsearch.common.breaker.NoopCircuitBreaker;
import org.elasticsearch.common.settings.ClusterSettings;
import org.elasticsearch.common.settings.Setting;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.unit.ByteSizeValue;

/**
 * Every term of a segment's keyword id field, hashed once for the segment's life in an {@link IdTable} (the table the
 * signals' items use, here with the ordinal as item) from the id's bytes to its ordinal (a segment never changes; its
 * entry goes when its core closes). A request then turns each of its signals' items into the segment's ordinal with one
 * probe of this table, with the hash its {@link IdTable} computed once for all segments: no seek in the terms
 * dictionary (a compressed block decoded per item), no String built or hashed. Only segments with at most
 * {@link #MAX_TERMS} ids are tabled, and only while the node's tables stay within {@link #SIZE} in all
 * ({@link #heapBytes}: about 30 bytes an id and 4 a document, 2 when the ids are fewer than 65,535); others go the way
 * of {@link SegmentIdOrds}. Each document's ordinal is kept too, so that a hit's ordinal costs an array read, not a doc
 * values read; and each ordinal's document, so that items that are one document's id each are walked by document
 * ({@link LeafSignals}).
 * The tables live as long as their segments, as Lucene's doc values do, so their bytes are counted in the node's
 * {@code fielddata} circuit breaker, which Elasticsearch keeps for such per-segment structures: a table that would
 * trip it is not built (the segment's ids are then sought as if not tabled), and a closed segment's bytes are given
 * back.
 */
public final class SegmentIdTerms {

    /**
     * The node's tables of segments' ids in all, in bytes or a share of the heap; beyond it a segment is not tabled.
     * 10% of a 1 GB heap holds about four million ids (twenty 200,000-product shards).
     */
    public static final Setting<ByteSizeValue> SIZE = Setting.memorySizeSetting(
            "personalize.cache.segment_ids.size", "10%", Setting.Property.NodeScope, Setting.Property.Dynamic);

    /** A segment with more distinct ids than this is not tabled. */
    static final int MAX_TERMS = 1 << 18;
    /** Segments tabled at most (a shard has tens). */
    static final int MAX_SEGMENTS = 512;

    // the node's bytes in tables, their ceiling (SIZE) and the breaker they are counted in: set by configure
    private static final AtomicLong TABLED_BYTES = new AtomicLong();
    private static volatile long limitBytes = 110L << 20;
    private static volatile CircuitBreaker breaker = new NoopCircuitBreaker(CircuitBreaker.FIELDDATA);

    /** Reads {@link #SIZE} and follows its updates; counts the tables in {@code breaker}. Called once per node. */
    public static void configure(Settings settings, ClusterSettings clusterSettings, CircuitBreaker breaker) {
        limitBytes = SIZE.get(settings).getBytes();
        SegmentIdTerms.breaker = breaker;
        if (clusterSettings != null) {
            clusterSettings.addSettingsUpdateConsumer(SIZE, v -> limitBytes = v.getBytes());
        }
    }

    private record Key(Object core, String field) {}

    private static final Map<Key, SegmentIdTerms> SEGMENTS = new ConcurrentHashMap<>();

    // the segment's ids in ordinal order (terms are read in that order): id t's item in the table is its ordinal t
    private final IdTable ids;
    // per document, the ordinal of its (first) id, -1 for none: a hit's ordinal is an array read, not a doc values
    // read. In a segment of fewer than 65,535 distinct ids, the ordinal plus one in two bytes instead (narrowDocOrds,
    // docOrds null): hits read their ordinals at random, and a table half the size stays more in the processor's caches
    private final int[] docOrds;
    private final char[] narrowDocOrds;
    // per ordinal, the one document whose (first) id it is, -1 for none, SHARED for several: the inverse of docOrds
    private final int[] ordDocs;

    /** {@link #ordDoc} of an ordinal that is the (first) id of several documents. */
    static final int SHARED = -2;

    private SegmentIdTerms(IdTable ids, int[] docOrds, int[] ordDocs) {
        this.ids = ids;
        this.ordDocs = ordDocs;
        if (ordDocs.length < Character.MAX_VALUE) {
            narrowDocOrds = new char[docOrds.length];
            for (int doc = 0; doc < docOrds.length; doc++) {
                narrowDocOrds[doc] = (char) (docOrds[doc] + 1);
            }
            this.docOrds = null;
        } else {
            narrowDocOrds = null;
            this.docOrds = docOrds;
        }
    }

    /**
     * The table of the segment's ids, built at the first call for the segment (by walking its terms and its documents'
     * ordinals once); null when the segment has no cache key or too many ids, or too many segments are tabled.
     * {@code ids}: the segment's doc values of {@code field} (not moved).
     */
    static SegmentIdTerms of(LeafReader reader, String field, SortedSetDocValues ids) throws IOException {
        IndexReader.CacheHelper core = reader.getCoreCacheHelper();
        if (core == null || ids.getValueCount() > MAX_TERMS) {
            return null;
        }
        Key key = new Key(core.getKey(), field);
        SegmentIdTerms known = SEGMENTS.get(key);
        if (known != null || SEGMENTS.size() >= MAX_SEGMENTS) {
            return known;
        }
        if (TABLED_BYTES.get() + estimate(ids.getValueCount(), reader.maxDoc()) > limitBytes) {
            return null;
        }
        // two requests may both build it: equal, the first kept
        SegmentIdTerms built = build(ids, DocValues.getSortedSet(reader, field), reader.maxDoc());
        if (built == null) {
            return null;
        }
        long bytes = built.heapBytes();
        if (TABLED_BYTES.addAndGet(bytes) > limitBytes) {
            TABLED_BYTES.addAndGet(-bytes); // another segment took the room meanwhile
            return null;
        }
        CircuitBreaker counted = breaker;
        try {
            counted.addEstimateBytesAndMaybeBreak(bytes, "personalize segment ids");
        } catch (CircuitBreakingException e) {
            TABLED_BYTES.addAndGet(-bytes);
            return null; // the node is short of memory: this segment's ids are sought instead
        }
        known = SEGMENTS.putIfAbsent(key, built);
        if (known != null) {
            TABLED_BYTES.addAndGet(-bytes);
            counted.addWithoutBreaking(-bytes);
            return known;
        }
        core.addClosedListener(closed -> {
            if (SEGMENTS.remove(key) != null) {
                TABLED_BYTES.addAndGet(-bytes);
                counted.addWithoutBreaking(-bytes);
            }
        });
        return built;
    }

    /** About what a table of this many ids and documents holds, before it is built (ids of about 10 bytes). */
    private static long estimate(long terms, int docs) {
        return terms * 30 + docs * 4L;
    }

    /**
     * What this table holds: its ids' bytes, their starts, hashes and slots, each document's ordinal and each
     * ordinal's document.
     */
    long heapBytes() {
        long docs = docOrds == null ? 2L * narrowDocOrds.length : 4L * docOrds.length;
        return 64L + ids.heapBytes() + docs + 4L * ordDocs.length;
    }

    /** The bytes of every table on the node now (tests, stats). */
    static long tabledBytes() {
        return TABLED_BYTES.get();
    }

    private static SegmentIdTerms build(SortedSetDocValues ids, SortedSetDocValues docs, int maxDoc)
            throws IOException {
        int terms = (int) ids.getValueCount();
        int[] start = new int[terms + 1];
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
        }
        if (t < terms) {
            return null; // fewer terms than the value count says (never expected): the segment is not tabled
        }
        int[] docOrds = new int[maxDoc];
        Arrays.fill(docOrds, -1);
        int[] ordDocs = new int[terms];
        Arrays.fill(ordDocs, -1);
        for (int doc = docs.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = docs.nextDoc()) {
            int ord = (int) docs.nextOrd(); // the first, as a hit's item is read (ordinals are below MAX_TERMS)
            docOrds[doc] = ord;
            ordDocs[ord] = ordDocs[ord] == -1 ? doc : SHARED;
        }
        return new SegmentIdTerms(IdTable.over(bytes, start), docOrds, ordDocs);
    }

    /** The segment's ordinal of the id whose bytes are {@code other[offset, offset + length)} with this hash, or -1. */
    long ord(byte[] other, int offset, int length, int hash) {
        return ids.find(other, offset, length, hash);
    }

    /** The ordinal of the document's (first) id, -1 when it has none. */
    int docOrd(int doc) {
        return docOrds == null ? narrowDocOrds[doc] - 1 : docOrds[doc];
    }

    /**
     * The one document whose (first) id has this ordinal, -1 when none has, {@link #SHARED} when several have (as a
     * deleted copy of an updated document and the new one in the same segment, or products that share an id).
     */
    int ordDoc(int ord) {
        return ordDocs[ord];
    }

    /** The segment's ids, ordinal t as item t: their bytes and hashes ({@link IdTable#hash}), as tabled. */
    IdTable ids() {
        return ids;
    }

    /** Segments tabled now (tests). */
    static int segments() {
        return SEGMENTS.size();
    }
}
