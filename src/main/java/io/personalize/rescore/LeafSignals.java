package io.personalize.rescore;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.PostingsEnum;
import org.apache.lucene.index.SortedNumericDocValues;
import org.apache.lucene.index.SortedSetDocValues;
import org.apache.lucene.index.StoredFieldVisitor;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.FixedBitSet;
import org.elasticsearch.index.mapper.IdFieldMapper;
import org.elasticsearch.index.mapper.Uid;

/**
 * A shard's {@link ShardSignals} seen from one segment: the personalized part of a document's score (everything in
 * {@link PersonalizedScore} but the query's term). The rescorer and any per-document scorer go through this one
 * class, so the formula and the way a document's item and attribute values are read exist once. Documents are
 * segment-local ids asked in strictly increasing order (doc values only move forward): one instance per pass.
 *
 * <p>Nothing is allocated per document. A document's item, by the type of the model's id field:
 * <ul>
 *   <li>keyword: in a segment the node keeps a table of ids for ({@link SegmentIdTerms}: each id's bytes and hash,
 *       by ordinal, and each document's ordinal, read from an array instead of the doc values), the ordinal's id
 *       probed in the signals' {@link IdTable} with its hash; once more documents than
 *       items are asked about, the items are turned into ordinals with one probe each of the segment's table. In other
 *       segments, the ordinal's term decoded and found in the {@link IdTable}, until as many documents are asked as
 *       turning the items into ordinals costs (by walking the segment's terms when they are few beside the items, as
 *       when many documents share an id, else one {@code lookupTerm} each, or from the node's
 *       {@link SegmentIdOrds}). Once turned, a document costs its ordinal and a binary search, or one array read in a
 *       segment with few distinct ids;</li>
 *   <li>numeric: its doc value, hashed among the signals' items that are longs;</li>
 *   <li>{@code _id}: the items are sought in the segment's {@code _id} terms (as {@code _id} encodes them) and their
 *       postings give a sorted (document, item) list that the increasing documents walk; while a segment is asked about
 *       few documents (a window smaller than the signals), each document's stored {@code _id} is read instead, and in
 *       indices that keep {@code _id} in doc values, those.</li>
 * </ul>
 * A document whose item is not the shopper's is looked up in the model's popular part with the same id (ordinal, value
 * or bytes) read once, each part resolving its items in the segment its own way. Attribute values: each segment looks
 * up the shopper's weighted values once ({@code lookupTerm}), then compares a document's ordinals to those.
 */
final class LeafSignals {

    /**
     * How many seeks of an item in the {@code _id} terms cost as much as reading one document's stored {@code _id}: a
     * segment asked about more than {@code items / this} documents resolves the items instead. Measured with
     * {@code LeafSignalsSpeed} (one segment of 200,000 products): a stored read ~13 µs, a seek ~1.2 µs.
     */
    static final int STORED_ID_READS_PER_SEEK = 8;

    /**
     * How many terms of a keyword id's doc values a walk through them reads for the cost of one {@code lookupOrd} of a
     * random ordinal (which decompresses a block of terms and scans into it): a segment whose terms are fewer than
     * {@code items * this} turns the signals' items into ordinals by walking them, after as many documents as the walk
     * costs. Measured with {@code LeafSignalsSpeed#testPrintCostWithSharedIds}.
     */
    static final int WALKED_TERMS_PER_LOOKUP = 8;

    /**
     * A segment whose ordinals this node knows for all but one in this many of the signals' items resolves them at once
     * ({@link SegmentIdOrds}), seeking the others.
     */
    static final int MISSING_PER_SEEK = 8;

    private final ShardSignals signals;
    private final RescoreWeights weights;
    // the model's popular part, asked about documents whose item is not among the shopper's own (null: none)
    private final ShardSignals popular;
    // a document's item in both: its id read once
    private final ItemReader items;
    private final SortedSetDocValues[] attributeValues;
    // per attribute field, the segment's ordinals of the shopper's weighted values, sorted, and their weights
    private final long[][] attributeOrds;
    private final float[][] attributeOrdWeights;

    LeafSignals(LeafReader reader, ShardSignals signals, RescoreWeights weights) throws IOException {
        this(reader, signals, weights, STORED_ID_READS_PER_SEEK, WALKED_TERMS_PER_LOOKUP, true, true);
    }

    /** {@code storedIdReadsPerSeek}: 0 never resolves {@code _id} items in the segment, a large value at once. */
    LeafSignals(LeafReader reader, ShardSignals signals, RescoreWeights weights, int storedIdReadsPerSeek)
            throws IOException {
        this(reader, signals, weights, storedIdReadsPerSeek, WALKED_TERMS_PER_LOOKUP, false, false);
    }

    /**
     * {@code walkedTermsPerLookup}: see {@link #WALKED_TERMS_PER_LOOKUP} (tests choose the keyword id's path);
     * {@code nodeCopy}: whether a keyword id uses this node's table of the segment's ids ({@link SegmentIdTerms}), or,
     * for a segment not tabled, its {@link SegmentIdOrds}; {@code tableTerms}: whether a keyword id may use
     * {@link SegmentIdTerms} (tests of {@link SegmentIdOrds}).
     */
    LeafSignals(
            LeafReader reader,
            ShardSignals signals,
            RescoreWeights weights,
            int storedIdReadsPerSeek,
            int walkedTermsPerLookup,
            boolean nodeCopy,
            boolean tableTerms)
            throws IOException {
        this.signals = signals;
        this.weights = weights;
        this.popular = signals.popular();
        this.items =
                itemReader(reader, signals, popular, storedIdReadsPerSeek, walkedTermsPerLookup, nodeCopy, tableTerms);
        int fields = signals.attributeFields().size();
        attributeValues = new SortedSetDocValues[fields];
        attributeOrds = new long[fields][];
        attributeOrdWeights = new float[fields][];
        for (int a = 0; a < fields; a++) {
            SortedSetDocValues values =
                    DocValues.getSortedSet(reader, signals.attributeFields().get(a));
            BytesRef[] weighted = signals.attributeValues(a);
            long[] packed = new long[weighted.length];
            int n = 0;
            for (int v = 0; v < weighted.length; v++) {
                long ord = values.lookupTerm(weighted[v]);
                if (ord >= 0 && ord < Integer.MAX_VALUE) {
                    packed[n++] = (ord << 32) | v;
                }
            }
            Arrays.sort(packed, 0, n);
            attributeOrds[a] = new long[n];
            attributeOrdWeights[a] = new float[n];
            for (int k = 0; k < n; k++) {
                attributeOrds[a][k] = packed[k] >>> 32;
                attributeOrdWeights[a][k] = signals.attributeWeights(a)[(int) packed[k]];
            }
            // no weighted value in this segment: its documents score 0 on this attribute, nothing to read
            attributeValues[a] = n == 0 ? null : values;
        }
    }

    /**
     * The segment's reader of documents' items in {@code signals} and in {@code popular} (null: none), the popular
     * part of the same model (the same id field).
     */
    private static ItemReader itemReader(
            LeafReader reader,
            ShardSignals signals,
            ShardSignals popular,
            int storedIdReadsPerSeek,
            int walkedTermsPerLookup,
            boolean nodeCopy,
            boolean tableTerms)
            throws IOException {
        String field = signals.idField();
        if (IdFieldMapper.NAME.equals(field)) {
            // indices that keep _id in doc values (no stored field)
            BinaryDocValues columnar = reader.getBinaryDocValues(IdFieldMapper.NAME);
            if (columnar != null) {
                return new BinaryIds(columnar, signals.uidIds(), popular == null ? null : popular.uidIds());
            }
            return new UidIds(
                    reader,
                    new UidItems(signals.uidIds(), storedIdReadsPerSeek),
                    popular == null ? null : new UidItems(popular.uidIds(), storedIdReadsPerSeek));
        }
        SortedSetDocValues keywords = reader.getSortedSetDocValues(field);
        if (keywords != null) {
            IndexReader.CacheHelper core = reader.getCoreCacheHelper();
            Object segmentKey = core == null ? null : core.getKey();
            SegmentIdTerms terms = tableTerms ? SegmentIdTerms.of(reader, field, keywords) : null;
            SegmentIdOrds known = nodeCopy && terms == null ? SegmentIdOrds.of(core, field) : null;
            return new KeywordIds(
                    keywords,
                    terms,
                    new OrdItems(keywords, signals, segmentKey, terms, known, walkedTermsPerLookup),
                    popular == null
                            ? null
                            : new OrdItems(keywords, popular, segmentKey, terms, known, walkedTermsPerLookup));
        }
        SortedNumericDocValues numbers = reader.getSortedNumericDocValues(field);
        if (numbers != null) {
            return new NumericIds(numbers, signals.numericIds(), popular == null ? null : popular.numericIds());
        }
        return NO_IDS;
    }

    /** The weighted personalized part of the document's score: add the weighted, normalised query score to it. */
    float score(int doc) throws IOException {
        int item = item(doc);
        return PersonalizedScore.combine(
                weights,
                0f,
                item < 0 ? 0f : signals.similarity(item),
                item < 0 ? 0f : signals.affinity(item),
                attributeAffinity(doc),
                popularity(item));
    }

    /**
     * {@link #score} of {@code docs[0, n)} (increasing) into {@code scores}: the documents' items read first, all of
     * them, then their parts, so that the reads of their ids (at random in the segment's table) run side by side
     * instead of each waiting for the one before it. The same floats as {@link #score} one by one.
     */
    void scores(int[] docs, int n, float[] scores) throws IOException {
        int[] own = ownItems(n);
        int[] popularItems = this.popularItems;
        items.items(docs, n, own, popularItems);
        for (int i = 0; i < n; i++) {
            int item = own[i];
            float popularity = item >= 0
                    ? signals.popularity(item)
                    : popularItems[i] < 0 ? 0f : popular.popularity(popularItems[i]);
            scores[i] = PersonalizedScore.combine(
                    weights,
                    0f,
                    item < 0 ? 0f : signals.similarity(item),
                    item < 0 ? 0f : signals.affinity(item),
                    attributeAffinity(docs[i]),
                    popularity);
        }
    }

    // the batch's items in the shopper's signals and in the popular part, grown as needed
    private int[] ownItems = new int[0];
    private int[] popularItems = new int[0];

    private int[] ownItems(int n) {
        if (ownItems.length < n) {
            ownItems = new int[n];
            popularItems = new int[n];
        }
        return ownItems;
    }

    /**
     * The popularity of the document {@link #item} was last asked about, whose item is {@code item}: its own item's,
     * else its popular item's (a popular item the shopper's signals name carries the same popularity in both), found
     * with the id {@link #item} read.
     */
    float popularity(int item) throws IOException {
        if (item >= 0) {
            return signals.popularity(item);
        }
        if (popular == null) {
            return 0f;
        }
        int popularItem = items.popularItem();
        return popularItem < 0 ? 0f : popular.popularity(popularItem);
    }

    /** The index of the document's item in the signals, or -1 when the signals do not know it. */
    int item(int doc) throws IOException {
        return items.item(doc);
    }

    /** The mean over the attribute fields of the best weight among the document's values. */
    float attributeAffinity(int doc) throws IOException {
        if (attributeValues.length == 0) {
            return 0f;
        }
        float sum = 0;
        for (int a = 0; a < attributeValues.length; a++) {
            SortedSetDocValues values = attributeValues[a];
            if (values != null && values.advanceExact(doc)) {
                long[] ords = attributeOrds[a];
                float best = 0;
                for (int v = 0, count = values.docValueCount(); v < count; v++) {
                    int k = Arrays.binarySearch(ords, values.nextOrd());
                    if (k >= 0) {
                        best = Math.max(best, attributeOrdWeights[a][k]);
                    }
                }
                sum += best;
            }
        }
        return sum / attributeValues.length;
    }

    /** The document's attribute values that carry a weight for the shopper, for explain. */
    List<Explanation> explainAttributes(int doc) throws IOException {
        List<Explanation> parts = new ArrayList<>();
        for (int a = 0; a < attributeValues.length; a++) {
            SortedSetDocValues values = attributeValues[a];
            if (values != null && values.advanceExact(doc)) {
                for (int v = 0, count = values.docValueCount(); v < count; v++) {
                    long ord = values.nextOrd();
                    int k = Arrays.binarySearch(attributeOrds[a], ord);
                    if (k >= 0) {
                        parts.add(Explanation.match(
                                attributeOrdWeights[a][k],
                                signals.attributeFields().get(a) + " = ["
                                        + values.lookupOrd(ord).utf8ToString() + "]"));
                    }
                }
            }
        }
        return parts;
    }

    /**
     * A segment's way from a document to its item in the shopper's signals and in the model's popular part: the
     * document's id (ordinal, value, bytes) read once for both.
     */
    private interface ItemReader {
        /** The index of the document's item in the shopper's signals, or -1; documents in increasing order. */
        int item(int doc) throws IOException;

        /** The index in the popular part of the item of the document {@link #item} was last asked about, or -1. */
        int popularItem() throws IOException;

        /**
         * {@link #item} of {@code docs[0, n)} (increasing) into {@code own}, and where that is -1, {@link #popularItem}
         * into {@code popular} (else -1).
         */
        default void items(int[] docs, int n, int[] own, int[] popular) throws IOException {
            for (int i = 0; i < n; i++) {
                own[i] = item(docs[i]);
                popular[i] = own[i] < 0 ? popularItem() : -1;
            }
        }
    }

    /** A segment without the id field: no document has an item. */
    private static final ItemReader NO_IDS = new ItemReader() {
        @Override
        public int item(int doc) {
            return -1;
        }

        @Override
        public int popularItem() {
            return -1;
        }
    };

    /** (document or ordinal, item) pairs sorted by their first half, packed in longs. */
    private static long pack(long key, int item) {
        return (key << 32) | item;
    }

    /**
     * A keyword id: the document's ordinal, from the node's table of the segment's ids (an array read) or else the
     * doc values, read once for the shopper's signals and, when the document is not among them, the popular part.
     */
    private static final class KeywordIds implements ItemReader {
        private final SortedSetDocValues ids;
        private final SegmentIdTerms terms;
        private final OrdItems own;
        private final OrdItems popular;
        // the document last asked about, and its ordinal (-1 when it has none) once read
        private int doc = -1;
        private long ord = -1;
        private boolean ordRead;

        KeywordIds(SortedSetDocValues ids, SegmentIdTerms terms, OrdItems own, OrdItems popular) {
            this.ids = ids;
            this.terms = terms;
            this.own = own;
            this.popular = popular;
        }

        @Override
        public int item(int doc) throws IOException {
            this.doc = doc;
            ordRead = false;
            if (own.walksDocs()) {
                return own.itemOfDoc(doc); // no ordinal read unless the popular part needs it
            }
            return ord(doc) < 0 ? -1 : own.item(ord);
        }

        @Override
        public int popularItem() throws IOException {
            if (popular == null) {
                return -1;
            }
            if (popular.walksDocs()) {
                return popular.itemOfDoc(doc);
            }
            return (ordRead ? ord : ord(doc)) < 0 ? -1 : popular.item(ord);
        }

        @Override
        public void items(int[] docs, int n, int[] own, int[] popular) throws IOException {
            if (terms == null || this.own.walksDocs() || (this.popular != null && this.popular.walksDocs())) {
                ItemReader.super.items(docs, n, own, popular);
                return;
            }
            // every ordinal first: independent reads of the node's table, which the processor overlaps
            for (int i = 0; i < n; i++) {
                own[i] = terms.docOrd(docs[i]);
            }
            for (int i = 0; i < n; i++) {
                int ord = own[i];
                own[i] = ord < 0 ? -1 : this.own.item(ord);
                popular[i] = ord < 0 || own[i] >= 0 || this.popular == null ? -1 : this.popular.item(ord);
            }
            doc = -1; // popularItem answers for the document item was last asked about: none now
        }

        private long ord(int doc) throws IOException {
            if (terms != null) {
                ord = terms.docOrd(doc); // the node's table holds each document's ordinal: no doc values read
            } else {
                ord = ids.advanceExact(doc) ? ids.nextOrd() : -1;
            }
            ordRead = true;
            return ord;
        }
    }

    /**
     * A keyword id's ordinal turned into one signals' item: the ordinal's term looked up in their table, or, once
     * resolved, the ordinal among the items'.
     */
    private static final class OrdItems {
        // the segment's doc values of the id (shared with the reader of documents' ordinals: only their terms are read)
        private final SortedSetDocValues ids;
        // the items as UTF-8 bytes, built when first needed: signals resolved from the node's copy never need them
        private IdTable table;
        private final ShardSignals signals;
        private final Object segmentKey;
        // this node's ordinals of ids earlier requests asked this segment about (null: none kept)
        private final SegmentIdOrds known;
        // the node's table of the segment's ids (null: not tabled)
        private final SegmentIdTerms terms;
        // documents asked about before the items are turned into this segment's ordinals: as many as the turning costs
        private final long resolveAfter;
        private final boolean walk;
        private int asked;
        private int[] resolvedOrds;
        private int[] resolvedItems;
        // once resolved in a segment with few distinct ids: each ordinal's item (null: binary search resolvedOrds)
        private int[] itemOfOrd;
        // once resolved in a tabled segment whose items are one document's each: their documents, increasing, and
        // items (null: by ordinal), and where the pass's walk through them is
        private int[] docs;
        private int[] docItems;
        private int next;
        // once resolved in a segment with not too many ids beside the items: the ordinals that have one (null: none)
        private FixedBitSet named;

        OrdItems(
                SortedSetDocValues ids,
                ShardSignals signals,
                Object segmentKey,
                SegmentIdTerms terms,
                SegmentIdOrds known,
                int walkedTermsPerLookup)
                throws IOException {
            this.ids = ids;
            this.signals = signals;
            this.segmentKey = segmentKey;
            this.known = known;
            this.terms = terms;
            long walkCost = ids.getValueCount() / walkedTermsPerLookup;
            this.walk = walkCost <= signals.size();
            ShardSignals.ResolvedIds resolved = signals.resolvedKeywordIds(segmentKey);
            // with the segment's table, a document's item costs a probe of it as turning one item into an ordinal does:
            // the items are turned into ordinals once more documents than items are asked about, or at the first
            // document when these signals scored the segment before (the shopper's next search: the turning is kept)
            this.resolveAfter = resolved == null && signals.recordPass(segmentKey)
                    ? 0
                    : terms != null ? signals.size() : Math.min(signals.size(), walkCost);
            if (resolved != null) {
                use(resolved);
            } else if (terms != null) {
                // turned into ordinals once more documents than items are asked about (see item)
            } else if (known != null && ids.getValueCount() < Integer.MAX_VALUE) {
                resolveFromKnown();
            }
        }

        /**
         * Turns the items into ordinals with one probe each of the segment's table of its ids, with the hashes the
         * items' table computed once for every segment. In a segment with few distinct ids beside the items found, the
         * table of every ordinal's item is filled directly (no sort).
         */
        private void resolveFromTerms(SegmentIdTerms terms) {
            IdTable table = table();
            byte[] bytes = table.bytes();
            int size = table.size();
            long[] packed = new long[size];
            int n = 0;
            for (int i = 0; i < size; i++) {
                int from = table.start(i);
                long ord = terms.ord(bytes, from, table.start(i + 1) - from, table.hash(i));
                if (ord >= 0) {
                    packed[n++] = pack(ord, i);
                }
            }
            long valueCount = ids.getValueCount();
            if (valueCount <= (long) ShardSignals.DENSE_ORDS_PER_ITEM * Math.max(1, n)) {
                int[] itemOfOrd = new int[(int) valueCount];
                Arrays.fill(itemOfOrd, -1);
                for (int k = 0; k < n; k++) {
                    int ord = (int) (packed[k] >>> 32);
                    if (itemOfOrd[ord] < 0) {
                        itemOfOrd[ord] = (int) packed[k]; // an id named twice keeps its first item, as the table does
                    }
                }
                ShardSignals.ResolvedIds resolved =
                        new ShardSignals.ResolvedIds(new int[0], new int[0], itemOfOrd, null, null, null);
                signals.resolvedKeywordIds(segmentKey, resolved);
                use(resolved);
                return;
            }
            Arrays.sort(packed, 0, n);
            keep(Arrays.copyOf(packed, firstOfEachOrd(packed, n)));
        }

        /**
         * Keeps, of sorted (ordinal, item) pairs, the first item of each ordinal (an id named twice keeps its first
         * item, as the table does); returns how many are kept.
         */
        private static int firstOfEachOrd(long[] packed, int n) {
            int unique = 0;
            for (int k = 0; k < n; k++) {
                if (unique == 0 || packed[k] >>> 32 != packed[unique - 1] >>> 32) {
                    packed[unique++] = packed[k];
                }
            }
            return unique;
        }

        /**
         * Turns the items into ordinals at once when the node already knows the segment's ordinals of nearly all of
         * them (earlier requests asked about the same model items): a hash look-up each, a seek for the few others.
         */
        private void resolveFromKnown() throws IOException {
            String[] items = signals.items();
            long[] packed = new long[items.length];
            int[] missing = new int[items.length / MISSING_PER_SEEK];
            int n = 0;
            int m = 0;
            for (int i = 0; i < items.length; i++) {
                Long ord = known.ord(items[i]);
                if (ord == null) {
                    if (m == missing.length) {
                        return; // mostly new to this segment: the adaptive path below, which fills the node's copy
                    }
                    missing[m++] = i;
                } else if (ord >= 0) {
                    packed[n++] = pack(ord, i);
                }
            }
            BytesRef scratch = new BytesRef();
            for (int k = 0; k < m; k++) {
                int i = missing[k];
                long ord = ids.lookupTerm(table().bytesOf(i, scratch));
                known.put(items[i], Math.max(-1L, ord));
                if (ord >= 0) {
                    packed[n++] = pack(ord, i);
                }
            }
            Arrays.sort(packed, 0, n);
            keep(Arrays.copyOf(packed, firstOfEachOrd(packed, n)));
        }

        private IdTable table() {
            if (table == null) {
                table = signals.utf8Ids();
            }
            return table;
        }

        /** The item of a document whose id has this ordinal (>= 0), -1 when the signals do not name it. */
        int item(long ord) throws IOException {
            if (resolvedOrds == null && ++asked > resolveAfter && ids.getValueCount() < Integer.MAX_VALUE) {
                if (terms != null) {
                    resolveFromTerms(terms);
                } else {
                    resolve();
                }
            }
            if (itemOfOrd != null) {
                return itemOfOrd[(int) ord];
            }
            if (resolvedOrds != null) {
                if (named != null && named.get((int) ord) == false) {
                    return -1; // not the shopper's: a bit read, no search
                }
                int k = Arrays.binarySearch(resolvedOrds, (int) ord); // resolved only below Integer.MAX_VALUE ids
                return k < 0 ? -1 : resolvedItems[k];
            }
            if (terms != null) {
                // the ordinal's id as the segment's table holds it, hash included: no term decoded
                IdTable segment = terms.ids();
                int t = (int) ord;
                int from = segment.start(t);
                return table().find(segment.bytes(), from, segment.start(t + 1) - from, segment.hash(t));
            }
            return table().find(ids.lookupOrd(ord));
        }

        /**
         * Turns the items into the segment's ordinals: by walking the segment's terms in order when they are few beside
         * the items (each term a hash look-up, each compressed block of terms decompressed once), else by seeking each
         * item (a block decompressed per item).
         */
        private void resolve() throws IOException {
            long[] packed = new long[signals.size()];
            // the items as Strings for the node's copy of ordinals, decoded once here (the signals do not keep them)
            String[] items = known == null ? null : signals.items();
            int n = 0;
            if (walk) {
                TermsEnum terms = ids.termsEnum();
                long ord = 0;
                for (BytesRef term = terms.next(); term != null && n < packed.length; term = terms.next(), ord++) {
                    int item = table().find(term);
                    if (item >= 0) {
                        packed[n++] = pack(ord, item); // in increasing ordinal order: no sort
                    }
                }
                if (known != null) {
                    // the walk ended with every item found or every term read: the items not found are not here
                    long[] ordOf = new long[packed.length];
                    Arrays.fill(ordOf, -1L);
                    for (int k = 0; k < n; k++) {
                        ordOf[(int) packed[k]] = packed[k] >>> 32;
                    }
                    for (int i = 0; i < ordOf.length; i++) {
                        known.put(items[i], ordOf[i]);
                    }
                }
            } else {
                BytesRef scratch = new BytesRef();
                for (int i = 0; i < signals.size(); i++) {
                    long ord = ids.lookupTerm(table().bytesOf(i, scratch));
                    if (known != null) {
                        known.put(items[i], Math.max(-1L, ord));
                    }
                    if (ord >= 0) {
                        packed[n++] = pack(ord, i);
                    }
                }
                Arrays.sort(packed, 0, n);
                n = firstOfEachOrd(packed, n);
            }
            keep(Arrays.copyOf(packed, n));
        }

        /** Uses the sorted (ordinal, item) pairs, and keeps them with the signals for this segment's next passes. */
        private void keep(long[] sorted) {
            ShardSignals.ResolvedIds resolved = ShardSignals.ResolvedIds.unpack(sorted, ids.getValueCount());
            if (terms != null) {
                resolved = resolved.withDocs(terms);
            }
            signals.resolvedKeywordIds(segmentKey, resolved);
            use(resolved);
        }

        private void use(ShardSignals.ResolvedIds resolved) {
            resolvedItems = resolved.items();
            resolvedOrds = resolved.ords();
            itemOfOrd = resolved.itemOfOrd();
            docs = resolved.docs();
            docItems = resolved.docItems();
            named = resolved.named();
        }

        /** Whether documents' items are found by walking the items' documents ({@link #itemOfDoc}). */
        boolean walksDocs() {
            return docs != null;
        }

        /** The item of a document (asked in increasing order) whose items are walked, -1 when it has none here. */
        int itemOfDoc(int doc) {
            int k = next;
            while (k < docs.length && docs[k] < doc) {
                k++;
            }
            next = k;
            return k < docs.length && docs[k] == doc ? docItems[k] : -1;
        }
    }

    /** A numeric id: its value among the signals' items that are longs, and among the popular part's. */
    private static final class NumericIds implements ItemReader {
        private final SortedNumericDocValues ids;
        private final NumericIdTable table;
        private final NumericIdTable popular;
        // the value of the document last asked about, if it has one
        private boolean found;
        private long value;

        NumericIds(SortedNumericDocValues ids, NumericIdTable table, NumericIdTable popular) {
            this.ids = ids;
            this.table = table;
            this.popular = popular;
        }

        @Override
        public int item(int doc) throws IOException {
            found = ids.advanceExact(doc);
            if (found == false) {
                return -1;
            }
            value = ids.nextValue();
            return table.find(value);
        }

        @Override
        public int popularItem() {
            return found && popular != null ? popular.find(value) : -1;
        }
    }

    /** {@code _id} in doc values: its encoded bytes looked up in the table, and in the popular part's. */
    private static final class BinaryIds implements ItemReader {
        private final BinaryDocValues ids;
        private final IdTable table;
        private final IdTable popular;
        // the bytes of the document last asked about (valid until the next), null when it has none
        private BytesRef value;

        BinaryIds(BinaryDocValues ids, IdTable table, IdTable popular) {
            this.ids = ids;
            this.table = table;
            this.popular = popular;
        }

        @Override
        public int item(int doc) throws IOException {
            value = ids.advanceExact(doc) ? ids.binaryValue() : null;
            return value == null ? -1 : table.find(value);
        }

        @Override
        public int popularItem() {
            return value != null && popular != null ? popular.find(value) : -1;
        }
    }

    /**
     * {@code _id} indexed and stored: for each of the shopper's signals and the popular part, the stored value per
     * document while few are asked, then the items' postings, walked in document order ({@link UidItems}); a document's
     * stored {@code _id} is read at most once for both.
     */
    private static final class UidIds extends StoredFieldVisitor implements ItemReader {
        private final LeafReader reader;
        private final UidItems own;
        private final UidItems popular;
        private StoredFields stored;
        // the document last asked about, and the one whose stored _id was read last (-1: none), its bytes (null: none)
        private int doc = -1;
        private int storedDoc = -1;
        private BytesRef storedId;
        private boolean storedRead;
        private final BytesRef storedBytes = new BytesRef();

        UidIds(LeafReader reader, UidItems own, UidItems popular) {
            this.reader = reader;
            this.own = own;
            this.popular = popular;
        }

        @Override
        public int item(int doc) throws IOException {
            this.doc = doc;
            return own.item(doc, this);
        }

        @Override
        public int popularItem() throws IOException {
            return popular == null ? -1 : popular.item(doc, this);
        }

        /** The encoded {@code _id} stored for the document, null when it has none; read once per document. */
        BytesRef storedId(int doc) throws IOException {
            if (storedDoc != doc) {
                if (stored == null) {
                    stored = reader.storedFields();
                }
                storedId = null;
                storedRead = false;
                stored.document(doc, this);
                storedDoc = doc;
            }
            return storedId;
        }

        /** The segment's {@code _id} terms (null: none). */
        Terms terms() throws IOException {
            return reader.terms(IdFieldMapper.NAME);
        }

        @Override
        public Status needsField(FieldInfo fieldInfo) {
            if (storedRead) {
                return Status.STOP;
            }
            return IdFieldMapper.NAME.equals(fieldInfo.name) ? Status.YES : Status.NO;
        }

        @Override
        public void binaryField(FieldInfo fieldInfo, byte[] value) {
            // the stored _id is the encoded id: compared as bytes, never decoded
            storedBytes.bytes = value;
            storedBytes.offset = 0;
            storedBytes.length = value.length;
            storedId = storedBytes;
            storedRead = true;
        }

        @Override
        public void stringField(FieldInfo fieldInfo, String value) {
            // indices of old versions stored _id as a string
            storedId = Uid.encodeId(value);
            storedRead = true;
        }
    }

    /** One signals' items of {@code _id} documents: by each document's stored id while few are asked, then by postings. */
    private static final class UidItems {
        private final IdTable table;
        private final int readsPerSeek;
        private int asked;
        // resolved: (document, item) pairs in document order, and where the walk is
        private long[] byDoc;
        private int next;

        UidItems(IdTable table, int readsPerSeek) {
            this.table = table;
            this.readsPerSeek = readsPerSeek;
        }

        int item(int doc, UidIds ids) throws IOException {
            if (byDoc == null && (long) ++asked * readsPerSeek > table.size()) {
                resolve(ids.terms());
            }
            if (byDoc != null) {
                while (next < byDoc.length && (int) (byDoc[next] >>> 32) < doc) {
                    next++;
                }
                return next < byDoc.length && (int) (byDoc[next] >>> 32) == doc ? (int) byDoc[next] : -1;
            }
            BytesRef id = ids.storedId(doc);
            return id == null ? -1 : table.find(id.bytes, id.offset, id.length);
        }

        private void resolve(Terms terms) throws IOException {
            long[] packed = new long[Math.max(16, table.size())];
            int n = 0;
            if (terms != null) {
                TermsEnum termsEnum = terms.iterator();
                BytesRef scratch = new BytesRef();
                PostingsEnum postings = null;
                for (int i = 0; i < table.size(); i++) {
                    if (termsEnum.seekExact(table.bytesOf(i, scratch))) {
                        // a document's older, deleted copies share its _id: they are never asked about
                        postings = termsEnum.postings(postings, PostingsEnum.NONE);
                        for (int d = postings.nextDoc(); d != DocIdSetIterator.NO_MORE_DOCS; d = postings.nextDoc()) {
                            if (n == packed.length) {
                                packed = Arrays.copyOf(packed, n * 2);
                            }
                            packed[n++] = pack(d, i);
                        }
                    }
                }
            }
            Arrays.sort(packed, 0, n);
            byDoc = Arrays.copyOf(packed, n);
        }
    }
}
