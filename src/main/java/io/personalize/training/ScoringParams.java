package io.personalize.training;

/**
 * Parameters of the serving-time score (see {@code io.personalize.serving.NeighborhoodScorer} for the formula).
 * Immutable; use the {@code with...} methods to derive variants.
 */
public final class ScoringParams {

    /**
     * The defaults chosen on the Online Retail validation split: binary history (p = 0), averaged
     * over the history (q = 1), popularity weight 0.03 (with the cosine defaults of
     * {@link TrainingConfig}).
     */
    public static final ScoringParams DEFAULTS = new ScoringParams(0.0, 1.0, 0.03);

    private final double historyWeightExponent;
    private final double historyNormExponent;
    private final double popularityWeight;

    /**
     * @param historyWeightExponent p in g(w) = w^p (0: every history item counts 1)
     * @param historyNormExponent q: g(w) is divided by (sum of g over the history)^q; 1 averages
     *     over the history, 0 sums
     * @param popularityWeight beta, weight of the max-normalised popularity
     */
    public ScoringParams(double historyWeightExponent, double historyNormExponent, double popularityWeight) {
        if (!(historyWeightExponent >= 0)
                || !(historyNormExponent >= 0)
                || !(popularityWeight >= 0)
                || Double.isInfinite(historyWeightExponent)
                || Double.isInfinite(historyNormExponent)
                || Double.isInfinite(popularityWeight)) {
            throw new IllegalArgumentException("invalid scoring parameters");
        }
        this.historyWeightExponent = historyWeightExponent;
        this.historyNormExponent = historyNormExponent;
        this.popularityWeight = popularityWeight;
    }

    public double historyWeightExponent() {
        return historyWeightExponent;
    }

    public double historyNormExponent() {
        return historyNormExponent;
    }

    public double popularityWeight() {
        return popularityWeight;
    }

    public ScoringParams withHistoryWeightExponent(double p) {
        return new ScoringParams(p, historyNormExponent, popularityWeight);
    }

    public ScoringParams withHistoryNormExponent(double q) {
        return new ScoringParams(historyWeightExponent, q, popularityWeight);
    }

    public ScoringParams withPopularityWeight(double beta) {
        return new ScoringParams(historyWeightExponent, historyNormExponent, beta);
    }

    /**
     * h_i = g(w_i) / Z^q for each history entry, Z = sum over the history of g(w_i): how much each history item
     * counts (see {@code io.personalize.serving.NeighborhoodScorer}); a null {@code weights} counts every entry with weight 1.
     */
    public float[] historyFactors(int length, float[] weights) {
        float[] h = new float[length];
        double z = 0;
        for (int x = 0; x < length; x++) {
            double g = historyFactor(weights == null ? 1f : weights[x]);
            h[x] = (float) g;
            z += g;
        }
        if (historyNormExponent != 0 && z > 0) {
            double zq = historyNormExponent == 1 ? z : Math.pow(z, historyNormExponent);
            for (int x = 0; x < length; x++) {
                h[x] = (float) (h[x] / zq);
            }
        }
        return h;
    }

    /** g(w) for a history weight. */
    public double historyFactor(float weight) {
        if (!(weight > 0)) {
            return 0.0;
        }
        if (historyWeightExponent == 0) {
            return 1.0;
        }
        return historyWeightExponent == 1 ? weight : Math.pow(weight, historyWeightExponent);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScoringParams other
                && Double.compare(historyWeightExponent, other.historyWeightExponent) == 0
                && Double.compare(historyNormExponent, other.historyNormExponent) == 0
                && Double.compare(popularityWeight, other.popularityWeight) == 0;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(historyWeightExponent, historyNormExponent, popularityWeight);
    }

    @Override
    public String toString() {
        return "scoring(p=" + historyWeightExponent + ", q=" + historyNormExponent + ", popularityWeight="
                + popularityWeight + ")";
    }
}
