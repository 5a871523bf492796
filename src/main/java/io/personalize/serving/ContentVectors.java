package io.personalize.serving;

import java.util.List;

/**
 * The maths of content vectors for shelves: the mean of a set of item vectors, and the direction of a shopper's (or an
 * item's) content once what every product shares is removed.
 * <p>
 * Why centre: a language model's vectors of short product titles share one large common direction (on Online Retail
 * the mean cosine of MiniLM neighbours is .70), and a mean of several items' vectors is mostly that direction, so its
 * nearest items are the catalogue's most generic ones. Subtracting the catalogue's mean vector first keeps what the
 * shopper's items have in particular (content-only NDCG@10 on OR-time: .0512 centred, .0372 raw; see
 * {@code bin/bench content}). Only the query side is centred: for unit item vectors {@code v},
 * {@code (u - m) · (v - m) = (u - m) · v - (u - m) · m}, and the last term is the same for every candidate, so a knn
 * search of the stored (uncentred) vectors with the centred query ranks by the centred dot product.
 */
public final class ContentVectors {

    private ContentVectors() {}

    /** The component-wise mean of {@code vectors} (all of the same length), or null when there are none. */
    public static float[] mean(List<float[]> vectors) {
        if (vectors.isEmpty()) {
            return null;
        }
        int dims = vectors.get(0).length;
        double[] sum = new double[dims];
        int n = 0;
        for (float[] v : vectors) {
            if (v.length != dims) {
                continue; // a document indexed before the field's dims changed: not comparable
            }
            for (int d = 0; d < dims; d++) {
                sum[d] += v[d];
            }
            n++;
        }
        float[] mean = new float[dims];
        for (int d = 0; d < dims; d++) {
            mean[d] = (float) (sum[d] / n);
        }
        return mean;
    }

    /**
     * The unit direction of the mean of {@code items} minus {@code catalogMean} (null: no centring), for a knn query;
     * null when there is no item, or nothing is left (the items are the catalogue's mean itself).
     */
    public static float[] centredDirection(List<float[]> items, float[] catalogMean) {
        float[] mean = mean(items);
        if (mean == null) {
            return null;
        }
        if (catalogMean != null && catalogMean.length == mean.length) {
            for (int d = 0; d < mean.length; d++) {
                mean[d] -= catalogMean[d];
            }
        }
        return unit(mean);
    }

    /** {@code v} scaled to length 1 in place, or null for a zero (or not finite) vector. */
    static float[] unit(float[] v) {
        double norm = 0;
        for (float x : v) {
            norm += (double) x * x;
        }
        if (norm <= 1e-12 || Double.isFinite(norm) == false) {
            return null;
        }
        float scale = (float) (1 / Math.sqrt(norm));
        for (int d = 0; d < v.length; d++) {
            v[d] *= scale;
        }
        return v;
    }

    /**
     * The cosine of a knn hit's score on a {@code cosine} or {@code dot_product} field with a unit query, where
     * Elasticsearch scores {@code (1 + cosine) / 2}.
     */
    public static float cosineOfKnnScore(float score) {
        return 2 * score - 1;
    }
}
