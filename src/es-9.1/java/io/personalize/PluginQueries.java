package io.personalize;

import io.personalize.profile.Serving;
import io.personalize.rescore.PersonalizeQueryBuilder;
import java.util.List;
import java.util.function.Supplier;
import org.elasticsearch.plugins.SearchPlugin.QuerySpec;

/**
 * The plugin's search queries on this release: the {@code personalize} query (its Lucene side uses Lucene 10's scorer
 * API, which every 9.x release ships). In the plugin's package, not compat: it names the query's builder.
 */
final class PluginQueries {

    private PluginQueries() {}

    static List<QuerySpec<?>> of(Supplier<Serving> serving) {
        return List.of(new QuerySpec<>(
                PersonalizeQueryBuilder.NAME,
                PersonalizeQueryBuilder::new,
                parser -> PersonalizeQueryBuilder.fromXContent(parser, serving)));
    }
}
