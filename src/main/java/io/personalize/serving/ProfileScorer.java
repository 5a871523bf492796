package io.personalize.serving;

import io.personalize.training.ItemNeighbors;
import io.personalize.training.ScoringParams;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The one scorer of serving: turns source items (a user's history with its weights, or the items a request names or
 * the user had events on) and their {@link NeighborList}s into candidate scores, each with the source that contributed
 * most. It is the model's formula ({@link NeighborhoodScorer}, which training runs over the whole catalogue to write
 * every user's stored list) run over the few documents a request has: the documents' items get dense ids in the
 * order of their ids' UTF-8 bytes, as training numbers items ({@code IdDictionary#renumberSorted}), so that scores
 * are summed in the same order and ties break the same way. The stored list of a user is therefore exactly what this
 * scorer computes from the user's profile and the neighbour lists of their history
 * ({@code ProfileScorerTests#testStoredListEqualsWhatServingComputes}).
 *
 * <p>The rescorer and {@code _recommend} use it both for the model's score ({@link #score} with the model's
 * {@link PopularList#scoring()}) and for plain sums of neighbour scores ({@link #SUM}: every source counts 1, no
 * popularity): "sum the neighbour scores, remember the strongest source" is written once, here.
 */
public final class ProfileScorer {

    /** Every source counts 1, nothing is normalised, no popularity: sum the neighbour scores. */
    public static final ScoringParams SUM = new ScoringParams(0, 0, 0);

    private ProfileScorer() {}

    /** A candidate: its score, and the source item that contributed most to it (null when only popularity did). */
    public record Scored(String item, float score, String source) {}

    /**
     * The top {@code n} candidates, best first (ties by id), with score {@code Σ h_i · S[i][j] + β · pop(j) / max pop}
     * (see {@link NeighborhoodScorer}).
     *
     * @param sources the source items, in the order their contributions are summed (a stored history: newest first)
     * @param weights the sources' weights (aligned with {@code sources}), or null for 1 each
     * @param neighbors the neighbour lists at hand, by item: sources without one contribute nothing, but still count in
     *     the history's normalisation
     * @param popular the model's popular list (null: no popularity); an item's popularity is its own
     *     {@link NeighborList#popularity()} when at hand, else its score on the popular list, else 0
     * @param params the formula's parameters
     * @param excluded items never returned
     * @param n how many candidates at most
     */
    public static List<Scored> score(
            List<String> sources,
            float[] weights,
            Map<String, NeighborList> neighbors,
            PopularList popular,
            ScoringParams params,
            Collection<String> excluded,
            int n) {
        if (weights != null && weights.length != sources.size()) {
            throw new IllegalArgumentException("sources and weights must have the same length");
        }
        boolean withPopularity = popular != null && params.popularityWeight() > 0;
        // the items involved, numbered in UTF-8 byte order (the order of their code points)
        TreeSet<String> names = new TreeSet<>(ProfileScorer::compareCodePoints);
        Map<String, NeighborList> rows = new HashMap<>();
        for (String source : sources) {
            NeighborList list = neighbors.get(source);
            if (list != null) {
                rows.put(source, list);
                names.add(source);
                names.addAll(list.neighbors());
            }
        }
        if (withPopularity) {
            names.addAll(popular.items());
        }
        if (names.isEmpty()) {
            return List.of();
        }
        String[] byId = names.toArray(String[]::new);
        Map<String, Integer> ids = new HashMap<>(byId.length * 2);
        for (int id = 0; id < byId.length; id++) {
            ids.put(byId[id], id);
        }
        int[] offsets = new int[byId.length + 1];
        for (int id = 0; id < byId.length; id++) {
            NeighborList list = rows.get(byId[id]);
            offsets[id + 1] = offsets[id] + (list == null ? 0 : list.size());
        }
        int[] row = new int[offsets[byId.length]];
        float[] rowScores = new float[row.length];
        for (int id = 0; id < byId.length; id++) {
            if (offsets[id + 1] > offsets[id]) {
                NeighborList list = rows.get(byId[id]);
                for (int p = 0; p < list.size(); p++) {
                    row[offsets[id] + p] = ids.get(list.neighbors().get(p));
                }
                System.arraycopy(list.scores(), 0, rowScores, offsets[id], list.size());
            }
        }
        float[] popularity = null;
        float maxPopularity = 0;
        if (withPopularity) {
            popularity = new float[byId.length];
            for (int r = 0; r < popular.items().size(); r++) {
                Integer id = ids.get(popular.items().get(r));
                popularity[id] = popular.scores()[r];
            }
            for (int id = 0; id < byId.length; id++) {
                NeighborList list = neighbors.get(byId[id]);
                if (list != null) {
                    popularity[id] = list.popularity();
                }
            }
            maxPopularity = popular.maxPopularity();
        }
        NeighborhoodScorer scorer = new NeighborhoodScorer(
                new ItemNeighbors(byId.length, offsets, row, rowScores), popularity, maxPopularity, params);
        int[] history = new int[sources.size()];
        for (int x = 0; x < history.length; x++) {
            Integer id = ids.get(sources.get(x));
            history[x] = id == null || rows.containsKey(sources.get(x)) == false ? -1 : id;
        }
        int[] exclude = excluded.stream()
                .map(ids::get)
                .filter(id -> id != null)
                .mapToInt(Integer::intValue)
                .toArray();
        Recommendations top = scorer.recommend(history, weights, exclude, Math.min(n, byId.length), 1);
        List<Scored> scored = new ArrayList<>(top.size());
        for (int r = 0; r < top.size(); r++) {
            int[] reasons = top.reasonItems(r);
            scored.add(
                    new Scored(byId[top.items()[r]], top.scores()[r], reasons.length == 0 ? null : byId[reasons[0]]));
        }
        return scored;
    }

    /** Every candidate the sources' neighbour lists reach, with the sum of its neighbour scores (best first). */
    public static List<Scored> sum(
            List<String> sources, Map<String, NeighborList> neighbors, Collection<String> excluded) {
        if (new HashSet<>(sources).size() == sources.size()) {
            // the same sums and sources in one pass over the lists (a repeated source would count as one reason here)
            return NeighborSums.of(sources, neighbors, excluded, true).ranked();
        }
        return score(sources, null, neighbors, null, SUM, excluded, Integer.MAX_VALUE);
    }

    /** Compares ids in the order of their UTF-8 bytes, which is the order of their code points. */
    static int compareCodePoints(String a, String b) {
        int i = 0, j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    }
}
