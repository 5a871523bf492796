package io.personalize;

import io.personalize.profile.Serving;
import java.util.List;
import java.util.function.Supplier;
import org.elasticsearch.plugins.SearchPlugin.QuerySpec;

/**
 * The plugin's search queries on 8.19: none. The {@code personalize} query's Lucene side uses Lucene 10's scorer API
 * and 8.19 ships Lucene 9.12, so the build leaves the query out (pom.xml, profile es-api-8.19) and a search that uses
 * it answers Elasticsearch's own 400 (unknown query); the {@code personalize} rescorer is the same as on 9.x.
 */
final class PluginQueries {

    private PluginQueries() {}

    static List<QuerySpec<?>> of(Supplier<Serving> serving) {
        return List.of();
    }
}
