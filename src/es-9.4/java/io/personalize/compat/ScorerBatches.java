package io.personalize.compat;

import java.io.IOException;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.BulkScorer;
import org.apache.lucene.search.CombinedFieldQuery;
import org.apache.lucene.search.DocAndFloatFeatureBuffer;
import org.apache.lucene.search.LeafCollector;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.Scorable;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.util.Bits;

/**
 * A scorer's matches taken a batch at a time ({@link Scorer#nextDocsAndScores}, Lucene 10.3 and later: Elasticsearch
 * 9.2 on). Before that (src/es-9.1) no query scores in batches and a wrapping scorer has nothing to pass on.
 */
public final class ScorerBatches {

    private ScorerBatches() {}

    /**
     * Whether the query's scorer hands out its matches and scores in batches, which its bulk scorer only loops over (a
     * term's postings decoded and scored a block at a time): a wrapping query then takes them from the scorer itself
     * ({@link #bulkScorer}). Any other query's own bulk scorer is better kept (a disjunction's or a conjunction's is
     * much faster than iterating its scorer).
     */
    public static boolean fromScorer(Query query) {
        while (query instanceof BoostQuery boosted) {
            query = boosted.getQuery();
        }
        return query instanceof TermQuery || query instanceof CombinedFieldQuery;
    }

    /**
     * Collects the scorer's batches, as Lucene's bulk scorer of a term query does; a collector that skips by a
     * competitive iterator gets the documents one by one from {@code oneByOne} (over the same scorer).
     */
    public static BulkScorer bulkScorer(Scorer scorer, BulkScorer oneByOne) {
        return new BatchBulkScorer(scorer, oneByOne);
    }

    /** A scorer over another whose batches it scores again, in place, a whole batch at a time. */
    public abstract static class Rescoring extends Scorer {
        protected final Scorer inner;

        protected Rescoring(Scorer inner) {
            this.inner = inner;
        }

        /** Replaces the scores of {@code docs[0, n)}, increasing, with this scorer's: {@code scores} holds the inner's. */
        protected abstract void rescore(int[] docs, float[] scores, int n) throws IOException;

        @Override
        public final void nextDocsAndScores(int upTo, Bits liveDocs, DocAndFloatFeatureBuffer buffer)
                throws IOException {
            inner.nextDocsAndScores(upTo, liveDocs, buffer);
            if (buffer.size > 0) {
                rescore(buffer.docs, buffer.features, buffer.size);
            }
        }
    }

    // Lucene's own (BatchScoreBulkScorer, SimpleScorable) are package-private: these are the same loop and scorable
    private static final class BatchBulkScorer extends BulkScorer {
        private final Scorer scorer;
        private final BulkScorer oneByOne;
        private final DocAndFloatFeatureBuffer buffer = new DocAndFloatFeatureBuffer();
        private final BatchScorable scorable = new BatchScorable();

        BatchBulkScorer(Scorer scorer, BulkScorer oneByOne) {
            this.scorer = scorer;
            this.oneByOne = oneByOne;
        }

        @Override
        public int score(LeafCollector collector, Bits acceptDocs, int min, int max) throws IOException {
            if (collector.competitiveIterator() != null) {
                return oneByOne.score(collector, acceptDocs, min, max);
            }
            collector.setScorer(scorable);
            float minCompetitive = scorable.minCompetitiveScore;
            scorer.setMinCompetitiveScore(minCompetitive);
            if (scorer.docID() < min) {
                scorer.iterator().advance(min);
            }
            for (scorer.nextDocsAndScores(max, acceptDocs, buffer);
                    buffer.size > 0;
                    scorer.nextDocsAndScores(max, acceptDocs, buffer)) {
                for (int i = 0, size = buffer.size; i < size; i++) {
                    float score = scorable.score = buffer.features[i];
                    if (score >= scorable.minCompetitiveScore) {
                        collector.collect(buffer.docs[i]);
                    }
                }
                if (scorable.minCompetitiveScore != minCompetitive) {
                    minCompetitive = scorable.minCompetitiveScore;
                    scorer.setMinCompetitiveScore(minCompetitive);
                }
            }
            return scorer.docID();
        }

        @Override
        public long cost() {
            return scorer.iterator().cost();
        }
    }

    /** The score of the document being collected from a batch, and the minimum competitive score the collector set. */
    private static final class BatchScorable extends Scorable {
        float score;
        float minCompetitiveScore;

        @Override
        public float score() {
            return score;
        }

        @Override
        public void setMinCompetitiveScore(float minScore) {
            minCompetitiveScore = minScore;
        }
    }
}
