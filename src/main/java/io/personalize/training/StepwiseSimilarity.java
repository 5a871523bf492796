package io.personalize.training;

/**
 * An {@link ItemSimilarity} also defined in steps that each see only a part of the matrix, so that a distributed
 * training (the Spark job) runs the same maths where the data is, with no second copy of the formulas:
 * <ol>
 *   <li>{@link #userSums}, per part of the users (each user with all their items), added up over the parts;</li>
 *   <li>{@link #itemSums}, per part of the users, given step 1's total, added up over the parts;</li>
 *   <li>{@link #computeRows}, per block of items, from the users of those items (with all their items), given both
 *       totals.</li>
 * </ol>
 * {@link #compute} is the three steps over the whole matrix: the steps give the same neighbours, with scores equal
 * up to the order in which the parts' sums were added.
 */
public interface StepwiseSimilarity extends ItemSimilarity {

    @Override
    default ItemNeighbors compute(InteractionMatrix matrix, int k, TrainingMonitor monitor) {
        double[] userSums = userSums(matrix);
        double[] itemSums = itemSums(matrix, userSums);
        monitor.checkCancelled();
        return computeRows(matrix, userSums, itemSums, k, 0, matrix.numItems(), monitor);
    }

    /** Step 1: sums over the matrix's users (a fixed number of them, added element-wise over the parts). */
    double[] userSums(InteractionMatrix users);

    /** Step 2: one sum per item (numItems of them) over the matrix's users, given step 1's total. */
    double[] itemSums(InteractionMatrix users, double[] userSums);

    /**
     * Step 3: the top-k neighbours of the items {@code [from, to)}: row {@code r} of the result is item {@code from + r}.
     * The matrix must hold every user of those items with all their items (other users are ignored).
     */
    ItemNeighbors computeRows(
            InteractionMatrix users,
            double[] userSums,
            double[] itemSums,
            int k,
            int from,
            int to,
            TrainingMonitor monitor);
}
