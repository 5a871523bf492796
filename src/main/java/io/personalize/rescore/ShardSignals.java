package io.personalize.rescore;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.FixedBitSet;
import org.apache.lucene.util.RamUsageEstimator;
import org.apache.lucene.util.UnicodeUtil;
import org.elasticsearch.index.mapper.IdFieldMapper;
import org.elasticsearch.index.mapper.Uid;

/**
 * {@link PersonalizationSignals} indexed for a shard's hot loop, built once per shard request and shared by its
 * segments (the popular part's once per part: {@link #popular}): the items' ids as bytes in an {@link IdTable} (UTF-8
 * for a keyword id, Elasticsearch's encoding for {@code _id}) and as longs for a numeric id ({@link NumericIdTable}),
 * each built on first use; the attribute values as UTF-8 bytes, so that each segment turns them into ordinals once
 * ({@link LeafSignals}). Nothing here is built per hit.
 */
final class ShardSignals {

    private final PersonalizationSignals signals;
    private final List<String> attributeFields;
    private final BytesRef[][] attributeValues;
    private final float[][] attributeWeights;
    private IdTable utf8Ids;
    // per segment (its core's cache key), a keyword id's items turned into the segment's ordinals: when these signals
    // are a coordinating node's copy (SignalsCache), the same shopper's next search on this node reuses them
    private final Map<Object, ResolvedIds> resolvedKeywordIds = new ConcurrentHashMap<>();
    private final AtomicLong resolvedBytes = new AtomicLong();
    private IdTable uidIds;
    private NumericIdTable numericIds;
    // the shard side of the model's popular part, shared with every shopper's signals that share the part (null: none)
    private final ShardSignals popular;

    ShardSignals(PersonalizationSignals signals) {
        this.signals = signals;
        this.popular = signals.popular() == null ? null : signals.popular().shardSignals();
        this.attributeFields = signals.attributeFields();
        this.attributeValues = new BytesRef[attributeFields.size()][];
        this.attributeWeights = new float[attributeFields.size()][];
        for (int a = 0; a < attributeFields.size(); a++) {
            Map<String, Float> weights = signals.attributes().get(attributeFields.get(a));
            attributeValues[a] = new BytesRef[weights.size()];
            attributeWeights[a] = new float[weights.size()];
            int v = 0;
            for (Map.Entry<String, Float> weight : weights.entrySet()) {
                attributeValues[a][v] = new BytesRef(weight.getKey());
                attributeWeights[a][v] = weight.getValue();
                v++;
            }
        }
    }

    // the last request's weights and the bound of the personalized part they give (weights are per request, these
    // signals may serve the same shopper's next searches: SignalsCache)
    private volatile PersonalBound bound;

    private record PersonalBound(RescoreWeights weights, float value) {}

    /**
     * An upper bound of the personalized part of any document's score ({@link LeafSignals#score}) under {@code weights}:
     * the largest weighted sum of similarity, affinity and popularity among these signals' own items, or of popularity
     * among the popular part's (a document's item is one or the other, or neither), plus the largest attribute part
     * (the mean over the fields of each field's largest weight). Computed once per weights, not per document; float
     * rounding is left to the caller's margin (each term here is rounded as the document's own).
     */
    float maxPersonalized(RescoreWeights weights) {
        PersonalBound known = bound;
        if (known != null && known.weights.equals(weights)) {
            return known.value;
        }
        float items = 0;
        for (int i = 0; i < size(); i++) {
            items = Math.max(
                    items, PersonalizedScore.combine(weights, 0f, similarity(i), affinity(i), 0f, popularity(i)));
        }
        if (popular != null) {
            items = Math.max(items, weights.popularity() * popular.maxPopularity());
        }
        float attributes = 0;
        for (float[] field : attributeWeights) {
            float best = 0;
            for (float weight : field) {
                best = Math.max(best, weight);
            }
            attributes += best;
        }
        if (attributeWeights.length > 0) {
            attributes = weights.attributeAffinity() * (attributes / attributeWeights.length);
        }
        float value = items + attributes;
        bound = new PersonalBound(weights, value);
        return value;
    }

    /** The largest popularity of these signals' items (a popular part's: computed once, shared by every shopper). */
    private float maxPopularity() {
        float max = maxPopularity;
        if (Float.isNaN(max)) {
            max = 0;
            for (int i = 0; i < size(); i++) {
                max = Math.max(max, popularity(i));
            }
            maxPopularity = max;
        }
        return max;
    }

    private volatile float maxPopularity = Float.NaN;

    String idField() {
        return signals.idField();
    }

    long modelVersion() {
        return signals.modelVersion();
    }

    /** Whether the search explains its hits (only then are the items behind the signals shipped). */
    boolean explains() {
        return signals.named();
    }

    int size() {
        return signals.size();
    }

    /** The items, in the order of every per-item array. */
    String[] items() {
        return signals.items();
    }

    /** The items' ids as UTF-8 bytes: a keyword id's terms (over the shipped bytes as they are). */
    synchronized IdTable utf8Ids() {
        if (utf8Ids == null) {
            PersonalizationSignals.Utf8Ids ids = signals.utf8Ids();
            utf8Ids = IdTable.compact(ids.bytes(), ids.start());
        }
        return utf8Ids;
    }

    /**
     * A keyword id's items turned into one segment's ordinals: {@code ords} increasing, {@code items[k]} the item of
     * {@code ords[k]}; and, when the segment has few distinct ids beside the items ({@link #DENSE_ORDS_PER_ITEM}),
     * {@code itemOfOrd}: every ordinal's item (-1: none), so that a hit costs one array read instead of a binary search;
     * else, in a segment the node tables ({@link SegmentIdTerms}) whose ids of these items are each one document's,
     * {@code docs} increasing and {@code docItems[k]} the item of {@code docs[k]} (null: not known), so that a pass,
     * whose documents increase, walks them instead of reading each hit's ordinal (a random read of the segment's table
     * of every document's ordinal) and searching it; else, when the segment's ids are not too many beside the items
     * ({@link #NAMED_ORDS_PER_ITEM}), {@code named}: the ordinals that have an item, one bit each, so that a hit whose
     * id is not the shopper's (most of them) costs a bit read instead of a binary search (null: none). Kept as the hot
     * loop reads them, so that a request that finds them here allocates nothing.
     */
    record ResolvedIds(int[] ords, int[] items, int[] itemOfOrd, int[] docs, int[] docItems, FixedBitSet named) {
        /**
         * From {@code ordinal << 32 | item} pairs in increasing order, in a segment with {@code valueCount} ids (fewer
         * than {@link Integer#MAX_VALUE}: the ordinals are kept as ints, 8 bytes a pair).
         */
        static ResolvedIds unpack(long[] packed, long valueCount) {
            int[] ords = new int[packed.length];
            int[] items = new int[packed.length];
            for (int k = 0; k < packed.length; k++) {
                ords[k] = (int) (packed[k] >>> 32);
                items[k] = (int) packed[k];
            }
            int[] itemOfOrd = null;
            if (valueCount <= (long) DENSE_ORDS_PER_ITEM * Math.max(1, packed.length)) {
                itemOfOrd = new int[(int) valueCount];
                Arrays.fill(itemOfOrd, -1);
                for (int k = 0; k < ords.length; k++) {
                    itemOfOrd[ords[k]] = items[k];
                }
            }
            FixedBitSet named = null;
            if (itemOfOrd == null && valueCount <= (long) NAMED_ORDS_PER_ITEM * Math.max(1, packed.length)) {
                named = new FixedBitSet((int) valueCount);
                for (int ord : ords) {
                    named.set(ord);
                }
            }
            return new ResolvedIds(ords, items, itemOfOrd, null, null, named);
        }

        /**
         * These, with the documents of the segment {@code terms} tables: each ordinal's one document
         * ({@link SegmentIdTerms#ordDoc}), sorted. Unchanged with a table of every ordinal's item (already one read a
         * hit) or when an ordinal is several documents' id.
         */
        ResolvedIds withDocs(SegmentIdTerms terms) {
            if (itemOfOrd != null) {
                return this;
            }
            long[] packed = new long[ords.length];
            int n = 0;
            for (int k = 0; k < ords.length; k++) {
                int doc = terms.ordDoc(ords[k]);
                if (doc == SegmentIdTerms.SHARED) {
                    return this;
                }
                if (doc >= 0) {
                    packed[n++] = ((long) doc << 32) | items[k];
                }
            }
            Arrays.sort(packed, 0, n);
            int[] docs = new int[n];
            int[] docItems = new int[n];
            for (int k = 0; k < n; k++) {
                docs[k] = (int) (packed[k] >>> 32);
                docItems[k] = (int) packed[k];
            }
            return new ResolvedIds(ords, items, null, docs, docItems, null); // the walk needs no ordinal
        }

        /** What these arrays hold, headers included. */
        long bytes() {
            return 64L
                    + 8L * ords.length
                    + (itemOfOrd == null ? 0 : 16 + 4L * itemOfOrd.length)
                    + (docs == null ? 0 : 32 + 8L * docs.length)
                    + (named == null ? 0 : 48 + 8L * named.getBits().length);
        }
    }

    /**
     * A segment whose keyword id has at most this many distinct values per signal item found in it gets a table of
     * every ordinal's item (4 bytes an ordinal: at most 32 bytes an item, within {@link #RESOLVED_BYTES_PER_ITEM}), as
     * when many documents share a few thousand product ids.
     */
    static final int DENSE_ORDS_PER_ITEM = 8;

    /**
     * A segment whose keyword id has at most this many distinct values per signal item found in it (and more than
     * {@link #DENSE_ORDS_PER_ITEM}) gets a bit per ordinal telling whether it has an item: at most 32 bytes an item,
     * within {@link #RESOLVED_BYTES_PER_ITEM} with the pairs. As a catalogue of many documents per product id.
     */
    static final int NAMED_ORDS_PER_ITEM = 256;

    /**
     * The items of a keyword id already turned into the ordinals of the segment whose core has this cache key; null
     * when not yet (or the key is null).
     */
    ResolvedIds resolvedKeywordIds(Object segmentKey) {
        ResolvedIds resolved = segmentKey == null ? null : resolvedKeywordIds.get(segmentKey);
        return resolved == SCORED ? null : resolved;
    }

    /**
     * Records a pass of these signals over the segment whose core has this cache key, and answers whether an earlier
     * pass was recorded there without turning their items into its ordinals, while they may still keep them: then
     * the items are worth turning at once, the cost of a pass that asks about as many documents as there are items,
     * which the signals' next passes save (these signals are a
     * coordinating node's copy serving the shopper again, {@link SignalsCache}). A first pass asks itself whether its
     * documents are worth it.
     */
    boolean recordPass(Object segmentKey) {
        if (segmentKey == null) {
            return false;
        }
        if (resolvedKeywordIds.size() < MAX_RESOLVED_SEGMENTS
                && resolvedKeywordIds.putIfAbsent(segmentKey, SCORED) == null) {
            return false;
        }
        return resolvedKeywordIds.get(segmentKey) == SCORED && resolvedBytes.get() < resolvedBudget();
    }

    // a segment scored once, its items not turned into its ordinals (an entry of the map within its budget's share)
    private static final ResolvedIds SCORED = new ResolvedIds(new int[0], new int[0], null, null, null, null);

    /**
     * Keeps a segment's resolved keyword ids, for at most {@link #MAX_RESOLVED_SEGMENTS} segments and while all kept
     * stay within {@link #RESOLVED_BYTES_PER_ITEM} an item (what {@link SignalsCache} counts for them); a segment not
     * kept is resolved again by its next pass.
     */
    void resolvedKeywordIds(Object segmentKey, ResolvedIds resolved) {
        if (segmentKey == null
                || (resolvedKeywordIds.size() >= MAX_RESOLVED_SEGMENTS
                        && resolvedKeywordIds.containsKey(segmentKey) == false)) {
            return;
        }
        long bytes = resolved.bytes();
        if (resolvedBytes.addAndGet(bytes) > resolvedBudget()) {
            resolvedBytes.addAndGet(-bytes);
        } else if (resolvedKeywordIds.putIfAbsent(segmentKey, resolved) != null
                && resolvedKeywordIds.replace(segmentKey, SCORED, resolved) == false) {
            resolvedBytes.addAndGet(-bytes); // another pass kept its own first
        }
    }

    /** The bytes the kept resolutions may hold: {@link #RESOLVED_BYTES_PER_ITEM} an item. */
    long resolvedBudget() {
        return resolvedBudget(size());
    }

    static long resolvedBudget(int size) {
        return 128L + (long) RESOLVED_BYTES_PER_ITEM * size; // and the map's entries and arrays' headers
    }

    static final int MAX_RESOLVED_SEGMENTS = 64;

    /**
     * The bytes an item's resolutions may hold over every segment kept: one segment's table of every ordinal's item
     * ({@link #DENSE_ORDS_PER_ITEM} · 4 bytes and its 8 bytes of pairs an item), or two segments' ordinal and document
     * pairs (16 bytes an item each), or one segment's pairs and bit per ordinal ({@link #NAMED_ORDS_PER_ITEM}: at most
     * 32 bytes an item), or four segments' ordinal pairs (8 bytes an item each, beside their headers). A shard of a
     * few segments (force-merged, or a catalogue that seldom changes) keeps them all.
     */
    static final int RESOLVED_BYTES_PER_ITEM = 40;

    // itself with its map, counter, lists and arrays when empty (320 bytes covers what SignalsCacheWeightTests
    // measures)
    private static final long EMPTY_BYTES = 320;

    /**
     * The most the shard side of {@code signals} holds once built and used on a node (what {@link SignalsCache} weighs
     * with the signals, which it keeps before any shard reads them): the items' hash table ({@link IdTable#compact},
     * over the signals' own bytes; for {@code _id}, over their bytes as {@code _id} encodes them, at most a byte more an
     * id), a keyword id's resolutions kept per segment at their ceiling ({@link #resolvedBudget}; a numeric id's table
     * of longs, {@link NumericIdTable}, holds less: at most 32 bytes an item), and the attribute values as UTF-8.
     */
    static long bytesOnceBuilt(PersonalizationSignals signals) {
        int size = signals.size();
        long bytes = EMPTY_BYTES + IdTable.compactBytes(size);
        if (IdFieldMapper.NAME.equals(signals.idField())) {
            bytes += array(signals.utf8Ids().bytes().length + size, 1) + array(size + 1, Integer.BYTES);
        } else {
            bytes += resolvedBudget(size);
        }
        for (Map<String, Float> weights : signals.attributes().values()) {
            bytes += array(weights.size(), RamUsageEstimator.NUM_BYTES_OBJECT_REF) + array(weights.size(), Float.BYTES);
            for (String value : weights.keySet()) {
                bytes += BYTES_REF + array(UnicodeUtil.calcUTF16toUTF8Length(value, 0, value.length()), 1);
            }
        }
        return bytes;
    }

    private static long array(long length, int bytesEach) {
        return RamUsageEstimator.alignObjectSize(RamUsageEstimator.NUM_BYTES_ARRAY_HEADER + length * bytesEach);
    }

    private static final long BYTES_REF = RamUsageEstimator.shallowSizeOfInstance(BytesRef.class);

    /** The items' ids as {@code _id} encodes them in its terms and stored field ({@link Uid#encodeId}). */
    synchronized IdTable uidIds() {
        if (uidIds == null) {
            uidIds = IdTable.of(signals.items(), Uid::encodeId);
        }
        return uidIds;
    }

    /** The items whose id is a long written as {@link Long#toString} writes it: a numeric id field's values. */
    synchronized NumericIdTable numericIds() {
        if (numericIds == null) {
            numericIds = NumericIdTable.of(signals.items());
        }
        return numericIds;
    }

    /** The id as a long when it is one exactly as a numeric field's value prints ("7", not "07" nor "+7"), else null. */
    static Long canonicalLong(String id) {
        int length = id.length();
        if (length == 0 || length > 20) {
            return null;
        }
        int first = id.charAt(0) == '-' ? 1 : 0;
        if (first == length || (id.charAt(first) == '0' && length > first + 1)) {
            return null;
        }
        for (int c = first; c < length; c++) {
            if (id.charAt(c) < '0' || id.charAt(c) > '9') {
                return null;
            }
        }
        try {
            long value = Long.parseLong(id);
            return value == 0 && first == 1 ? null : value; // "-0"
        } catch (NumberFormatException e) {
            return null; // beyond a long
        }
    }

    /**
     * The model's popular items, for documents whose item is not among these signals' own (which carry their own
     * popularity): only {@link #popularity} is set there. Null when there are none.
     */
    ShardSignals popular() {
        return popular;
    }

    float similarity(int item) {
        return signals.similarity(item);
    }

    float affinity(int item) {
        return signals.affinity(item);
    }

    float popularity(int item) {
        return signals.popularity(item);
    }

    String similarTo(int item) {
        return signals.similarTo(item);
    }

    String because(int item) {
        return signals.because(item);
    }

    List<String> attributeFields() {
        return attributeFields;
    }

    /** The values of attribute {@code a} that carry a weight for the shopper, as UTF-8 bytes. */
    BytesRef[] attributeValues(int a) {
        return attributeValues[a];
    }

    /** The weights of {@link #attributeValues}, aligned. */
    float[] attributeWeights(int a) {
        return attributeWeights[a];
    }
}
