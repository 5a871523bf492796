package io.personalize.compat;

import org.elasticsearch.search.vectors.KnnSearchBuilder;
import org.elasticsearch.search.vectors.RescoreVectorBuilder;

/** A knn search on a float vector: since 9.2 the constructor also takes a visit percentage (src/es-9.1). */
public final class KnnSearches {

    private KnnSearches() {}

    public static KnnSearchBuilder of(
            String field, float[] vector, int k, int numCandidates, RescoreVectorBuilder rescore, Float similarity) {
        return new KnnSearchBuilder(field, vector, k, numCandidates, null, rescore, similarity);
    }
}
