package io.personalize.training;

import java.util.Arrays;

/**
 * A user's list from EASE's whole weight matrix ({@link EaseWeights}): {@code cf(j) = sum over the history of h_i *
 * B[i][j]}, {@code h_i} the scoring's history factors as in the neighbours' formula, negative weights included, so an
 * item the history argues against scores lower than the positive neighbour lists alone would say (Steck's scoring;
 * the stored item neighbours keep each row's best positive weights only). Items with {@code cf <= 0} score their
 * popularity term alone, as in every {@link UserRanker}.
 *
 * <p>Dense B: every item is scored while the work, {@code entries of the users' histories x items}, is at most
 * {@link #ALL_ITEMS_WORK}; beyond, the candidates are the item neighbours of the user's history and the {@link
 * #POPULAR_CANDIDATES} most popular items, each scored with its whole column over the history (as {@link
 * FactorRanker} does). Sparse B: the history's rows, which hold what the sparse variant regressed. A result's reason
 * is the history item whose neighbour list gives it the largest share, else the one with the largest positive weight
 * {@code B[i][j]}.
 */
final class EaseRanker extends CandidateRanker {

    /** Additions beyond which a dense B's users' lists score candidates only. */
    static final double ALL_ITEMS_WORK = 2e10;

    /**
     * Row entries beyond which a sparse B's users' lists walk each row's strongest weights only ({@link
     * EaseWeights#rowCap}, {@link EaseWeights#capRows}): the users' lists of 20 million events (a million users, a
     * hundred thousand items) walk about 1e11 entries with whole rows, most of them in the rows of the few popular
     * items that nearly every column's support holds.
     */
    static final double SPARSE_WORK = 5e9;

    static final int POPULAR_CANDIDATES = 200;

    private final EaseWeights weights;
    private final ItemNeighbors neighbors;
    private final ScoringParams scoring;
    private final int[] popular; // candidates mode only
    private final double[] sums; // dense, all items: the user's scores
    private final int[] scored; // candidates mode: scored[j] == stamp when j was scored for the current user
    private int stamp;

    EaseRanker(
            EaseWeights weights,
            ItemNeighbors neighbors,
            float[] popularity,
            ScoringParams scoring,
            long historyEntries) {
        this(weights, neighbors, popularity, scoring, allItems(weights, historyEntries));
    }

    EaseRanker(
            EaseWeights weights, ItemNeighbors neighbors, float[] popularity, ScoringParams scoring, boolean allItems) {
        super(weights.numItems(), neighbors, popularity, scoring);
        this.weights = weights;
        this.neighbors = neighbors;
        this.scoring = scoring;
        boolean candidates = weights.isDense() && allItems == false;
        int[] byPopularity = candidates ? TopK.positiveInOrder(popularity) : null;
        this.popular =
                candidates ? Arrays.copyOf(byPopularity, Math.min(POPULAR_CANDIDATES, byPopularity.length)) : null;
        this.scored = candidates ? new int[weights.numItems()] : null;
        this.sums = weights.isDense() && candidates == false ? new double[weights.numItems()] : null;
    }

    /** Whether a dense B's lists score every item: {@code historyEntries * items <= ALL_ITEMS_WORK}. */
    static boolean allItems(EaseWeights weights, long historyEntries) {
        return (double) historyEntries * weights.numItems() <= ALL_ITEMS_WORK;
    }

    @Override
    void collaborative(int user, int[] history, float[] historyWeights) {
        float[] h = scoring.historyFactors(history.length, historyWeights);
        if (weights.isDense() == false) {
            int[] start = weights.rowStart();
            int[] ids = weights.rowIds();
            float[] w = weights.rowWeights();
            for (int x = 0; x < history.length; x++) {
                int i = history[x];
                if (i >= 0 && i < numItems && h[x] != 0f) {
                    for (int p = start[i]; p < start[i + 1]; p++) {
                        add(ids[p], h[x] * w[p]);
                    }
                }
            }
            return;
        }
        float[] b = weights.denseWeights();
        if (sums != null) {
            boolean any = false;
            for (int x = 0; x < history.length; x++) {
                int i = history[x];
                if (i >= 0 && i < numItems && h[x] != 0f) {
                    double hx = h[x];
                    for (int j = 0, base = i * numItems; j < numItems; j++) {
                        sums[j] += hx * b[base + j];
                    }
                    any = true;
                }
            }
            if (any) {
                for (int j = 0; j < numItems; j++) {
                    if (sums[j] != 0) {
                        add(j, (float) sums[j]);
                    }
                }
                Arrays.fill(sums, 0);
            }
            return;
        }
        if (++stamp == Integer.MAX_VALUE) {
            Arrays.fill(scored, 0);
            stamp = 1;
        }
        int[] offsets = neighbors.offsets();
        int[] ids = neighbors.neighbors();
        for (int i : history) {
            if (i >= 0 && i < neighbors.numItems()) {
                for (int p = offsets[i]; p < offsets[i + 1]; p++) {
                    score(ids[p], history, h, b);
                }
            }
        }
        for (int j : popular) {
            score(j, history, h, b);
        }
    }

    /** Candidate j's whole column over the history, once per user. */
    private void score(int j, int[] history, float[] h, float[] b) {
        if (scored[j] == stamp) {
            return;
        }
        scored[j] = stamp;
        double s = 0;
        for (int x = 0; x < history.length; x++) {
            int i = history[x];
            if (i >= 0 && i < numItems) {
                s += h[x] * b[i * numItems + j];
            }
        }
        if (s != 0) {
            add(j, (float) s);
        }
    }

    @Override
    int fallbackReason(int user, int[] history, int item) {
        int best = -1;
        float bestWeight = 0f;
        for (int x = 0; x < history.length; x++) {
            int i = history[x];
            if (i >= 0 && i < numItems && i != item) {
                float w = weights.weight(i, item);
                if (w > bestWeight) {
                    best = x;
                    bestWeight = w;
                }
            }
        }
        return best;
    }
}
