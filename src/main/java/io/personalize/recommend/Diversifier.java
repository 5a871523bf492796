package io.personalize.recommend;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Re-ranks a shelf for variety, with {@code diversity} in [0, 1] (0: the ranking as it is).
 * <ul>
 *   <li>With content vectors: maximal marginal relevance, each next item maximising
 *       {@code (1 - diversity) · score / best score - diversity · max cosine to the items already chosen};</li>
 *   <li>without: at most {@code max(1, ceil(size · (1 - diversity)))} items per value of the first attribute.</li>
 * </ul>
 */
public final class Diversifier {

    private Diversifier() {}

    /** {@code vectors} holds unit vectors aligned with {@code ranked}; a null vector counts as unlike every other. */
    public static <T> List<T> maximalMarginalRelevance(
            List<T> ranked, List<float[]> vectors, Function<T, Float> score, int size, float diversity) {
        if (diversity <= 0 || ranked.size() <= 1) {
            return ranked.subList(0, Math.min(size, ranked.size()));
        }
        float best = 0;
        for (T t : ranked) {
            best = Math.max(best, score.apply(t));
        }
        List<T> chosen = new ArrayList<>(size);
        List<float[]> chosenVectors = new ArrayList<>(size);
        boolean[] taken = new boolean[ranked.size()];
        while (chosen.size() < size && chosen.size() < ranked.size()) {
            int pick = -1;
            double pickValue = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < ranked.size(); i++) {
                if (taken[i]) {
                    continue;
                }
                double relevance = best > 0 ? score.apply(ranked.get(i)) / best : 0;
                double redundancy = 0;
                float[] v = vectors.get(i);
                if (v != null) {
                    for (float[] c : chosenVectors) {
                        if (c != null) {
                            redundancy = Math.max(redundancy, dot(v, c));
                        }
                    }
                }
                double value = (1 - diversity) * relevance - diversity * redundancy;
                if (value > pickValue) {
                    pickValue = value;
                    pick = i;
                }
            }
            taken[pick] = true;
            chosen.add(ranked.get(pick));
            chosenVectors.add(vectors.get(pick));
        }
        return chosen;
    }

    /** Keeps the ranking but caps how many items share a value; items without a value are not capped. */
    public static <T> List<T> capPerValue(List<T> ranked, Function<T, String> value, int size, float diversity) {
        if (diversity <= 0) {
            return ranked.subList(0, Math.min(size, ranked.size()));
        }
        int cap = Math.max(1, (int) Math.ceil(size * (1 - diversity)));
        Map<String, Integer> counts = new HashMap<>();
        List<T> chosen = new ArrayList<>(size);
        List<T> overflow = new ArrayList<>();
        for (T t : ranked) {
            if (chosen.size() == size) {
                break;
            }
            String v = value.apply(t);
            if (v == null || counts.merge(v, 1, Integer::sum) <= cap) {
                chosen.add(t);
            } else {
                overflow.add(t);
            }
        }
        // never a shorter shelf for the sake of variety: fill from the capped items, best first
        for (int i = 0; i < overflow.size() && chosen.size() < size; i++) {
            chosen.add(overflow.get(i));
        }
        return chosen;
    }

    private static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < Math.min(a.length, b.length); i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }
}
