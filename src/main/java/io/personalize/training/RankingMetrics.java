package io.personalize.training;

import java.util.Arrays;

/**
 * Top-k ranking metrics with binary relevance, and an accumulator that averages them over users.
 *
 * <ul>
 *   <li>HR@k = 1 if any of the first k recommendations is relevant, else 0</li>
 *   <li>Precision@k = hits in the first k / k</li>
 *   <li>Recall@k = hits in the first k / min(k, |truth|)</li>
 *   <li>MAP@k = sum over relevant first-k positions r (1-based) of (hits in the first r) / r, divided by
 *       min(k, |truth|)</li>
 *   <li>NDCG@k = sum over relevant first-k positions r (0-based) of 1/log2(r + 2), divided by the
 *       same sum for an ideal list of min(k, |truth|) relevant items</li>
 *   <li>coverage@k = distinct items among all users' first k recommendations / catalogue size</li>
 * </ul>
 *
 * Users with an empty truth set are not evaluated. Truth ids may lie outside the catalogue
 * (relevant items the model cannot know); they count in |truth|. Duplicate ids in a
 * recommendation list count once.
 */
public final class RankingMetrics {

    private final int k;
    private final boolean[] recommended;
    private int distinctRecommended;
    private long users;
    private double sumHr;
    private double sumRecall;
    private double sumPrecision;
    private double sumMap;
    private double sumNdcg;

    /**
     * @param k cut-off
     * @param catalogueSize number of items that can be recommended (ids 0..catalogueSize-1)
     */
    public RankingMetrics(int k, int catalogueSize) {
        if (k < 1 || catalogueSize < 0) {
            throw new IllegalArgumentException("k must be >= 1");
        }
        this.k = k;
        this.recommended = new boolean[catalogueSize];
    }

    /** Adds one user's ranked list (only the first k are used) against their truth set. */
    public void add(int[] ranked, int[] truth) {
        if (truth.length == 0) {
            return;
        }
        int[] t = sortedDistinct(truth);
        users++;
        sumHr += hitRate(ranked, t, k);
        sumRecall += recall(ranked, t, k);
        sumPrecision += (double) hits(ranked, t, k) / k;
        sumMap += averagePrecision(ranked, t, k);
        sumNdcg += ndcg(ranked, t, k);
        for (int r = 0, n = Math.min(k, ranked.length); r < n; r++) {
            int j = ranked[r];
            if (j >= 0 && j < recommended.length && !recommended[j]) {
                recommended[j] = true;
                distinctRecommended++;
            }
        }
    }

    public long users() {
        return users;
    }

    public double hitRate() {
        return users == 0 ? 0 : sumHr / users;
    }

    public double recall() {
        return users == 0 ? 0 : sumRecall / users;
    }

    public double precision() {
        return users == 0 ? 0 : sumPrecision / users;
    }

    public double map() {
        return users == 0 ? 0 : sumMap / users;
    }

    public double ndcg() {
        return users == 0 ? 0 : sumNdcg / users;
    }

    public double coverage() {
        return recommended.length == 0 ? 0 : (double) distinctRecommended / recommended.length;
    }

    @Override
    public String toString() {
        return String.format(
                java.util.Locale.ROOT,
                "HR@%d=%.4f Recall@%d=%.4f NDCG@%d=%.4f coverage@%d=%.4f users=%d",
                k,
                hitRate(),
                k,
                recall(),
                k,
                ndcg(),
                k,
                coverage(),
                users);
    }

    // ---- per-list functions; truth must be sorted and distinct (see sortedDistinct) ----

    /** Sorted copy of ids without duplicates. */
    public static int[] sortedDistinct(int[] ids) {
        int[] s = ids.clone();
        Arrays.sort(s);
        int n = 0;
        for (int x = 0; x < s.length; x++) {
            if (n == 0 || s[n - 1] != s[x]) {
                s[n++] = s[x];
            }
        }
        return n == s.length ? s : Arrays.copyOf(s, n);
    }

    /** Number of distinct relevant items among the first k of ranked. */
    public static int hits(int[] ranked, int[] sortedTruth, int k) {
        int h = 0;
        for (int r = 0, n = Math.min(k, ranked.length); r < n; r++) {
            if (Arrays.binarySearch(sortedTruth, ranked[r]) >= 0 && !seenBefore(ranked, r)) {
                h++;
            }
        }
        return h;
    }

    private static boolean seenBefore(int[] ranked, int r) {
        for (int x = 0; x < r; x++) {
            if (ranked[x] == ranked[r]) {
                return true;
            }
        }
        return false;
    }

    public static double hitRate(int[] ranked, int[] sortedTruth, int k) {
        return hits(ranked, sortedTruth, k) > 0 ? 1.0 : 0.0;
    }

    public static double recall(int[] ranked, int[] sortedTruth, int k) {
        if (sortedTruth.length == 0) {
            return 0.0;
        }
        return (double) hits(ranked, sortedTruth, k) / Math.min(k, sortedTruth.length);
    }

    public static double averagePrecision(int[] ranked, int[] sortedTruth, int k) {
        if (sortedTruth.length == 0) {
            return 0.0;
        }
        double sum = 0;
        int hits = 0;
        for (int r = 0, n = Math.min(k, ranked.length); r < n; r++) {
            if (Arrays.binarySearch(sortedTruth, ranked[r]) >= 0 && !seenBefore(ranked, r)) {
                hits++;
                sum += (double) hits / (r + 1);
            }
        }
        return sum / Math.min(k, sortedTruth.length);
    }

    public static double ndcg(int[] ranked, int[] sortedTruth, int k) {
        if (sortedTruth.length == 0) {
            return 0.0;
        }
        double dcg = 0;
        for (int r = 0, n = Math.min(k, ranked.length); r < n; r++) {
            if (Arrays.binarySearch(sortedTruth, ranked[r]) >= 0 && !seenBefore(ranked, r)) {
                dcg += 1.0 / log2(r + 2);
            }
        }
        double idcg = 0;
        for (int r = 0, n = Math.min(k, sortedTruth.length); r < n; r++) {
            idcg += 1.0 / log2(r + 2);
        }
        return dcg / idcg;
    }

    private static double log2(int x) {
        return Math.log(x) / Math.log(2);
    }
}
