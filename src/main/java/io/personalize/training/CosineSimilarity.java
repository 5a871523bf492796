package io.personalize.training;

/**
 * Item-item cosine similarity with shrinkage, asymmetry and user-activity weighting.
 *
 * <pre>
 *   x[u,i] = 1 (binary, valueExponent 0) or weight[u,i]^valueExponent
 *   f[u]   = d[u]^-gamma * (sum_v d[v]) / (sum_v d[v]^(1-gamma))
 *            d[u] = number of items of u, gamma = userWeightExponent: down-weights heavy users;
 *            the constant keeps the total weight sum_u f[u] d[u] equal to the number of
 *            entries, so c and n stay in "user" units and shrink keeps its meaning
 *   c[i,j] = sum_u f[u] * x[u,i] * x[u,j]
 *   n[i]   = sum_u f[u] * x[u,i]^2
 *   S[i,j] = c[i,j] / (n[i]^alpha * n[j]^(1-alpha) + shrink)
 * </pre>
 *
 * alpha = 0.5 is the ordinary (symmetric) cosine; alpha = 1 is the conditional probability
 * P(j | i) (favours popular j); smaller alpha favours rarer j. The shrink term damps similarities
 * resting on little support.
 */
public final class CosineSimilarity implements StepwiseSimilarity {

    private final double alpha;
    private final double shrink;
    private final double userWeightExponent;
    private final double valueExponent;
    private final Workers workers;

    /**
     * @param alpha asymmetry in [0, 1], 0.5 for the symmetric cosine
     * @param shrink >= 0, added to the denominator
     * @param userWeightExponent >= 0, 0 disables user-activity weighting
     * @param valueExponent >= 0, 0 for binary interactions
     */
    public CosineSimilarity(double alpha, double shrink, double userWeightExponent, double valueExponent) {
        this(alpha, shrink, userWeightExponent, valueExponent, Workers.SERIAL);
    }

    /** With {@code workers} sharing out the rows: the same neighbours as on one thread. */
    public CosineSimilarity(
            double alpha, double shrink, double userWeightExponent, double valueExponent, Workers workers) {
        if (!(alpha >= 0 && alpha <= 1) || !(shrink >= 0) || !(userWeightExponent >= 0) || !(valueExponent >= 0)) {
            throw new IllegalArgumentException("invalid cosine parameters");
        }
        this.alpha = alpha;
        this.shrink = shrink;
        this.userWeightExponent = userWeightExponent;
        this.valueExponent = valueExponent;
        this.workers = java.util.Objects.requireNonNull(workers);
    }

    /** Symmetric binary cosine with the given shrink. */
    public CosineSimilarity(double shrink) {
        this(0.5, shrink, 0, 0);
    }

    /** {@code [sum of d[u], sum of d[u]^-gamma * d[u]]}: the constant of f needs them over all users. */
    @Override
    public double[] userSums(InteractionMatrix m) {
        int[] userOffsets = m.userOffsets();
        double total = 0;
        double weighted = 0;
        for (int u = 0; u < m.numUsers(); u++) {
            int deg = userOffsets[u + 1] - userOffsets[u];
            total += deg;
            weighted += userFactor(deg) * deg;
        }
        return new double[] {total, weighted};
    }

    /** n[i] = sum_u f[u] * x[u,i]^2. */
    @Override
    public double[] itemSums(InteractionMatrix m, double[] userSums) {
        double[] f = userFactors(m, userSums);
        int[] itemOffsets = m.itemOffsets();
        int[] itemUsers = m.itemUsers();
        float[] itemWeights = m.itemWeights();
        double[] norm = new double[m.numItems()];
        for (int i = 0; i < norm.length; i++) {
            double n = 0;
            for (int p = itemOffsets[i], e = itemOffsets[i + 1]; p < e; p++) {
                float x = value(itemWeights[p]);
                double fx = f[itemUsers[p]] * x;
                n += fx * x;
            }
            norm[i] = n;
        }
        return norm;
    }

    @Override
    public ItemNeighbors computeRows(
            InteractionMatrix m, double[] userSums, double[] norm, int k, int from, int to, TrainingMonitor monitor) {
        CooccurrenceKernel.checkRows(m, from, to);
        int ni = m.numItems();
        float[] userWeights = m.userWeights();
        int[] itemOffsets = m.itemOffsets();
        int[] itemUsers = m.itemUsers();
        float[] itemWeights = m.itemWeights();
        double[] f = userFactors(m, userSums);
        float[] right = new float[userWeights.length];
        for (int q = 0; q < right.length; q++) {
            right[q] = value(userWeights[q]);
        }
        // only the rows computed read their column entries
        float[] left = new float[itemWeights.length];
        for (int p = itemOffsets[from], e = itemOffsets[to]; p < e; p++) {
            left[p] = (float) (f[itemUsers[p]] * value(itemWeights[p]));
        }
        double[] rowScale = new double[ni];
        double[] colScale = new double[ni];
        for (int i = 0; i < ni; i++) {
            rowScale[i] = Math.pow(norm[i], alpha);
            colScale[i] = Math.pow(norm[i], 1 - alpha);
        }
        monitor.checkCancelled();
        return CooccurrenceKernel.compute(
                m, left, right, rowScale, colScale, shrink, k, from, to, "similarity", monitor, workers);
    }

    private double userFactor(int deg) {
        return deg == 0 || userWeightExponent == 0 ? 1.0 : Math.pow(deg, -userWeightExponent);
    }

    /** f[u] for the matrix's users, scaled with the constant of all users' sums. */
    private double[] userFactors(InteractionMatrix m, double[] userSums) {
        int[] userOffsets = m.userOffsets();
        double[] f = new double[m.numUsers()];
        for (int u = 0; u < f.length; u++) {
            f[u] = userFactor(userOffsets[u + 1] - userOffsets[u]);
        }
        double total = userSums[0];
        double weighted = userSums[1];
        if (weighted > 0) {
            double c = total / weighted;
            for (int u = 0; u < f.length; u++) {
                f[u] *= c;
            }
        }
        return f;
    }

    private float value(float w) {
        if (valueExponent == 0) {
            return w > 0 ? 1f : 0f;
        }
        return valueExponent == 1 ? w : (float) Math.pow(w, valueExponent);
    }

    @Override
    public String describe() {
        return "cosine(alpha=" + alpha + ", shrink=" + shrink + ", userWeightExponent=" + userWeightExponent
                + ", valueExponent=" + valueExponent + ")";
    }
}
