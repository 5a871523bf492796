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
public final class CosineSimilarity implements ItemSimilarity {

    private final double alpha;
    private final double shrink;
    private final double userWeightExponent;
    private final double valueExponent;

    /**
     * @param alpha asymmetry in [0, 1], 0.5 for the symmetric cosine
     * @param shrink >= 0, added to the denominator
     * @param userWeightExponent >= 0, 0 disables user-activity weighting
     * @param valueExponent >= 0, 0 for binary interactions
     */
    public CosineSimilarity(double alpha, double shrink, double userWeightExponent, double valueExponent) {
        if (!(alpha >= 0 && alpha <= 1) || !(shrink >= 0) || !(userWeightExponent >= 0) || !(valueExponent >= 0)) {
            throw new IllegalArgumentException("invalid cosine parameters");
        }
        this.alpha = alpha;
        this.shrink = shrink;
        this.userWeightExponent = userWeightExponent;
        this.valueExponent = valueExponent;
    }

    /** Symmetric binary cosine with the given shrink. */
    public CosineSimilarity(double shrink) {
        this(0.5, shrink, 0, 0);
    }

    @Override
    public ItemNeighbors compute(InteractionMatrix m, int k, TrainingMonitor monitor) {
        int nu = m.numUsers();
        int ni = m.numItems();
        int[] userOffsets = m.userOffsets();
        float[] userWeights = m.userWeights();
        int[] itemOffsets = m.itemOffsets();
        int[] itemUsers = m.itemUsers();
        float[] itemWeights = m.itemWeights();
        double[] f = new double[nu];
        double total = 0;
        double weighted = 0;
        for (int u = 0; u < nu; u++) {
            int deg = userOffsets[u + 1] - userOffsets[u];
            f[u] = deg == 0 || userWeightExponent == 0 ? 1.0 : Math.pow(deg, -userWeightExponent);
            total += deg;
            weighted += f[u] * deg;
        }
        if (weighted > 0) {
            double c = total / weighted;
            for (int u = 0; u < nu; u++) {
                f[u] *= c;
            }
        }
        float[] right = new float[userWeights.length];
        for (int q = 0; q < right.length; q++) {
            right[q] = value(userWeights[q]);
        }
        float[] left = new float[itemWeights.length];
        double[] norm = new double[ni];
        for (int i = 0; i < ni; i++) {
            double n = 0;
            for (int p = itemOffsets[i], e = itemOffsets[i + 1]; p < e; p++) {
                float x = value(itemWeights[p]);
                double fx = f[itemUsers[p]] * x;
                left[p] = (float) fx;
                n += fx * x;
            }
            norm[i] = n;
        }
        double[] rowScale = new double[ni];
        double[] colScale = new double[ni];
        for (int i = 0; i < ni; i++) {
            rowScale[i] = Math.pow(norm[i], alpha);
            colScale[i] = Math.pow(norm[i], 1 - alpha);
        }
        monitor.checkCancelled();
        return CooccurrenceKernel.compute(m, left, right, rowScale, colScale, shrink, k, "similarity", monitor);
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
