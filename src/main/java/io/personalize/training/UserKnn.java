package io.personalize.training;

/**
 * User-based collaborative filtering ({@link UserKnnRanker}); its item neighbours, for real-time history and "similar
 * items", are the item-item {@link CosineSimilarity} of the same configuration.
 */
public final class UserKnn implements ItemSimilarity {

    private final UserKnnRanker.UserKnnParams params;
    private final ItemSimilarity items;

    public UserKnn(int neighbors, double shrink, double valueExponent, ItemSimilarity items) {
        this.params = new UserKnnRanker.UserKnnParams(neighbors, shrink, valueExponent);
        this.items = items;
    }

    @Override
    public ItemNeighbors compute(InteractionMatrix m, int k, TrainingMonitor monitor) {
        return items.compute(m, k, monitor);
    }

    /** Rankers of users' lists over the trained matrix and neighbours, one per thread. */
    java.util.function.Function<ScoringParams, UserRanker> rankers(
            InteractionMatrix m, ItemNeighbors neighbors, float[] popularity) {
        UserKnnRanker.Shared shared = new UserKnnRanker.Shared(m, params.valueExponent());
        return scoring -> new UserKnnRanker(m, params, neighbors, popularity, scoring, shared);
    }

    @Override
    public String describe() {
        return "user_knn(neighbors=" + params.neighbors() + ", shrink=" + params.shrink() + ", valueExponent="
                + params.valueExponent() + "; item neighbours: " + items.describe() + ")";
    }
}
