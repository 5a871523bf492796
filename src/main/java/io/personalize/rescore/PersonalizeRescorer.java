package io.personalize.rescore;

import io.personalize.compat.RescoreOrder;
import java.io.IOException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
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
        ScoreDoc[] windowHits = Arrays.copyOf(hits, window);
        // which hits were rescored is asked by explain only: a search without it boxes no document ids
        Set<Integer> rescored = context.signals.explains() ? new HashSet<>(window * 2) : null;
        Arrays.sort(windowHits, Comparator.comparingInt(d -> d.doc));
        List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
        LeafReaderContext leaf = null;
        LeafSignals leafSignals = null;
        for (int i = 0; i < window; i++) {
            if ((i & 255) == 0) {
                context.checkCancellation();
            }
            ScoreDoc hit = windowHits[i];
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
        for (int i = window; i < hits.length; i++) {
            hits[i].score = context.weights.query() * context.normalization.apply(hits[i].score, min, max);
        }
        if (rescored != null) {
            context.setRescoredDocs(rescored);
        }
        ScoreDoc[] sorted = hits.clone();
        Arrays.sort(sorted, RescoreOrder.SCORE_DOCS);
        return new TopDocs(topDocs.totalHits, sorted);
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
