package io.personalize.compat;

import org.elasticsearch.search.vectors.KnnSearchBuilder;
import org.elasticsearch.search.vectors.RescoreVectorBuilder;

/** A knn search on a float vector: 9.1's constructor has no visit percentage (src/es-9.2). */
public final class KnnSearches {

    private KnnSearches() {}

    public static KnnSearchBuilder of(
            String field, float[] vector, int k, int numCandidates, RescoreVectorBuilder rescore, Float similarity) {
        return new KnnSearchBuilder(field, vector, k, numCandidates, rescore, similarity);
    }
}
