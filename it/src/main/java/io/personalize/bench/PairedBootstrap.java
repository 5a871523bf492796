package io.personalize.bench;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The paired bootstrap interval of a mean difference per shopper: the shoppers are drawn with replacement
 * {@link #RESAMPLES} times (a fixed {@link #SEED}, so a run prints the same interval again), the mean of a - b taken
 * over each draw, and the 2.5th and 97.5th percentiles of those means reported. Beside the normal interval (mean ± 1.96
 * standard errors) it makes no assumption on the shape of the differences, which per-shopper NDCG@10 differences are
 * far from (most are 0, a few ±1).
 */
final class PairedBootstrap {

    static final int RESAMPLES = 10_000;
    static final long SEED = 14;

    private PairedBootstrap() {}

    /** {lower, upper}: the 95% percentile interval of mean(a - b) over {@code resamples} draws of the shoppers. */
    static double[] interval(double[] a, double[] b, int resamples, long seed) {
        if (a.length != b.length || a.length == 0) {
            throw new IllegalArgumentException("paired samples of one size, not empty: " + a.length + ", " + b.length);
        }
        int n = a.length;
        double[] diff = new double[n];
        for (int i = 0; i < n; i++) {
            diff[i] = a[i] - b[i];
        }
        SplittableRandom random = new SplittableRandom(seed);
        double[] means = new double[resamples];
        for (int r = 0; r < resamples; r++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += diff[random.nextInt(n)];
            }
            means[r] = sum / n;
        }
        Arrays.sort(means);
        return new double[] {percentile(means, 0.025), percentile(means, 0.975)};
    }

    static double[] interval(double[] a, double[] b) {
        return interval(a, b, RESAMPLES, SEED);
    }

    /** The {@code q} quantile of sorted {@code values}, linearly interpolated between the two nearest ranks. */
    private static double percentile(double[] sorted, double q) {
        double rank = q * (sorted.length - 1);
        int low = (int) Math.floor(rank);
        int high = Math.min(low + 1, sorted.length - 1);
        return sorted[low] + (rank - low) * (sorted[high] - sorted[low]);
    }
}
