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

    static double dot(float[] a, int from, float[] b, int bFrom, int n) {
        double s = 0;
        for (int f = 0; f < n; f++) {
            s += (double) a[from + f] * b[bFrom + f];
        }
        return s;
    }
}
