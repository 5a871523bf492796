package io.personalize.training;

/**
 * A user's list from a factor model: every item scored {@code x_u . y_j}; a result's reason is the history item with
 * the largest share of it ({@link FactorNeighbors#share}), through the item neighbours or, past them, computed over
 * the newest {@link #REASON_HISTORY} history items.
 */
final class FactorRanker extends CandidateRanker {

    static final int REASON_HISTORY = 50;

    private final FactorModel model;
    private final FactorNeighbors shares;

    FactorRanker(
            FactorModel model,
            FactorNeighbors shares,
            ItemNeighbors neighbors,
            float[] popularity,
            ScoringParams scoring) {
        super(model.numItems(), neighbors, popularity, scoring);
        this.model = model;
        this.shares = shares;
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
        for (int j = 0; j < numItems; j++) {
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
