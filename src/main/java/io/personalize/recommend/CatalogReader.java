package io.personalize.recommend;

import io.personalize.compat.KnnSearches;
import io.personalize.compat.SourceFilters;
import io.personalize.model.ModelConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.search.SearchRequest;
import org.elasticsearch.action.search.SearchResponse;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.common.document.DocumentField;
import org.elasticsearch.index.query.BoolQueryBuilder;
import org.elasticsearch.index.query.QueryBuilder;
import org.elasticsearch.index.query.QueryBuilders;
import org.elasticsearch.index.query.functionscore.ScoreFunctionBuilders;
import org.elasticsearch.search.SearchHit;
import org.elasticsearch.search.aggregations.AggregationBuilders;
import org.elasticsearch.search.aggregations.InternalAggregations;
import org.elasticsearch.search.aggregations.bucket.SingleBucketAggregation;
import org.elasticsearch.search.aggregations.bucket.terms.Terms;
import org.elasticsearch.search.aggregations.bucket.terms.TermsAggregationBuilder;
import org.elasticsearch.search.builder.SearchSourceBuilder;
import org.elasticsearch.search.fetch.StoredFieldsContext;
import org.elasticsearch.search.fetch.subphase.FetchSourceContext;
import org.elasticsearch.search.vectors.KnnSearchBuilder;
import org.elasticsearch.search.vectors.RescoreVectorBuilder;

/**
 * Reads candidates from the catalogue, as the caller: Elasticsearch applies the request's filter (any query of the
 * DSL) and the caller's privileges, so a shelf never shows an item, or a field, that the caller could not search for.
 */
final class CatalogReader {

    private final Client client;
    private final CatalogLookup lookup;
    private final ModelConfig.Catalog catalog;
    private final QueryBuilder filter;
    private final FetchSourceContext requestedSource;
    private final boolean withVectors;

    CatalogReader(
            Client client,
            CatalogLookup lookup,
            ModelConfig.Catalog catalog,
            QueryBuilder filter,
            FetchSourceContext requestedSource,
            boolean withVectors) {
        this.client = client;
        this.lookup = lookup;
        this.catalog = catalog;
        this.filter = filter;
        this.requestedSource = requestedSource;
        this.withVectors = withVectors && catalog.vectorField() != null;
    }

    /**
     * A search of the catalogue that fails when a shard has no copy to answer, instead of a shelf silently without that
     * shard's items (the cluster's default allows partial results): the shard read fails the same way.
     */
    static SearchRequest search(ModelConfig.Catalog catalog, SearchSourceBuilder source) {
        return new SearchRequest(catalog.index()).source(source).allowPartialSearchResults(false);
    }

    /** Those of {@code items} that exist and pass the filter. */
    void fetch(Collection<String> items, ActionListener<Map<String, CatalogItem>> listener) {
        fetch(items, Set.of(), ActionListener.noop(), listener);
    }

    /**
     * Those of {@code items} that exist and pass the filter, and, in the same search, which of {@code named} the caller
     * can read ({@link VisibleItems}): the search matches both sets, a post-filter (or a filter aggregation) keeps the
     * items that pass, and an aggregation on the id field lists the named ones found; without a filter, one
     * aggregation on the id field lists both. An {@code _id} catalogue, whose ids cannot be aggregated, gets a search of
     * its own. Without a filter and without hits to fetch, both sets are read without a search, by a shard read per
     * shard ({@link CatalogLookup}) where the catalogue's mapping allows.
     */
    void fetch(
            Collection<String> items,
            Set<String> named,
            ActionListener<Set<String>> visible,
            ActionListener<Map<String, CatalogItem>> listener) {
        if (filter != null || needsHits()) {
            fetchBySearch(items, named, visible, listener);
            return;
        }
        Set<String> both = HashSet.newHashSet(items.size() + named.size());
        both.addAll(items);
        both.addAll(named);
        ActionListener<Map<String, CatalogItem>> split = batchListener(items, named, visible, listener);
        lookup.read(
                catalog,
                both,
                MAX_ATTRIBUTE_VALUES,
                ActionListener.wrap(
                        read -> {
                            if (read == null) {
                                // the catalogue's mapping (or its routing right now) needs a search
                                fetchBySearch(items, named, visible, listener);
                                return;
                            }
                            Map<String, CatalogItem> found = new HashMap<>();
                            read.forEach((item, attributes) ->
                                    found.put(item, new CatalogItem(item, Map.of(), attributes, null)));
                            split.onResponse(found);
                        },
                        split::onFailure));
    }

    /** {@link #fetch(Collection, Set, ActionListener, ActionListener)} by a search of the catalogue. */
    private void fetchBySearch(
            Collection<String> items,
            Set<String> named,
            ActionListener<Set<String>> visible,
            ActionListener<Map<String, CatalogItem>> listener) {
        // without a filter the ids' terms query alone (a bool around one clause is rewritten away on every search)
        QueryBuilder passing = filter == null
                ? idsQuery(items)
                : QueryBuilders.boolQuery().filter(idsQuery(items)).filter(filter);
        if (named.isEmpty() || catalog.idField().equals("_id")) {
            new VisibleItems(client, catalog).check(named, visible);
            if (needsHits()) {
                search(passing, items.size(), null, listener);
            } else {
                aggregate(passing, items.size(), null, listener);
            }
            return;
        }
        Set<String> both = new HashSet<>(items);
        both.addAll(named);
        if (filter == null && needsHits() == false) {
            // without a filter an item passes when it exists for the caller: one terms aggregation on the id field over
            // both sets answers both questions (no filter aggregations around it)
            aggregate(idsQuery(both), both.size(), null, null, batchListener(items, named, visible, listener), null);
            return;
        }
        ActionListener<SearchResponse> readable = visible.map(VisibleItems::readable);
        ActionListener<Map<String, CatalogItem>> found = listener.delegateResponse((l, e) -> {
            readable.onFailure(e); // both answers come from the one search
            l.onFailure(e);
        });
        SearchSourceBuilder withNamed = new SearchSourceBuilder().aggregation(VisibleItems.aggregation(catalog, named));
        if (needsHits()) {
            search(
                    QueryBuilders.boolQuery().filter(idsQuery(both)),
                    items.size(),
                    withNamed.postFilter(passing),
                    found,
                    readable);
        } else {
            aggregate(
                    QueryBuilders.boolQuery().filter(idsQuery(both)),
                    items.size(),
                    withNamed,
                    passing,
                    found,
                    readable);
        }
    }

    /**
     * Splits the items one aggregation over a batch and the named items found into those of the batch (which passed,
     * there being no filter) and the named ones the caller can read; a failure fails both.
     */
    private static ActionListener<Map<String, CatalogItem>> batchListener(
            Collection<String> items,
            Set<String> named,
            ActionListener<Set<String>> visible,
            ActionListener<Map<String, CatalogItem>> listener) {
        Set<String> batch = new HashSet<>(items);
        return listener.<Map<String, CatalogItem>>delegateResponse((l, e) -> {
                    visible.onFailure(e);
                    l.onFailure(e);
                })
                .map(found -> {
                    Set<String> readable = new HashSet<>();
                    Map<String, CatalogItem> passing = new LinkedHashMap<>();
                    found.forEach((item, read) -> {
                        if (named.contains(item)) {
                            readable.add(item);
                        }
                        if (batch.contains(item)) {
                            passing.put(item, read);
                        }
                    });
                    visible.onResponse(readable);
                    return passing;
                });
    }

    /** Hits are fetched only for what only they have: the _source asked for, content vectors, the _id as item id. */
    private boolean needsHits() {
        return (requestedSource != null && requestedSource.fetchSource())
                || withVectors
                || catalog.idField().equals("_id");
    }

    private void aggregate(
            QueryBuilder query, int size, SearchSourceBuilder base, ActionListener<Map<String, CatalogItem>> listener) {
        aggregate(query, size, base, null, listener, null);
    }

    /**
     * Which of a batch of ids pass, with their attribute values, from one aggregation on the id field: no fetch phase,
     * which costs more than the whole query for a shelf's few dozen items. Each shard holds at most {@code size} of
     * the ids asked about, so asking each for {@code size} buckets finds them all. With {@code passing}, the query
     * matches more than the batch, and the aggregation is under a filter aggregation keeping the batch's passing ids.
     */
    private void aggregate(
            QueryBuilder query,
            int size,
            SearchSourceBuilder base,
            QueryBuilder passing,
            ActionListener<Map<String, CatalogItem>> listener,
            ActionListener<SearchResponse> also) {
        TermsAggregationBuilder ids = AggregationBuilders.terms(ITEMS_AGG)
                .field(catalog.idField())
                .size(size)
                .shardSize(size);
        for (String attribute : catalog.attributes()) {
            ids.subAggregation(
                    AggregationBuilders.terms(attribute).field(attribute).size(MAX_ATTRIBUTE_VALUES));
        }
        SearchSourceBuilder source = (base == null ? new SearchSourceBuilder() : base)
                .query(query)
                .size(0)
                .trackTotalHits(false);
        source.aggregation(
                passing == null
                        ? ids
                        : AggregationBuilders.filter(PASSING_AGG, passing).subAggregation(ids));
        client.search(search(catalog, source), listener.map(response -> {
            if (also != null) {
                also.onResponse(response);
            }
            Map<String, CatalogItem> items = new LinkedHashMap<>();
            InternalAggregations aggregations = response.getAggregations();
            if (passing != null
                    && aggregations != null
                    && aggregations.get(PASSING_AGG) instanceof SingleBucketAggregation bucket) {
                aggregations = bucket.getAggregations();
            }
            if (aggregations == null || aggregations.get(ITEMS_AGG) instanceof Terms == false) {
                return items;
            }
            Terms terms = aggregations.get(ITEMS_AGG);
            for (Terms.Bucket bucket : terms.getBuckets()) {
                Map<String, List<String>> attributes = new HashMap<>();
                for (String attribute : catalog.attributes()) {
                    if (bucket.getAggregations().get(attribute) instanceof Terms values
                            && values.getBuckets().isEmpty() == false) {
                        attributes.put(
                                attribute,
                                values.getBuckets().stream()
                                        .map(Terms.Bucket::getKeyAsString)
                                        .toList());
                    }
                }
                items.put(
                        bucket.getKeyAsString(), new CatalogItem(bucket.getKeyAsString(), Map.of(), attributes, null));
            }
            return items;
        }));
    }

    private static final String ITEMS_AGG = "items";
    private static final String PASSING_AGG = "passing";
    static final float KNN_OVERSAMPLE = 3f;
    /** Attribute values read per item at most (a product has a handful: a category, a brand, a few tags). */
    static final int MAX_ATTRIBUTE_VALUES = 100;

    /** Any items passing the filter other than {@code excluded}: the last resort of a shelf. */
    void fetchAny(Collection<String> excluded, int size, ActionListener<Map<String, CatalogItem>> listener) {
        BoolQueryBuilder query = QueryBuilders.boolQuery().mustNot(idsQuery(excluded));
        if (filter != null) {
            query.filter(filter);
        }
        search(query, size, null, listener);
    }

    /** The content vectors of {@code items}, for content similarity (the filter does not apply to the items named). */
    void vectors(Collection<String> items, ActionListener<Map<String, float[]>> listener) {
        SearchSourceBuilder source = new SearchSourceBuilder()
                .query(idsQuery(items))
                .size(items.size())
                .trackTotalHits(false)
                .fetchSource(SourceFilters.withVectors(new String[] {catalog.vectorField()}, null));
        addIdField(source);
        client.search(search(catalog, source), listener.map(response -> {
            Map<String, float[]> vectors = new HashMap<>();
            for (SearchHit hit : response.getHits().getHits()) {
                float[] vector = vector(hit.getSourceAsMap());
                String id = itemId(hit);
                if (vector != null && id != null) {
                    vectors.put(id, vector);
                }
            }
            return vectors;
        }));
    }

    /**
     * The content vectors of a sample of the catalogue (every item, the filter does not apply): {@code size} items
     * picked by a seeded random score on the id field, so that every node picks the same ones. Empty when no item has
     * a vector.
     */
    void sample(int size, ActionListener<List<float[]>> listener) {
        String field = catalog.idField().equals("_id") ? "_seq_no" : catalog.idField();
        SearchSourceBuilder source = new SearchSourceBuilder()
                .query(QueryBuilders.functionScoreQuery(
                        QueryBuilders.existsQuery(catalog.vectorField()),
                        ScoreFunctionBuilders.randomFunction().seed(0).setField(field)))
                .size(size)
                .trackTotalHits(false)
                .fetchSource(SourceFilters.withVectors(new String[] {catalog.vectorField()}, null));
        client.search(search(catalog, source), listener.map(response -> {
            List<float[]> vectors = new ArrayList<>();
            for (SearchHit hit : response.getHits().getHits()) {
                float[] vector = vector(hit.getSourceAsMap());
                if (vector != null) {
                    vectors.add(vector);
                }
            }
            return vectors;
        }));
    }

    /**
     * The {@code k} nearest items by content of a (unit) query vector that pass the filter, other than {@code
     * excluded}, with their stored vectors (made unit), nearest first: for a shelf that ranks them again in its own
     * space ({@link io.personalize.serving.ContentSpace#nearest}).
     */
    void nearestWithVectors(
            float[] vector, int k, Collection<String> excluded, ActionListener<Map<String, float[]>> listener) {
        SearchSourceBuilder source = new SearchSourceBuilder()
                .query(knnQuery(vector, k, excluded))
                .size(k)
                .trackTotalHits(false)
                .fetchSource(SourceFilters.withVectors(new String[] {catalog.vectorField()}, null));
        addIdField(source);
        client.search(search(catalog, source), listener.map(response -> {
            Map<String, float[]> vectors = new LinkedHashMap<>();
            for (SearchHit hit : response.getHits().getHits()) {
                float[] v = hit.hasSource() ? vector(hit.getSourceAsMap()) : null;
                String id = itemId(hit);
                if (v != null && id != null) {
                    vectors.put(id, v);
                }
            }
            return vectors;
        }));
    }

    /**
     * Those of {@code items} whose {@code catalog.created_field} is after {@code cutoffMillis} (epoch milliseconds):
     * products created after the events of the version that serves. The request's filter does not apply (the shelf
     * applies it when it reads them), so the answer depends only on the item and the caller; an item without the field
     * is not among them.
     */
    void createdAfter(Collection<String> items, long cutoffMillis, ActionListener<Set<String>> listener) {
        SearchSourceBuilder source = new SearchSourceBuilder()
                .query(QueryBuilders.boolQuery()
                        .filter(idsQuery(items))
                        .filter(QueryBuilders.rangeQuery(catalog.createdField())
                                .gt(cutoffMillis)
                                .format("epoch_millis")))
                .size(items.size())
                .fetchSource(false)
                .trackTotalHits(false);
        if (catalog.idField().equals("_id") == false) {
            source.storedField(StoredFieldsContext._NONE_);
        }
        addIdField(source);
        client.search(search(catalog, source), listener.map(response -> {
            Set<String> created = new HashSet<>();
            for (SearchHit hit : response.getHits().getHits()) {
                String id = itemId(hit);
                if (id != null) {
                    created.add(id);
                }
            }
            return created;
        }));
    }

    /**
     * The nearest neighbours by content of a vector that pass the filter, with their knn scores, each with what the
     * shelf's catalogue read gives (attribute values, the {@code _source} asked for, the vector for diversity): the
     * knn search applies the same filter and privileges, so its hits need no second read to join a shelf.
     */
    record Nearest(Map<String, Float> scores, Map<String, CatalogItem> items) {}

    void nearest(float[] vector, int k, Collection<String> excluded, ActionListener<Nearest> listener) {
        FetchSourceContext fetched = sourceContext();
        SearchSourceBuilder source = new SearchSourceBuilder()
                .query(knnQuery(vector, k, excluded))
                .size(k)
                .fetchSource(fetched)
                .trackTotalHits(false);
        if (fetched.fetchSource() == false && catalog.idField().equals("_id") == false) {
            // nothing stored is needed (not even _id: a stored-fields read per hit): the doc-value fields are the hit
            source.storedField(StoredFieldsContext._NONE_);
        }
        addIdField(source);
        catalog.attributes().forEach(source::docValueField);
        client.search(search(catalog, source), listener.map(response -> {
            Map<String, Float> scores = new LinkedHashMap<>();
            Map<String, CatalogItem> items = new HashMap<>();
            for (SearchHit hit : response.getHits().getHits()) {
                CatalogItem item = catalogItem(hit);
                if (item.item() == null) {
                    continue; // no id value (and no _id read): no item to name
                }
                scores.put(item.item(), hit.getScore());
                items.put(item.item(), item);
            }
            return new Nearest(scores, items);
        }));
    }

    /**
     * The k nearest items of a vector that pass the filter, other than {@code excluded}, as a query: not the search's
     * top-level knn, which costs a phase of its own (dfs) before the query phase; each shard's k nearest, then the k
     * best of those, are the same hits. Quantized vectors (Elasticsearch's default int8_hnsw) give scores that differ
     * from one copy of a shard to another: rescoring with the full vectors gives exact cosines, so every node ranks
     * the same (unquantized fields ignore it).
     */
    private QueryBuilder knnQuery(float[] vector, int k, Collection<String> excluded) {
        KnnSearchBuilder knn = KnnSearches.of(
                catalog.vectorField(),
                vector,
                k,
                Math.min(10_000, Math.max(100, 4 * k)),
                new RescoreVectorBuilder(KNN_OVERSAMPLE),
                null);
        if (filter != null) {
            knn.addFilterQuery(filter);
        }
        if (excluded.isEmpty() == false) {
            knn.addFilterQuery(QueryBuilders.boolQuery().mustNot(idsQuery(excluded)));
        }
        return knn.toQueryBuilder();
    }

    private void search(
            QueryBuilder query, int size, SearchSourceBuilder base, ActionListener<Map<String, CatalogItem>> listener) {
        search(query, size, base, listener, null);
    }

    private void search(
            QueryBuilder query,
            int size,
            SearchSourceBuilder base,
            ActionListener<Map<String, CatalogItem>> listener,
            ActionListener<SearchResponse> also) {
        SearchSourceBuilder source = (base == null ? new SearchSourceBuilder() : base)
                .query(query)
                .size(size)
                .fetchSource(sourceContext())
                .trackTotalHits(false);
        addIdField(source);
        catalog.attributes().forEach(source::docValueField);
        client.search(search(catalog, source), listener.map(response -> {
            if (also != null) {
                also.onResponse(response);
            }
            Map<String, CatalogItem> items = new LinkedHashMap<>();
            for (SearchHit hit : response.getHits().getHits()) {
                CatalogItem item = catalogItem(hit);
                if (item.item() != null) {
                    items.put(item.item(), item);
                }
            }
            return items;
        }));
    }

    /** A hit of a search with {@link #sourceContext()}, the id field and the attributes as doc-value fields. */
    private CatalogItem catalogItem(SearchHit hit) {
        Map<String, Object> hitSource = hit.hasSource() ? new LinkedHashMap<>(hit.getSourceAsMap()) : Map.of();
        float[] vector = withVectors ? vector(hitSource) : null;
        if (withVectors && requested(catalog.vectorField()) == false) {
            hitSource.remove(catalog.vectorField());
        }
        Map<String, List<String>> attributes = new HashMap<>();
        for (String attribute : catalog.attributes()) {
            DocumentField field = hit.field(attribute);
            if (field != null) {
                attributes.put(
                        attribute,
                        field.getValues().stream().map(Object::toString).toList());
            }
        }
        String id = itemId(hit);
        return new CatalogItem(id, hitSource, attributes, vector);
    }

    /** The caller's _source filtering, plus the vector field when diversity needs it (vectors are left out by default). */
    private FetchSourceContext sourceContext() {
        boolean fetch = requestedSource != null && requestedSource.fetchSource();
        if (withVectors == false) {
            return fetch ? requestedSource : FetchSourceContext.DO_NOT_FETCH_SOURCE;
        }
        String[] includes;
        if (fetch == false) {
            includes = new String[] {catalog.vectorField()};
        } else if (requestedSource.includes().length == 0) {
            includes = new String[0];
        } else {
            includes = Arrays.copyOf(requestedSource.includes(), requestedSource.includes().length + 1);
            includes[includes.length - 1] = catalog.vectorField();
        }
        return SourceFilters.withVectors(includes, fetch ? requestedSource.excludes() : null);
    }

    private boolean requested(String field) {
        return requestedSource != null
                && requestedSource.fetchSource()
                && (requestedSource.includes().length == 0
                        || Arrays.asList(requestedSource.includes()).contains(field));
    }

    private QueryBuilder idsQuery(Collection<String> items) {
        return catalog.idField().equals("_id")
                ? QueryBuilders.idsQuery().addIds(items.toArray(String[]::new))
                : QueryBuilders.termsQuery(catalog.idField(), items);
    }

    private void addIdField(SearchSourceBuilder source) {
        if (catalog.idField().equals("_id") == false) {
            source.docValueField(catalog.idField());
        }
    }

    /**
     * The hit's item id, or null when it has no id value for the caller (none indexed, or hidden by field-level
     * security): a terms query on the id field never finds such a document, so it is no item here either (its
     * {@code _id} is not its item id).
     */
    private String itemId(SearchHit hit) {
        if (catalog.idField().equals("_id")) {
            return hit.getId();
        }
        DocumentField field = hit.field(catalog.idField());
        return field == null || field.getValues().isEmpty()
                ? null
                : field.getValues().get(0).toString();
    }

    private float[] vector(Map<String, Object> source) {
        if (source.get(catalog.vectorField()) instanceof List<?> values && values.isEmpty() == false) {
            float[] vector = new float[values.size()];
            double norm = 0;
            for (int i = 0; i < vector.length; i++) {
                vector[i] = ((Number) values.get(i)).floatValue();
                norm += vector[i] * vector[i];
            }
            if (norm > 0) {
                float scale = (float) (1 / Math.sqrt(norm));
                for (int i = 0; i < vector.length; i++) {
                    vector[i] *= scale;
                }
                return vector;
            }
        }
        return null;
    }
}
