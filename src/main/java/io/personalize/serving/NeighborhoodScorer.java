package io.personalize.serving;

import io.personalize.training.ItemNeighbors;
import io.personalize.training.ScoringParams;
import io.personalize.training.TopK;
import io.personalize.training.TrainedModel;
import java.util.Arrays;

/**
 * The one definition of a user's recommendations: training's version writer runs it over the whole model's arrays to
 * store every user's "for you" list, {@link ProfileScorer} over the documents a request has.
 *
 * <p>Given a user's history (items i with weights w_i, as stored in the model: the accumulated,
 * time-decayed event weights), the item neighbours S and the time-decayed popularity pop:
 *
 * <pre>
 *   g(w)     = w^p                        (p = historyWeightExponent; p = 0: g = 1 for w > 0)
 *   h_i      = g(w_i) / Z^q,  Z = sum over the history of g(w_i)  (q = historyNormExponent)
 *   cf(j)    = sum over history items i with j in top-K(i) of h_i * S[i][j]
 *   score(j) = cf(j) + beta * pop(j) / max_l pop(l)              (beta = popularityWeight)
 * </pre>
 *
 * Candidates are all items j with score(j) > 0 that are not excluded (callers normally exclude
 * the history items); they are ranked by score descending, ties by smaller item id. Repeated
 * history items are summed as separate entries. Scores are accumulated in float in history order
 * (order of the arrays passed), then the popularity term is added; serving should do the same to
 * reproduce scores to float precision.
 *
 * <p>Thread-safe: the neighbours and popularity are read-only; per-call scratch memory is either
 * allocated or supplied through a {@link Workspace} that belongs to one thread.
 */
public final class NeighborhoodScorer {

    private final ItemNeighbors neighbors;
    private final float[] popularityTerm;
    // the items whose popularity term is positive, by term descending then id ascending: a user's top items are their
    // co-occurrence candidates plus the head of this list, so that scoring does not scan the whole catalogue
    private final int[] popularOrder;
    private final ScoringParams params;

    /**
     * @param neighbors item neighbours S
     * @param popularity time-decayed popularity per item (length numItems), or null for none
     * @param params scoring parameters
     */
    public NeighborhoodScorer(ItemNeighbors neighbors, float[] popularity, ScoringParams params) {
        this(neighbors, popularity, max(popularity), params);
    }

    /**
     * @param neighbors item neighbours S
     * @param popularity time-decayed popularity per item (length numItems), or null for none
     * @param maxPopularity the highest popularity of the model's items (a subset's scorer takes the whole model's)
     * @param params scoring parameters
     */
    public NeighborhoodScorer(ItemNeighbors neighbors, float[] popularity, float maxPopularity, ScoringParams params) {
        this.neighbors = neighbors;
        this.params = params;
        int ni = neighbors.numItems();
        this.popularityTerm = new float[ni];
        if (popularity != null) {
            if (popularity.length != ni) {
                throw new IllegalArgumentException("popularity must have numItems entries");
            }
            double beta = params.popularityWeight();
            if (maxPopularity > 0 && beta > 0) {
                for (int j = 0; j < ni; j++) {
                    popularityTerm[j] = (float) (beta * (Math.max(0f, popularity[j]) / maxPopularity));
                }
            }
        }
        this.popularOrder = TopK.positiveInOrder(popularityTerm);
    }

    private static float max(float[] popularity) {
        float max = 0f;
        if (popularity != null) {
            for (float v : popularity) {
                max = Math.max(max, v);
            }
        }
        return max;
    }

    /** The scorer of a trained model, with the model's scoring parameters. */
    public static NeighborhoodScorer of(TrainedModel model) {
        return new NeighborhoodScorer(
                model.neighbors(), model.popularity(), model.config().scoring());
    }

    public ItemNeighbors neighbors() {
        return neighbors;
    }

    public ScoringParams params() {
        return params;
    }

    /** beta * pop(j) / max pop, the popularity term of item j. */
    public float popularityTerm(int item) {
        return popularityTerm[item];
    }

    /** Reusable scratch memory for one thread. */
    public static final class Workspace {
        final float[] scores;
        final int[] mark;
        final int[] touched;
        // item -> its rank in the results being explained, -1 outside computeReasons
        final int[] rank;
        int stamp;

        public Workspace(int numItems) {
            scores = new float[numItems];
            mark = new int[numItems];
            touched = new int[numItems];
            rank = new int[numItems];
            Arrays.fill(rank, -1);
        }
    }

    public Workspace newWorkspace() {
        return new Workspace(neighbors.numItems());
    }

    /** Same as {@link #recommend(int[], float[], int[], int, int, Workspace)} with a fresh workspace. */
    public Recommendations recommend(
            int[] historyItems, float[] historyWeights, int[] excludeItems, int n, int maxReasons) {
        return recommend(historyItems, historyWeights, excludeItems, n, maxReasons, newWorkspace());
    }

    /**
     * Top-n items for a user.
     *
     * @param historyItems the user's history item ids (ids outside [0, numItems) are ignored)
     * @param historyWeights weights aligned with historyItems, or null for weight 1 each
     * @param excludeItems items never to return (may be null; out-of-range ids are ignored)
     * @param n number of items wanted
     * @param maxReasons contributions reported per result (0 for none)
     * @param ws scratch memory, used by one thread at a time
     */
    public Recommendations recommend(
            int[] historyItems, float[] historyWeights, int[] excludeItems, int n, int maxReasons, Workspace ws) {
        if (historyWeights != null && historyWeights.length != historyItems.length) {
            throw new IllegalArgumentException("history arrays must have the same length");
        }
        final int ni = neighbors.numItems();
        final int[] offsets = neighbors.offsets();
        final int[] nb = neighbors.neighbors();
        final float[] sc = neighbors.scores();
        final float[] acc = ws.scores;
        final int[] mark = ws.mark;
        final int[] touched = ws.touched;
        // stamps: 2*s+1 = touched in this call, 2*s+2 = excluded in this call
        if (ws.stamp >= Integer.MAX_VALUE / 2 - 2) {
            Arrays.fill(mark, 0);
            ws.stamp = 0;
        }
        ws.stamp++;
        final int seen = 2 * ws.stamp + 1;
        final int excluded = 2 * ws.stamp + 2;
        final float[] h = historyFactors(historyItems, historyWeights);

        int nt = 0;
        for (int x = 0; x < historyItems.length; x++) {
            int i = historyItems[x];
            float hi = h[x];
            if (i < 0 || i >= ni || hi == 0f) {
                continue;
            }
            for (int p = offsets[i], e = offsets[i + 1]; p < e; p++) {
                int j = nb[p];
                if (mark[j] != seen) {
                    mark[j] = seen;
                    touched[nt++] = j;
                    acc[j] = hi * sc[p];
                } else {
                    acc[j] += hi * sc[p];
                }
            }
        }
        if (excludeItems != null) {
            for (int j : excludeItems) {
                if (j >= 0 && j < ni) {
                    mark[j] = excluded;
                }
            }
        }
        TopK top = new TopK(Math.max(0, n));
        boolean anyPopularity = params.popularityWeight() > 0;
        if (anyPopularity) {
            // every item not excluded is a candidate with score cf(j) + pop term(j): the touched ones first...
            for (int t = 0; t < nt; t++) {
                int j = touched[t];
                if (mark[j] != seen) {
                    continue; // excluded
                }
                float s = acc[j] + popularityTerm[j];
                if (s > 0f && s >= top.threshold()) {
                    top.offer(j, s);
                }
            }
            // ...then the others, whose score is their popularity term alone: most popular first, until none can enter
            // (the same top-n as scanning every item: the selection does not depend on the order of the offers)
            for (int j : popularOrder) {
                float s = popularityTerm[j];
                if (s < top.threshold()) {
                    break;
                }
                int mk = mark[j];
                if (mk != seen && mk != excluded) {
                    top.offer(j, s);
                }
            }
        } else {
            for (int t = 0; t < nt; t++) {
                int j = touched[t];
                if (mark[j] != seen) {
                    continue; // excluded
                }
                float s = acc[j];
                if (s > 0f && s >= top.threshold()) {
                    top.offer(j, s);
                }
            }
        }
        int size = top.size();
        int[] items = new int[size];
        float[] scores = new float[size];
        top.drainSorted(items, scores, 0);
        float[] popParts = new float[size];
        for (int r = 0; r < size; r++) {
            popParts[r] = popularityTerm[items[r]];
        }
        int[][] reasonItems = new int[size][];
        float[][] reasonScores = new float[size][];
        computeReasons(historyItems, h, items, Math.max(0, maxReasons), reasonItems, reasonScores, ws.rank);
        return new Recommendations(items, scores, popParts, reasonItems, reasonScores);
    }

    /** h_i for each history entry (see the class comment). */
    public float[] historyFactors(int[] historyItems, float[] historyWeights) {
        return params.historyFactors(historyItems.length, historyWeights);
    }

    private void computeReasons(
            int[] historyItems,
            float[] h,
            int[] items,
            int maxReasons,
            int[][] reasonItems,
            float[][] reasonScores,
            int[] rank) {
        int size = items.length;
        if (maxReasons == 0 || size == 0) {
            for (int r = 0; r < size; r++) {
                reasonItems[r] = new int[0];
                reasonScores[r] = new float[0];
            }
            return;
        }
        TopK[] perResult = new TopK[size];
        for (int r = 0; r < size; r++) {
            perResult[r] = new TopK(maxReasons);
        }
        // a history item can appear more than once: sum its contributions by distinct item
        int ni = neighbors.numItems();
        int[] offsets = neighbors.offsets();
        int[] nb = neighbors.neighbors();
        float[] sc = neighbors.scores();
        long[] hist = new long[historyItems.length];
        int hn = 0;
        for (int x = 0; x < historyItems.length; x++) {
            int i = historyItems[x];
            if (i >= 0 && i < ni && h[x] != 0f) {
                hist[hn++] = ((long) i << 32) | x;
            }
        }
        Arrays.sort(hist, 0, hn);
        // the results' ranks by item, so that a neighbour is looked up in O(1) (results are distinct items)
        for (int r = 0; r < size; r++) {
            rank[items[r]] = r;
        }
        try {
            float[] contrib = new float[size];
            int[] group = new int[size];
            Arrays.fill(group, -1);
            int[] touchedRanks = new int[size];
            for (int a = 0, g = 0; a < hn; g++) {
                int i = (int) (hist[a] >>> 32);
                float hi = 0f;
                for (; a < hn && (int) (hist[a] >>> 32) == i; a++) {
                    hi += h[(int) hist[a]];
                }
                // the contribution of item i to each result it neighbours (summed, should its row repeat a neighbour)
                int nt = 0;
                for (int p = offsets[i], e = offsets[i + 1]; p < e; p++) {
                    int r = rank[nb[p]];
                    if (r >= 0) {
                        if (group[r] != g) {
                            group[r] = g;
                            contrib[r] = 0f;
                            touchedRanks[nt++] = r;
                        }
                        contrib[r] += hi * sc[p];
                    }
                }
                for (int t = 0; t < nt; t++) {
                    int r = touchedRanks[t];
                    if (contrib[r] > 0f) {
                        perResult[r].offer(i, contrib[r]);
                    }
                }
            }
        } finally {
            for (int r = 0; r < size; r++) {
                rank[items[r]] = -1;
            }
        }
        for (int r = 0; r < size; r++) {
            int m = perResult[r].size();
            reasonItems[r] = new int[m];
            reasonScores[r] = new float[m];
            perResult[r].drainSorted(reasonItems[r], reasonScores[r], 0);
        }
    }
}
