package io.personalize.serving;

/**
 * Result of {@link NeighborhoodScorer#recommend}: items best first with their scores, and for each
 * item the split of its score into history contributions ("reasons") and the popularity part.
 * Arrays are owned by this object; do not modify them.
 */
public final class Recommendations {

    private final int[] items;
    private final float[] scores;
    private final float[] popularityParts;
    private final int[][] reasonItems;
    private final float[][] reasonScores;

    Recommendations(int[] items, float[] scores, float[] popularityParts, int[][] reasonItems, float[][] reasonScores) {
        this.items = items;
        this.scores = scores;
        this.popularityParts = popularityParts;
        this.reasonItems = reasonItems;
        this.reasonScores = reasonScores;
    }

    /** Number of recommended items. */
    public int size() {
        return items.length;
    }

    /** Recommended item ids, best first. */
    public int[] items() {
        return items;
    }

    /** Scores aligned with {@link #items()} (non-increasing). */
    public float[] scores() {
        return scores;
    }

    /** The popularity term of each score: {@code beta * pop(j) / max pop}. */
    public float[] popularityParts() {
        return popularityParts;
    }

    /**
     * History items that contributed to result r, largest contribution first (at most the
     * maxReasons requested; empty when reasons were not requested).
     */
    public int[] reasonItems(int r) {
        return reasonItems[r];
    }

    /** Contributions h_i * S[i][j] aligned with {@link #reasonItems(int)}. */
    public float[] reasonScores(int r) {
        return reasonScores[r];
    }
}
