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

    private final ItemSlots index;
    private final String[] items;
    private final float[] sums;
    private final String[] sources;
    private final int size;

    private NeighborSums(ItemSlots index, String[] items, float[] sums, String[] sources, int size) {
        this.index = index;
        this.items = items;
        this.sums = sums;
        this.sources = sources;
        this.size = size;
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
        NeighborSums reached = reached(sources, null, neighbors, withSources);
        // what NeighborhoodScorer keeps: positive sums of items not excluded
        return reached.kept(j -> reached.sums[j] > 0f && excluded.contains(reached.items[j]) == false);
    }

    /**
     * Every item the sources' neighbour lists reach, in the order first reached, unfiltered: the sum of each source's
     * {@code factor · score} (accumulated in float in source order, as {@link NeighborhoodScorer} does; a source whose
     * factor is 0 adds nothing) and, with {@code withSources}, the source of the largest positive contribution (ties by
     * the smaller id in UTF-8 order; null when none is positive). Null when {@code factors} are given and a source with
     * a list repeats: the model's reasons sum a repeated source's factors first, which this does not.
     *
     * @param factors each source's factor (aligned with {@code sources}), or null for 1 each (repeats then allowed)
     */
    static NeighborSums reached(
            List<String> sources, float[] factors, Map<String, NeighborList> neighbors, boolean withSources) {
        int capacity = 0;
        for (String source : sources) {
            NeighborList list = neighbors.get(source);
            if (list != null) {
                capacity += list.size();
            }
        }
        ItemSlots index = new ItemSlots(capacity);
        String[] items = new String[Math.max(16, capacity)];
        float[] sums = new float[items.length];
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
            if (slots.length < scores.length) {
                slots = new int[scores.length];
            }
            for (int p = 0; p < scores.length; p++) {
                String item = row.get(p);
                int j = index.putIfAbsent(item, size);
                // 1 · score is the score exactly: unweighted sums are as before
                float term = factors == null ? scores[p] : factor * scores[p];
                if (j == size) { // new: every known item has a smaller number
                    size++;
                    items[j] = item;
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
        return new NeighborSums(index, items, sums, strongest, size);
    }

    /** These sums with only the candidates {@code keep} accepts, in the same order (this instance is reused). */
    private NeighborSums kept(IntPredicate keep) {
        int kept = 0;
        for (int j = 0; j < size; j++) {
            if (keep.test(j)) {
                if (kept != j) {
                    items[kept] = items[j];
                    sums[kept] = sums[j];
                    if (sources != null) {
                        sources[kept] = sources[j];
                    }
                }
                kept++;
            }
        }
        if (kept != size) {
            index.clear();
            for (int j = 0; j < kept; j++) {
                index.putIfAbsent(items[j], j);
            }
        }
        return new NeighborSums(index, items, sums, sources, kept);
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

    /** The candidate number of an item, or -1. */
    public int indexOf(String item) {
        return index.get(item);
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
