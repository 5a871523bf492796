package io.personalize.training;

/**
 * User and item factors (row-major, {@code factors} floats per user or item): a user's score for an item is the dot
 * product of their factors.
 */
public record FactorModel(int numUsers, int numItems, int factors, float[] userFactors, float[] itemFactors) {

    public FactorModel {
        if ((long) numUsers * factors != userFactors.length || (long) numItems * factors != itemFactors.length) {
            throw new IllegalArgumentException("factor arrays do not match the sizes");
        }
    }

    /** x_u . y_j */
    public double score(int user, int item) {
        return dot(userFactors, user * factors, itemFactors, item * factors, factors);
    }

    /**
     * The dot product in four interleaved partial sums, added at the end: a single running sum makes every addition
     * wait for the one before (the JIT does not reorder floating-point sums), four let them overlap, which is most of
     * the time ALS's item neighbours and users' lists take. The result differs from a single running sum's only in
     * the last bits of the double (rounding in another order).
     */
    static double dot(float[] a, int from, float[] b, int bFrom, int n) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int f = 0;
        for (; f + 3 < n; f += 4) {
            s0 += (double) a[from + f] * b[bFrom + f];
            s1 += (double) a[from + f + 1] * b[bFrom + f + 1];
            s2 += (double) a[from + f + 2] * b[bFrom + f + 2];
            s3 += (double) a[from + f + 3] * b[bFrom + f + 3];
        }
        for (; f < n; f++) {
            s0 += (double) a[from + f] * b[bFrom + f];
        }
        return (s0 + s1) + (s2 + s3);
    }
}
