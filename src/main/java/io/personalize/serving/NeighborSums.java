package io.personalize.serving;

import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * "Sum the neighbour scores, remember the strongest source" over a request's source items, in one pass over their
 * neighbour lists: the per-request half of the rescorer's signals and of {@code _recommend}'s real-time part. It gives
 * exactly {@link ProfileScorer#sum}'s candidates, sums (accumulated in float in source order, as
 * {@link NeighborhoodScorer} does) and strongest sources (the largest contribution, ties by the smaller id in UTF-8
 * order), without numbering the items in id order, building a matrix or ranking the candidates: with fifty recent
 * items of a hundred neighbours each, that numbering and ranking was most of a rescored search's cost
 * ({@code NeighborSumsTests} compares both on random lists). Candidates come in the order they are first reached.
 */
public final class NeighborSums {

    private ItemSlots index; // built at the first look-up by id (the rescorer's; a shelf looks none up)
    private final String[] items;
    private final float[] sums;
    private final String[] sources;
    private final int size;
    // per candidate, with the lookups asked of reached: whether it is excluded, and its own list among those at hand
    private final boolean[] excluded;
    private final NeighborList[] own;
    // per candidate, its slot in numbering when the sums went by slot; else both null
    private final ItemNumbering numbering;
    private final int[] slotOf;

    private NeighborSums(
            String[] items,
            float[] sums,
            String[] sources,
            int size,
            boolean[] excluded,
            NeighborList[] own,
            ItemNumbering numbering,
            int[] slotOf) {
        this.items = items;
        this.sums = sums;
        this.sources = sources;
        this.size = size;
        this.excluded = excluded;
        this.own = own;
        this.numbering = numbering;
        this.slotOf = slotOf;
    }

    /**
     * @param sources the source items, each counting 1, summed in this order (sources without a neighbour list add
     *     nothing)
     * @param neighbors the neighbour lists at hand, by item
     * @param excluded items never returned
     * @param withSources whether to find each candidate's strongest source ({@link #source}); else it is null
     */
    public static NeighborSums of(
            List<String> sources,
            Map<String, NeighborList> neighbors,
            Collection<String> excluded,
            boolean withSources) {
        NeighborSums reached = reached(sources, null, neighbors, withSources, excluded, false);
        // what NeighborhoodScorer keeps: positive sums of items not excluded
        return reached.kept(j -> reached.sums[j] > 0f && reached.excluded[j] == false);
    }

    /**
     * Every item the sources' neighbour lists reach, in the order first reached, unfiltered: the sum of each source's
     * {@code factor · score} (accumulated in float in source order, as {@link NeighborhoodScorer} does; a source whose
     * factor is 0 adds nothing) and, with {@code withSources}, the source of the largest positive contribution (ties by
     * the smaller id in UTF-8 order; null when none is positive). Null when {@code factors} are given and a source with
     * a list repeats: the model's reasons sum a repeated source's factors first, which this does not.
     *
     * <p>When every source's list carries slots of one {@link ItemNumbering} (a node's lists of one version), the
     * candidates are found by slot in the numbering's per-request arrays; otherwise by hashing their ids. The same
     * candidates, order, sums and sources either way ({@code ItemNumberingTests}).
     *
     * @param factors each source's factor (aligned with {@code sources}), or null for 1 each (repeats then allowed)
     * @param excluded items to mark ({@link #excluded}), or null for none; a {@link NumberedSet} is marked by the slots
     *     memoized with its parts when the sums go by slot
     * @param withOwn whether to find each candidate's own list among {@code neighbors} ({@link #own})
     */
    static NeighborSums reached(
            List<String> sources,
            float[] factors,
            Map<String, NeighborList> neighbors,
            boolean withSources,
            Collection<String> excluded,
            boolean withOwn) {
        int capacity = 0;
        ItemNumbering numbering = null;
        boolean slotted = true;
        for (String source : sources) {
            NeighborList list = neighbors.get(source);
            if (list != null) {
                capacity += list.size();
                if (numbering == null && list.slots() != null) {
                    numbering = list.slots().numbering();
                }
                slotted &= list.slotsIn(numbering) != null;
            }
        }
        if (slotted == false) {
            numbering = null;
        }
        ItemNumbering.Scratch scratch = numbering == null ? null : numbering.borrow();
        try {
            return reached(sources, factors, neighbors, withSources, excluded, withOwn, capacity, numbering, scratch);
        } finally {
            if (scratch != null) {
                numbering.release(scratch);
            }
        }
    }

    private static NeighborSums reached(
            List<String> sources,
            float[] factors,
            Map<String, NeighborList> neighbors,
            boolean withSources,
            Collection<String> excluded,
            boolean withOwn,
            int capacity,
            ItemNumbering numbering,
            ItemNumbering.Scratch scratch) {
        // by slot: the stamp marks the slots reached in this request, candidateOf their candidate numbers; by id: index
        ItemSlots index = scratch == null ? new ItemSlots(capacity) : null;
        int stamp = scratch == null ? 0 : scratch.next(numbering.size());
        int[] mark = scratch == null ? null : scratch.mark;
        int[] candidateOf = scratch == null ? null : scratch.candidate;
        String[] items = new String[Math.max(16, capacity)];
        float[] sums = new float[items.length];
        int[] slotOf = scratch == null ? null : new int[items.length];
        // withSources: per candidate, the strongest source so far, its contribution, and the current source's
        // contribution (a row naming a neighbour twice contributes the sum, as NeighborhoodScorer's reasons count it)
        String[] strongest = withSources ? new String[items.length] : null;
        float[] strongestScore = withSources ? new float[items.length] : null;
        float[] current = withSources ? new float[items.length] : null;
        int[] currentSource = withSources ? new int[items.length] : null;
        int size = 0;
        // the current row's candidate numbers, so that finding the strongest sources looks nothing up again
        int[] slots = new int[16];
        Set<String> listed = factors == null ? null : new HashSet<>();
        for (int x = 0; x < sources.size(); x++) {
            String source = sources.get(x);
            NeighborList list = neighbors.get(source);
            if (list == null) {
                continue;
            }
            if (listed != null && listed.add(source) == false) {
                return null;
            }
            float factor = factors == null ? 1f : factors[x];
            if (factor == 0f) {
                continue;
            }
            List<String> row = list.neighbors();
            float[] scores = list.scores();
            int[] rowSlots = scratch == null ? null : list.slotsIn(numbering);
            if (slots.length < scores.length) {
                slots = new int[scores.length];
            }
            for (int p = 0; p < scores.length; p++) {
                int j;
                if (rowSlots == null) {
                    j = index.putIfAbsent(row.get(p), size);
                } else {
                    int slot = rowSlots[p];
                    if (mark[slot] == stamp) {
                        j = candidateOf[slot];
                    } else {
                        mark[slot] = stamp;
                        candidateOf[slot] = size;
                        slotOf[size] = slot;
                        j = size;
                    }
                }
                // 1 · score is the score exactly: unweighted sums are as before
                float term = factors == null ? scores[p] : factor * scores[p];
                if (j == size) { // new: every known item has a smaller number
                    size++;
                    items[j] = row.get(p);
                    sums[j] = term;
                    if (withSources) {
                        currentSource[j] = x;
                        current[j] = term;
                    }
                } else {
                    sums[j] += term;
                    if (withSources) {
                        if (currentSource[j] == x) {
                            current[j] += term;
                        } else {
                            currentSource[j] = x;
                            current[j] = term;
                        }
                    }
                }
                slots[p] = j;
            }
            if (withSources) {
                // the source's whole contribution to each neighbour is known now
                for (int p = 0; p < scores.length; p++) {
                    int j = slots[p];
                    float contribution = current[j];
                    if (currentSource[j] == x
                            && contribution > 0f
                            && (strongest[j] == null
                                    || contribution > strongestScore[j]
                                    || (contribution == strongestScore[j]
                                            && ProfileScorer.compareCodePoints(source, strongest[j]) < 0))) {
                        strongest[j] = source;
                        strongestScore[j] = contribution;
                    }
                }
            }
        }
        // each candidate's membership: by looking up the fewer side (the candidates in a set of ids, or the ids'
        // slots among the candidates), the same answer either way
        boolean[] isExcluded = new boolean[size];
        if (excluded != null) {
            if (scratch != null && excluded instanceof NumberedSet numbered) {
                // the excluded ids' slots, memoized with the documents they come from: no id hashed
                for (NumberedItems part : numbered.parts()) {
                    for (int slot : part.slotsIn(numbering)) {
                        int j = candidate(slot, mark, stamp, candidateOf);
                        if (j >= 0) {
                            isExcluded[j] = true;
                        }
                    }
                }
            } else if (scratch != null && excluded.size() < size) {
                for (String item : excluded) {
                    int j = candidate(numbering.slotOf(item), mark, stamp, candidateOf);
                    if (j >= 0) {
                        isExcluded[j] = true;
                    }
                }
            } else {
                for (int j = 0; j < size; j++) {
                    isExcluded[j] = excluded.contains(items[j]);
                }
            }
        }
        NeighborList[] own = null;
        if (withOwn) {
            own = new NeighborList[size];
            if (scratch != null && neighbors.size() < size) {
                for (Map.Entry<String, NeighborList> entry : neighbors.entrySet()) {
                    NeighborList list = entry.getValue();
                    int slot = list.slotsIn(numbering) != null && list.item().equals(entry.getKey())
                            ? list.slots().item()
                            : numbering.slotOf(entry.getKey());
                    int j = candidate(slot, mark, stamp, candidateOf);
                    if (j >= 0) {
                        own[j] = list;
                    }
                }
            } else {
                for (int j = 0; j < size; j++) {
                    own[j] = neighbors.get(items[j]);
                }
            }
        }
        NeighborSums reached = new NeighborSums(
                items, sums, strongest, size, isExcluded, own, scratch == null ? null : numbering, slotOf);
        reached.index = index;
        return reached;
    }

    /** The candidate number of a slot reached in this request (the stamp's), or -1. */
    private static int candidate(int slot, int[] mark, int stamp, int[] candidateOf) {
        // a slot given after the request's arrays were sized was reached by none of its lists
        return slot >= 0 && slot < mark.length && mark[slot] == stamp ? candidateOf[slot] : -1;
    }

    /** These sums with only the candidates {@code keep} accepts, in the same order (this instance is reused). */
    private NeighborSums kept(IntPredicate keep) {
        int kept = 0;
        for (int j = 0; j < size; j++) {
            if (keep.test(j)) {
                if (kept != j) {
                    items[kept] = items[j];
                    sums[kept] = sums[j];
                    excluded[kept] = excluded[j];
                    if (sources != null) {
                        sources[kept] = sources[j];
                    }
                    if (own != null) {
                        own[kept] = own[j];
                    }
                    if (slotOf != null) {
                        slotOf[kept] = slotOf[j];
                    }
                }
                kept++;
            }
        }
        NeighborSums result = new NeighborSums(items, sums, sources, kept, excluded, own, numbering, slotOf);
        result.index = kept == size ? index : null;
        return result;
    }

    /** How many candidates. */
    public int size() {
        return size;
    }

    public String item(int candidate) {
        return items[candidate];
    }

    public float sum(int candidate) {
        return sums[candidate];
    }

    /** The source contributing most to the candidate; null when not asked for. */
    public String source(int candidate) {
        return sources == null ? null : sources[candidate];
    }

    /** Whether the candidate is one of the items {@link #reached} was asked to mark excluded. */
    boolean excluded(int candidate) {
        return excluded[candidate];
    }

    /** The candidate's own list among those at hand, when {@link #reached} was asked for them; else null. */
    NeighborList own(int candidate) {
        return own == null ? null : own[candidate];
    }

    /** The numbering whose slots {@link #slot} gives, or null when the candidates were found by id. */
    ItemNumbering numbering() {
        return numbering;
    }

    /** The candidate's slot in {@link #numbering}. */
    int slot(int candidate) {
        return slotOf[candidate];
    }

    /** The candidate number of an item, or -1. */
    public int indexOf(String item) {
        if (index == null) {
            ItemSlots built = new ItemSlots(size);
            for (int j = 0; j < size; j++) {
                built.putIfAbsent(items[j], j);
            }
            index = built;
        }
        return index.get(item);
    }

    /** The candidates in the order first reached, with their sums and sources. */
    public List<ProfileScorer.Scored> unranked() {
        ProfileScorer.Scored[] scored = new ProfileScorer.Scored[size];
        for (int j = 0; j < size; j++) {
            scored[j] = new ProfileScorer.Scored(items[j], sums[j], source(j));
        }
        return List.of(scored);
    }

    /** The candidates, best first (ties by the smaller id in UTF-8 order), as {@link ProfileScorer#sum} returns them. */
    public List<ProfileScorer.Scored> ranked() {
        Integer[] order = new Integer[size];
        for (int j = 0; j < size; j++) {
            order[j] = j;
        }
        Arrays.sort(order, (a, b) -> {
            int bySum = Float.compare(sums[b], sums[a]);
            return bySum != 0 ? bySum : ProfileScorer.compareCodePoints(items[a], items[b]);
        });
        ProfileScorer.Scored[] ranked = new ProfileScorer.Scored[size];
        for (int r = 0; r < size; r++) {
            int j = order[r];
            ranked[r] = new ProfileScorer.Scored(items[j], sums[j], source(j));
        }
        return List.of(ranked);
    }
}
