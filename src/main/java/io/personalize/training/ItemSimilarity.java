package io.personalize.training;

/**
 * An algorithm that computes top-K item-item neighbours from an interaction matrix. The neighbourhood algorithms are
 * also defined in steps ({@link StepwiseSimilarity}), which the Spark job distributes.
 */
public interface ItemSimilarity {

    /**
     * Computes the top-k neighbours of every item of the matrix.
     *
     * @param matrix user x item interactions
     * @param k neighbours kept per item (>= 1)
     * @param monitor progress and cancellation hook
     * @return neighbours with {@code numItems == matrix.numItems()}
     */
    ItemNeighbors compute(InteractionMatrix matrix, int k, TrainingMonitor monitor);

    /** Short description with the parameters, for logs and model metadata. */
    String describe();
}
