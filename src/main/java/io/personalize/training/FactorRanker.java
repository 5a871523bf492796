package io.personalize.training;

/**
 * A user's list from a factor model: items scored {@code x_u . y_j}; a result's reason is the history item with the
 * largest share of it ({@link FactorNeighbors#share}), through the item neighbours or, past them, computed over the
 * newest {@link #REASON_HISTORY} history items. Every item is scored while users * items * factors is at most
 * {@link #ALL_ITEMS_WORK}; beyond, the candidates are the item neighbours of the user's history and the
 * {@link #POPULAR_CANDIDATES} most popular items, as a two-stage recommender retrieves before it scores.
 */
final class FactorRanker extends CandidateRanker {

    static final int REASON_HISTORY = 50;
    /** Factor products beyond which a user's list scores candidates only. */
    static final double ALL_ITEMS_WORK = 2e10;

    static final int POPULAR_CANDIDATES = 200;

    private final FactorModel model;
    private final FactorNeighbors shares;
    private final ItemNeighbors neighbors;
    private final int[] popular;
    // candidates mode: scored[j] == stamp when j was scored for the current user
    private final int[] scored;
    private int stamp;

    FactorRanker(
            FactorModel model,
            FactorNeighbors shares,
            ItemNeighbors neighbors,
            float[] popularity,
            ScoringParams scoring) {
        this(
                model,
                shares,
                neighbors,
                popularity,
                scoring,
                allItems(model.numUsers(), model.numItems(), model.factors()));
    }

    FactorRanker(
            FactorModel model,
            FactorNeighbors shares,
            ItemNeighbors neighbors,
            float[] popularity,
            ScoringParams scoring,
            boolean allItems) {
        super(model.numItems(), neighbors, popularity, scoring);
        this.model = model;
        this.shares = shares;
        this.neighbors = neighbors;
        int[] byPopularity = allItems ? null : TopK.positiveInOrder(popularity);
        this.popular = allItems
                ? null
                : java.util.Arrays.copyOf(byPopularity, Math.min(POPULAR_CANDIDATES, byPopularity.length));
        this.scored = allItems ? null : new int[model.numItems()];
    }

    static boolean allItems(long users, int items, int factors) {
        return (double) users * items * factors <= ALL_ITEMS_WORK;
    }

    @Override
    void collaborative(int user, int[] history, float[] historyWeights) {
        if (user < 0 || user >= model.numUsers()) {
            return;
        }
        int f = model.factors();
        float[] x = model.userFactors();
        float[] y = model.itemFactors();
        int o = user * f;
        if (scored == null) {
            for (int j = 0; j < numItems; j++) {
                add(j, (float) FactorModel.dot(x, o, y, j * f, f));
            }
            return;
        }
        if (++stamp == Integer.MAX_VALUE) {
            java.util.Arrays.fill(scored, 0);
            stamp = 1;
        }
        int[] offsets = neighbors.offsets();
        int[] ids = neighbors.neighbors();
        for (int i : history) {
            if (i >= 0 && i < neighbors.numItems()) {
                for (int p = offsets[i]; p < offsets[i + 1]; p++) {
                    score(ids[p], x, o, y, f);
                }
            }
        }
        for (int j : popular) {
            score(j, x, o, y, f);
        }
    }

    private void score(int j, float[] x, int o, float[] y, int f) {
        if (scored[j] != stamp) {
            scored[j] = stamp;
            add(j, (float) FactorModel.dot(x, o, y, j * f, f));
        }
    }

    @Override
    int fallbackReason(int user, int[] history, int item) {
        int best = -1;
        double bestShare = 0;
        for (int x = 0; x < history.length && x < REASON_HISTORY; x++) {
            int i = history[x];
            if (i >= 0 && i < numItems) {
                double s = shares.share(i, item);
                if (s > bestShare) {
                    best = x;
                    bestShare = s;
                }
            }
        }
        return best;
    }
}
