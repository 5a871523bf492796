package io.personalize.training;

/**
 * RP3beta (Paudel et al. 2017; Dacrema et al. 2019): a three-step random walk item -> user -> item
 * with the transition probabilities raised to alpha and the destination's popularity penalised by
 * beta.
 *
 * <pre>
 *   x[u,i]  = 1 (binary, valueExponent 0) or weight[u,i]^valueExponent
 *   P[i->u] = x[u,i] / sum_v x[v,i]        P[u->j] = x[u,j] / sum_l x[u,l]
 *   S[i,j]  = sum_u P[i->u]^alpha * P[u->j]^alpha / pop[j]^beta,   pop[j] = sum_v x[v,j]
 * </pre>
 */
public final class Rp3BetaSimilarity implements StepwiseSimilarity {

    private final double alpha;
    private final double beta;
    private final double valueExponent;
    private final Workers workers;

    /**
     * @param alpha exponent of the transition probabilities (> 0), 1 for the plain walk
     * @param beta popularity penalty (>= 0), 0 for P3alpha
     * @param valueExponent >= 0, 0 for binary interactions
     */
    public Rp3BetaSimilarity(double alpha, double beta, double valueExponent) {
        this(alpha, beta, valueExponent, Workers.SERIAL);
    }

    /** With {@code workers} sharing out the rows (as cosine's): the same neighbours as on one thread. */
    public Rp3BetaSimilarity(double alpha, double beta, double valueExponent, Workers workers) {
        if (!(alpha > 0) || !(beta >= 0) || !(valueExponent >= 0)) {
            throw new IllegalArgumentException("invalid RP3beta parameters");
        }
        this.alpha = alpha;
        this.beta = beta;
        this.valueExponent = valueExponent;
        this.workers = java.util.Objects.requireNonNull(workers);
    }

    /** None: every factor is a user's own or an item's. */
    @Override
    public double[] userSums(InteractionMatrix m) {
        return new double[0];
    }

    /** pop[i] = sum_u x[u,i]. */
    @Override
    public double[] itemSums(InteractionMatrix m, double[] userSums) {
        int[] itemOffsets = m.itemOffsets();
        float[] itemWeights = m.itemWeights();
        double[] pop = new double[m.numItems()];
        for (int i = 0; i < pop.length; i++) {
            double s = 0;
            for (int p = itemOffsets[i], e = itemOffsets[i + 1]; p < e; p++) {
                s += value(itemWeights[p]);
            }
            pop[i] = s;
        }
        return pop;
    }

    @Override
    public ItemNeighbors computeRows(
            InteractionMatrix m, double[] userSums, double[] pop, int k, int from, int to, TrainingMonitor monitor) {
        CooccurrenceKernel.checkRows(m, from, to);
        int nu = m.numUsers();
        int ni = m.numItems();
        int[] userOffsets = m.userOffsets();
        float[] userWeights = m.userWeights();
        int[] itemOffsets = m.itemOffsets();
        float[] itemWeights = m.itemWeights();
        float[] right = new float[userWeights.length];
        for (int u = 0; u < nu; u++) {
            double s = 0;
            for (int q = userOffsets[u], e = userOffsets[u + 1]; q < e; q++) {
                s += value(userWeights[q]);
            }
            for (int q = userOffsets[u], e = userOffsets[u + 1]; q < e; q++) {
                right[q] = s > 0 ? (float) Math.pow(value(userWeights[q]) / s, alpha) : 0f;
            }
        }
        // only the rows computed read their column entries
        float[] left = new float[itemWeights.length];
        for (int i = from; i < to; i++) {
            double s = pop[i];
            for (int p = itemOffsets[i], e = itemOffsets[i + 1]; p < e; p++) {
                left[p] = s > 0 ? (float) Math.pow(value(itemWeights[p]) / s, alpha) : 0f;
            }
        }
        double[] colScale = new double[ni];
        for (int i = 0; i < ni; i++) {
            colScale[i] = pop[i] > 0 ? Math.pow(pop[i], beta) : 1.0;
        }
        monitor.checkCancelled();
        return CooccurrenceKernel.compute(
                m, left, right, null, colScale, 0.0, k, from, to, "similarity", monitor, workers);
    }

    private double value(float w) {
        if (valueExponent == 0) {
            return w > 0 ? 1.0 : 0.0;
        }
        return valueExponent == 1 ? w : Math.pow(w, valueExponent);
    }

    @Override
    public String describe() {
        return "rp3beta(alpha=" + alpha + ", beta=" + beta + ", valueExponent=" + valueExponent + ")";
    }
}
