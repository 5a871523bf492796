package io.personalize.rescore;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.search.Explanation;

/**
 * The explanation of a personalized score, one for the rescorer and the query: the query's part (its first-pass
 * explanation under it), then each part of {@link PersonalizedScore} with the items and attribute values behind it.
 */
final class PersonalizedExplanation {

    private PersonalizedExplanation() {}

    /** The query's part: the weight times the normalised first-pass score, whose own explanation it holds. */
    static Explanation query(
            RescoreWeights w, QueryNormalization normalization, float first, float min, float max, Explanation source) {
        return Explanation.match(
                w.query() * normalization.apply(first, min, max),
                "query: weight [" + w.query() + "] x first-pass score [" + first + "] normalised with ["
                        + normalization + "]"
                        + (normalization == QueryNormalization.MINMAX
                                ? " over the window [" + min + ", " + max + "]"
                                : ""),
                source);
    }

    /** The whole score of segment document {@code doc}: the query's part, then the personalized parts. */
    static Explanation of(LeafReader reader, int doc, ShardSignals s, RescoreWeights w, Explanation queryPart)
            throws IOException {
        List<Explanation> parts = new ArrayList<>();
        parts.add(queryPart);
        LeafSignals leaf = new LeafSignals(reader, s, w);
        int item = leaf.item(doc);
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
        List<Explanation> attributeParts = new LeafSignals(reader, s, w).explainAttributes(doc);
        float attributes = new LeafSignals(reader, s, w).attributeAffinity(doc);
        parts.add(Explanation.match(
                w.attributeAffinity() * attributes,
                "attribute_affinity: weight [" + w.attributeAffinity()
                        + "] x mean over attributes of the shopper's best value weight [" + attributes + "]",
                attributeParts));
        float popularity = leaf.popularity(item);
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
}
