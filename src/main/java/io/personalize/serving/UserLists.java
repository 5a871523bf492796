package io.personalize.serving;

import io.personalize.training.TrainedModel;
import io.personalize.training.UserRanker;

/**
 * A trained model's "for you" list of a user, whatever the algorithm: the item neighbours' formula
 * ({@link NeighborhoodScorer}) for the neighbourhood algorithms (cosine, rp3beta), the algorithm's own ranking
 * ({@link UserRanker}) for those that rank users' items themselves (als, user_knn, and ease, from its whole weight
 * matrix, negative weights included). Both give scores on the same scale
 * (collaborative part plus {@code beta * pop(j) / max pop}) and a reason per item, so the stored documents are the
 * same for every algorithm. Not thread-safe: one per thread.
 */
public final class UserLists {

    private final NeighborhoodScorer scorer;
    private final NeighborhoodScorer.Workspace workspace;
    private final UserRanker ranker;

    public UserLists(TrainedModel model) {
        this.scorer = NeighborhoodScorer.of(model);
        this.workspace = scorer.newWorkspace();
        this.ranker = model.newUserRanker();
    }

    /** The neighbours' formula of the model (its item neighbours, popularity and scoring parameters). */
    public NeighborhoodScorer scorer() {
        return scorer;
    }

    /**
     * The user's top {@code n} items, best first.
     *
     * @param user the user's dense id
     * @param history their history items (newest first), with {@code weights}
     * @param exclude items never returned
     * @param maxReasons reasons wanted per item (the ranker gives at most one)
     */
    public Recommendations recommend(int user, int[] history, float[] weights, int[] exclude, int n, int maxReasons) {
        if (ranker == null) {
            return scorer.recommend(history, weights, exclude, n, maxReasons, workspace);
        }
        return recommendations(ranker.rank(user, history, weights, exclude, n), maxReasons);
    }

    /** A ranker's result as recommendations, with at most one reason per item ({@code maxReasons} 0: none). */
    public static Recommendations recommendations(UserRanker.Ranked ranked, int maxReasons) {
        int size = ranked.items().length;
        int[][] reasonItems = new int[size][];
        float[][] reasonScores = new float[size][];
        for (int r = 0; r < size; r++) {
            boolean has = maxReasons > 0 && ranked.reasons()[r] >= 0;
            reasonItems[r] = has ? new int[] {ranked.reasons()[r]} : new int[0];
            reasonScores[r] = has ? new float[] {ranked.reasonScores()[r]} : new float[0];
        }
        return new Recommendations(
                ranked.items(), ranked.scores(), ranked.popularityParts(), reasonItems, reasonScores);
    }
}
