package io.personalize.serving;

import io.personalize.training.ItemNeighbors;
import io.personalize.training.ScoringParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

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
        // the items involved, numbered in UTF-8 byte order (the order of their code points): each gets an index as it
        // is first seen (one hash look-up per occurrence), the indices are sorted once by their items, and everything
        // else goes through arrays (a tree of the items compared code point by code point, then a map from each item to
        // its id, cost most of a shelf's time)
        int references = 0;
        for (String source : sources) {
            NeighborList list = neighbors.get(source);
            references += list == null ? 0 : list.size() + 1;
        }
        if (withPopularity) {
            references += popular.items().size();
        }
        Map<String, Integer> seen = new HashMap<>(Math.max(16, references * 2));
        List<String> names = new ArrayList<>();
        List<NeighborList> rowOf = new ArrayList<>(); // by index of first sight: the item's list, when it is a source
        int[] refs = new int[references]; // each source list's neighbours, by index of first sight
        int[] refStart = new int[references]; // by a source's index of first sight: where its neighbours start in refs
        int nrefs = 0;
        for (String source : sources) {
            NeighborList list = neighbors.get(source);
            if (list != null) {
                int at = indexOf(source, seen, names, rowOf);
                if (rowOf.get(at) != null) {
                    continue; // a repeated source: its row is in
                }
                rowOf.set(at, list);
                refStart[at] = nrefs;
                for (String neighbor : list.neighbors()) {
                    refs[nrefs++] = indexOf(neighbor, seen, names, rowOf);
                }
            }
        }
        if (withPopularity) {
            for (String item : popular.items()) {
                indexOf(item, seen, names, rowOf);
            }
        }
        int ni = names.size();
        if (ni == 0) {
            return List.of();
        }
        String[] bySight = names.toArray(String[]::new);
        int[] sorted = utf8Sorted(bySight);
        String[] byId = new String[ni];
        int[] idOf = new int[ni]; // index of first sight -> id
        for (int id = 0; id < ni; id++) {
            byId[id] = bySight[sorted[id]];
            idOf[sorted[id]] = id;
        }
        int[] offsets = new int[ni + 1];
        for (int id = 0; id < ni; id++) {
            NeighborList list = rowOf.get(sorted[id]);
            offsets[id + 1] = offsets[id] + (list == null ? 0 : list.size());
        }
        int[] row = new int[offsets[ni]];
        float[] rowScores = new float[row.length];
        for (int id = 0; id < ni; id++) {
            NeighborList list = rowOf.get(sorted[id]);
            if (list != null) {
                int from = refStart[sorted[id]];
                for (int p = 0; p < list.size(); p++) {
                    row[offsets[id] + p] = idOf[refs[from + p]];
                }
                System.arraycopy(list.scores(), 0, rowScores, offsets[id], list.size());
            }
        }
        float[] popularity = null;
        float maxPopularity = 0;
        if (withPopularity) {
            popularity = new float[ni];
            for (int r = 0; r < popular.items().size(); r++) {
                popularity[idOf[seen.get(popular.items().get(r))]] = popular.scores()[r];
            }
            // an item's own list, when at hand, gives its popularity
            for (Map.Entry<String, NeighborList> list : neighbors.entrySet()) {
                Integer at = seen.get(list.getKey());
                if (at != null) {
                    popularity[idOf[at]] = list.getValue().popularity();
                }
            }
            maxPopularity = popular.maxPopularity();
        }
        NeighborhoodScorer scorer = new NeighborhoodScorer(
                new ItemNeighbors(ni, offsets, row, rowScores), popularity, maxPopularity, params);
        int[] history = new int[sources.size()];
        for (int x = 0; x < history.length; x++) {
            Integer at = seen.get(sources.get(x));
            history[x] = at == null || rowOf.get(at) == null ? -1 : idOf[at];
        }
        int[] exclude = new int[excluded.size()];
        int nx = 0;
        for (String item : excluded) {
            Integer at = seen.get(item);
            if (at != null) {
                exclude[nx++] = idOf[at];
            }
        }
        Recommendations top = scorer.recommend(history, weights, Arrays.copyOf(exclude, nx), Math.min(n, ni), 1);
        List<Scored> scored = new ArrayList<>(top.size());
        for (int r = 0; r < top.size(); r++) {
            int[] reasons = top.reasonItems(r);
            scored.add(
                    new Scored(byId[top.items()[r]], top.scores()[r], reasons.length == 0 ? null : byId[reasons[0]]));
        }
        return scored;
    }

    /**
     * The candidates of {@link #score} (every one) that some source's neighbour list reaches, with the same scores and
     * sources, in the order first reached (not ranked: {@code _recommend}'s items past the stored list go into a heap).
     * Computed in one pass over the sources' lists ({@link NeighborSums#reached}, each source weighted by its history
     * factor), then the popularity term ({@link NeighborhoodScorer}'s arithmetic, to the bit): no numbering of the items
     * in id order, no matrix, no ranking, and the popular list is never numbered; ties between sources still go to the
     * smaller id in UTF-8 order. A history naming an item with a neighbour list twice (the model's reasons then sum
     * its factors) is scored by {@link #score}.
     */
    public static List<Scored> scoreReached(
            List<String> sources,
            float[] weights,
            Map<String, NeighborList> neighbors,
            PopularList popular,
            ScoringParams params,
            Collection<String> excluded) {
        if (weights != null && weights.length != sources.size()) {
            throw new IllegalArgumentException("sources and weights must have the same length");
        }
        double beta = params.popularityWeight();
        float maxPopularity = popular == null ? 0f : popular.maxPopularity();
        boolean withPopularity = popular != null && beta > 0 && maxPopularity > 0;
        NeighborSums reached = NeighborSums.reached(
                sources, params.historyFactors(sources.size(), weights), neighbors, true, excluded, withPopularity);
        if (reached == null) {
            List<Scored> all = score(sources, weights, neighbors, popular, params, excluded, Integer.MAX_VALUE);
            List<Scored> withSource = new ArrayList<>(all.size());
            for (Scored scored : all) {
                if (scored.source() != null) {
                    withSource.add(scored);
                }
            }
            return withSource;
        }
        // the popular list's scores by the candidates' slots when they have them, else by id
        float[] popularBySlot = withPopularity && reached.numbering() != null
                ? reached.numbering().popularity(popular)
                : null;
        Map<String, Integer> ranks = withPopularity && popularBySlot == null ? PopularRanks.of(popular) : Map.of();
        List<Scored> scored = new ArrayList<>(reached.size());
        for (int j = 0; j < reached.size(); j++) {
            String source = reached.source(j);
            if (source == null || reached.excluded(j)) {
                continue;
            }
            String item = reached.item(j);
            float score = reached.sum(j);
            if (withPopularity) {
                // an item's own list, when at hand, gives its popularity; else its score on the popular list
                NeighborList own = reached.own(j);
                float popularity;
                if (own != null) {
                    popularity = own.popularity();
                } else if (popularBySlot != null) {
                    int slot = reached.slot(j);
                    popularity = slot < popularBySlot.length ? popularBySlot[slot] : 0f;
                } else {
                    Integer rank = ranks.get(item);
                    popularity = rank == null ? 0f : popular.scores()[rank];
                }
                score += (float) (beta * (Math.max(0f, popularity) / maxPopularity));
            }
            if (score > 0f) {
                scored.add(new Scored(item, score, source));
            }
        }
        return scored;
    }

    /** The index of {@code name} by first sight, giving it the next one if it is new. */
    private static int indexOf(String name, Map<String, Integer> seen, List<String> names, List<NeighborList> rowOf) {
        Integer at = seen.putIfAbsent(name, names.size());
        if (at != null) {
            return at;
        }
        names.add(name);
        rowOf.add(null);
        return names.size() - 1;
    }

    /** Every candidate the sources' neighbour lists reach, with the sum of its neighbour scores (best first). */
    public static List<Scored> sum(
            List<String> sources, Map<String, NeighborList> neighbors, Collection<String> excluded) {
        return sum(sources, neighbors, excluded, true);
    }

    /**
     * {@link #sum}'s candidates, sums and sources, not ranked (in the order first reached, when the sources are
     * distinct): for a caller that needs only the best sum and each candidate's, sorting every candidate is wasted (it
     * was about 5% of a warm "for you" shelf's CPU, by JFR).
     */
    public static List<Scored> sumUnranked(
            List<String> sources, Map<String, NeighborList> neighbors, Collection<String> excluded) {
        return sum(sources, neighbors, excluded, false);
    }

    private static List<Scored> sum(
            List<String> sources, Map<String, NeighborList> neighbors, Collection<String> excluded, boolean ranked) {
        if (new HashSet<>(sources).size() == sources.size()) {
            // the same sums and sources in one pass over the lists (a repeated source would count as one reason here)
            NeighborSums sums = NeighborSums.of(sources, neighbors, excluded, true);
            return ranked ? sums.ranked() : sums.unranked();
        }
        // best first either way: an unranked caller takes any order
        return score(sources, null, neighbors, null, SUM, excluded, Integer.MAX_VALUE);
    }

    /** Bytes of an id's first characters packed into a sort key, above {@link #INDEX_BITS} bits of its index. */
    private static final int PACKED_CHARS = 6;

    private static final int INDEX_BITS = 16;

    /**
     * The indices of {@code names} (distinct), sorted by the UTF-8 bytes of the names. Ids whose characters are all
     * below 256 (product codes, numbers: UTF-8 order is then the order of the characters) are sorted as primitive
     * keys, the first {@value #PACKED_CHARS} characters packed above the index, and only names sharing those are
     * compared in full; other ids through {@link #utf8Order}.
     */
    static int[] utf8Sorted(String[] names) {
        int n = names.length;
        long[] keys = n < (1 << INDEX_BITS) ? new long[n] : null;
        for (int i = 0; keys != null && i < n; i++) {
            String name = names[i];
            long key = 0;
            for (int c = 0; c < PACKED_CHARS; c++) {
                char ch = c < name.length() ? name.charAt(c) : 0;
                if (ch > 0xFF) {
                    keys = null;
                    break;
                }
                key = (key << 8) | ch;
            }
            if (keys != null) {
                // the sign bit flipped: unsigned order of the packed bytes as signed longs
                keys[i] = ((key << INDEX_BITS) | i) ^ Long.MIN_VALUE;
            }
        }
        int[] sorted = new int[n];
        if (keys == null) {
            Comparator<String> order = utf8Order(names);
            Integer[] boxed = new Integer[n];
            for (int i = 0; i < n; i++) {
                boxed[i] = i;
            }
            Arrays.sort(boxed, (a, b) -> order.compare(names[a], names[b]));
            for (int i = 0; i < n; i++) {
                sorted[i] = boxed[i];
            }
            return sorted;
        }
        Arrays.sort(keys);
        int mask = (1 << INDEX_BITS) - 1;
        for (int i = 0; i < n; i++) {
            sorted[i] = (int) keys[i] & mask;
        }
        // names sharing their first characters (or shorter, padded alike): in full, String order being UTF-8 order here
        for (int from = 0; from < n; ) {
            int to = from + 1;
            while (to < n && keys[to] >>> INDEX_BITS == keys[from] >>> INDEX_BITS) {
                to++;
            }
            if (to - from > 1) {
                Integer[] run = new Integer[to - from];
                for (int i = from; i < to; i++) {
                    run[i - from] = sorted[i];
                }
                Arrays.sort(run, (a, b) -> names[a].compareTo(names[b]));
                for (int i = from; i < to; i++) {
                    sorted[i] = run[i - from];
                }
            }
            from = to;
        }
        return sorted;
    }

    /**
     * The order of the UTF-8 bytes of {@code names}: {@link String#compareTo} (UTF-16 units, a vectorised intrinsic) when
     * none has a surrogate, since UTF-16 order differs from code point order only on those; else code point by code
     * point.
     */
    static Comparator<String> utf8Order(String[] names) {
        for (String name : names) {
            for (int i = 0; i < name.length(); i++) {
                if (Character.isSurrogate(name.charAt(i))) {
                    return ProfileScorer::compareCodePoints;
                }
            }
        }
        return Comparator.naturalOrder();
    }

    /**
     * Each popular item's rank in its list, kept for the few lists last asked about (a node serves one popular list per
     * model version, and the list is the node's cached document: the same instance request after request), so that a
     * request does not hash the whole list to look up a few items.
     */
    static final class PopularRanks {
        private static final int KEPT = 8;
        private static final AtomicReferenceArray<PopularRanks> recent = new AtomicReferenceArray<>(KEPT);
        private static final AtomicInteger next = new AtomicInteger();

        private final List<String> items;
        private final Map<String, Integer> ranks;

        private PopularRanks(List<String> items) {
            this.items = items;
            Map<String, Integer> ranks = new HashMap<>(items.size() * 2);
            for (int r = 0; r < items.size(); r++) {
                ranks.put(items.get(r), r); // as the full numbering: a repeated item's last score
            }
            this.ranks = ranks;
        }

        static Map<String, Integer> of(PopularList popular) {
            for (int i = 0; i < KEPT; i++) {
                PopularRanks kept = recent.get(i);
                if (kept != null && kept.items == popular.items()) {
                    return kept.ranks;
                }
            }
            PopularRanks made = new PopularRanks(popular.items());
            recent.set(Math.floorMod(next.getAndIncrement(), KEPT), made);
            return made.ranks;
        }
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
