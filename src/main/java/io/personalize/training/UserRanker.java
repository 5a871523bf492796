package io.personalize.training;

/**
 * An algorithm that ranks a user's items itself (matrix factorisation, user-based CF) rather than through the item
 * neighbours' formula. Its scores are on the formula's scale: the collaborative part divided by the user's best, so
 * the best item scores 1, plus the popularity term {@code beta * pop(j) / max pop}; an item no signal reaches scores
 * its popularity term alone, as in the neighbourhood formula. Each result's reason is a history item that leads to it
 * (through the item neighbours, or the algorithm's own decomposition of the score), or -1.
 *
 * <p>Not thread-safe: an instance owns scratch memory of the catalogue's size; use one per thread
 * ({@link TrainedModel#newUserRanker()}).
 */
public interface UserRanker {

    /**
     * The user's top {@code n} items, best first (ties: smaller id first).
     *
     * @param user the user's dense id in the trained model
     * @param history the user's history item ids (newest first)
     * @param historyWeights weights aligned with history
     * @param exclude items never returned (may be null)
     * @param n items wanted
     */
    Ranked rank(int user, int[] history, float[] historyWeights, int[] exclude, int n);

    /** Items best first, their scores, and per item its reason (a history item id, or -1) and that item's share. */
    record Ranked(int[] items, float[] scores, float[] popularityParts, int[] reasons, float[] reasonScores) {}
}
