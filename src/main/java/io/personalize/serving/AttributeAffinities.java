package io.personalize.serving;

import java.io.Serializable;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Users' attribute affinities (the {@code attributes} of a user's document): per configured attribute of the catalogue
 * (category, brand...), the values of the user's history items, each item weighted by its history factor (the weight
 * the neighbours' formula gives it, {@link NeighborhoodScorer#historyFactors}), summed per value, the strongest
 * {@link #VALUES} kept and scaled so that the strongest is 1. The one copy of the formula: the node's training and the
 * Spark job both call it, with the items' values indexed here. Arrays only, so that a job can ship it to its tasks.
 */
public final class AttributeAffinities implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Attribute values kept per user and attribute, strongest first. */
    public static final int VALUES = 20;

    private final String[] names;
    // per attribute: value id -> the value as text
    private final String[][] valueNames;
    // per attribute: item -> its value ids, as offsets into values (item i: values[offsets[i]] .. values[offsets[i+1]])
    private final int[][] offsets;
    private final int[][] values;

    private AttributeAffinities(String[] names, String[][] valueNames, int[][] offsets, int[][] values) {
        this.names = names;
        this.valueNames = valueNames;
        this.offsets = offsets;
        this.values = values;
    }

    /** The (item, value id) pairs of one attribute, in the order the catalogue gave them. */
    public interface Pairs {
        void forEach(int attribute, PairConsumer consumer);
    }

    public interface PairConsumer {
        void accept(int item, int value);
    }

    public static AttributeAffinities none() {
        return new AttributeAffinities(new String[0], new String[0][], new int[0][], new int[0][]);
    }

    /**
     * Indexes the catalogue's values of {@code numItems} items (a counting sort of the pairs by item: an item's values
     * keep the order the pairs gave them, which decides ties between equal affinities).
     *
     * @param names the attributes, in the model's order
     * @param valueNames per attribute, the text of each value id
     * @param pairs per attribute, the (item, value id) pairs; items outside {@code [0, numItems)} are ignored
     */
    public static AttributeAffinities index(List<String> names, String[][] valueNames, int numItems, Pairs pairs) {
        int n = names.size();
        int[][] offsets = new int[n][];
        int[][] values = new int[n][];
        for (int a = 0; a < n; a++) {
            int[] itemOffsets = new int[numItems + 1];
            pairs.forEach(a, (item, value) -> {
                if (item >= 0 && item < numItems) {
                    itemOffsets[item + 1]++;
                }
            });
            for (int i = 0; i < numItems; i++) {
                itemOffsets[i + 1] += itemOffsets[i];
            }
            int[] itemValues = new int[itemOffsets[numItems]];
            int[] fill = Arrays.copyOf(itemOffsets, numItems);
            pairs.forEach(a, (item, value) -> {
                if (item >= 0 && item < numItems) {
                    itemValues[fill[item]++] = value;
                }
            });
            offsets[a] = itemOffsets;
            values[a] = itemValues;
        }
        return new AttributeAffinities(names.toArray(new String[0]), valueNames.clone(), offsets, values);
    }

    public boolean isEmpty() {
        return names.length == 0;
    }

    /**
     * A user's affinities: per attribute, the values of the history items weighted by the items' history factors,
     * the strongest {@link #VALUES}, the strongest scaled to 1 (ties: the value met first in the history).
     *
     * @param history the user's history items, newest first
     * @param factors each history item's factor ({@link NeighborhoodScorer#historyFactors})
     */
    public Map<String, Map<String, Float>> of(int[] history, float[] factors) {
        if (names.length == 0) {
            return Map.of();
        }
        Map<String, Map<String, Float>> result = new LinkedHashMap<>();
        for (int a = 0; a < names.length; a++) {
            int[] itemOffsets = offsets[a];
            int[] itemValues = values[a];
            Map<Integer, Float> weights = new LinkedHashMap<>();
            for (int x = 0; x < history.length; x++) {
                int item = history[x];
                if (item + 1 < itemOffsets.length) {
                    for (int p = itemOffsets[item]; p < itemOffsets[item + 1]; p++) {
                        weights.merge(itemValues[p], factors[x], Float::sum);
                    }
                }
            }
            if (weights.isEmpty()) {
                continue;
            }
            float max = weights.values().stream().max(Float::compare).orElse(1f);
            String[] text = valueNames[a];
            Map<String, Float> top = new LinkedHashMap<>();
            weights.entrySet().stream()
                    .sorted((x, y) -> Float.compare(y.getValue(), x.getValue()))
                    .limit(VALUES)
                    .forEach(e -> top.put(text[e.getKey()], max > 0 ? e.getValue() / max : 0f));
            result.put(names[a], top);
        }
        return result;
    }
}
