package io.personalize.action;

import io.personalize.compat.ClusterMetadata;
import io.personalize.recommend.ShardItems;
import java.util.Arrays;
import java.util.Map;
import org.apache.lucene.analysis.Analyzer;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.ActionRunnable;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.HandledTransportAction;
import org.elasticsearch.cluster.ClusterState;
import org.elasticsearch.cluster.metadata.AliasMetadata;
import org.elasticsearch.cluster.metadata.IndexMetadata;
import org.elasticsearch.cluster.metadata.IndexNameExpressionResolver;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.lucene.Lucene;
import org.elasticsearch.common.util.concurrent.EsExecutors;
import org.elasticsearch.index.engine.Engine;
import org.elasticsearch.index.mapper.KeywordFieldMapper;
import org.elasticsearch.index.mapper.MappedFieldType;
import org.elasticsearch.index.mapper.MapperService;
import org.elasticsearch.index.shard.IndexShard;
import org.elasticsearch.indices.IndicesService;
import org.elasticsearch.injection.guice.Inject;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.threadpool.ThreadPool;
import org.elasticsearch.transport.TransportService;
import org.elasticsearch.transport.Transports;

/**
 * Reads a shard copy held by this node for {@link CatalogItemsAction}: the searcher {@code IndexShard.acquireSearcher}
 * gives (wrapped by Elasticsearch's security for the caller whose action was authorized just before, so document- and
 * field-level security apply as for a GET or a search), the ids looked up in the id field's terms and the attributes
 * in their doc values ({@link ShardItems}). The shard waits for a pending refresh as a search does when it was idle,
 * so an item indexed and refreshed is found as a search would find it.
 */
public final class TransportCatalogItemsAction
        extends HandledTransportAction<CatalogItemsAction.Request, CatalogItemsAction.Response> {

    private final IndicesService indices;
    private final ClusterService clusterService;
    private final IndexNameExpressionResolver resolver;
    private final ThreadPool threadPool;

    @Inject
    public TransportCatalogItemsAction(
            TransportService transportService,
            ActionFilters actionFilters,
            IndicesService indices,
            ClusterService clusterService,
            IndexNameExpressionResolver resolver) {
        // no executor of its own: Elasticsearch forks a local call to an action's executor (a queue and a wake-up of
        // the search pool per shelf), so a shelf's few dozen term look-ups run on the thread that asks for them, unless
        // that is a network thread (doExecute forks to the search pool then: a request over the wire, a shelf whose
        // profile came from the node's caches on the HTTP thread)
        super(
                CatalogItemsAction.NAME,
                transportService,
                actionFilters,
                CatalogItemsAction.Request::new,
                EsExecutors.DIRECT_EXECUTOR_SERVICE);
        this.indices = indices;
        this.clusterService = clusterService;
        this.resolver = resolver;
        this.threadPool = transportService.getThreadPool();
    }

    @Override
    protected void doExecute(
            Task task, CatalogItemsAction.Request request, ActionListener<CatalogItemsAction.Response> listener) {
        ActionListener.run(listener, l -> {
            // the caller was authorized for request.indices(): the shard read must be of an index that name stands for
            ClusterState state = clusterService.state();
            boolean named = Arrays.asList(resolver.concreteIndices(state, request.indicesOptions(), request.indices()))
                    .contains(request.shard().getIndex());
            if (named == false) {
                throw new IllegalArgumentException(
                        "shard " + request.shard() + " is not of the catalogue [" + request.indices()[0] + "]");
            }
            if (throughFilteredAlias(state, request)) {
                // a search of the alias applies its filter, this read would not: the shelf searches instead
                l.onResponse(new CatalogItemsAction.Response(false, Map.of()));
                return;
            }
            IndexShard shard = indices.indexServiceSafe(request.shard().getIndex())
                    .getShard(request.shard().id());
            shard.ensureShardSearchActive(ignored -> {
                // a term look-up may page the index in from disk: not on a network thread (read there instead, a warm
                // shelf took about 0.1 ms less at p50 on the bench: issue 13, stop 28)
                if (Transports.isTransportThread(Thread.currentThread())) {
                    threadPool
                            .executor(ThreadPool.Names.SEARCH)
                            .execute(ActionRunnable.supply(l, () -> read(shard, request)));
                } else {
                    ActionListener.completeWith(l, () -> read(shard, request));
                }
            });
        });
    }

    /**
     * Whether the catalogue is named by an alias with a filter on the shard's index: a search of the alias applies the
     * filter. The request names one index or alias, never a pattern ({@link CatalogItemsAction.Request#indicesOptions}),
     * so the alias is found by that name on the index (read through compat: 9.1 on keep indices per project).
     */
    private static boolean throughFilteredAlias(ClusterState state, CatalogItemsAction.Request request) {
        IndexMetadata index = ClusterMetadata.indices(state).get(request.shard().getIndexName());
        AliasMetadata alias = index == null ? null : index.getAliases().get(request.indices()[0]);
        return alias != null && alias.filteringRequired();
    }

    private static CatalogItemsAction.Response read(IndexShard shard, CatalogItemsAction.Request request)
            throws Exception {
        MapperService mappers = shard.mapperService();
        MappedFieldType idType = mappers.fieldType(request.idField());
        if (searchableKeyword(idType) == false) {
            return new CatalogItemsAction.Response(false, Map.of());
        }
        for (String attribute : request.attributes()) {
            MappedFieldType type = mappers.fieldType(attribute);
            // an attribute the mapping does not have reads as absent, as a terms aggregation on it does
            if (type != null && (searchableKeyword(type) == false || type.hasDocValues() == false)) {
                return new CatalogItemsAction.Response(false, Map.of());
            }
        }
        try (Engine.Searcher searcher = shard.acquireSearcher("personalize_catalog_items")) {
            if (ShardItems.readable(searcher.getIndexReader(), request.idField(), true) == false) {
                return new CatalogItemsAction.Response(false, Map.of());
            }
            return new CatalogItemsAction.Response(
                    true,
                    ShardItems.read(
                            searcher.getIndexReader(),
                            request.idField(),
                            normalizer(idType),
                            request.ids(),
                            request.attributes(),
                            request.maxValues()));
        }
    }

    private static boolean searchableKeyword(MappedFieldType type) {
        return type instanceof KeywordFieldMapper.KeywordFieldType keyword && keyword.isSearchable();
    }

    /**
     * The analyzer a keyword field's terms query normalizes values with; null without a normalizer, where the query
     * takes the value's bytes as they are (Elasticsearch's {@code KeywordFieldType.indexedValueForSearch} makes the
     * same test, to skip the analysis chain).
     */
    private static Analyzer normalizer(MappedFieldType keyword) {
        Analyzer analyzer = keyword.getTextSearchInfo().searchAnalyzer();
        return analyzer == Lucene.KEYWORD_ANALYZER ? null : analyzer;
    }
}
