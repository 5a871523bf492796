package io.personalize.rescore;

import static org.hamcrest.Matchers.greaterThan;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.SortedSetDocValuesField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.SortedSetDocValues;
import org.apache.lucene.store.Directory;
import org.apache.lucene.util.BytesRef;
import org.elasticsearch.common.breaker.CircuitBreaker;
import org.elasticsearch.common.breaker.CircuitBreakingException;
import org.elasticsearch.common.breaker.NoopCircuitBreaker;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.test.ESTestCase;

/**
 * The node's tables of segments' ids ({@link SegmentIdTerms}) stay within {@code personalize.cache.segment_ids.size}
 * and are counted in the breaker given (the fielddata breaker on a node): a table is counted when built and given back
 * when its segment closes, and a table that would trip the breaker or pass the size is not built (the segment's ids are
 * then sought instead).
 */
public class SegmentIdTermsTests extends ESTestCase {

    /** A breaker that counts what it is given, and trips past {@code limit}. */
    private static final class CountingBreaker extends NoopCircuitBreaker {
        final AtomicLong used = new AtomicLong();
        final long limit;

        CountingBreaker(long limit) {
            super(CircuitBreaker.FIELDDATA);
            this.limit = limit;
        }

        @Override
        public void addEstimateBytesAndMaybeBreak(long bytes, String label) throws CircuitBreakingException {
            if (used.get() + bytes > limit) {
                throw new CircuitBreakingException("too much", bytes, limit, Durability.TRANSIENT);
            }
            used.addAndGet(bytes);
        }

        @Override
        public void addWithoutBreaking(long bytes) {
            used.addAndGet(bytes);
        }

        @Override
        public long getUsed() {
            return used.get();
        }
    }

    @Override
    public void tearDown() throws Exception {
        SegmentIdTerms.configure(Settings.EMPTY, null, new NoopCircuitBreaker(CircuitBreaker.FIELDDATA));
        super.tearDown();
    }

    private static Directory index(Directory dir, int ids) throws IOException {
        try (IndexWriter writer = new IndexWriter(dir, newIndexWriterConfig())) {
            for (int i = 0; i < ids; i++) {
                Document doc = new Document();
                doc.add(new SortedSetDocValuesField("sku", new BytesRef("item-" + i)));
                writer.addDocument(doc);
            }
            writer.forceMerge(1);
        }
        return dir;
    }

    private static SegmentIdTerms table(LeafReader leaf) throws IOException {
        return SegmentIdTerms.of(leaf, "sku", leaf.getSortedSetDocValues("sku"));
    }

    public void testCountedInTheBreakerUntilTheSegmentCloses() throws IOException {
        CountingBreaker breaker = new CountingBreaker(Long.MAX_VALUE);
        SegmentIdTerms.configure(Settings.EMPTY, null, breaker);
        long before = SegmentIdTerms.tabledBytes();
        try (Directory dir = index(newDirectory(), 1000)) {
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                LeafReader leaf = reader.leaves().get(0).reader();
                SegmentIdTerms table = table(leaf);
                assertNotNull(table);
                assertThat(breaker.getUsed(), greaterThan(1000L * 8));
                assertEquals(table.heapBytes(), breaker.getUsed());
                assertEquals(before + table.heapBytes(), SegmentIdTerms.tabledBytes());
                assertSame("built once for the segment", table, table(leaf));
                assertEquals(table.heapBytes(), breaker.getUsed());
            }
            assertEquals("given back when the segment closed", 0, breaker.getUsed());
            assertEquals(before, SegmentIdTerms.tabledBytes());
        }
    }

    public void testNotBuiltWhenTheBreakerTrips() throws IOException {
        CountingBreaker breaker = new CountingBreaker(1000);
        SegmentIdTerms.configure(Settings.EMPTY, null, breaker);
        long before = SegmentIdTerms.tabledBytes();
        try (Directory dir = index(newDirectory(), 1000);
                DirectoryReader reader = DirectoryReader.open(dir)) {
            assertNull(table(reader.leaves().get(0).reader()));
            assertEquals(0, breaker.getUsed());
            assertEquals(before, SegmentIdTerms.tabledBytes());
        }
    }

    public void testNotBuiltPastTheNodesSize() throws IOException {
        CountingBreaker breaker = new CountingBreaker(Long.MAX_VALUE);
        SegmentIdTerms.configure(
                Settings.builder().put(SegmentIdTerms.SIZE.getKey(), "10kb").build(), null, breaker);
        try (Directory dir = index(newDirectory(), 1000);
                DirectoryReader reader = DirectoryReader.open(dir)) {
            assertNull(
                    "1,000 ids take more than 10 KB",
                    table(reader.leaves().get(0).reader()));
            assertEquals(0, breaker.getUsed());
        }
        try (Directory dir = index(newDirectory(), 100);
                DirectoryReader reader = DirectoryReader.open(dir)) {
            assertNotNull("100 ids fit", table(reader.leaves().get(0).reader()));
        }
    }

    /** Each document's ordinal, as the table keeps it, is its first id's in the doc values; -1 without an id. */
    public void testEachDocumentsOrdinal() throws IOException {
        try (Directory dir = newDirectory()) {
            try (IndexWriter writer = new IndexWriter(dir, newIndexWriterConfig())) {
                for (int i = 0; i < 300; i++) {
                    Document doc = new Document();
                    int ids = randomIntBetween(0, 2); // none, one, or two (the first, in ordinal order, counts)
                    for (int k = 0; k < ids; k++) {
                        doc.add(new SortedSetDocValuesField("sku", new BytesRef("item-" + randomIntBetween(0, 99))));
                    }
                    writer.addDocument(doc);
                }
                writer.forceMerge(1);
            }
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                assertEachDocumentsOrdinal(reader.leaves().get(0).reader());
            }
        }
    }

    /** The table's ordinal of each document is its first in the doc values; returns the table. */
    private static SegmentIdTerms assertEachDocumentsOrdinal(LeafReader leaf) throws IOException {
        SegmentIdTerms table = table(leaf);
        assertNotNull(table);
        SortedSetDocValues values = leaf.getSortedSetDocValues("sku");
        for (int doc = 0; doc < leaf.maxDoc(); doc++) {
            long expected = values.advanceExact(doc) ? values.nextOrd() : -1;
            assertEquals("document " + doc, expected, table.docOrd(doc));
        }
        return table;
    }

    /**
     * A segment of more distinct ids than two bytes hold keeps each document's ordinal in four (and counts them so); a
     * segment of fewer, in two: the same ordinals either way.
     */
    public void testEachDocumentsOrdinalPastTwoBytes() throws IOException {
        for (int ids : new int[] {Character.MAX_VALUE - 2, Character.MAX_VALUE + 10}) {
            try (Directory dir = newDirectory()) {
                try (IndexWriter writer = new IndexWriter(dir, newIndexWriterConfig())) {
                    for (int i = 0; i < ids; i++) {
                        Document doc = new Document();
                        doc.add(new SortedSetDocValuesField("sku", new BytesRef("item-" + i)));
                        writer.addDocument(doc);
                        if (i % 1000 == 0) {
                            writer.addDocument(new Document()); // no id
                        }
                    }
                    writer.forceMerge(1);
                }
                try (DirectoryReader reader = DirectoryReader.open(dir)) {
                    LeafReader leaf = reader.leaves().get(0).reader();
                    SegmentIdTerms table = assertEachDocumentsOrdinal(leaf);
                    long perDocument = ids < Character.MAX_VALUE ? 2 : 4;
                    long docs = perDocument * leaf.maxDoc();
                    assertEquals(
                            "each document's ordinal in " + perDocument + " bytes",
                            docs,
                            table.heapBytes() - 64 - table.ids().heapBytes() - 4L * ids);
                }
            }
        }
    }
}
