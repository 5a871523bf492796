package io.personalize.recommend;

import io.personalize.model.ModelConfig;
import io.personalize.profile.Profile;
import io.personalize.profile.SourceItem;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.search.SearchResponse;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.index.query.QueryBuilders;
import org.elasticsearch.search.SearchHit;
import org.elasticsearch.search.aggregations.AggregationBuilder;
import org.elasticsearch.search.aggregations.AggregationBuilders;
import org.elasticsearch.search.aggregations.bucket.SingleBucketAggregation;
import org.elasticsearch.search.aggregations.bucket.terms.Terms;
import org.elasticsearch.search.builder.SearchSourceBuilder;

/**
 * Which of some item ids the caller may read in the model's catalogue: one search of the catalogue as the caller, so
 * that document-level security decides. The model's data (neighbour lists, histories, popular items) is read by the
 * plugin and names any item of the catalogue; a response names only those this says are visible, and an item the
 * caller may not read counts as unknown to the model.
 */
public final class VisibleItems {

    private static final String NAMED_AGG = "named";
    private static final String IDS_AGG = "visible";

    private final Client client;
    private final ModelConfig.Catalog catalog;

    /** {@code client} must carry the caller's thread context (not the plugin's origin). */
    public VisibleItems(Client client, ModelConfig.Catalog catalog) {
        this.client = client;
        this.catalog = catalog;
    }

    /** Those of {@code items} that the caller can read; no search when there is nothing to check. */
    public void check(Collection<String> items, ActionListener<Set<String>> listener) {
        if (items.isEmpty()) {
            listener.onResponse(Set.of());
            return;
        }
        SearchSourceBuilder source =
                new SearchSourceBuilder().size(0).trackTotalHits(false).fetchSource(false);
        if (catalog.idField().equals("_id")) {
            source.query(QueryBuilders.idsQuery().addIds(items.toArray(String[]::new)))
                    .size(items.size());
        } else {
            source.query(QueryBuilders.termsQuery(catalog.idField(), items)).aggregation(aggregation(catalog, items));
        }
        client.search(CatalogReader.search(catalog, source), listener.map(VisibleItems::readable));
    }

    /**
     * The aggregation listing which of {@code items} a search matched, by the catalogue's id field (not {@code _id}):
     * exact, each shard holding at most {@code items.size()} of them, and without a fetch phase. Under a filter
     * aggregation, so that it can ride on a search that matches more.
     */
    static AggregationBuilder aggregation(ModelConfig.Catalog catalog, Collection<String> items) {
        return AggregationBuilders.filter(NAMED_AGG, QueryBuilders.termsQuery(catalog.idField(), items))
                .subAggregation(AggregationBuilders.terms(IDS_AGG)
                        .field(catalog.idField())
                        .size(items.size())
                        .shardSize(items.size()));
    }

    /** The ids a search by {@link #check} (or one carrying {@link #aggregation}) found. */
    static Set<String> readable(SearchResponse response) {
        Set<String> visible = new HashSet<>();
        if (response.getAggregations() != null
                && response.getAggregations().get(NAMED_AGG) instanceof SingleBucketAggregation named) {
            if (named.getAggregations().get(IDS_AGG) instanceof Terms terms) {
                for (Terms.Bucket bucket : terms.getBuckets()) {
                    visible.add(bucket.getKeyAsString());
                }
            }
        } else {
            for (SearchHit hit : response.getHits().getHits()) {
                visible.add(hit.getId());
            }
        }
        return visible;
    }

    /**
     * The ids a response could name from this profile: the items asked about, the shopper's recent and history items
     * whose neighbour lists count, and the history items behind their stored recommendations.
     */
    public static Set<String> named(Profile profile) {
        List<String> because = profile.user() == null ? null : profile.user().because();
        Set<String> named = HashSet.newHashSet(profile.sources().size() + (because == null ? 0 : because.size()));
        for (SourceItem source : profile.sources()) {
            named.add(source.item());
        }
        if (because != null) {
            for (String item : because) {
                if (item != null) {
                    named.add(item);
                }
            }
        }
        return named;
    }

    /** The profile without the asked-about items the caller cannot read: to the caller, the model does not know them. */
    public static Profile withoutHiddenContext(Profile profile, Set<String> visible) {
        List<SourceItem> sources = profile.sources().stream()
                .filter(s -> s.origin() != SourceItem.Origin.CONTEXT || visible.contains(s.item()))
                .toList();
        if (sources.size() == profile.sources().size()) {
            return profile;
        }
        return new Profile(
                profile.model(),
                profile.userId(),
                profile.user(),
                sources,
                profile.neighbors(),
                profile.seen(),
                profile.popular());
    }
}
