package io.personalize.rescore;

/**
 * The personalized score of a hit, the documented formula:
 * <pre>
 *   score = w_query · norm(first-pass score)
 *         + w_item_similarity  · similarity(item)        similarity to the context and recent items, in [0, 1]
 *         + w_user_affinity    · affinity(item)          the user's precomputed affinity, in [0, 1]
 *         + w_attribute_affinity · attributes(item)      mean over attributes of the best weight of the item's values, in [0, 1]
 *         + w_popularity       · popularity(item)        the model's time-decayed popularity, in [0, 1]
 * </pre>
 * (similarity, affinity and popularity are scaled by {@link PersonalizationSignals#scale}). Pure arithmetic, no Elasticsearch types: tested on its own.
 */
public final class PersonalizedScore {

    private PersonalizedScore() {}

    public static float combine(
            RescoreWeights weights,
            float normalizedQuery,
            float similarity,
            float affinity,
            float attributes,
            float popularity) {
        return weights.query() * normalizedQuery
                + weights.itemSimilarity() * similarity
                + weights.userAffinity() * affinity
                + weights.attributeAffinity() * attributes
                + weights.popularity() * popularity;
    }
}
