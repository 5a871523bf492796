package io.personalize.rescore;

import io.personalize.compat.RescoreOrder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.SortedNumericDocValues;
import org.apache.lucene.index.SortedSetDocValues;
import org.apache.lucene.index.StoredFieldVisitor;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.util.BytesRef;
import org.elasticsearch.index.mapper.IdFieldMapper;
import org.elasticsearch.index.mapper.Uid;
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
        Set<Integer> rescored = new HashSet<>(window * 2);
        Arrays.sort(windowHits, Comparator.comparingInt(d -> d.doc));
        HitReader reader = new HitReader(searcher, context.signals);
        for (int i = 0; i < window; i++) {
            if ((i & 255) == 0) {
                context.checkCancellation();
            }
            ScoreDoc hit = windowHits[i];
            int item = reader.item(hit.doc);
            float similarity = item < 0 ? 0f : context.signals.similarity(item);
            float affinity = item < 0 ? 0f : context.signals.affinity(item);
            float popularity = item < 0 ? 0f : context.signals.popularity(item);
            float attributes = reader.attributeAffinity(hit.doc);
            hit.score = PersonalizedScore.combine(
                    context.weights,
                    context.normalization.apply(hit.score, min, max),
                    similarity,
                    affinity,
                    attributes,
                    popularity);
            rescored.add(hit.doc);
        }
        for (int i = window; i < hits.length; i++) {
            hits[i].score = context.weights.query() * context.normalization.apply(hits[i].score, min, max);
        }
        context.setRescoredDocs(rescored);
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
        HitReader reader = new HitReader(searcher, context.signals);
        int item = reader.item(topLevelDocId);
        RescoreWeights w = context.weights;
        ShardSignals s = context.signals;
        float first = sourceExplanation.getValue().floatValue();
        List<Explanation> parts = new ArrayList<>();
        boolean rangeKnown =
                Float.isNaN(context.windowMin) == false || context.normalization != QueryNormalization.MINMAX;
        float query = w.query() * context.normalization.apply(first, context.windowMin, context.windowMax);
        parts.add(
                rangeKnown
                        ? Explanation.match(
                                query,
                                "query: weight [" + w.query() + "] x first-pass score [" + first + "] normalised with ["
                                        + context.normalization + "]"
                                        + (context.normalization == QueryNormalization.MINMAX
                                                ? " over the window [" + context.windowMin + ", " + context.windowMax
                                                        + "]"
                                                : ""),
                                sourceExplanation)
                        : Explanation.match(
                                first,
                                "query: weight [" + w.query()
                                        + "] x first-pass score normalised with [minmax] over the shard's window, "
                                        + "whose range is not known when explaining in a separate fetch phase: the value shown is the first-pass score",
                                sourceExplanation));
        float similarity = item < 0 ? 0f : s.similarity(item);
        float affinity = item < 0 ? 0f : s.affinity(item);
        String similarTo = item < 0 ? null : s.similarTo(item);
        String because = item < 0 ? null : s.because(item);
        parts.add(Explanation.match(
                w.itemSimilarity() * similarity,
                "item_similarity: weight [" + w.itemSimilarity() + "] x similarity [" + similarity
                        + "] to the shopper's context and recent items"
                        + (similarTo == null || similarity == 0 ? "" : ", mostly [" + similarTo + "]")));
        parts.add(Explanation.match(
                w.userAffinity() * affinity,
                "user_affinity: weight [" + w.userAffinity() + "] x affinity [" + affinity + "]"
                        + (because == null || affinity == 0
                                ? ""
                                : ", because of [" + because + "] in the shopper's history")));
        // doc values only move forward: a fresh reader for each look at the same document
        List<Explanation> attributeParts = new HitReader(searcher, s).explainAttributes(topLevelDocId);
        float attributes = new HitReader(searcher, s).attributeAffinity(topLevelDocId);
        parts.add(Explanation.match(
                w.attributeAffinity() * attributes,
                "attribute_affinity: weight [" + w.attributeAffinity()
                        + "] x mean over attributes of the shopper's best value weight [" + attributes + "]",
                attributeParts));
        float popularity = item < 0 ? 0f : s.popularity(item);
        parts.add(Explanation.match(
                w.popularity() * popularity,
                "popularity: weight [" + w.popularity() + "] x the item's popularity [" + popularity
                        + "] in the model"));
        float total = 0;
        for (Explanation part : parts) {
            total += part.getValue().floatValue();
        }
        return Explanation.match(total, "personalize (model version [" + s.modelVersion() + "]), sum of:", parts);
    }

    /**
     * Reads hits' item ids and attribute values in increasing doc id order (doc values only move forward), switching doc
     * values when a hit is in another leaf.
     */
    private static final class HitReader {
        private final List<LeafReaderContext> leaves;
        private final ShardSignals signals;
        private int leafOrd = -1;
        private LeafReaderContext leaf;
        private SortedSetDocValues ids;
        private SortedNumericDocValues numericIds;
        // the _id field has no doc values in standard indices: its stored (or, in columnar indices, binary) value
        private BinaryDocValues columnarIds;
        private StoredFields storedFields;
        private SortedSetDocValues[] attributeValues;

        HitReader(IndexSearcher searcher, ShardSignals signals) {
            this.leaves = searcher.getIndexReader().leaves();
            this.signals = signals;
        }

        private void position(int doc) throws IOException {
            int ord = ReaderUtil.subIndex(doc, leaves);
            if (ord != leafOrd) {
                leafOrd = ord;
                leaf = leaves.get(ord);
                if (IdFieldMapper.NAME.equals(signals.idField())) {
                    ids = null;
                    numericIds = null;
                    columnarIds = leaf.reader().getBinaryDocValues(IdFieldMapper.NAME);
                    storedFields = columnarIds == null ? leaf.reader().storedFields() : null;
                } else {
                    ids = leaf.reader().getSortedSetDocValues(signals.idField());
                    numericIds = ids == null ? leaf.reader().getSortedNumericDocValues(signals.idField()) : null;
                    columnarIds = null;
                    storedFields = null;
                }
                attributeValues =
                        new SortedSetDocValues[signals.attributeFields().size()];
                for (int a = 0; a < attributeValues.length; a++) {
                    attributeValues[a] = DocValues.getSortedSet(
                            leaf.reader(), signals.attributeFields().get(a));
                }
            }
        }

        int item(int doc) throws IOException {
            position(doc);
            int local = doc - leaf.docBase;
            if (ids != null) {
                return ids.advanceExact(local) ? signals.item(ids.lookupOrd(ids.nextOrd())) : -1;
            }
            if (numericIds != null) {
                return numericIds.advanceExact(local)
                        ? signals.item(new BytesRef(Long.toString(numericIds.nextValue())))
                        : -1;
            }
            if (columnarIds != null) {
                if (columnarIds.advanceExact(local) == false) {
                    return -1;
                }
                // the (bytes, offset, length) form: every 9.x release has it (9.2 has no decodeId(BytesRef))
                BytesRef encoded = columnarIds.binaryValue();
                return signals.item(new BytesRef(Uid.decodeId(encoded.bytes, encoded.offset, encoded.length)));
            }
            if (storedFields != null) {
                IdVisitor visitor = new IdVisitor();
                storedFields.document(local, visitor);
                return visitor.id == null ? -1 : signals.item(new BytesRef(visitor.id));
            }
            return -1;
        }

        /** Reads the stored _id of a document and stops. */
        private static final class IdVisitor extends StoredFieldVisitor {
            String id;

            @Override
            public Status needsField(FieldInfo fieldInfo) {
                if (id != null) {
                    return Status.STOP;
                }
                return IdFieldMapper.NAME.equals(fieldInfo.name) ? Status.YES : Status.NO;
            }

            @Override
            public void binaryField(FieldInfo fieldInfo, byte[] value) {
                id = Uid.decodeId(value);
            }

            @Override
            public void stringField(FieldInfo fieldInfo, String value) {
                id = value;
            }
        }

        float attributeAffinity(int doc) throws IOException {
            if (signals.attributeFields().isEmpty()) {
                return 0f;
            }
            position(doc);
            int local = doc - leaf.docBase;
            float sum = 0;
            for (int a = 0; a < attributeValues.length; a++) {
                SortedSetDocValues values = attributeValues[a];
                if (values.advanceExact(local)) {
                    Map<BytesRef, Float> weights = signals.attributeWeights(a);
                    float best = 0;
                    for (int v = 0; v < values.docValueCount(); v++) {
                        Float weight = weights.get(values.lookupOrd(values.nextOrd()));
                        if (weight != null) {
                            best = Math.max(best, weight);
                        }
                    }
                    sum += best;
                }
            }
            return sum / attributeValues.length;
        }

        List<Explanation> explainAttributes(int doc) throws IOException {
            List<Explanation> parts = new ArrayList<>();
            if (signals.attributeFields().isEmpty()) {
                return parts;
            }
            position(doc);
            int local = doc - leaf.docBase;
            for (int a = 0; a < attributeValues.length; a++) {
                SortedSetDocValues values = attributeValues[a];
                if (values.advanceExact(local)) {
                    Map<BytesRef, Float> weights = signals.attributeWeights(a);
                    for (int v = 0; v < values.docValueCount(); v++) {
                        BytesRef value = values.lookupOrd(values.nextOrd());
                        Float weight = weights.get(value);
                        if (weight != null) {
                            parts.add(Explanation.match(
                                    weight, signals.attributeFields().get(a) + " = [" + value.utf8ToString() + "]"));
                        }
                    }
                }
            }
            return parts;
        }
    }
}
