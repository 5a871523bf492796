package io.personalize.training;

/** {@code beta * pop(j) / max pop} per item: the popularity part of every algorithm's scores. */
final class PopularityTerm {

    private PopularityTerm() {}

    static float[] of(float[] popularity, double beta, int numItems) {
        float[] term = new float[numItems];
        if (popularity == null || beta <= 0) {
            return term;
        }
        float max = 0f;
        for (float p : popularity) {
            max = Math.max(max, p);
        }
        if (max > 0) {
            for (int j = 0; j < numItems && j < popularity.length; j++) {
                term[j] = (float) (beta * (Math.max(0f, popularity[j]) / max));
            }
        }
        return term;
    }
}
