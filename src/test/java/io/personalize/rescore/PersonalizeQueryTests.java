package io.personalize.rescore;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.SortedSetDocValuesField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopScoreDocCollectorManager;
import org.apache.lucene.search.Weight;
import org.apache.lucene.store.Directory;
import org.apache.lucene.util.BytesRef;
import org.elasticsearch.test.ESTestCase;

/**
 * The query's scorer on a small Lucene index of several segments: each match scored as the formula says (the inner
 * BM25 score, log-normalised, plus the signals of its item and attributes), the same top hits whether Lucene may skip
 * (a minimum competitive score passed on, max scores reported) or must score everything, and explain equal to the
 * score. Lucene's asserting searcher (newSearcher) checks the scorer contracts on the way, maximum scores included.
 */
public class PersonalizeQueryTests extends ESTestCase {

    private static final String[] WORDS = {"gift", "bag", "candle", "red", "white", "jumbo", "heart", "holder"};
    private static final RescoreWeights WEIGHTS = new RescoreWeights(0.5f, 0.5f, 1f, 0.5f, 1f);

    private Directory directory;
    private DirectoryReader reader;
    private IndexSearcher searcher;
    private PersonalizationSignals signals;

    @Override
    public void setUp() throws Exception {
        super.setUp();
        directory = newDirectory();
        IndexWriterConfig config = new IndexWriterConfig(new StandardAnalyzer());
        int docs = 3000;
        try (IndexWriter writer = new IndexWriter(directory, config)) {
            for (int i = 0; i < docs; i++) {
                Document doc = new Document();
                String sku = "p" + i;
                doc.add(new StringField("sku", sku, Field.Store.NO));
                doc.add(new SortedSetDocValuesField("sku", new BytesRef(sku)));
                doc.add(new SortedSetDocValuesField("category", new BytesRef(i % 3 == 0 ? "candles" : "bags")));
                StringBuilder title = new StringBuilder();
                for (int w = 0, n = between(1, 6); w < n; w++) {
                    title.append(randomFrom(WORDS)).append(' ');
                }
                doc.add(new TextField("title", title.toString(), Field.Store.NO));
                writer.addDocument(doc);
                if (i % 700 == 699) {
                    writer.commit(); // several segments
                }
            }
        }
        reader = DirectoryReader.open(directory);
        searcher = newSearcher(reader);
        // a third of the items known to the model, with random signals in [0, 1]
        int known = docs / 3;
        String[] items = new String[known];
        float[] similarity = new float[known];
        float[] affinity = new float[known];
        float[] popularity = new float[known];
        for (int k = 0; k < known; k++) {
            items[k] = "p" + (k * 3 + between(0, 2));
            similarity[k] = randomBoolean() ? 0f : randomFloat();
            affinity[k] = randomBoolean() ? 0f : randomFloat();
            popularity[k] = randomFloat();
        }
        signals = new PersonalizationSignals(
                "sku",
                7L,
                items,
                similarity,
                affinity,
                popularity,
                null,
                null,
                Map.of("category", Map.of("candles", 0.8f, "bags", 0.25f)));
    }

    @Override
    public void tearDown() throws Exception {
        reader.close();
        directory.close();
        super.tearDown();
    }

    private static Query inner() {
        BooleanQuery.Builder b = new BooleanQuery.Builder();
        b.add(new TermQuery(new Term("title", "gift")), BooleanClause.Occur.SHOULD);
        b.add(new TermQuery(new Term("title", "heart")), BooleanClause.Occur.SHOULD);
        b.add(new TermQuery(new Term("title", "jumbo")), BooleanClause.Occur.SHOULD);
        return b.build();
    }

    private PersonalizeQuery personalized(QueryNormalization normalization) {
        return new PersonalizeQuery(inner(), new ShardSignals(signals), WEIGHTS, normalization);
    }

    /** The expected score of every match, from the formula's parts computed here on their own. */
    private Map<Integer, Float> expected(QueryNormalization normalization) throws IOException {
        Map<String, Integer> index = new HashMap<>();
        for (int k = 0; k < signals.items().length; k++) {
            index.put(signals.items()[k], k);
        }
        Map<Integer, Float> scores = new HashMap<>();
        // the same searcher (and so the same, randomized, similarity) as the personalized search
        for (ScoreDoc hit : searcher.search(inner(), Integer.MAX_VALUE).scoreDocs) {
            List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
            LeafReaderContext leaf = leaves.get(org.apache.lucene.index.ReaderUtil.subIndex(hit.doc, leaves));
            int doc = hit.doc - leaf.docBase;
            var skus = leaf.reader().getSortedSetDocValues("sku");
            assertTrue(skus.advanceExact(doc));
            String sku = skus.lookupOrd(skus.nextOrd()).utf8ToString();
            var categories = leaf.reader().getSortedSetDocValues("category");
            assertTrue(categories.advanceExact(doc));
            String category = categories.lookupOrd(categories.nextOrd()).utf8ToString();
            Integer k = index.get(sku);
            float attributes = signals.attributes().get("category").get(category);
            float score = WEIGHTS.query() * normalization.apply(hit.score, 0f, 0f)
                    + PersonalizedScore.combine(
                            WEIGHTS,
                            0f,
                            k == null ? 0f : signals.similarity(k),
                            k == null ? 0f : signals.affinity(k),
                            attributes,
                            k == null ? 0f : signals.popularity(k));
            scores.put(hit.doc, score);
        }
        return scores;
    }

    public void testEveryMatchIsScoredWithTheFormula() throws IOException {
        for (QueryNormalization normalization : List.of(QueryNormalization.LOG, QueryNormalization.NONE)) {
            Map<Integer, Float> expected = expected(normalization);
            TopDocs all = searcher.search(personalized(normalization), Integer.MAX_VALUE);
            assertEquals("every match of the inner query, no window", expected.size(), all.scoreDocs.length);
            for (ScoreDoc hit : all.scoreDocs) {
                assertEquals("doc " + hit.doc, expected.get(hit.doc), hit.score, 1e-5f);
                assertTrue(hit.score >= 0);
            }
        }
    }

    public void testSkippingKeepsTheSameTopHits() throws IOException {
        for (QueryNormalization normalization : List.of(QueryNormalization.LOG, QueryNormalization.NONE)) {
            for (int size : new int[] {1, 10, 100}) {
                // threshold 1: Lucene sets a minimum competitive score as soon as the queue is full (TOP_SCORES)
                TopDocs skipping =
                        searcher.search(personalized(normalization), new TopScoreDocCollectorManager(size, 1));
                TopDocs exhaustive = searcher.search(
                        personalized(normalization), new TopScoreDocCollectorManager(size, Integer.MAX_VALUE));
                assertEquals(exhaustive.scoreDocs.length, skipping.scoreDocs.length);
                for (int i = 0; i < size; i++) {
                    assertEquals("rank " + i, exhaustive.scoreDocs[i].score, skipping.scoreDocs[i].score, 0f);
                    assertEquals("rank " + i, exhaustive.scoreDocs[i].doc, skipping.scoreDocs[i].doc);
                }
            }
        }
    }

    public void testTheMaxScoreBoundsEveryScore() throws IOException {
        IndexSearcher plain = new IndexSearcher(reader);
        Weight weight =
                plain.createWeight(plain.rewrite(personalized(QueryNormalization.LOG)), ScoreMode.TOP_SCORES, 2f);
        for (LeafReaderContext leaf : reader.leaves()) {
            Scorer scorer = weight.scorer(leaf);
            if (scorer == null) {
                continue;
            }
            float max = scorer.getMaxScore(DocIdSetIterator.NO_MORE_DOCS);
            for (int doc = scorer.iterator().nextDoc();
                    doc != DocIdSetIterator.NO_MORE_DOCS;
                    doc = scorer.iterator().nextDoc()) {
                float score = scorer.score();
                assertEquals("asked twice, the same score", score, scorer.score(), 0f);
                assertTrue(score + " <= " + max, score <= max);
            }
        }
    }

    public void testExplainEqualsTheScore() throws IOException {
        TopDocs top = searcher.search(personalized(QueryNormalization.LOG), 20);
        for (ScoreDoc hit : top.scoreDocs) {
            Explanation explanation = searcher.explain(personalized(QueryNormalization.LOG), hit.doc);
            assertEquals(hit.score, explanation.getValue().floatValue(), 1e-5f);
            assertTrue(
                    explanation.getDescription(),
                    explanation.getDescription().startsWith("personalize (model version [7])"));
            assertEquals(5, explanation.getDetails().length);
            assertTrue(explanation.getDetails()[0].getDescription().contains("normalised with [log]"));
        }
    }

    public void testAFilterMatchesWhatTheInnerQueryMatches() throws IOException {
        assertEquals(searcher.count(inner()), searcher.count(personalized(QueryNormalization.LOG)));
    }

    public void testMinmaxIsRefused() {
        IllegalArgumentException e = expectThrows(
                IllegalArgumentException.class,
                () -> new PersonalizeQuery(inner(), new ShardSignals(signals), WEIGHTS, QueryNormalization.MINMAX));
        assertTrue(e.getMessage().contains("[minmax] needs a window"));
    }
}
