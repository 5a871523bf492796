package io.personalize.compat;

import org.elasticsearch.search.fetch.subphase.FetchSourceContext;

/** How a search asks for parts of {@code _source}, vector fields included. */
public final class SourceFilters {

    private SourceFilters() {}

    /**
     * The {@code _source} fields {@code includes} (none: all) without {@code excludes} (null: none), dense vectors
     * included. Elasticsearch 9.0 keeps vectors in {@code _source} (9.1 on can leave them out unless asked, src/es-9.1).
     */
    public static FetchSourceContext withVectors(String[] includes, String[] excludes) {
        return FetchSourceContext.of(true, includes, excludes);
    }
}
