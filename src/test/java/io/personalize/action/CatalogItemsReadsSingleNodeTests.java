package io.personalize.action;

import io.personalize.PersonalizePlugin;
import io.personalize.model.ModelConfig;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.elasticsearch.action.support.PlainActionFuture;
import org.elasticsearch.action.support.WriteRequest;
import org.elasticsearch.cluster.metadata.IndexNameExpressionResolver;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.index.shard.ShardId;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.test.ESSingleNodeTestCase;
import org.elasticsearch.transport.TransportService;

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
}
