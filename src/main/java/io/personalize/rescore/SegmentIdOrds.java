package io.personalize.rescore;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.index.IndexReader;

/**
 * For segments too large for a {@link SegmentIdTerms} table (more than {@link SegmentIdTerms#MAX_TERMS} distinct ids):
 * each segment's ordinals of the keyword ids that signals have asked about, kept on the node for the segment's life
 * (a segment never changes; its entry goes when its core closes). Signals name the model's items, a few thousand that
 * recur from one shopper to the next, so a request turns its items into a segment's ordinals with one hash look-up
 * each instead of a seek in the segment's terms dictionary each (a compressed block decompressed per item: most of a
 * window's cost when each shopper's items were sought anew). An id absent from the segment is kept as -1.
 */
final class SegmentIdOrds {

    /** Segments kept at most (a shard has tens; beyond, a segment's ids are sought as before). */
    static final int MAX_SEGMENTS = 512;
    /** Ids kept per segment at most: the model's items, in practice. */
    static final int MAX_IDS = 100_000;

    private record Key(Object core, String field) {}

    private static final Map<Key, SegmentIdOrds> SEGMENTS = new ConcurrentHashMap<>();

    private final Map<String, Long> ords = new ConcurrentHashMap<>();

    private SegmentIdOrds() {}

    /** The segment's copy for the id field, null when the segment has no cache key or too many are kept. */
    static SegmentIdOrds of(IndexReader.CacheHelper core, String field) {
        if (core == null) {
            return null;
        }
        Key key = new Key(core.getKey(), field);
        SegmentIdOrds known = SEGMENTS.get(key);
        if (known != null || SEGMENTS.size() >= MAX_SEGMENTS) {
            return known;
        }
        SegmentIdOrds created = new SegmentIdOrds();
        known = SEGMENTS.putIfAbsent(key, created);
        if (known != null) {
            return known;
        }
        core.addClosedListener(closed -> SEGMENTS.keySet().removeIf(k -> k.core() == closed));
        return created;
    }

    /** The id's ordinal in the segment, -1 when it has none, null when not known here. */
    Long ord(String id) {
        return ords.get(id);
    }

    void put(String id, long ord) {
        if (ords.size() < MAX_IDS) {
            ords.put(id, ord);
        }
    }

    /** Segments kept now (tests). */
    static int segments() {
        return SEGMENTS.size();
    }
}
