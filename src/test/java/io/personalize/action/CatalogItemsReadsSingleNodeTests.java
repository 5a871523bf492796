package io.personalize.action;

import io.personalize.PersonalizePlugin;
import io.personalize.model.ModelConfig;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.elasticsearch.ExceptionsHelper;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.support.PlainActionFuture;
import org.elasticsearch.action.support.WriteRequest;
import org.elasticsearch.cluster.metadata.IndexNameExpressionResolver;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.index.query.QueryBuilders;
import org.elasticsearch.index.shard.ShardId;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.test.ESSingleNodeTestCase;
import org.elasticsearch.threadpool.ThreadPool;
import org.elasticsearch.transport.TransportService;
import org.elasticsearch.transport.Transports;

/**
 * The catalogue read without a search on a real node: what it finds matches what a terms query on the id field would
 * (live, refreshed documents of every shard), and a mapping it cannot read so answers null (the shelf searches).
 */
public class CatalogItemsReadsSingleNodeTests extends ESSingleNodeTestCase {

    @Override
    protected Collection<Class<? extends Plugin>> getPlugins() {
        return List.of(PersonalizePlugin.class);
    }

    private Map<String, Map<String, List<String>>> read(
            String index, String idField, List<String> attributes, List<String> ids) {
        CatalogItemsReads reads = new CatalogItemsReads(
                client(),
                getInstanceFromNode(ClusterService.class),
                getInstanceFromNode(TransportService.class),
                getInstanceFromNode(IndexNameExpressionResolver.class));
        PlainActionFuture<Map<String, Map<String, List<String>>>> future = new PlainActionFuture<>();
        reads.read(new ModelConfig.Catalog(index, idField, attributes, null, null), ids, 100, future);
        return future.actionGet();
    }

    private void index(String index, String id, String json) {
        client().prepareIndex(index)
                .setId(id)
                .setSource(json, org.elasticsearch.xcontent.XContentType.JSON)
                .get();
    }

    public void testFindsTheLiveItemsOfEveryShardWithTheirValues() {
        client().admin()
                .indices()
                .prepareCreate("products")
                .setSettings(indexSettings(3, 0))
                .setMapping("""
                    {"properties": {"sku": {"type": "keyword"}, "category": {"type": "keyword"},
                                    "price": {"type": "long"}}}""")
                .get();
        for (int i = 0; i < 20; i++) {
            index("products", "p" + i, "{\"sku\": \"s" + i + "\", \"category\": [\"c" + (i % 3) + "\", \"all\"]}");
        }
        client().prepareDelete("products", "p4").get();
        index("products", "p21", "{\"sku\": \"s21\"}");
        client().admin().indices().prepareRefresh("products").get();
        // indexed after the refresh: not found, as a search would not find it
        client().prepareIndex("products")
                .setId("p22")
                .setSource("{\"sku\": \"s22\"}", org.elasticsearch.xcontent.XContentType.JSON)
                .setRefreshPolicy(WriteRequest.RefreshPolicy.NONE)
                .get();
        Map<String, Map<String, List<String>>> found =
                read("products", "sku", List.of("category"), List.of("s1", "s4", "s7", "s19", "s21", "s22", "nope"));
        assertEquals(
                Map.of(
                        "s1", Map.of("category", List.of("all", "c1")),
                        "s7", Map.of("category", List.of("all", "c1")),
                        "s19", Map.of("category", List.of("all", "c1")),
                        "s21", Map.of()),
                found);
        // a numeric attribute's values would be formatted by a search: the shelf searches
        assertNull(read("products", "sku", List.of("price"), List.of("s1")));
        // a numeric id field too
        assertNull(read("products", "price", List.of(), List.of("1")));
        // an id field the mapping does not have: the search answers (it matches nothing)
        assertNull(read("products", "nope", List.of(), List.of("s1")));
    }

    public void testIdsAreLookedUpAsTheTermsQueryTakesThem() {
        // a normalizer lowercases an id as the terms query would; without one an id is its own bytes
        client().admin()
                .indices()
                .prepareCreate("products")
                .setSettings(Settings.builder()
                        .put("index.number_of_shards", 1)
                        .put("analysis.normalizer.lower.type", "custom")
                        .putList("analysis.normalizer.lower.filter", "lowercase"))
                .setMapping("""
                    {"properties": {"sku": {"type": "keyword", "normalizer": "lower"},
                                    "plain": {"type": "keyword"}}}""")
                .get();
        index("products", "1", "{\"sku\": \"AbC\", \"plain\": \"AbC\"}");
        client().admin().indices().prepareRefresh("products").get();
        assertEquals(
                Set.of("abc"),
                read("products", "sku", List.of(), List.of("ABC")).keySet());
        assertEquals(
                Set.of("AbC"),
                read("products", "plain", List.of(), List.of("ABC", "abc", "AbC"))
                        .keySet());
    }

    public void testAShardOfAnotherIndexIsRefused() {
        createIndex("products");
        createIndex("secret");
        index("secret", "1", "{\"sku\": \"s1\"}");
        client().admin().indices().prepareRefresh("secret").get();
        ShardId secret = new ShardId(resolveIndex("secret"), 0);
        // authorized for [products], asking for a shard of [secret]
        Exception e = expectThrows(IllegalArgumentException.class, () -> client().execute(
                        CatalogItemsAction.TYPE,
                        new CatalogItemsAction.Request("products", secret, "sku", List.of(), List.of("s1"), 10))
                .actionGet());
        assertTrue(e.getMessage(), e.getMessage().contains("is not of the catalogue [products]"));
    }

    private CatalogItemsAction.Response readShard(String index, ShardId shard) {
        return client().execute(
                        CatalogItemsAction.TYPE,
                        new CatalogItemsAction.Request(index, shard, "sku", List.of(), List.of("s1"), 10))
                .actionGet();
    }

    private RestStatus refusal(String index, ShardId shard) {
        return ExceptionsHelper.status(expectThrows(Exception.class, () -> readShard(index, shard)));
    }

    private void createCatalogue(String index) {
        client().admin()
                .indices()
                .prepareCreate(index)
                .setMapping(
                        "{\"properties\": {\"sku\": {\"type\": \"keyword\"}, \"category\": {\"type\": \"keyword\"}}}")
                .get();
    }

    public void testAnAliasIsReadAsItsIndexUnlessItFilters() {
        createCatalogue("products");
        index("products", "1", "{\"sku\": \"s1\", \"category\": \"c1\"}");
        index("products", "2", "{\"sku\": \"s2\", \"category\": \"c2\"}");
        client().admin().indices().prepareRefresh("products").get();
        client().admin()
                .indices()
                .prepareAliases(TEST_REQUEST_TIMEOUT, TEST_REQUEST_TIMEOUT)
                .addAlias("products", "all-products")
                .addAlias("products", "c1-products", QueryBuilders.termQuery("category", "c1"))
                .get();
        assertEquals(
                Set.of("s1", "s2"),
                read("all-products", "sku", List.of(), List.of("s1", "s2")).keySet());
        // a search of the filtered alias finds s1 only; this read would find both: it answers null, the shelf searches
        assertNull(read("c1-products", "sku", List.of(), List.of("s1", "s2")));
    }

    public void testWhatTheActionRefusesIsAClientError() {
        createCatalogue("products");
        createIndex("closed");
        client().admin().indices().prepareClose("closed").get();
        ShardId shard = new ShardId(resolveIndex("products"), 0);
        assertEquals(RestStatus.NOT_FOUND, refusal("nope", shard));
        // a wildcard is not expanded: no index has that name
        assertEquals(RestStatus.NOT_FOUND, refusal("prod*", shard));
        assertEquals(RestStatus.NOT_FOUND, refusal("products", new ShardId(shard.getIndex(), 7)));
        assertEquals(RestStatus.NOT_FOUND, refusal("products", new ShardId(shard.getIndex(), -1)));
        assertEquals(RestStatus.BAD_REQUEST, refusal("closed", new ShardId(resolveIndex("closed"), 0)));
        // the shard of an index deleted and created again under the same name is not of the catalogue
        client().admin().indices().prepareDelete("products").get();
        createCatalogue("products");
        assertEquals(RestStatus.BAD_REQUEST, refusal("products", shard));
        assertTrue(
                readShard("products", new ShardId(resolveIndex("products"), 0)).readable());
    }

    /**
     * The thread a local shard read answers on, asked from {@code caller}: the read runs on the thread that asks (no
     * hand-off to the search pool, a queue and a wake-up per shelf), unless that is a network thread.
     */
    private String answeredOn(Consumer<Runnable> caller) {
        createCatalogue("products");
        index("products", "1", "{\"sku\": \"s1\"}");
        client().admin().indices().prepareRefresh("products").get();
        ShardId shard = new ShardId(resolveIndex("products"), 0);
        CompletableFuture<String> answered = new CompletableFuture<>();
        caller.accept(() -> client().execute(
                        CatalogItemsAction.TYPE,
                        new CatalogItemsAction.Request("products", shard, "sku", List.of(), List.of("s1"), 10),
                        ActionListener.wrap(
                                response -> {
                                    assertEquals(Set.of("s1"), response.items().keySet());
                                    answered.complete(Thread.currentThread().getName());
                                },
                                answered::completeExceptionally)));
        return answered.join();
    }

    public void testALocalReadRunsOnTheThreadThatAsks() {
        ThreadPool threads = getInstanceFromNode(ThreadPool.class);
        String[] caller = new String[1];
        String answered =
                answeredOn(read -> threads.executor(ThreadPool.Names.GET).execute(() -> {
                    caller[0] = Thread.currentThread().getName();
                    read.run();
                }));
        assertEquals(caller[0], answered);
    }

    public void testALocalReadAskedOnANetworkThreadRunsOnTheSearchPool() {
        String answered = answeredOn(read -> {
            Thread network = new Thread(read, Transports.TEST_MOCK_TRANSPORT_THREAD_PREFIX + "-catalogue");
            assertTrue(Transports.isTransportThread(network));
            network.start();
        });
        assertTrue(answered, answered.contains("[" + ThreadPool.Names.SEARCH + "]"));
    }
}
