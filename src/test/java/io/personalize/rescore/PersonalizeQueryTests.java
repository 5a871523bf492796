package io.personalize.rescore;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.document.NumericDocValuesField;
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
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.FieldDoc;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopFieldDocs;
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
                // points and doc values: a sort on it skips by a competitive iterator
                doc.add(new LongPoint("rank", i % 5));
                doc.add(new NumericDocValuesField("rank", i % 5));
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

    /**
     * The inner queries whose matches are scored differently: a disjunction through its own bulk scorer, a term (boosted
     * or not) in batches taken from its scorer.
     */
    private static List<Query> inners() {
        return List.of(
                inner(),
                new TermQuery(new Term("title", "gift")),
                new BoostQuery(new TermQuery(new Term("title", "heart")), 2f));
    }

    private PersonalizeQuery personalized(QueryNormalization normalization) {
        return personalized(normalization, inner());
    }

    private PersonalizeQuery personalized(QueryNormalization normalization, Query inner) {
        return new PersonalizeQuery(inner, new ShardSignals(signals), WEIGHTS, normalization);
    }

    /** The expected score of every match, from the formula's parts computed here on their own. */
    private Map<Integer, Float> expected(QueryNormalization normalization, Query inner) throws IOException {
        Map<String, Integer> index = new HashMap<>();
        for (int k = 0; k < signals.items().length; k++) {
            index.put(signals.items()[k], k);
        }
        Map<Integer, Float> scores = new HashMap<>();
        // the same searcher (and so the same, randomized, similarity) as the personalized search
        for (ScoreDoc hit : searcher.search(inner, Integer.MAX_VALUE).scoreDocs) {
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
        for (Query inner : inners()) {
            for (QueryNormalization normalization : List.of(QueryNormalization.LOG, QueryNormalization.NONE)) {
                Map<Integer, Float> expected = expected(normalization, inner);
                TopDocs all = searcher.search(personalized(normalization, inner), Integer.MAX_VALUE);
                assertEquals("every match of " + inner + ", no window", expected.size(), all.scoreDocs.length);
                for (ScoreDoc hit : all.scoreDocs) {
                    assertEquals(inner + ", doc " + hit.doc, expected.get(hit.doc), hit.score, 1e-5f);
                    assertTrue(hit.score >= 0);
                }
            }
        }
    }

    /**
     * Sorted by a field first, then by score: the collector skips by a competitive iterator, so the documents are
     * scored one by one, with the same formula.
     */
    public void testAFieldSortThenTheScoreGetsTheFormula() throws IOException {
        Sort sort = new Sort(new SortField("rank", SortField.Type.LONG), SortField.FIELD_SCORE);
        for (Query inner : inners()) {
            Map<Integer, Float> expected = expected(QueryNormalization.LOG, inner);
            TopFieldDocs sorted = searcher.search(personalized(QueryNormalization.LOG, inner), 50, sort);
            assertEquals(Math.min(50, expected.size()), sorted.scoreDocs.length);
            for (ScoreDoc hit : sorted.scoreDocs) {
                float score = (Float) ((FieldDoc) hit).fields[1];
                assertEquals(inner + ", doc " + hit.doc, expected.get(hit.doc), score, 1e-5f);
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

    /**
     * A shopper's bound is computed from their signals: the best own item's weighted similarity, affinity and
     * popularity, or the best popular item's popularity, plus the best attribute part; far below the sum of the weights.
     */
    public void testTheBoundIsTheBestItemPlusTheBestAttributePart() {
        PersonalizationSignals own = new PersonalizationSignals(
                "sku",
                1L,
                new String[] {"a", "b"},
                new float[] {0.2f, 1f},
                new float[] {0.4f, 0f},
                new float[] {0f, 0.1f},
                null,
                null,
                Map.of("category", Map.of("candles", 0.8f, "bags", 0.25f), "colour", Map.of("red", 0.5f)));
        // a: 0.5 · 0.2 + 1 · 0.4 = 0.5; b: 0.5 · 1 + 1 · 0.1 = 0.6; attributes: 0.5 · (0.8 + 0.5) / 2 = 0.325
        assertEquals(0.6f + 0.325f, new ShardSignals(own).maxPersonalized(WEIGHTS), 1e-6f);
        PersonalizationSignals popular =
                PersonalizationSignals.popularPart("sku", 1L, new String[] {"c", "d"}, new float[] {0.3f, 0.9f}, null);
        // d's popularity, 1 · 0.9, is above every own item
        assertEquals(0.9f + 0.325f, new ShardSignals(own.withPopular(popular)).maxPersonalized(WEIGHTS), 1e-6f);
        PersonalizationSignals stranger = new PersonalizationSignals(
                "sku", 1L, new String[0], new float[0], new float[0], new float[0], null, null, Map.of());
        assertEquals(0f, new ShardSignals(stranger).maxPersonalized(WEIGHTS), 0f);
    }

    /**
     * A shopper the model knows nothing about (no items, no popular part, no attributes): the personalized part is 0,
     * so the query lets Lucene skip the wrapped query's blocks as BM25 alone does (the top 10 without counting every
     * hit); with the sum of the weights as the bound it never did.
     */
    public void testAnUnknownShopperSkipsAsBm25Does() throws IOException {
        try (Directory skewed = newDirectory()) {
            try (IndexWriter writer = new IndexWriter(skewed, new IndexWriterConfig(new StandardAnalyzer()))) {
                for (int i = 0; i < 20_000; i++) {
                    Document doc = new Document();
                    doc.add(new SortedSetDocValuesField("sku", new BytesRef("p" + i)));
                    // the first documents score best: every later block's best is below the top 10
                    doc.add(new TextField(
                            "title", i < 100 ? "gift gift gift" : "gift" + " filler".repeat(20), Field.Store.NO));
                    writer.addDocument(doc);
                }
                writer.forceMerge(1);
            }
            try (DirectoryReader skewedReader = DirectoryReader.open(skewed)) {
                IndexSearcher plain = new IndexSearcher(skewedReader);
                Query gift = new TermQuery(new Term("title", "gift"));
                PersonalizationSignals stranger = new PersonalizationSignals(
                        "sku", 1L, new String[0], new float[0], new float[0], new float[0], null, null, Map.of());
                Query personalized =
                        new PersonalizeQuery(gift, new ShardSignals(stranger), WEIGHTS, QueryNormalization.LOG);
                TopDocs bm25 = plain.search(gift, new TopScoreDocCollectorManager(10, 1));
                TopDocs top = plain.search(personalized, new TopScoreDocCollectorManager(10, 1));
                // the hits counted: fewer than the matches when blocks were skipped
                assertTrue("BM25 skips: " + bm25.totalHits, bm25.totalHits.value() < 20_000);
                assertTrue("the personalize query skips too: " + top.totalHits, top.totalHits.value() < 20_000);
                for (int i = 0; i < 10; i++) {
                    assertEquals(bm25.scoreDocs[i].doc, top.scoreDocs[i].doc);
                }
            }
        }
    }

    /**
     * Many random shoppers (own items, a popular part or not, attributes or not), weights, boosts and queries on an
     * index whose BM25 scores fall block after block, so that Lucene skips much: the top hits with skipping are those
     * of scoring every match. A bound that left out a part (the popular part's, say) skips popular documents that
     * belong in the top hits, and fails here.
     */
    public void testSkippingEqualsExhaustiveCollectionForRandomShoppers() throws IOException {
        int docs = 4000;
        try (Directory skewed = newDirectory()) {
            try (IndexWriter writer = new IndexWriter(skewed, new IndexWriterConfig(new StandardAnalyzer()))) {
                for (int i = 0; i < docs; i++) {
                    Document doc = new Document();
                    doc.add(new SortedSetDocValuesField("sku", new BytesRef("p" + i)));
                    doc.add(new SortedSetDocValuesField(
                            "category", new BytesRef(randomFrom("candles", "bags", "mugs"))));
                    StringBuilder title = new StringBuilder();
                    for (int w = 0, n = between(1, 3); w < n; w++) {
                        String word = randomFrom(WORDS);
                        for (int tf = between(1, 3); tf > 0; tf--) {
                            title.append(word).append(' ');
                        }
                    }
                    // later documents are longer: their BM25 scores fall, block after block
                    title.append(" filler".repeat(i * 30 / docs));
                    doc.add(new TextField("title", title.toString(), Field.Store.NO));
                    writer.addDocument(doc);
                    if (i % 1500 == 1499) {
                        writer.commit();
                    }
                }
            }
            try (DirectoryReader skewedReader = DirectoryReader.open(skewed)) {
                IndexSearcher skewedSearcher = newSearcher(skewedReader);
                int skipped = 0;
                for (int shopper = 0; shopper < 60; shopper++) {
                    PersonalizationSignals signals = randomShopper(docs);
                    RescoreWeights weights = new RescoreWeights(
                            randomFrom(0.5f, 1f, 2f, randomFloat() * 3),
                            randomFloat(),
                            randomFloat(),
                            randomFloat(),
                            randomFloat() * 2);
                    for (int q = 0; q < 3; q++) {
                        Query query = new PersonalizeQuery(
                                randomQuery(), new ShardSignals(signals), weights, QueryNormalization.LOG);
                        if (randomBoolean()) {
                            query = new BoostQuery(query, randomFrom(0.5f, 2f, 3f));
                        }
                        int size = randomFrom(1, 5, 10, 30);
                        TopDocs skipping = skewedSearcher.search(query, new TopScoreDocCollectorManager(size, 1));
                        TopDocs exhaustive =
                                skewedSearcher.search(query, new TopScoreDocCollectorManager(size, Integer.MAX_VALUE));
                        if (skipping.totalHits.value() < exhaustive.totalHits.value()) {
                            skipped++;
                        }
                        assertEquals(exhaustive.scoreDocs.length, skipping.scoreDocs.length);
                        for (int i = 0; i < exhaustive.scoreDocs.length; i++) {
                            String rank = "shopper " + shopper + ", " + query + ", rank " + i;
                            assertEquals(rank, exhaustive.scoreDocs[i].doc, skipping.scoreDocs[i].doc);
                            assertEquals(rank, exhaustive.scoreDocs[i].score, skipping.scoreDocs[i].score, 0f);
                        }
                    }
                }
                assertTrue("Lucene skipped documents in " + skipped + " of 180 searches", skipped > 30);
            }
        }
    }

    /** A shopper: own items (or none) with random signals, the model's popular part (or none), attributes (or none). */
    private PersonalizationSignals randomShopper(int docs) {
        int own = randomFrom(0, between(1, 20), between(20, 300));
        String[] items = new String[own];
        float[] similarity = new float[own];
        float[] affinity = new float[own];
        float[] popularity = new float[own];
        // own items' signals sometimes all weak: the popular part's then holds the bound
        float scale = randomFrom(1f, 0.2f, 0.05f);
        for (int k = 0; k < own; k++) {
            items[k] = "p" + (k * (docs / Math.max(1, own)) + between(0, docs / Math.max(1, own) - 1));
            similarity[k] = randomBoolean() ? 0f : scale * randomFloat();
            affinity[k] = randomBoolean() ? 0f : scale * randomFloat();
            popularity[k] = scale * randomFloat();
        }
        Map<String, Map<String, Float>> attributes = randomBoolean()
                ? Map.of()
                : Map.of("category", Map.of("candles", randomFloat(), "mugs", randomFloat()));
        PersonalizationSignals signals =
                new PersonalizationSignals("sku", 7L, items, similarity, affinity, popularity, null, null, attributes);
        if (randomInt(4) == 0) {
            return signals;
        }
        int popular = between(1, 50);
        String[] popularItems = new String[popular];
        float[] popularPopularity = new float[popular];
        for (int p = 0; p < popular; p++) {
            // among the later, low-scoring documents: only their popularity lifts them into the top hits
            popularItems[p] = "p" + (docs / 2 + p * (docs / 2 / popular));
            popularPopularity[p] = p == 0 ? 1f : randomFloat();
        }
        return signals.withPopular(
                PersonalizationSignals.popularPart("sku", 7L, popularItems, popularPopularity, null));
    }

    /** One word, a disjunction or a conjunction of two. */
    private static Query randomQuery() {
        Query first = new TermQuery(new Term("title", randomFrom(WORDS)));
        return switch (randomInt(2)) {
            case 0 -> first;
            default ->
                new BooleanQuery.Builder()
                        .add(first, randomBoolean() ? BooleanClause.Occur.SHOULD : BooleanClause.Occur.MUST)
                        .add(new TermQuery(new Term("title", randomFrom(WORDS))), BooleanClause.Occur.SHOULD)
                        .build();
        };
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
            // Lucene's contract: position the scorer (or advance it shallowly) before asking for impacts
            scorer.advanceShallow(0);
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
