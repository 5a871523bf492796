package io.personalize.recommend;

import io.personalize.serving.ItemSlots;
import io.personalize.serving.ProfileScorer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The items past a shopper's stored list ({@link CandidateScorer#beyondStoredList}), scored but made {@link Candidate}s
 * only when a ranking reaches them or another signal names them: a "for you" shelf takes a few dozen candidates, the
 * items past the stored list are hundreds (the neighbours of the shopper's 20 newest history items) and rank below
 * every stored item, and making each a candidate, a map entry and a heap entry cost more than scoring them. The
 * shelf is the same as with all of them added up front: an item another signal names gets its reason from here
 * first ({@link #candidate(String)}), as it did when these were added before any other signal, and a {@link Ranking}
 * yields the others in {@link Candidate#BEST_FIRST} order (one reason each: their score is its weight).
 */
final class BeyondStoredList {

    static final BeyondStoredList NONE = new BeyondStoredList(List.of(), 1f);

    private final String[] items;
    private final float[] weights;
    private final String[] sources;
    private ItemSlots index; // built at the first look-up (most rankings look up a few popular items)
    private Integer[] order; // best first, built when a ranking first takes one of them

    /** {@code scored}: the model's scores of the items, to be divided by the stored list's best, {@code stored}. */
    BeyondStoredList(List<ProfileScorer.Scored> scored, float stored) {
        int n = scored.size();
        items = new String[n];
        weights = new float[n];
        sources = new String[n];
        for (int i = 0; i < n; i++) {
            ProfileScorer.Scored s = scored.get(i);
            items[i] = s.item();
            weights[i] = s.score() / stored;
            sources[i] = s.source();
        }
    }

    int size() {
        return items.length;
    }

    String item(int i) {
        return items[i];
    }

    /** Whether the item is past the stored list (scored here). */
    synchronized boolean contains(String item) {
        return indexOf(item) >= 0;
    }

    /** A new candidate of the item: with its reason from here when it is past the stored list, else without any. */
    synchronized Candidate candidate(String item) {
        int i = indexOf(item);
        return i < 0 ? new Candidate(item) : candidate(i);
    }

    Candidate candidate(int i) {
        return new Candidate(items[i]).add(Reason.item(Reason.Type.BECAUSE_YOU_VIEWED, sources[i], weights[i]));
    }

    /** Every item not among {@code candidates} added to them (all at once, as a shelf did before). */
    void addTo(Map<String, Candidate> candidates) {
        for (int i = 0; i < items.length; i++) {
            if (candidates.containsKey(items[i]) == false) {
                candidates.put(items[i], candidate(i));
            }
        }
    }

    /**
     * The item that ranks first by {@link Candidate#BEST_FIRST} (as a candidate with this reason alone: the highest
     * weight, then the smaller id) among those {@code skip} does not name; -1 when none.
     */
    int best(Map<String, Candidate> skip) {
        int best = -1;
        for (int i = 0; i < items.length; i++) {
            // the comparison first: only an item that would be the best so far is looked up (a few, not hundreds)
            if ((best < 0 || before(i, best)) && skip.containsKey(items[i]) == false) {
                best = i;
            }
        }
        return best;
    }

    /** All the items best first by {@link Candidate#BEST_FIRST} (sorted once, when a ranking goes past the best). */
    synchronized Integer[] order() {
        if (order == null) {
            Integer[] sorted = new Integer[items.length];
            for (int i = 0; i < sorted.length; i++) {
                sorted[i] = i;
            }
            Arrays.sort(sorted, (a, b) -> a.equals(b) ? 0 : before(a, b) ? -1 : 1);
            order = sorted;
        }
        return order;
    }

    private boolean before(int a, int b) {
        // Candidate.score is 0 + the weight, which is the weight; no rank; then the id
        return weights[a] != weights[b] ? weights[a] > weights[b] : items[a].compareTo(items[b]) < 0;
    }

    private int indexOf(String item) {
        if (items.length == 0) {
            return -1;
        }
        if (index == null) {
            ItemSlots built = new ItemSlots(items.length);
            for (int i = 0; i < items.length; i++) {
                built.putIfAbsent(items[i], i);
            }
            index = built;
        }
        return index.get(item);
    }
}
