package io.personalize.serving;

import io.personalize.training.ScoringParams;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The model's popular items (JSON {@code popular}), most popular first with their popularity: the fallback for users
 * and items the model knows nothing of; and the scoring parameters the model was trained with, which serving applies.
 */
public record PopularList(List<String> items, float[] scores, ScoringParams scoring) implements ModelDocument {

    public PopularList {
        items = ModelDocument.copy(items);
        scores = scores == null ? new float[0] : scores;
        ModelDocument.sameLength(items.size(), scores.length, "popular", "popular", "scores");
        ModelDocument.requireFinite(scores, "popular scores");
        scoring = scoring == null ? ScoringParams.DEFAULTS : scoring;
    }

    /** The highest popularity of the model's items (the list is most popular first), 0 for an empty list. */
    public float maxPopularity() {
        float max = 0;
        for (float s : scores) {
            max = Math.max(max, s);
        }
        return max;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PopularList other
                && items.equals(other.items)
                && Arrays.equals(scores, other.scores)
                && scoring.equals(other.scoring);
    }

    @Override
    public int hashCode() {
        return Objects.hash(items, Arrays.hashCode(scores), scoring);
    }
}
