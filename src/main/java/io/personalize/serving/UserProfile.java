package io.personalize.serving;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A user's profile: the history the model knows (items with weights, newest first), the stored "for you" list (JSON
 * {@code items}: the top items the model recommends, with their scores and the history item that contributed most,
 * null for an item recommended for its popularity alone) and the affinity to attribute values.
 */
public record UserProfile(
        String user,
        List<String> history,
        float[] historyWeights,
        List<String> recommended,
        float[] scores,
        List<String> because,
        Map<String, Map<String, Float>> attributes,
        Numbered numbered)
        implements ModelDocument {

    /**
     * The history's and the stored list's slots in a version's numbering, memoized with the profile while a node keeps
     * it parsed ({@link NumberedItems}): made from this profile's own lists (not part of the document, nor of
     * equality).
     */
    public record Numbered(NumberedItems history, NumberedItems recommended) {}

    public UserProfile(
            String user,
            List<String> history,
            float[] historyWeights,
            List<String> recommended,
            float[] scores,
            List<String> because,
            Map<String, Map<String, Float>> attributes) {
        this(user, history, historyWeights, recommended, scores, because, attributes, null);
    }

    public UserProfile {
        ModelDocument.requireId(user, "user");
        String what = "user [" + user + "]";
        history = ModelDocument.copy(history);
        historyWeights = historyWeights == null ? new float[0] : historyWeights;
        recommended = ModelDocument.copy(recommended);
        scores = scores == null ? new float[0] : scores;
        attributes = attributes == null ? Map.of() : attributes;
        ModelDocument.sameLength(history.size(), historyWeights.length, what, "history", "history_weights");
        ModelDocument.sameLength(recommended.size(), scores.length, what, "items", "scores");
        if (because != null) {
            ModelDocument.sameLength(recommended.size(), because.size(), what, "items", "because");
            because = Collections.unmodifiableList(new ArrayList<>(because)); // may hold nulls
        }
        ModelDocument.requireFinite(historyWeights, what + " history_weights");
        ModelDocument.requireFinite(scores, what + " scores");
        // always this profile's own lists: a memo of other lists would exclude the wrong items
        numbered = new Numbered(NumberedItems.of(history), NumberedItems.of(recommended));
    }

    /** The history item behind the stored list's entry {@code r}, or null. */
    public String because(int r) {
        return because == null ? null : because.get(r);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UserProfile other
                && user.equals(other.user)
                && history.equals(other.history)
                && Arrays.equals(historyWeights, other.historyWeights)
                && recommended.equals(other.recommended)
                && Arrays.equals(scores, other.scores)
                && Objects.equals(because, other.because)
                && attributes.equals(other.attributes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                user,
                history,
                Arrays.hashCode(historyWeights),
                recommended,
                Arrays.hashCode(scores),
                because,
                attributes);
    }
}
