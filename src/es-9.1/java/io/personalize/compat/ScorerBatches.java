package io.personalize.compat;

import java.io.IOException;
import org.apache.lucene.search.BulkScorer;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.Scorer;

/**
 * Lucene before 10.3 (Elasticsearch 9.0, 9.1) has no batches of a scorer's matches ({@code Scorer.nextDocsAndScores},
 * src/es-9.4): every query keeps its own bulk scorer, and a wrapping scorer scores one document at a time.
 */
public final class ScorerBatches {

    private ScorerBatches() {}

    public static boolean fromScorer(Query query) {
        return false;
    }

    public static BulkScorer bulkScorer(Scorer scorer, BulkScorer oneByOne) {
        throw new UnsupportedOperationException("no scorer batches before Lucene 10.3");
    }

    /** A scorer over another; no batches to score again here. */
    public abstract static class Rescoring extends Scorer {
        protected final Scorer inner;

        protected Rescoring(Scorer inner) {
            this.inner = inner;
        }

        protected abstract void rescore(int[] docs, float[] scores, int n) throws IOException;
    }
}
