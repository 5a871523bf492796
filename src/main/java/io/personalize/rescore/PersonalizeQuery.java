package io.personalize.rescore;

import io.personalize.compat.ScorerBatches;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BulkScorer;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.LeafCollector;
import org.apache.lucene.search.Matches;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.Scorable;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.ScorerSupplier;
import org.apache.lucene.search.TwoPhaseIterator;
import org.apache.lucene.search.Weight;
import org.apache.lucene.util.Bits;

/**
 * The Lucene side of the {@code personalize} query: the inner query's matches, each scored with
 * {@link PersonalizedScore}: {@code w_query · norm(inner score) + LeafSignals.score(doc)}, one {@link LeafSignals} per
 * segment, documents in increasing order (the order scorers and bulk scorers visit them). The personalized parts are
 * computed a batch of matches at a time: for a term the batches its scorer decodes and scores ({@link ScorerBatches}),
 * for any other query those its own bulk scorer hands the collector, buffered ({@link PersonalizingCollector}).
 *
 * <p>Skipping: a document's score is at most {@code w_query · norm(inner max) + the request's bound of the
 * personalized part} ({@link ShardSignals#maxPersonalized}: the best weighted item among the shopper's own and the
 * model's popular ones, plus the best attribute part), which is what {@link Scorer#getMaxScore} reports; and a minimum
 * competitive score is passed on to the inner scorer as the inner score below which no document can reach it (the
 * normalisation is increasing, so it inverts), lowered by margins for float rounding. Without scores (a filter, a
 * count) the inner query's own weight is used as it is.
 */
final class PersonalizeQuery extends Query {

    // relative margin on bounds crossing float rounding: generous, it only costs a little skipping
    private static final float MARGIN = 1e-4f;

    private final Query inner;
    private final ShardSignals signals;
    private final RescoreWeights weights;
    private final QueryNormalization normalization;

    PersonalizeQuery(Query inner, ShardSignals signals, RescoreWeights weights, QueryNormalization normalization) {
        if (normalization == QueryNormalization.MINMAX) {
            throw new IllegalArgumentException(
                    "[minmax] needs a window: the personalize query normalises per document");
        }
        this.inner = inner;
        this.signals = signals;
        this.weights = weights;
        this.normalization = normalization;
    }

    Query inner() {
        return inner;
    }

    @Override
    public Query rewrite(IndexSearcher searcher) throws IOException {
        Query rewritten = inner.rewrite(searcher);
        return rewritten == inner ? this : new PersonalizeQuery(rewritten, signals, weights, normalization);
    }

    @Override
    public Weight createWeight(IndexSearcher searcher, ScoreMode scoreMode, float boost) throws IOException {
        if (scoreMode.needsScores() == false) {
            // a filter or a count: the matches are the inner query's
            return inner.createWeight(searcher, scoreMode, boost);
        }
        boolean innerScores = weights.query() > 0;
        Weight innerWeight = inner.createWeight(searcher, innerScores ? scoreMode : ScoreMode.COMPLETE_NO_SCORES, 1f);
        return new PersonalizeWeight(
                innerWeight, innerScores, boost, signals.maxPersonalized(weights), ScorerBatches.fromScorer(inner));
    }

    private final class PersonalizeWeight extends Weight {
        private final Weight innerWeight;
        private final boolean innerScores;
        private final float boost;
        private final float maxPersonalized;
        private final boolean scoresInBatches;

        PersonalizeWeight(
                Weight innerWeight, boolean innerScores, float boost, float maxPersonalized, boolean scoresInBatches) {
            super(PersonalizeQuery.this);
            this.innerWeight = innerWeight;
            this.innerScores = innerScores;
            this.boost = boost;
            this.maxPersonalized = maxPersonalized;
            this.scoresInBatches = scoresInBatches;
        }

        @Override
        public ScorerSupplier scorerSupplier(LeafReaderContext context) throws IOException {
            ScorerSupplier innerSupplier = innerWeight.scorerSupplier(context);
            if (innerSupplier == null) {
                return null;
            }
            return new ScorerSupplier() {
                @Override
                public Scorer get(long leadCost) throws IOException {
                    return new PersonalizedScorer(innerSupplier.get(leadCost), leaf(context));
                }

                @Override
                public BulkScorer bulkScorer() throws IOException {
                    if (scoresInBatches) {
                        Scorer scorer = get(Long.MAX_VALUE);
                        return ScorerBatches.bulkScorer(scorer, new DefaultBulkScorer(scorer));
                    }
                    return new PersonalizedBulkScorer(innerSupplier.bulkScorer(), leaf(context));
                }

                @Override
                public long cost() {
                    return innerSupplier.cost();
                }

                @Override
                public void setTopLevelScoringClause() throws IOException {
                    innerSupplier.setTopLevelScoringClause();
                }
            };
        }

        private Leaf leaf(LeafReaderContext context) throws IOException {
            return new Leaf(new LeafSignals(context.reader(), signals, weights), innerScores, boost, maxPersonalized);
        }

        @Override
        public Explanation explain(LeafReaderContext context, int doc) throws IOException {
            Explanation source = innerWeight.explain(context, doc);
            if (source.isMatch() == false) {
                return source;
            }
            float first = innerScores ? source.getValue().floatValue() : 0f;
            Explanation query =
                    PersonalizedExplanation.query(weights, normalization, first, Float.NaN, Float.NaN, source);
            Explanation personalized = PersonalizedExplanation.of(context.reader(), doc, signals, weights, query);
            if (boost == 1f) {
                return personalized;
            }
            return Explanation.match(
                    boost * personalized.getValue().floatValue(),
                    "boosted, product of:",
                    Explanation.match(boost, "boost"),
                    personalized);
        }

        @Override
        public Matches matches(LeafReaderContext context, int doc) throws IOException {
            return innerWeight.matches(context, doc);
        }

        @Override
        public int count(LeafReaderContext context) throws IOException {
            return innerWeight.count(context);
        }

        @Override
        public boolean isCacheable(LeafReaderContext context) {
            // scores depend on the request's shopper: never cached (the inner query is, on its own, when filtering)
            return false;
        }
    }

    /**
     * One segment's scoring: the personalized score of the current document, computed once even when asked twice
     * (LeafSignals reads doc values, which only move forward), and the bounds for skipping.
     */
    private final class Leaf {
        private final LeafSignals signals;
        private final boolean innerScores;
        private final float boost;
        // the request's bound of the personalized part, widened for float rounding
        private final double maxPersonalized;
        private int doc = -1;
        private float score;
        private final int[] queryPartBits = new int[QUERY_PARTS];
        private final float[] queryParts = new float[QUERY_PARTS];
        // a batch's personalized parts
        private float[] personalized = new float[0];

        Leaf(LeafSignals signals, boolean innerScores, float boost, float maxPersonalized) {
            this.signals = signals;
            this.innerScores = innerScores;
            this.boost = boost;
            this.maxPersonalized = maxPersonalized * (1.0 + MARGIN);
        }

        float score(int doc, Scorable inner) throws IOException {
            if (doc != this.doc) {
                float query = innerScores ? queryPart(inner.score()) : 0f;
                this.score = boost * (query + signals.score(doc));
                this.doc = doc;
            }
            return score;
        }

        /**
         * {@link #score} of {@code docs[0, n)}, increasing, whose inner scores are {@code inner}, into {@code out}
         * (which may be {@code inner}).
         */
        void scores(int[] docs, float[] inner, int n, float[] out) throws IOException {
            if (personalized.length < n) {
                personalized = new float[n];
            }
            signals.scores(docs, n, personalized);
            for (int i = 0; i < n; i++) {
                float query = innerScores ? queryPart(inner[i]) : 0f;
                out[i] = boost * (query + personalized[i]);
            }
            doc = docs[n - 1];
            score = out[n - 1];
        }

        /**
         * {@code w_query · norm(inner)}, remembered by the inner score's bits: a term's matches share a few scores (one
         * per frequency and length), where each would cost a logarithm. An empty slot holds 0's, whose part is 0.
         */
        private float queryPart(float inner) {
            int bits = Float.floatToRawIntBits(inner);
            int slot = (bits ^ (bits >>> 13)) & (QUERY_PARTS - 1);
            if (queryPartBits[slot] != bits) {
                queryParts[slot] = weights.query() * normalization.apply(inner, 0f, 0f);
                queryPartBits[slot] = bits;
            }
            return queryParts[slot];
        }

        float maxScore(float innerMax) {
            double query = innerScores ? weights.query() * normalization.apply(innerMax, 0f, 0f) : 0.0;
            return (float) (boost * (query + maxPersonalized) * (1 + MARGIN));
        }

        /** Passes on the inner score below which no document can reach {@code minScore}. */
        void setMinCompetitiveScore(float minScore, Scorable inner) throws IOException {
            if (innerScores == false || boost <= 0) {
                return;
            }
            // in doubles, each float rounding of the document's score (the sum, the boost, the query's part) covered by
            // a margin relative to the whole score, the personalized part's by the bound's own
            double normalized = ((double) minScore / boost * (1 - MARGIN) - maxPersonalized) / weights.query();
            if (normalized <= 0) {
                return;
            }
            double innerMin =
                    switch (normalization) {
                        case LOG -> Math.expm1(normalized);
                        case NONE -> normalized;
                        case MINMAX -> 0.0; // refused by the constructor
                    };
            innerMin = innerMin * (1 - MARGIN);
            if (innerMin > 0 && innerMin < Float.MAX_VALUE) {
                inner.setMinCompetitiveScore((float) innerMin);
            }
        }
    }

    /** The inner query's scorer, its documents scored the personalized way, a batch at a time when it has batches. */
    private static final class PersonalizedScorer extends ScorerBatches.Rescoring {
        private final Leaf leaf;

        PersonalizedScorer(Scorer inner, Leaf leaf) {
            super(inner);
            this.leaf = leaf;
        }

        @Override
        public int docID() {
            return inner.docID();
        }

        @Override
        public DocIdSetIterator iterator() {
            return inner.iterator();
        }

        @Override
        public TwoPhaseIterator twoPhaseIterator() {
            return inner.twoPhaseIterator();
        }

        @Override
        public float score() throws IOException {
            return leaf.score(inner.docID(), inner);
        }

        /** A batch of the inner scorer's, its scores personalized together ({@link Leaf#scores}). */
        @Override
        protected void rescore(int[] docs, float[] scores, int n) throws IOException {
            leaf.scores(docs, scores, n, scores);
        }

        @Override
        public int advanceShallow(int target) throws IOException {
            return inner.advanceShallow(target);
        }

        @Override
        public float getMaxScore(int upTo) throws IOException {
            return leaf.maxScore(leaf.innerScores ? inner.getMaxScore(upTo) : 0f);
        }

        @Override
        public void setMinCompetitiveScore(float minScore) throws IOException {
            leaf.setMinCompetitiveScore(minScore, inner);
        }

        @Override
        public Collection<ChildScorable> getChildren() {
            return List.of(new ChildScorable(inner, BooleanClause.Occur.MUST.name()));
        }
    }

    /** The inner query's bulk scorer, the scores its collector sees personalized. */
    private static final class PersonalizedBulkScorer extends BulkScorer {
        private final BulkScorer inner;
        private final Leaf leaf;

        PersonalizedBulkScorer(BulkScorer inner, Leaf leaf) {
            this.inner = inner;
            this.leaf = leaf;
        }

        @Override
        public int score(LeafCollector collector, Bits acceptDocs, int min, int max) throws IOException {
            PersonalizingCollector personalizing = new PersonalizingCollector(collector, leaf);
            int next = inner.score(personalizing, acceptDocs, min, max);
            personalizing.flush();
            return next;
        }

        @Override
        public long cost() {
            return inner.cost();
        }
    }

    /**
     * Hands the collector a scorable that personalizes the inner one's score of the document being collected. Only
     * {@code collect(int)} is implemented, so documents collected as streams or ranges come through it too. Documents
     * reach the collector in batches of up to {@link #BATCH}, in order, each batch's personalized scores computed
     * together ({@link LeafSignals#scores}) before the first is collected; the last batch when the bulk scorer is done
     * ({@link #flush}). A collector that skips by a competitive iterator gets each document at once.
     */
    private static final class PersonalizingCollector implements LeafCollector {
        private final LeafCollector collector;
        private final Leaf leaf;
        private final PersonalizedScorable scorable;
        private final boolean batched;
        private final int[] docs;
        private final float[] innerScores;
        private final float[] scores;
        private int n;

        PersonalizingCollector(LeafCollector collector, Leaf leaf) throws IOException {
            this.collector = collector;
            this.leaf = leaf;
            this.scorable = new PersonalizedScorable(leaf);
            this.batched = collector.competitiveIterator() == null;
            this.docs = batched ? new int[BATCH] : null;
            this.innerScores = batched ? new float[BATCH] : null;
            this.scores = batched ? new float[BATCH] : null;
        }

        @Override
        public void setScorer(Scorable scorer) throws IOException {
            flush();
            scorable.inner = scorer;
            collector.setScorer(scorable);
        }

        @Override
        public void collect(int doc) throws IOException {
            if (batched == false) {
                scorable.doc = doc;
                collector.collect(doc);
                return;
            }
            docs[n] = doc;
            innerScores[n] = leaf.innerScores ? scorable.inner.score() : 0f;
            if (++n == BATCH) {
                flush();
            }
        }

        /** Collects the documents batched so far, their personalized scores computed together. */
        void flush() throws IOException {
            if (n == 0) {
                return;
            }
            leaf.scores(docs, innerScores, n, scores);
            int batch = n;
            n = 0;
            for (int i = 0; i < batch; i++) {
                scorable.doc = docs[i];
                scorable.known = scores[i];
                collector.collect(docs[i]);
            }
            scorable.doc = -1;
            scorable.known = Float.NaN;
        }

        @Override
        public DocIdSetIterator competitiveIterator() throws IOException {
            return collector.competitiveIterator();
        }

        @Override
        public void finish() throws IOException {
            flush();
            collector.finish();
        }
    }

    // inner scores whose query part a segment's scoring remembers (a power of two)
    private static final int QUERY_PARTS = 64;

    // documents a batch of personalized scores holds: enough reads of ids side by side, a few hundred bytes
    private static final int BATCH = 64;

    private static final class PersonalizedScorable extends Scorable {
        private final Leaf leaf;
        Scorable inner;
        int doc = -1;
        // the document's score when computed with its batch (NaN: none)
        float known = Float.NaN;

        PersonalizedScorable(Leaf leaf) {
            this.leaf = leaf;
        }

        @Override
        public float score() throws IOException {
            return Float.isNaN(known) ? leaf.score(doc, inner) : known;
        }

        @Override
        public void setMinCompetitiveScore(float minScore) throws IOException {
            leaf.setMinCompetitiveScore(minScore, inner);
        }

        @Override
        public Collection<ChildScorable> getChildren() {
            return List.of(new ChildScorable(inner, BooleanClause.Occur.MUST.name()));
        }
    }

    @Override
    public void visit(QueryVisitor visitor) {
        // highlighters and term statistics see the inner query's terms
        inner.visit(visitor.getSubVisitor(BooleanClause.Occur.MUST, this));
    }

    @Override
    public String toString(String field) {
        return "personalize(" + inner.toString(field) + ", model version [" + signals.modelVersion() + "], weights "
                + weights + ", " + normalization + ")";
    }

    @Override
    public boolean equals(Object o) {
        // the signals are one request's: equal only to the same request's query
        return sameClassAs(o)
                && inner.equals(((PersonalizeQuery) o).inner)
                && signals == ((PersonalizeQuery) o).signals
                && weights.equals(((PersonalizeQuery) o).weights)
                && normalization == ((PersonalizeQuery) o).normalization;
    }

    @Override
    public int hashCode() {
        return Objects.hash(classHash(), inner, System.identityHashCode(signals), weights, normalization);
    }
}
