package io.personalize.demo;

import com.fasterxml.jackson.databind.JsonNode;

import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import io.personalize.it.Shop;

import java.util.List;
import java.util.Map;

/**
 * What the plugin does, on the Online Retail shop (bin/demo runs it against a node with the plugin installed):
 * content vectors for the catalogue through the item_vector processor, and content neighbours with knn.
 */
public final class Demo {

    private static final List<String> SHOWCASE = List.of("85123A", "22423", "20725", "84879", "23084");

    public static void main(String[] args) {
        EsClient es = new EsClient(args.length > 0 ? args[0] : "http://127.0.0.1:19200", System.getenv("PERSONALIZE_USER"),
            System.getenv("PERSONALIZE_PASSWORD"));
        JsonNode node = es.get("/_nodes/_local/plugins").ok().path("nodes").elements().next();
        System.out.printf("%nElasticsearch %s at %s, plugins: %s%n", node.path("version").asText(), es.baseUrl(),
            es.get("/_cat/plugins?h=component,version").body().trim().replace('\n', ';'));

        OnlineRetail data = OnlineRetail.load();
        System.out.printf("%n== 1. Content vectors: %,d products of the Online Retail catalogue through the item_vector processor%n",
            data.products().size());
        System.out.println("   PUT _ingest/pipeline/" + Shop.VECTOR_PIPELINE + "   (fields title^3, english analyzer, 256 dims)");
        Shop.putVectorPipeline(es);
        Shop.createProductsIndex(es, Shop.PRODUCTS, Shop.VECTOR_PIPELINE, 1, 0);
        long start = System.nanoTime();
        Shop.loadProducts(es, Shop.PRODUCTS, data.products());
        System.out.printf("   indexed %,d products in %.1f s%n", data.products().size(), (System.nanoTime() - start) / 1e9);

        System.out.println("\n== 2. Similar by content (knn on content_vector): what a brand-new product can be recommended with");
        for (String sku : SHOWCASE) {
            showNeighbours(es, sku);
        }
        System.out.printf("%nTry it: curl '%s/%s/_search?q=title:heart&size=3'%n", es.baseUrl(), Shop.PRODUCTS);
    }

    static void showNeighbours(EsClient es, String sku) {
        JsonNode product = es.get("/" + Shop.PRODUCTS + "/_doc/" + sku + "?_source_exclude_vectors=false").ok().path("_source");
        float[] vector = Shop.toFloats(product.path("content_vector"));
        JsonNode hits = es.post("/" + Shop.PRODUCTS + "/_search", Map.of(
            "knn", Map.of("field", "content_vector", "query_vector", vector, "k", 6, "num_candidates", 100),
            "_source", List.of("title", "price"))).ok().path("hits").path("hits");
        System.out.printf("%n   %s  %s%n", sku, product.path("title").asText());
        for (JsonNode hit : hits) {
            if (hit.path("_id").asText().equals(sku) == false) {
                System.out.printf("      %.3f  %-8s %s%n", hit.path("_score").asDouble(), hit.path("_id").asText(),
                    hit.path("_source").path("title").asText());
            }
        }
    }
}
