package io.personalize.training;

/**
 * The result of {@link ModelTrainer#train}: everything serving needs.
 *
 * <ul>
 *   <li>per item: its top-K neighbours ({@link #neighbors()});</li>
 *   <li>per user: their history, at most {@link TrainingConfig#maxItemsPerUser()} items with
 *       their accumulated, time-decayed weights ({@link #historyItems(int)},
 *       {@link #historyWeights(int)});</li>
 *   <li>per item: time-decayed popularity ({@link #popularity()});</li>
 *   <li>the scoring parameters ({@link #config()}{@code .scoring()}).</li>
 * </ul>
 */
public final class TrainedModel {

    private final TrainingConfig config;
    private final InteractionMatrix matrix;
    private final ItemNeighbors neighbors;
    private final float[] popularity;
    private final java.util.function.Function<ScoringParams, UserRanker> rankers; // per scoring: one per thread
    private final long trainingNanos;

    TrainedModel(
            TrainingConfig config,
            InteractionMatrix matrix,
            ItemNeighbors neighbors,
            float[] popularity,
            java.util.function.Function<ScoringParams, UserRanker> rankers,
            long trainingNanos) {
        this.rankers = rankers;
        this.config = config;
        this.matrix = matrix;
        this.neighbors = neighbors;
        this.popularity = popularity;
        this.trainingNanos = trainingNanos;
    }

    public TrainingConfig config() {
        return config;
    }

    /** The user x item matrix (capped histories) the model was trained on. */
    public InteractionMatrix matrix() {
        return matrix;
    }

    public ItemNeighbors neighbors() {
        return neighbors;
    }

    /**
     * A ranker of users' lists for algorithms that rank users' items themselves (ALS, user_knn, and EASE from its whole
     * weight matrix), one per thread; null when users' lists are the item neighbours' formula.
     */
    public UserRanker newUserRanker() {
        return rankers == null ? null : rankers.apply(config.scoring());
    }

    /**
     * The same model scored with other serving-time parameters (the popularity weight, say): neighbours, factors and
     * histories shared, nothing retrained. What self-tuning uses to compare popularity weights on one training.
     */
    public TrainedModel withScoring(ScoringParams scoring) {
        return new TrainedModel(
                config.toBuilder().scoring(scoring).build(), matrix, neighbors, popularity, rankers, trainingNanos);
    }

    /** Raw time-decayed popularity per item (not normalised; the scorer divides by the maximum). */
    public float[] popularity() {
        return popularity;
    }

    public int numUsers() {
        return matrix.numUsers();
    }

    public int numItems() {
        return matrix.numItems();
    }

    /** Epoch seconds the decay is relative to (the newest event unless configured). */
    public long referenceTime() {
        return matrix.referenceTime();
    }

    /** User u's history item ids, sorted by item id (a copy). */
    public int[] historyItems(int u) {
        return matrix.userItems(u);
    }

    /** User u's history weights, aligned with {@link #historyItems(int)} (a copy). */
    public float[] historyWeights(int u) {
        return matrix.userWeights(u);
    }

    /** Wall time spent in {@link ModelTrainer#train}, in nanoseconds. */
    public long trainingNanos() {
        return trainingNanos;
    }
}
