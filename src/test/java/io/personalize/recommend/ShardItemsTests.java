package io.personalize.recommend;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.core.KeywordAnalyzer;
import org.apache.lucene.analysis.core.KeywordTokenizer;
import org.apache.lucene.analysis.core.LowerCaseFilter;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.SortedSetDocValuesField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.Term;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.apache.lucene.util.BytesRef;
import org.elasticsearch.test.ESTestCase;

/** The shard read of a shelf's candidates: ids by their terms, live documents only, attribute values as a terms agg lists them. */
public class ShardItemsTests extends ESTestCase {

    private static Document product(String sku, String... categories) {
        Document doc = new Document();
        doc.add(new StringField("sku", sku, Field.Store.NO));
        doc.add(new SortedSetDocValuesField("sku", new BytesRef(sku)));
        for (String category : categories) {
            doc.add(new SortedSetDocValuesField("category", new BytesRef(category)));
        }
        return doc;
    }

    public void testFindsLiveItemsAcrossSegmentsWithTheirValues() throws IOException {
        try (Directory dir = new ByteBuffersDirectory();
                IndexWriter writer =
                        new IndexWriter(dir, new IndexWriterConfig().setMergePolicy(NoMergePolicy.INSTANCE))) {
            writer.addDocument(product("a", "candles", "home"));
            writer.addDocument(product("b", "mugs"));
            writer.commit(); // a second segment for what follows
            writer.addDocument(product("c"));
            writer.addDocument(product("d", "toys"));
            writer.deleteDocuments(new Term("sku", "d")); // a deleted product is not found
            writer.commit();
            try (DirectoryReader reader = DirectoryReader.open(writer)) {
                assertTrue(reader.leaves().size() > 1);
                Map<String, Map<String, List<String>>> found = ShardItems.read(
                        reader,
                        "sku",
                        new KeywordAnalyzer(),
                        List.of("c", "a", "d", "zz", "b"),
                        List.of("category"),
                        100);
                assertEquals(
                        Map.of(
                                "a", Map.of("category", List.of("candles", "home")),
                                "b", Map.of("category", List.of("mugs")),
                                "c", Map.of()),
                        found);
            }
        }
    }

    /**
     * Without a normalizer the ids are looked up in the order of their Java strings, which is not the order of their
     * UTF-8 bytes past U+FFFF: every id is still found, keyed as given.
     */
    public void testIdsWhoseStringAndByteOrdersDifferAreAllFound() throws IOException {
        String fullwidth = "\uFF21"; // UTF-8 EF BC A1: after the emoji as a string, before it as bytes
        String emoji = "\uD83D\uDE00"; // U+1F600, UTF-8 F0 9F 98 80
        try (Directory dir = new ByteBuffersDirectory();
                IndexWriter writer = new IndexWriter(dir, new IndexWriterConfig())) {
            for (String sku : List.of(fullwidth, emoji, "a", "z")) {
                writer.addDocument(product(sku, "c-" + sku));
            }
            try (DirectoryReader reader = DirectoryReader.open(writer)) {
                Map<String, Map<String, List<String>>> found = ShardItems.read(
                        reader, "sku", null, List.of("z", emoji, "missing", fullwidth, "a"), List.of("category"), 10);
                assertEquals(
                        Map.of(
                                fullwidth,
                                Map.of("category", List.of("c-" + fullwidth)),
                                emoji,
                                Map.of("category", List.of("c-" + emoji)),
                                "a",
                                Map.of("category", List.of("c-a")),
                                "z",
                                Map.of("category", List.of("c-z"))),
                        found);
            }
        }
    }

    public void testCapsValuesPerAttributeInTheirOrder() throws IOException {
        try (Directory dir = new ByteBuffersDirectory();
                IndexWriter writer = new IndexWriter(dir, new IndexWriterConfig())) {
            writer.addDocument(product("a", "z", "y", "x"));
            try (DirectoryReader reader = DirectoryReader.open(writer)) {
                assertEquals(
                        Map.of("a", Map.of("category", List.of("x", "y"))),
                        ShardItems.read(reader, "sku", new KeywordAnalyzer(), List.of("a"), List.of("category"), 2));
            }
        }
    }

    public void testIdsAreNormalizedAsTheFieldIndexedThem() throws IOException {
        Analyzer lowercase = new Analyzer() {
            @Override
            protected TokenStreamComponents createComponents(String fieldName) {
                KeywordTokenizer tokenizer = new KeywordTokenizer();
                return new TokenStreamComponents(tokenizer, new LowerCaseFilter(tokenizer));
            }

            @Override
            protected TokenStream normalize(String fieldName, TokenStream in) {
                return new LowerCaseFilter(in);
            }
        };
        try (Directory dir = new ByteBuffersDirectory();
                IndexWriter writer = new IndexWriter(dir, new IndexWriterConfig())) {
            writer.addDocument(product("abc"));
            try (DirectoryReader reader = DirectoryReader.open(writer)) {
                assertEquals(
                        Map.of("abc", Map.of()),
                        ShardItems.read(reader, "sku", lowercase, List.of("ABC"), List.of(), 100));
            }
        }
    }

    public void testWithoutANormalizerIdsAreTheirOwnUtf8Terms() throws IOException {
        try (Directory dir = new ByteBuffersDirectory();
                IndexWriter writer = new IndexWriter(dir, new IndexWriterConfig())) {
            writer.addDocument(product("85123A", "home"));
            writer.addDocument(product("crème", "food"));
            try (DirectoryReader reader = DirectoryReader.open(writer)) {
                assertEquals(
                        Map.of(
                                "85123A",
                                Map.of("category", List.of("home")),
                                "crème",
                                Map.of("category", List.of("food"))),
                        ShardItems.read(
                                reader, "sku", null, List.of("crème", "85123a", "85123A"), List.of("category"), 100));
            }
        }
    }

    public void testReadableNeedsIndexedIdsAndSortedSetAttributes() throws IOException {
        try (Directory dir = new ByteBuffersDirectory();
                IndexWriter writer = new IndexWriter(dir, new IndexWriterConfig())) {
            Document doc = product("a", "home");
            doc.add(new SortedSetDocValuesField("doc_values_only", new BytesRef("a")));
            writer.addDocument(doc);
            try (DirectoryReader reader = DirectoryReader.open(writer)) {
                assertTrue(ShardItems.readable(reader, "sku", true));
                assertTrue(ShardItems.readable(reader, "category", false));
                assertFalse(ShardItems.readable(reader, "doc_values_only", true));
                assertTrue(ShardItems.readable(reader, "absent", true)); // no segment has it: nothing found
            }
        }
    }
}
