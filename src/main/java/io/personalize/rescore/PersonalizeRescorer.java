package io.personalize.rescore;

import io.personalize.compat.RescoreOrder;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.util.NumericUtils;
import org.elasticsearch.search.rescore.RescoreContext;
import org.elasticsearch.search.rescore.Rescorer;

/**
 * Re-ranks a shard's window: each hit's score becomes the {@link PersonalizedScore} of its first-pass score and its
 * signals. The hits are visited in doc-id order, leaf by leaf, reading the item id and attribute values from doc
 * values; then all hits are sorted once. Hits beyond the window keep only their normalised first-pass part, so they
 * stay below the window. Stateless: everything per request is in {@link Context}.
 */
public final class PersonalizeRescorer implements Rescorer {

    public static final PersonalizeRescorer INSTANCE = new PersonalizeRescorer();

    private PersonalizeRescorer() {}

    /** The per-shard state of one request. */
    static final class Context extends RescoreContext {
        final RescoreWeights weights;
        final QueryNormalization normalization;
        final ShardSignals signals;
        // the window's first-pass score range, kept for explain when it runs in the same search context
        float windowMin = Float.NaN;
        float windowMax = Float.NaN;

        Context(int windowSize, RescoreWeights weights, QueryNormalization normalization, ShardSignals signals) {
            super(windowSize, INSTANCE);
            this.weights = weights;
            this.normalization = normalization;
            this.signals = signals;
        }
    }

    @Override
    public TopDocs rescore(TopDocs topDocs, IndexSearcher searcher, RescoreContext rescoreContext) throws IOException {
        Context context = (Context) rescoreContext;
        ScoreDoc[] hits = topDocs.scoreDocs;
        if (hits.length == 0 || context.signals == null) {
            // nothing known about the shopper: the first-pass order stays as it is
            return topDocs;
        }
        int window = Math.min(context.getWindowSize(), hits.length);
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < window; i++) {
            min = Math.min(min, hits[i].score);
            max = Math.max(max, hits[i].score);
        }
        context.windowMin = min;
        context.windowMax = max;
        // every hit in doc-id order (the doc in the high half, its place in the first pass in the low): doc values are
        // read forward, and the final order breaks ties by doc; sorting packed longs instead of ScoreDoc objects with a
        // comparator, which was a tenth of a rescored search's cost on the shard
        int n = hits.length;
        long[] byDoc = new long[n];
        for (int i = 0; i < n; i++) {
            byDoc[i] = ((long) hits[i].doc << 32) | i;
        }
        Arrays.sort(byDoc);
        // which hits were rescored is asked by explain only: a search without it boxes no document ids
        Set<Integer> rescored = context.signals.explains() ? new HashSet<>(window * 2) : null;
        List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
        LeafReaderContext leaf = null;
        LeafSignals leafSignals = null;
        int scored = 0;
        for (int r = 0; r < n; r++) {
            int i = (int) byDoc[r];
            ScoreDoc hit = hits[i];
            if (i >= window) {
                // past the window: only the normalised first-pass part, so that it stays below the window
                hit.score = context.weights.query() * context.normalization.apply(hit.score, min, max);
                continue;
            }
            if ((scored++ & 255) == 0) {
                context.checkCancellation();
            }
            if (leaf == null || hit.doc >= leaf.docBase + leaf.reader().maxDoc()) {
                leaf = leaves.get(ReaderUtil.subIndex(hit.doc, leaves));
                leafSignals = new LeafSignals(leaf.reader(), context.signals, context.weights);
            }
            hit.score = context.weights.query() * context.normalization.apply(hit.score, min, max)
                    + leafSignals.score(hit.doc - leaf.docBase);
            if (rescored != null) {
                rescored.add(hit.doc);
            }
        }
        if (rescored != null) {
            context.setRescoredDocs(rescored);
        }
        // score descending, then doc ascending (RescoreOrder.SCORE_DOCS, Float.compare's order): the score's sortable
        // bits inverted in the high half, the hit's rank in doc order in the low
        long[] byScore = new long[n];
        for (int r = 0; r < n; r++) {
            byScore[r] = ((long) ~NumericUtils.floatToSortableInt(hits[(int) byDoc[r]].score) << 32) | r;
        }
        Arrays.sort(byScore);
        ScoreDoc[] sorted = new ScoreDoc[n];
        for (int k = 0; k < n; k++) {
            sorted[k] = hits[(int) byDoc[(int) byScore[k]]];
        }
        assert isSorted(sorted);
        return new TopDocs(topDocs.totalHits, sorted);
    }

    private static boolean isSorted(ScoreDoc[] sorted) {
        for (int k = 1; k < sorted.length; k++) {
            if (RescoreOrder.SCORE_DOCS.compare(sorted[k - 1], sorted[k]) > 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public Explanation explain(
            int topLevelDocId, IndexSearcher searcher, RescoreContext rescoreContext, Explanation sourceExplanation)
            throws IOException {
        Context context = (Context) rescoreContext;
        if (sourceExplanation == null || context.signals == null || context.isRescored(topLevelDocId) == false) {
            return sourceExplanation;
        }
        List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
        LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(topLevelDocId, leaves));
        int doc = topLevelDocId - leaf.docBase;
        RescoreWeights w = context.weights;
        ShardSignals s = context.signals;
        float first = sourceExplanation.getValue().floatValue();
        boolean rangeKnown =
                Float.isNaN(context.windowMin) == false || context.normalization != QueryNormalization.MINMAX;
        Explanation queryPart = rangeKnown
                ? PersonalizedExplanation.query(
                        w, context.normalization, first, context.windowMin, context.windowMax, sourceExplanation)
                : Explanation.match(
                        first,
                        "query: weight [" + w.query()
                                + "] x first-pass score normalised with [minmax] over the shard's window, "
                                + "whose range is not known when explaining in a separate fetch phase: the value shown is the first-pass score",
                        sourceExplanation);
        return PersonalizedExplanation.of(leaf.reader(), doc, context.signals, w, queryPart);
    }
}
