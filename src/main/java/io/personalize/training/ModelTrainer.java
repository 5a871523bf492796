package io.personalize.training;

/**
 * Trains a {@link TrainedModel}: events -> {@link InteractionMatrix} (decay, merge, cap,
 * popularity) -> item neighbours (the configured {@link ItemSimilarity}) -> row normalisation.
 *
 * <pre>{@code
 *   TrainingConfig config = TrainingConfig.defaults();
 *   InteractionMatrixBuilder events = config.newMatrixBuilder(expectedEvents);
 *   events.add(user, item, typeWeight, epochSeconds);   // for every event
 *   TrainedModel model = ModelTrainer.train(events, config, monitor);
 * }</pre>
 */
public final class ModelTrainer {

    private ModelTrainer() {}

    /**
     * Trains from a builder created by {@link TrainingConfig#newMatrixBuilder(int)} (or configured
     * the same way). The builder is consumed.
     */
    public static TrainedModel train(InteractionMatrixBuilder events, TrainingConfig config, TrainingMonitor monitor) {
        long t0 = System.nanoTime();
        monitor.checkCancelled();
        InteractionMatrix matrix = events.build(monitor);
        float[] popularity = events.popularity();
        monitor.checkCancelled();
        ItemNeighbors nb = config.similarity().compute(matrix, config.neighbors(), monitor);
        if (config.rowNormalization() != ItemNeighbors.RowNormalization.NONE) {
            nb = nb.normalizeRows(config.rowNormalization());
        }
        monitor.checkCancelled();
        return new TrainedModel(config, matrix, nb, popularity, System.nanoTime() - t0);
    }

    /**
     * Trains from parallel event arrays.
     *
     * @param weights event weights (type weight, optionally times a value multiplier), or null for 1
     */
    public static TrainedModel train(
            int[] users,
            int[] items,
            float[] weights,
            long[] epochSeconds,
            TrainingConfig config,
            TrainingMonitor monitor) {
        InteractionMatrixBuilder b = config.newMatrixBuilder(users.length);
        b.addAll(users, items, weights, epochSeconds);
        return train(b, config, monitor);
    }
}
