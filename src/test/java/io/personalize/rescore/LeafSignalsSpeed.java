package io.personalize.rescore;

import io.personalize.serving.NeighborList;
import io.personalize.serving.NeighborSums;
import io.personalize.serving.ProfileScorer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.SortedNumericDocValuesField;
import org.apache.lucene.document.SortedSetDocValuesField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.StoredFieldVisitor;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.MMapDirectory;
import org.apache.lucene.util.BytesRef;
import org.elasticsearch.index.mapper.Uid;
import org.elasticsearch.test.ESTestCase;

/**
 * What a rescorer's window costs per id field type, in one JVM, Lucene's default codec, one segment of 200,000
 * products, signals of 5,000 items (fifty recent items' neighbours) and of 1,200 (popularity and affinity only), a
 * window of 1,000 random documents: µs per window for the shard's indexing of the signals plus every document's item.
 * Beside it, the way before (a stored {@code _id} decoded to a String per hit, a numeric id printed to a String, both
 * looked up in a map of {@link BytesRef}). Not a test of the build (no "Tests" suffix): run it with
 * {@code mvn test -Dtest=LeafSignalsSpeed}.
 */
public class LeafSignalsSpeed extends ESTestCase {

    private static final int DOCS = 200_000;

    public void testPrintCostPerWindow() throws IOException {
        Random random = new Random(42);
        try (Directory dir = new MMapDirectory(createTempDir())) {
            try (IndexWriter writer = new IndexWriter(dir, new IndexWriterConfig())) {
                for (int d = 0; d < DOCS; d++) {
                    String id = Integer.toString(100_000 + d);
                    Document doc = new Document();
                    doc.add(new StringField("_id", Uid.encodeId("P" + id), Field.Store.YES));
                    doc.add(new StringField("title", "some title words of product " + id, Field.Store.YES));
                    doc.add(new SortedSetDocValuesField("sku", new BytesRef("P" + id)));
                    doc.add(new SortedNumericDocValuesField("number", Long.parseLong(id)));
                    writer.addDocument(doc);
                }
                writer.forceMerge(1);
            }
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                LeafReader segment = reader.leaves().get(0).reader();
                for (int items : new int[] {5000, 1200}) {
                    String[] keywordItems = new String[items];
                    String[] numericItems = new String[items];
                    for (int i = 0; i < items; i++) {
                        int d = random.nextInt(DOCS);
                        keywordItems[i] = "P" + (100_000 + d);
                        numericItems[i] = Integer.toString(100_000 + d);
                    }
                    int[][] windows = new int[50][];
                    for (int w = 0; w < windows.length; w++) {
                        windows[w] =
                                random.ints(1000, 0, DOCS).sorted().distinct().toArray();
                    }
                    for (int repeat = 0; repeat < 3; repeat++) {
                        System.out.printf(
                                Locale.ROOT,
                                "%,d signal items, window 1,000: keyword %.0f µs, numeric %.0f µs, _id %.0f µs"
                                        + " (stored _id per hit %.0f µs, items sought in _id %.0f µs);"
                                        + " before: _id %.0f µs, numeric %.0f µs%n",
                                items,
                                window(
                                        segment,
                                        signals("sku", keywordItems),
                                        windows,
                                        LeafSignals.STORED_ID_READS_PER_SEEK),
                                window(
                                        segment,
                                        signals("number", numericItems),
                                        windows,
                                        LeafSignals.STORED_ID_READS_PER_SEEK),
                                window(
                                        segment,
                                        signals("_id", keywordItems),
                                        windows,
                                        LeafSignals.STORED_ID_READS_PER_SEEK),
                                window(segment, signals("_id", keywordItems), windows, 0),
                                window(segment, signals("_id", keywordItems), windows, Integer.MAX_VALUE),
                                storedIdsBefore(segment, keywordItems, windows),
                                numericBefore(segment, numericItems, windows));
                    }
                }
            }
        }
    }

    /**
     * The keyword id when many documents share an id (product variants, or the rescore-speed bench's catalogue: 4,000
     * ids over 200,000 documents): signals of 1,600 items, a window of 1,000 random documents and every match of a query
     * (3,000 documents), µs per pass (the shard's indexing of the signals included).
     */
    public void testPrintCostWithSharedIds() throws IOException {
        Random random = new Random(42);
        int distinct = 4_000;
        try (Directory dir = new MMapDirectory(createTempDir())) {
            try (IndexWriter writer = new IndexWriter(dir, new IndexWriterConfig())) {
                for (int d = 0; d < DOCS; d++) {
                    Document doc = new Document();
                    doc.add(new SortedSetDocValuesField(
                            "sku", new BytesRef("P" + (100_000 + random.nextInt(distinct)))));
                    writer.addDocument(doc);
                }
                writer.forceMerge(1);
            }
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                LeafReader segment = reader.leaves().get(0).reader();
                String[] items = new String[1_600];
                for (int i = 0; i < items.length; i++) {
                    items[i] = "P" + (100_000 + random.nextInt(distinct + 1_000));
                }
                PersonalizationSignals signals = signals("sku", items);
                for (int size : new int[] {1_000, 3_000}) {
                    int[][] passes = new int[50][];
                    for (int w = 0; w < passes.length; w++) {
                        passes[w] =
                                random.ints(size, 0, DOCS).sorted().distinct().toArray();
                    }
                    for (int repeat = 0; repeat < 5; repeat++) {
                        System.out.printf(
                                Locale.ROOT,
                                "%,d distinct ids, 1,600 signal items, %,d documents: keyword %.0f µs%n",
                                distinct,
                                size,
                                window(segment, signals, passes, LeafSignals.STORED_ID_READS_PER_SEEK));
                    }
                }
            }
        }
    }

    /**
     * The signals' similarity part of a shopper with fifty recent items of a hundred neighbours each (3,600 items, as
     * the Online Retail model): the one-pass sums beside the scorer's numbering, matrix and ranking (what it was).
     */
    public void testPrintCostOfTheSums() {
        Random random = new Random(7);
        List<String> sources = new ArrayList<>();
        Map<String, NeighborList> lists = new HashMap<>();
        for (int s = 0; s < 50; s++) {
            String source = "S" + random.nextInt(3600);
            if (lists.containsKey(source)) {
                continue;
            }
            List<String> row = new ArrayList<>();
            float[] scores = new float[100];
            for (int p = 0; p < 100; p++) {
                row.add("S" + random.nextInt(3600));
                scores[p] = random.nextFloat();
            }
            sources.add(source);
            lists.put(source, new NeighborList(source, row, scores, 1f));
        }
        for (int repeat = 0; repeat < 5; repeat++) {
            long start = System.nanoTime();
            int n = 0;
            for (int r = 0; r < 200; r++) {
                n += ProfileScorer.score(sources, null, lists, null, ProfileScorer.SUM, Set.of(), Integer.MAX_VALUE)
                        .size();
            }
            long scorer = System.nanoTime() - start;
            start = System.nanoTime();
            for (int r = 0; r < 200; r++) {
                n += NeighborSums.of(sources, lists, Set.of(), false).size();
            }
            long sums = System.nanoTime() - start;
            start = System.nanoTime();
            for (int r = 0; r < 200; r++) {
                n += NeighborSums.of(sources, lists, Set.of(), true).size();
            }
            long named = System.nanoTime() - start;
            System.out.printf(
                    Locale.ROOT,
                    "50 recent items x 100 neighbours: scorer (numbered, ranked, with reasons) %.0f µs; one-pass sums %.0f"
                            + " µs, with the strongest sources %.0f µs (%d)%n",
                    scorer / 200e3,
                    sums / 200e3,
                    named / 200e3,
                    n);
        }
    }

    private static PersonalizationSignals signals(String idField, String[] items) {
        float[] values = new float[items.length];
        Arrays.fill(values, 0.5f);
        return new PersonalizationSignals(idField, 1, items, values, values, values, null, null, Map.of());
    }

    /** µs per window: the shard's signals, a segment's reader, every document's score. */
    private static double window(LeafReader segment, PersonalizationSignals signals, int[][] windows, int readsPerSeek)
            throws IOException {
        double sink = 0;
        long start = System.nanoTime();
        for (int[] window : windows) {
            LeafSignals leaf =
                    new LeafSignals(segment, new ShardSignals(signals), RescoreWeights.DEFAULT, readsPerSeek);
            for (int doc : window) {
                sink += leaf.score(doc);
            }
        }
        assertTrue(sink > 0);
        return (System.nanoTime() - start) / 1e3 / windows.length;
    }

    /** The stored _id decoded to a String, its UTF-8 bytes looked up in a map (the per-hit path before). */
    private static double storedIdsBefore(LeafReader segment, String[] items, int[][] windows) throws IOException {
        long found = 0;
        long start = System.nanoTime();
        for (int[] window : windows) {
            Map<BytesRef, Integer> map = new HashMap<>();
            for (int i = 0; i < items.length; i++) {
                map.put(new BytesRef(items[i]), i);
            }
            var stored = segment.storedFields();
            for (int doc : window) {
                String[] id = new String[1];
                stored.document(doc, new StoredFieldVisitor() {
                    @Override
                    public Status needsField(FieldInfo fieldInfo) {
                        return id[0] != null ? Status.STOP : "_id".equals(fieldInfo.name) ? Status.YES : Status.NO;
                    }

                    @Override
                    public void binaryField(FieldInfo fieldInfo, byte[] value) {
                        id[0] = Uid.decodeId(value);
                    }
                });
                found += map.getOrDefault(new BytesRef(id[0]), -1) >= 0 ? 1 : 0;
            }
        }
        assertTrue(found >= 0);
        return (System.nanoTime() - start) / 1e3 / windows.length;
    }

    /** A numeric id printed to a String, looked up in a map (the per-hit path before). */
    private static double numericBefore(LeafReader segment, String[] items, int[][] windows) throws IOException {
        long found = 0;
        long start = System.nanoTime();
        for (int[] window : windows) {
            Map<BytesRef, Integer> map = new HashMap<>();
            for (int i = 0; i < items.length; i++) {
                map.put(new BytesRef(items[i]), i);
            }
            var values = segment.getSortedNumericDocValues("number");
            for (int doc : window) {
                if (values.advanceExact(doc)) {
                    found += map.getOrDefault(new BytesRef(Long.toString(values.nextValue())), -1) >= 0 ? 1 : 0;
                }
            }
        }
        assertTrue(found >= 0);
        return (System.nanoTime() - start) / 1e3 / windows.length;
    }
}
