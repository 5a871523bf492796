package io.personalize.rescore;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.SortedNumericDocValuesField;
import org.apache.lucene.document.SortedSetDocValuesField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.Term;
import org.apache.lucene.store.Directory;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;
import org.elasticsearch.common.io.stream.BytesStreamOutput;
import org.elasticsearch.index.mapper.Uid;
import org.elasticsearch.test.ESTestCase;

/**
 * A segment's reading of the signals, for each kind of id field ({@code _id}, keyword, numeric), gives every live
 * document exactly the score of the formula ({@link PersonalizedScore}) over the signals of its id, whether a pass asks
 * about a few documents (per-document reads) or all of them (the items resolved in the segment), across several
 * segments, with deleted and updated documents and documents without an id; attribute values are compared as ordinals.
 */
public class LeafSignalsTests extends ESTestCase {

    private static final RescoreWeights WEIGHTS = new RescoreWeights(0.5f, 0.7f, 1.1f, 0.9f, 0.3f);
    private static final String[] COLORS = {"red", "green", "blue", "ünïcode", "black"};

    /** What the test indexed: per live document (by its stored position), its id (null: none) and colours. */
    private record Product(String id, List<String> colors) {}

    private Directory dir;
    private DirectoryReader reader;
    // whether _id is kept in doc values too (as indices whose _id has no stored field: read from those)
    private boolean idDocValues;
    // per segment, per live document: what it is
    private final Map<Object, Map<Integer, Product>> bySegment = new HashMap<>();

    @Override
    public void tearDown() throws Exception {
        if (reader != null) {
            reader.close();
        }
        if (dir != null) {
            dir.close();
        }
        super.tearDown();
    }

    /**
     * Products with numeric-looking ids ("1000" ...), so that the same id is in {@code _id}, a keyword and a long field;
     * several segments (no merges), some products deleted, some updated (their old copy deleted in its segment), some
     * without an id.
     */
    private void index(int products) throws IOException {
        dir = newDirectory();
        IndexWriterConfig config = newIndexWriterConfig().setMergePolicy(NoMergePolicy.INSTANCE);
        Map<String, Product> live = new LinkedHashMap<>();
        try (IndexWriter writer = new IndexWriter(dir, config)) {
            for (int p = 0; p < products; p++) {
                String id = randomInt(9) == 0 ? null : Integer.toString(1000 + p);
                List<String> colors = new ArrayList<>();
                for (String color : COLORS) {
                    if (randomInt(3) == 0) {
                        colors.add(color);
                    }
                }
                writer.addDocument(document(id, colors));
                if (id != null) {
                    live.put(id, new Product(id, colors));
                }
                if (p == products / 2 || randomInt(20) == 0) {
                    writer.commit(); // a new segment: at least one halfway, so that there are always several
                }
            }
            for (String id : List.copyOf(live.keySet())) {
                int dice = randomInt(9);
                if (dice == 0) {
                    writer.deleteDocuments(new Term("_id", Uid.encodeId(id)));
                    live.remove(id);
                } else if (dice == 1) {
                    List<String> colors = List.of(randomFrom(COLORS));
                    writer.updateDocument(new Term("_id", Uid.encodeId(id)), document(id, colors));
                    live.put(id, new Product(id, colors));
                }
            }
            writer.commit();
        }
        reader = DirectoryReader.open(dir);
        assertTrue("several segments", reader.leaves().size() > 1);
        for (LeafReaderContext leaf : reader.leaves()) {
            Map<Integer, Product> docs = new HashMap<>();
            Bits liveDocs = leaf.reader().getLiveDocs();
            for (int doc = 0; doc < leaf.reader().maxDoc(); doc++) {
                if (liveDocs == null || liveDocs.get(doc)) {
                    Document stored = leaf.reader().storedFields().document(doc);
                    BytesRef uid = stored.getBinaryValue("_id");
                    String id = uid == null ? null : Uid.decodeId(uid.bytes, uid.offset, uid.length);
                    List<String> colors = new ArrayList<>();
                    for (String color : stored.getValues("colors")) {
                        colors.add(color);
                    }
                    docs.put(doc, new Product(id, colors));
                }
            }
            bySegment.put(leaf.reader().getCoreCacheHelper().getKey(), docs);
        }
    }

    private Document document(String id, List<String> colors) {
        Document doc = new Document();
        if (id != null) {
            // as Elasticsearch indexes _id: its encoded bytes, indexed and stored
            doc.add(new StringField("_id", Uid.encodeId(id), Field.Store.YES));
            if (idDocValues) {
                doc.add(new BinaryDocValuesField("_id", Uid.encodeId(id)));
            }
            doc.add(new SortedSetDocValuesField("sku", new BytesRef(id)));
            doc.add(new SortedNumericDocValuesField("number", Long.parseLong(id)));
        }
        for (String color : colors) {
            doc.add(new SortedSetDocValuesField("color", new BytesRef(color)));
            doc.add(new StringField("colors", color, Field.Store.YES));
        }
        return doc;
    }

    /**
     * Signals over some of the products' ids and some the catalogue does not have, and weights for some colours; and,
     * most of the time, a popular part (as every model with a popular list has) naming other items and some of the
     * shopper's own, whose popularity the own items carry, under a random key: a part the node holds already, or not.
     */
    private static PersonalizationSignals signals(String idField, int products, int items) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < items; i++) {
            // unknown ids too, and ids a long field could not hold the same way ("0999" is not the number 999)
            ids.add(
                    switch (randomInt(9)) {
                        case 0 -> "0" + (1000 + randomInt(products));
                        case 1 -> "unknown-" + i;
                        default -> Integer.toString(1000 + randomInt(products));
                    });
        }
        String[] distinct = ids.stream().distinct().toArray(String[]::new);
        boolean withPopular = randomInt(4) > 0;
        // each id the shopper's own, the popular part's, or both
        List<String> own = new ArrayList<>();
        List<String> popularIds = new ArrayList<>();
        Map<String, Float> popularityOf = new HashMap<>();
        for (String id : distinct) {
            int where = withPopular ? randomInt(2) : 0;
            if (where != 1) {
                own.add(id);
            }
            if (where != 0) {
                popularIds.add(id);
            }
            popularityOf.put(id, where == 0 && withPopular ? 0f : randomFloat());
        }
        String[] unique = own.toArray(String[]::new);
        float[] similarity = new float[unique.length], affinity = new float[unique.length];
        float[] popularity = new float[unique.length];
        for (int i = 0; i < unique.length; i++) {
            similarity[i] = randomFloat();
            affinity[i] = randomBoolean() ? 0f : randomFloat();
            popularity[i] = popularityOf.get(unique[i]);
        }
        Map<String, Float> colors = new HashMap<>();
        for (String color : COLORS) {
            if (randomBoolean()) {
                colors.put(color, randomFloat());
            }
        }
        colors.put("not-in-the-catalogue", 1f);
        PersonalizationSignals signals = new PersonalizationSignals(
                idField,
                1,
                unique,
                similarity,
                affinity,
                popularity,
                null,
                null,
                Map.of("color", colors, "size", Map.of("xl", 0.5f)));
        if (withPopular == false) {
            return signals;
        }
        float[] popular = new float[popularIds.size()];
        for (int p = 0; p < popular.length; p++) {
            popular[p] = popularityOf.get(popularIds.get(p));
        }
        PersonalizationSignals.PopularKey key = randomBoolean()
                ? null
                : new PersonalizationSignals.PopularKey("shop", "v" + randomInt(3), 1, 1, randomInt(3));
        return signals.withPopular(
                PersonalizationSignals.popularPart(idField, 1, popularIds.toArray(String[]::new), popular, key));
    }

    /** The formula over the signals of the product's id, computed from what was indexed. */
    private static float expected(PersonalizationSignals signals, Product product) {
        int item = expectedItem(signals, product);
        Map<String, Float> colors = signals.attributes().get("color");
        float best = 0;
        for (String color : product.colors()) {
            best = Math.max(best, colors.getOrDefault(color, 0f));
        }
        // two attribute fields, "size" is in no document: the mean counts it as 0
        float attributes = best / 2;
        return PersonalizedScore.combine(
                WEIGHTS,
                0f,
                item < 0 ? 0f : signals.similarity(item),
                item < 0 ? 0f : signals.affinity(item),
                attributes,
                expectedPopularity(signals, product, item));
    }

    /** The product's popularity: its own item's, else the popular part's, else none. */
    private static float expectedPopularity(PersonalizationSignals signals, Product product, int item) {
        if (item >= 0) {
            return signals.popularity(item);
        }
        PersonalizationSignals popular = signals.popular();
        if (popular == null
                || product.id() == null
                || List.of("_id", "sku", "number").contains(signals.idField()) == false) {
            return 0f;
        }
        int p = List.of(popular.items()).indexOf(product.id());
        return p < 0 ? 0f : popular.popularity(p);
    }

    /** The signals' item of the product's id, -1 when the product has none or is indexed without the id field. */
    private static int expectedItem(PersonalizationSignals signals, Product product) {
        boolean indexed = List.of("_id", "sku", "number").contains(signals.idField());
        return product.id() == null || indexed == false
                ? -1
                : List.of(signals.items()).indexOf(product.id());
    }

    /**
     * Asks each segment about its live documents in increasing order, every {@code stride}-th of them, and checks the
     * score and the item of each.
     */
    private void assertScores(String idField, int products, int items, int stride) throws IOException {
        assertScores(idField, products, items, stride, LeafSignals.WALKED_TERMS_PER_LOOKUP);
    }

    private void assertScores(String idField, int products, int items, int stride, int walkedTermsPerLookup)
            throws IOException {
        assertScores(idField, products, items, stride, walkedTermsPerLookup, false);
    }

    private void assertScores(
            String idField, int products, int items, int stride, int walkedTermsPerLookup, boolean nodeCopy)
            throws IOException {
        assertScores(idField, products, items, stride, walkedTermsPerLookup, nodeCopy, nodeCopy, false);
    }

    /**
     * {@code tableTerms}: a keyword id may use the segment's table of its ids ({@link SegmentIdTerms}); {@code shipped}:
     * the signals are read back from their shipped form first, as a remote shard's node gets them (ids as bytes).
     */
    private void assertScores(
            String idField,
            int products,
            int items,
            int stride,
            int walkedTermsPerLookup,
            boolean nodeCopy,
            boolean tableTerms,
            boolean shipped)
            throws IOException {
        PersonalizationSignals signals = signals(idField, products, items);
        if (shipped) {
            BytesStreamOutput out = new BytesStreamOutput();
            signals.writeTo(out);
            signals = new PersonalizationSignals(out.bytes().streamInput());
        }
        ShardSignals shard = new ShardSignals(signals);
        int checked = 0;
        int checkedBefore = 0;
        for (LeafReaderContext leaf : reader.leaves()) {
            LeafReader segment = leaf.reader();
            int reads = LeafSignals.STORED_ID_READS_PER_SEEK;
            LeafSignals scores =
                    new LeafSignals(segment, shard, WEIGHTS, reads, walkedTermsPerLookup, nodeCopy, tableTerms);
            LeafSignals itemsOnly =
                    new LeafSignals(segment, shard, WEIGHTS, reads, walkedTermsPerLookup, nodeCopy, tableTerms);
            Map<Integer, Product> docs =
                    bySegment.get(segment.getCoreCacheHelper().getKey());
            int seen = 0;
            int[] asked = new int[segment.maxDoc()];
            for (int doc = 0; doc < segment.maxDoc(); doc++) {
                Product product = docs.get(doc);
                if (product == null || seen++ % stride != 0) {
                    continue;
                }
                String what = idField + " doc " + doc + " id " + product.id() + " colors " + product.colors();
                assertThat(what, scores.score(doc), equalTo(expected(signals, product)));
                int item = itemsOnly.item(doc);
                assertThat(what, item, equalTo(expectedItem(signals, product)));
                asked[checked++ - checkedBefore] = doc;
            }
            // the same documents scored in batches of random sizes, as the personalize query collects them
            LeafSignals batched =
                    new LeafSignals(segment, shard, WEIGHTS, reads, walkedTermsPerLookup, nodeCopy, tableTerms);
            float[] batchScores = new float[64];
            for (int from = 0, count = checked - checkedBefore; from < count; ) {
                int n = Math.min(count - from, between(1, 64));
                int[] batch = Arrays.copyOfRange(asked, from, from + n);
                batched.scores(batch, n, batchScores);
                for (int i = 0; i < n; i++) {
                    Product product = docs.get(batch[i]);
                    assertThat(
                            idField + " batched doc " + batch[i] + " id " + product.id(),
                            batchScores[i],
                            equalTo(expected(signals, product)));
                }
                from += n;
            }
            checkedBefore = checked;
            // the next pass over the segment with the same shard signals (a shopper's next search on the node) starts
            // from what the passes above resolved
            LeafSignals again =
                    new LeafSignals(segment, shard, WEIGHTS, reads, walkedTermsPerLookup, nodeCopy, tableTerms);
            for (int doc = 0; doc < segment.maxDoc(); doc++) {
                Product product = docs.get(doc);
                if (product != null) {
                    assertThat(idField + " again doc " + doc, again.item(doc), equalTo(expectedItem(signals, product)));
                }
            }
        }
        assertTrue("documents were checked", checked > 0);
    }

    public void testIdFieldEveryDocumentResolvesTheItemsInTheSegment() throws IOException {
        index(400);
        // every document asked, few items: the items are sought in the segment's _id terms
        assertScores("_id", 400, 20, 1);
    }

    public void testIdFieldAFewDocumentsReadTheirStoredId() throws IOException {
        index(400);
        // a few documents per segment and many items: each document's stored _id
        assertScores("_id", 400, 2000, 50);
    }

    public void testIdFieldInDocValues() throws IOException {
        idDocValues = true;
        index(400);
        assertScores("_id", 400, 20, 1);
        assertScores("_id", 400, 2000, 3);
    }

    public void testKeywordIdPerDocumentAndResolved() throws IOException {
        index(400);
        // as the node does
        assertScores("sku", 400, 2000, 7);
        assertScores("sku", 400, 10, 1);
        // per document (the ordinal's term in the table): a walk costing a lookup per term, fewer documents than terms
        assertScores("sku", 400, 2000, 1, 1);
        // resolved by seeking each item: more documents than items, terms many beside the items
        assertScores("sku", 400, 3, 1, 1);
        // resolved by walking the segment's terms at the first document
        assertScores("sku", 400, 50, 1, 1 << 20);
        assertScores("sku", 400, 2000, 3, 1 << 20);
    }

    /**
     * The node's copy of each segment's ordinals of the ids asked about ({@link SegmentIdOrds}): filled by a seek per
     * item or by a walk, then other signals (a subset, a superset with a few new ids, the same ids in another order)
     * resolve from it at once, with the same scores and items; ids absent from a segment are known as absent.
     */
    public void testKeywordIdFromTheNodesCopyOfTheSegmentsOrdinals() throws IOException {
        index(400);
        // filled by seeking each item (more documents than items) and by walking the terms, then read (segments not
        // tabled: as segments with more ids than SegmentIdTerms.MAX_TERMS)
        int walk = LeafSignals.WALKED_TERMS_PER_LOOKUP;
        assertScores("sku", 400, 300, 1, 1, true, false, false);
        assertScores("sku", 400, 50, 1, 1 << 20, true, false, false);
        assertScores("sku", 400, 300, 1, walk, true, false, false);
        assertScores("sku", 400, 120, 7, walk, true, false, true);
        // more items than were asked about so far (a few new to the node's copy): the others seek, then all are known
        assertScores("sku", 400, 320, 1, walk, true, false, false);
        assertScores("sku", 400, 2000, 3, walk, true, false, true);
        assertScores("sku", 400, 2000, 1, walk, true, false, false);
        assertThat(SegmentIdOrds.segments(), greaterThan(0));
        // signals whose ids the node's copy all knows (a walk of each segment's terms at the first document put them
        // there): each segment turns them into ordinals before any document
        PersonalizationSignals signals = signals("sku", 400, 200);
        for (LeafReaderContext leaf : reader.leaves()) {
            if (leaf.reader().getSortedSetDocValues("sku") == null) {
                continue; // a segment of documents without an id: nothing to resolve
            }
            LeafSignals fill =
                    new LeafSignals(leaf.reader(), new ShardSignals(signals), WEIGHTS, 1 << 20, 1 << 20, true, false);
            for (int doc = 0; doc < leaf.reader().maxDoc(); doc++) {
                fill.item(doc);
            }
            ShardSignals fresh = new ShardSignals(signals);
            Object key = leaf.reader().getCoreCacheHelper().getKey();
            assertNull(fresh.resolvedKeywordIds(key));
            new LeafSignals(leaf.reader(), fresh, WEIGHTS, 1 << 20, LeafSignals.WALKED_TERMS_PER_LOOKUP, true, false);
            assertNotNull("resolved from the node's copy at once", fresh.resolvedKeywordIds(key));
        }
    }

    /**
     * The node's table of each segment's ids ({@link SegmentIdTerms}): every item turned into the segment's ordinal
     * before any document, by a probe of the table with the hash of the item's bytes, whether the signals came as
     * Strings (the coordinating node's own shards) or as shipped bytes (a remote shard's node); with few items (each
     * ordinal's item by binary search) and many (a table of every ordinal's item), the same scores and items.
     */
    public void testKeywordIdFromTheSegmentsTableOfItsIds() throws IOException {
        index(400);
        int walk = LeafSignals.WALKED_TERMS_PER_LOOKUP;
        for (boolean shipped : new boolean[] {false, true}) {
            assertScores("sku", 400, 3, 1, walk, true, true, shipped);
            assertScores("sku", 400, 30, 1, walk, true, true, shipped);
            assertScores("sku", 400, 300, 7, walk, true, true, shipped);
            assertScores("sku", 400, 2000, 1, walk, true, true, shipped);
        }
        assertThat(SegmentIdTerms.segments(), greaterThan(0));
        // each document's id probed in the table while fewer documents than items are asked about; past that, the
        // items are turned into the segment's ordinals (and kept with the signals for the segment's next passes)
        PersonalizationSignals signals = signals("sku", 400, 5);
        for (LeafReaderContext leaf : reader.leaves()) {
            if (leaf.reader().getSortedSetDocValues("sku") == null) {
                continue;
            }
            ShardSignals fresh = new ShardSignals(signals);
            Object key = leaf.reader().getCoreCacheHelper().getKey();
            LeafSignals reading = new LeafSignals(leaf.reader(), fresh, WEIGHTS, 1 << 20, walk, true, true);
            assertNull("not resolved before any document", fresh.resolvedKeywordIds(key));
            int withId = 0;
            for (int doc = 0; doc < leaf.reader().maxDoc(); doc++) {
                if (leaf.reader().getSortedSetDocValues("sku").advanceExact(doc)) {
                    withId++;
                }
                reading.item(doc);
            }
            assertEquals(
                    "resolved once more documents than items were asked about",
                    withId > signals.size(),
                    fresh.resolvedKeywordIds(key) != null);
        }
    }

    /**
     * A pass that asked about fewer documents than the signals have items turns nothing into the segment's ordinals;
     * the same signals' next pass over the segment (the shopper's next search, their signals the node's copy) turns
     * them at its first document and keeps them: the same items as the first pass found, with the segment's table of
     * ids and without.
     */
    public void testKeywordIdResolvedAtOnceByTheSignalsNextPass() throws IOException {
        index(400);
        PersonalizationSignals signals = signals("sku", 400, 2000);
        int checked = 0;
        for (boolean tableTerms : new boolean[] {false, true}) {
            for (LeafReaderContext leaf : reader.leaves()) {
                LeafReader segment = leaf.reader();
                if (segment.getSortedSetDocValues("sku") == null) {
                    continue;
                }
                Object key = segment.getCoreCacheHelper().getKey();
                Map<Integer, Product> docs = bySegment.get(key);
                // the first document with an id (one without asks the signals nothing); a segment whose ids are all
                // on deleted documents has none
                java.util.OptionalInt withId = docs.entrySet().stream()
                        .filter(e -> e.getValue().id() != null)
                        .mapToInt(Map.Entry::getKey)
                        .min();
                if (withId.isEmpty()) {
                    continue;
                }
                int firstDoc = withId.getAsInt();
                checked++;
                ShardSignals shard = new ShardSignals(signals);
                LeafSignals first = new LeafSignals(segment, shard, WEIGHTS, 1, 1, tableTerms, tableTerms);
                assertThat(first.item(firstDoc), equalTo(expectedItem(signals, docs.get(firstDoc))));
                assertNull("one document asked: nothing turned", shard.resolvedKeywordIds(key));
                LeafSignals next = new LeafSignals(segment, shard, WEIGHTS, 1, 1, tableTerms, tableTerms);
                assertThat(next.item(firstDoc), equalTo(expectedItem(signals, docs.get(firstDoc))));
                assertNotNull("turned at the next pass's first document", shard.resolvedKeywordIds(key));
                for (int doc = firstDoc + 1; doc < segment.maxDoc(); doc++) {
                    Product product = docs.get(doc);
                    if (product != null) {
                        assertThat("doc " + doc, next.item(doc), equalTo(expectedItem(signals, product)));
                    }
                }
            }
        }
        assertThat("segments checked", checked, greaterThan(0));
    }

    /**
     * In a tabled segment whose items are each one document's id, the resolved items carry their documents, which a
     * pass walks instead of reading each document's ordinal; an item that is several documents' id (two products
     * sharing it, or an updated product's deleted copy beside the new one) keeps the ordinals' way: the same items
     * either way, and the documents kept with the signals for the segment's next pass.
     */
    public void testKeywordIdTabledWalksTheItemsDocumentsUnlessShared() throws IOException {
        dir = newDirectory();
        // not the randomized config: its small buffers flush mid-test, and the test needs one segment
        try (IndexWriter writer =
                new IndexWriter(dir, new IndexWriterConfig().setMergePolicy(NoMergePolicy.INSTANCE))) {
            for (int p = 0; p < 60; p++) {
                writer.addDocument(document(Integer.toString(1000 + p), List.of()));
            }
            writer.addDocument(document("1007", List.of())); // a second product with id 1007
            writer.addDocument(document("1011", List.of()));
            writer.deleteDocuments(new Term("_id", Uid.encodeId("1011"))); // both copies of 1011 deleted
            writer.addDocument(document("1011", List.of())); // and written again, in the same segment
        }
        reader = DirectoryReader.open(dir);
        assertEquals(1, reader.leaves().size());
        assertEquals(2, reader.leaves().get(0).reader().numDeletedDocs());
        LeafReader segment = reader.leaves().get(0).reader();
        Object key = segment.getCoreCacheHelper().getKey();
        float[] scores = {0.1f, 0.2f, 0.3f};
        for (String[] ids :
                List.of(new String[] {"1003", "1040", "1059"}, new String[] {"1003", "1007", "1059"}, new String[] {
                    "1011", "1040", "1003"
                })) {
            boolean shared =
                    List.of(ids).contains("1040") == false || List.of(ids).contains("1011");
            ShardSignals shard = new ShardSignals(
                    new PersonalizationSignals("sku", 1, ids, scores, scores, scores, null, null, Map.of()));
            for (int pass = 0; pass < 2; pass++) {
                LeafSignals reading =
                        new LeafSignals(segment, shard, WEIGHTS, 1, LeafSignals.WALKED_TERMS_PER_LOOKUP, true, true);
                Bits live = segment.getLiveDocs();
                for (int doc = 0; doc < segment.maxDoc(); doc++) {
                    if (live != null && live.get(doc) == false) {
                        continue;
                    }
                    BytesRef uid = segment.storedFields().document(doc).getBinaryValue("_id");
                    String id = Uid.decodeId(uid.bytes, uid.offset, uid.length);
                    assertThat(
                            id + " pass " + pass,
                            reading.item(doc),
                            equalTo(List.of(ids).indexOf(id)));
                }
                ShardSignals.ResolvedIds resolved = shard.resolvedKeywordIds(key);
                assertNotNull("resolved after more documents than items", resolved);
                assertNull("few items beside the segment's ids: no table of every ordinal", resolved.itemOfOrd());
                assertEquals(List.of(ids) + " shared", shared, resolved.docs() == null);
            }
        }
    }

    /** An id the signals name twice keeps its first item in every way a keyword id is resolved, shipped or not. */
    public void testKeywordIdNamedTwiceKeepsItsFirstItem() throws IOException {
        index(400);
        String[] ids = {"1001", "1002", "1001", "unknown", "1003", "1002"};
        float[] scores = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f};
        PersonalizationSignals named =
                new PersonalizationSignals("sku", 1, ids, scores, scores, scores, null, null, Map.of());
        BytesStreamOutput out = new BytesStreamOutput();
        named.writeTo(out);
        PersonalizationSignals shipped = new PersonalizationSignals(out.bytes().streamInput());
        for (PersonalizationSignals signals : List.of(named, shipped)) {
            for (boolean tableTerms : new boolean[] {false, true}) {
                for (int walk : new int[] {1, 1 << 20}) {
                    ShardSignals shard = new ShardSignals(signals);
                    for (LeafReaderContext leaf : reader.leaves()) {
                        LeafSignals reading =
                                new LeafSignals(leaf.reader(), shard, WEIGHTS, 1, walk, tableTerms, tableTerms);
                        Map<Integer, Product> docs =
                                bySegment.get(leaf.reader().getCoreCacheHelper().getKey());
                        for (int doc = 0; doc < leaf.reader().maxDoc(); doc++) {
                            Product product = docs.get(doc);
                            if (product == null) {
                                continue;
                            }
                            int wanted =
                                    product.id() == null ? -1 : List.of(ids).indexOf(product.id());
                            assertThat(product.id(), reading.item(doc), equalTo(wanted));
                        }
                    }
                }
            }
        }
    }

    public void testNumericIdMatchesCanonicalNumbersOnly() throws IOException {
        index(400);
        assertScores("number", 400, 300, 1);
        assertScores("number", 400, 300, 9);
    }

    public void testAnIdFieldNoSegmentHasScoresOnlyAttributes() throws IOException {
        index(100);
        assertScores("no-such-field", 100, 50, 1);
    }

    public void testExplainNamesTheWeightedValuesOfTheDocument() throws IOException {
        index(100);
        PersonalizationSignals signals = signals("sku", 100, 50);
        ShardSignals shard = new ShardSignals(signals);
        Map<String, Float> colors = signals.attributes().get("color");
        for (LeafReaderContext leaf : reader.leaves()) {
            Map<Integer, Product> docs =
                    bySegment.get(leaf.reader().getCoreCacheHelper().getKey());
            LeafSignals explain = new LeafSignals(leaf.reader(), shard, WEIGHTS);
            for (int doc = 0; doc < leaf.reader().maxDoc(); doc++) {
                Product product = docs.get(doc);
                if (product == null) {
                    continue;
                }
                List<String> named = explain.explainAttributes(doc).stream()
                        .map(e -> e.getDescription() + "=" + e.getValue().floatValue())
                        .sorted()
                        .toList();
                List<String> wanted = product.colors().stream()
                        .filter(colors::containsKey)
                        .map(c -> "color = [" + c + "]=" + colors.get(c))
                        .sorted()
                        .toList();
                assertThat(named, equalTo(wanted));
            }
        }
    }

    public void testIdTableFindsEachIdByItsBytes() {
        String[] ids = {"a", "ünï", "", "85123A", "a-1", "a"};
        IdTable table = IdTable.utf8(ids);
        assertThat(table.find(new BytesRef("a")), equalTo(0)); // a repeated id keeps its first item
        assertThat(table.find(new BytesRef("ünï")), equalTo(1));
        assertThat(table.find(new BytesRef("")), equalTo(2));
        assertThat(table.find(new BytesRef("85123A")), equalTo(3));
        assertThat(table.find(new BytesRef("a-1")), equalTo(4));
        assertThat(table.find(new BytesRef("b")), equalTo(-1));
        IdTable uids = IdTable.of(new String[] {"a", "ünï", "85123A", "12345"}, Uid::encodeId);
        assertThat(uids.find(Uid.encodeId("85123A")), equalTo(2));
        assertThat(uids.find(Uid.encodeId("12345")), equalTo(3));
        assertThat(uids.find(new BytesRef("12345")), equalTo(-1)); // _id's encoding, not UTF-8
        assertThat(uids.bytesOf(1, new BytesRef()), equalTo(Uid.encodeId("ünï")));
    }

    public void testOnlyCanonicalLongsAreNumericIds() {
        assertThat(ShardSignals.canonicalLong("7"), equalTo(7L));
        assertThat(ShardSignals.canonicalLong("-12"), equalTo(-12L));
        assertThat(ShardSignals.canonicalLong("0"), equalTo(0L));
        assertThat(ShardSignals.canonicalLong("9223372036854775807"), equalTo(Long.MAX_VALUE));
        for (String notOne : new String[] {"07", "+7", "-0", "", "-", "7a", "1e3", "9223372036854775808", " 7"}) {
            assertNull(notOne, ShardSignals.canonicalLong(notOne));
        }
    }
}
