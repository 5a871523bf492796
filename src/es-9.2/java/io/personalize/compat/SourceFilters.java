package io.personalize.compat;

import org.elasticsearch.search.fetch.subphase.FetchSourceContext;

/** How a search asks for parts of {@code _source}, vector fields included. */
public final class SourceFilters {

    private SourceFilters() {}

    /**
     * The {@code _source} fields {@code includes} (none: all) without {@code excludes} (null: none), dense vectors
     * included. From Elasticsearch 9.1 on an index can leave vectors out of {@code _source}: the second argument asks for them (9.0 has no such argument, src/es-9.0).
     */
    public static FetchSourceContext withVectors(String[] includes, String[] excludes) {
        return FetchSourceContext.of(true, false, includes, excludes);
    }
}
