package io.personalize.training;

import java.util.Arrays;

/**
 * The shared part of the {@link UserRanker}s: the algorithm scores its candidates ({@link #collaborative}), this class
 * puts them on the formula's scale (divided by the user's best, plus the popularity term), adds the items that only
 * popularity brings, keeps the top n and gives each result its reason: the history item whose neighbour list gives it
 * the largest share {@code h_i * S[i][j]}, else whatever {@link #fallbackReason} finds.
 */
abstract class CandidateRanker implements UserRanker {

    protected final int numItems;
    private final ItemNeighbors neighbors;
    private final ScoringParams scoring;
    private final float[] popularityTerm;
    private final int[] popularOrder;
    // scratch: candidate scores, stamps, the touched candidates
    protected final float[] scores;
    private final int[] mark;
    private final int[] touched;
    private final int[] rank;
    private int nt;
    private int stamp;
    private float[] discount; // per item, multiplies the collaborative score; null: none

    CandidateRanker(int numItems, ItemNeighbors neighbors, float[] popularity, ScoringParams scoring) {
        this.numItems = numItems;
        this.neighbors = neighbors;
        this.scoring = scoring;
        this.popularityTerm = PopularityTerm.of(popularity, scoring.popularityWeight(), numItems);
        this.popularOrder = TopK.positiveInOrder(popularityTerm);
        this.scores = new float[numItems];
        this.mark = new int[numItems];
        this.touched = new int[numItems];
        this.rank = new int[numItems];
        Arrays.fill(rank, -1);
    }

    /**
     * Multiplies each candidate's collaborative score by its item's factor before ranking (the popularity discount,
     * {@link TrainingConfig#popularityDiscount()}); returns this ranker.
     */
    final CandidateRanker discount(float[] factors) {
        this.discount = factors;
        return this;
    }

    /** Scores the user's candidates: {@link #add} for each (a candidate may be added more than once: summed). */
    abstract void collaborative(int user, int[] history, float[] historyWeights);

    /** A reason for {@code item} when no history item's neighbour list reaches it: a history position, or -1. */
    int fallbackReason(int user, int[] history, int item) {
        return -1;
    }

    /** Adds {@code value} to the candidate's collaborative score. */
    final void add(int item, float value) {
        int seen = 2 * stamp + 1;
        if (mark[item] != seen && mark[item] != seen + 1) {
            mark[item] = seen;
            scores[item] = value;
            touched[nt++] = item;
        } else {
            scores[item] += value;
        }
    }

    @Override
    public final Ranked rank(int user, int[] history, float[] historyWeights, int[] exclude, int n) {
        if (stamp >= Integer.MAX_VALUE / 2 - 2) {
            Arrays.fill(mark, 0);
            stamp = 0;
        }
        stamp++;
        nt = 0;
        final int seen = 2 * stamp + 1;
        final int excluded = seen + 1;
        collaborative(user, history, historyWeights);
        if (discount != null) {
            for (int t = 0; t < nt; t++) {
                scores[touched[t]] *= discount[touched[t]];
            }
        }
        if (exclude != null) {
            for (int j : exclude) {
                if (j >= 0 && j < numItems) {
                    mark[j] = excluded;
                }
            }
        }
        float best = 0f;
        for (int t = 0; t < nt; t++) {
            int j = touched[t];
            if (mark[j] == seen && scores[j] > best) {
                best = scores[j];
            }
        }
        TopK top = new TopK(Math.max(0, n));
        for (int t = 0; t < nt; t++) {
            int j = touched[t];
            if (mark[j] != seen) {
                continue;
            }
            float cf = best > 0 && scores[j] > 0 ? scores[j] / best : 0f;
            float s = cf + popularityTerm[j];
            if (s > 0f && s >= top.threshold()) {
                top.offer(j, s);
            }
        }
        for (int j : popularOrder) {
            float s = popularityTerm[j];
            if (s < top.threshold()) {
                break;
            }
            if (mark[j] != seen && mark[j] != excluded) {
                top.offer(j, s);
            }
        }
        int size = top.size();
        int[] items = new int[size];
        float[] out = new float[size];
        top.drainSorted(items, out, 0);
        float[] pop = new float[size];
        for (int r = 0; r < size; r++) {
            pop[r] = popularityTerm[items[r]];
        }
        int[] reasons = new int[size];
        float[] reasonScores = new float[size];
        reasons(user, history, historyWeights, items, reasons, reasonScores);
        return new Ranked(items, out, pop, reasons, reasonScores);
    }

    private void reasons(
            int user, int[] history, float[] historyWeights, int[] items, int[] reasons, float[] reasonScores) {
        Arrays.fill(reasons, -1);
        for (int r = 0; r < items.length; r++) {
            rank[items[r]] = r;
        }
        try {
            float[] h = scoring.historyFactors(history.length, historyWeights);
            int[] offsets = neighbors.offsets();
            int[] nb = neighbors.neighbors();
            float[] sc = neighbors.scores();
            for (int x = 0; x < history.length; x++) {
                int i = history[x];
                if (i < 0 || i >= neighbors.numItems() || h[x] == 0f) {
                    continue;
                }
                for (int p = offsets[i], e = offsets[i + 1]; p < e; p++) {
                    int r = rank[nb[p]];
                    if (r >= 0) {
                        float c = h[x] * sc[p];
                        if (c > 0f
                                && (reasons[r] < 0
                                        || c > reasonScores[r]
                                        || (c == reasonScores[r] && i < reasons[r]))) {
                            reasons[r] = i;
                            reasonScores[r] = c;
                        }
                    }
                }
            }
        } finally {
            for (int item : items) {
                rank[item] = -1;
            }
        }
        for (int r = 0; r < items.length; r++) {
            if (reasons[r] < 0 && items[r] < numItems) {
                int x = fallbackReason(user, history, items[r]);
                reasons[r] = x < 0 ? -1 : history[x];
            }
        }
    }
}
