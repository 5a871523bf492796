package io.personalize.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import io.personalize.it.Shop;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the plugin does, on the Online Retail shop (bin/demo runs it against a node with the plugin installed): content
 * vectors for the catalogue, a model trained inside the cluster from the purchases, personalized search for two
 * shoppers, and "for you" and "similar items" shelves with their reasons.
 */
public final class Demo {

    private static final List<String> SHOWCASE = List.of("85123A", "22423", "20725", "84879", "23084");

    public static void main(String[] args) throws InterruptedException {
        EsClient es = new EsClient(
                args.length > 0 ? args[0] : "http://127.0.0.1:19200",
                System.getenv("PERSONALIZE_USER"),
                System.getenv("PERSONALIZE_PASSWORD"));
        JsonNode node =
                es.get("/_nodes/_local/plugins").ok().path("nodes").elements().next();
        System.out.printf(
                Locale.ROOT,
                "%nElasticsearch %s at %s, plugins: %s%n",
                node.path("version").asText(),
                es.baseUrl(),
                es.get("/_cat/plugins?h=component,version").body().trim().replace('\n', ';'));

        OnlineRetail data = OnlineRetail.load();
        System.out.printf(
                Locale.ROOT,
                "%n== 1. Content vectors: %,d products of the Online Retail catalogue through the item_vector processor%n",
                data.products().size());
        System.out.println(
                "   PUT _ingest/pipeline/" + Shop.VECTOR_PIPELINE + "   (fields title^3, english analyzer, 256 dims)");
        Shop.putVectorPipeline(es);
        Shop.createProductsIndex(es, Shop.PRODUCTS, Shop.VECTOR_PIPELINE, 1, 0);
        long start = System.nanoTime();
        Shop.loadProducts(es, Shop.PRODUCTS, data.products());
        System.out.printf(
                Locale.ROOT,
                "   indexed %,d products in %.1f s%n",
                data.products().size(),
                (System.nanoTime() - start) / 1e9);

        System.out.println(
                "\n== 2. Similar by content (knn on content_vector): what a brand-new product can be recommended with");
        for (String sku : SHOWCASE) {
            showNeighbours(es, sku);
        }
        System.out.printf(
                Locale.ROOT,
                "%n== 3. Events: %,d purchases of %,d customers into the ordinary index [%s]%n",
                data.purchases().size(),
                data.purchases().stream()
                        .map(OnlineRetail.Purchase::user)
                        .distinct()
                        .count(),
                Shop.EVENTS);
        Shop.createEventsIndex(es, Shop.EVENTS, 1, 0);
        start = System.nanoTime();
        Shop.loadEvents(es, Shop.EVENTS, data.purchases());
        System.out.printf(Locale.ROOT, "   indexed in %.1f s%n", (System.nanoTime() - start) / 1e9);

        System.out.println("\n== 4. A collaborative-filtering model, trained inside the cluster");
        System.out.println("   PUT _recommend/models/shop");
        es.delete("/_recommend/models/shop");
        es.put("/_recommend/models/shop", Shop.modelConfig(Shop.PRODUCTS, Shop.EVENTS))
                .ok();
        System.out.println("   POST _recommend/models/shop/_train");
        JsonNode trained = es.post("/_recommend/models/shop/_train", null).ok().path("version");
        System.out.printf(
                Locale.ROOT,
                "   version %d: %,d events, %,d users, %,d items, trained in %.1f s (%s)%n",
                trained.path("version").asLong(),
                trained.path("events").asLong(),
                trained.path("users").asLong(),
                trained.path("items").asLong(),
                trained.path("took_ms").asLong() / 1000.0,
                trained.path("algorithm").asText());

        System.out.println("\n== 5. Personalized search: the same query, BM25 alone and re-ranked for two shoppers");
        System.out.println("   GET products/_search {\"query\": {\"match\": {\"title\": \"heart holder\"}},");
        System.out.println(
                "     \"rescore\": {\"window_size\": 100, \"personalize\": {\"model\": \"shop\", \"user_id\": ...}}}");
        List<List<String>> columns = new ArrayList<>();
        columns.add(search(es, "heart holder", null));
        for (String shopper : SHOPPERS) {
            columns.add(search(es, "heart holder", shopper));
        }
        System.out.printf(
                Locale.ROOT,
                "%n   %-38s %-38s %-38s%n",
                "BM25 alone",
                "shopper " + SHOPPERS.get(0),
                "shopper " + SHOPPERS.get(1));
        for (int row = 0; row < 6; row++) {
            System.out.printf(
                    Locale.ROOT,
                    "   %-38s %-38s %-38s%n",
                    columns.get(0).get(row),
                    columns.get(1).get(row),
                    columns.get(2).get(row));
        }

        System.out.println("\n== 6. Recommended for you: POST _recommend {\"model\": \"shop\", \"user_id\": \""
                + SHOPPERS.get(0) + "\"}");
        showShelf(
                es,
                "{\"model\": \"shop\", \"user_id\": \"" + SHOPPERS.get(0)
                        + "\", \"size\": 6, \"_source\": [\"title\"]}");
        System.out.println(
                "\n== 7. Similar items: POST _recommend {\"model\": \"shop\", \"item_ids\": [\"22423\"]}   (REGENCY CAKESTAND 3 TIER)");
        showShelf(es, "{\"model\": \"shop\", \"item_ids\": [\"22423\"], \"size\": 6, \"_source\": [\"title\"]}");
        System.out.println("\n== 8. With a filter (price <= 2) and diversity 0.5, for the same shopper");
        showShelf(
                es,
                "{\"model\": \"shop\", \"user_id\": \"" + SHOPPERS.get(0) + "\", \"size\": 6, \"diversity\": 0.5,"
                        + " \"filter\": {\"range\": {\"price\": {\"lte\": 2}}}, \"_source\": [\"title\", \"price\"]}");

        System.out.println("\n== 9. What the node served: GET _recommend/_stats");
        for (JsonNode stats : es.get("/_recommend/_stats").ok().path("nodes")) {
            JsonNode requests = stats.path("serving").path("requests");
            JsonNode cache = stats.path("cache");
            System.out.printf(
                    Locale.ROOT,
                    "   _recommend: %d requests, p50 %.1f ms; rescorer profile loads: %d, p50 %.1f ms%n",
                    requests.path("recommend").path("count").asLong(),
                    requests.path("recommend").path("latency_ms").path("p50").asDouble(),
                    requests.path("rescore").path("count").asLong(),
                    requests.path("rescore").path("latency_ms").path("p50").asDouble());
            System.out.printf(
                    Locale.ROOT,
                    "   cache: %d entries, %,d bytes of %,d, %d hits, %d misses; trainings: %d succeeded%n",
                    cache.path("entries").asLong(),
                    cache.path("size_in_bytes").asLong(),
                    cache.path("limit_in_bytes").asLong(),
                    cache.path("hits").asLong(),
                    cache.path("misses").asLong(),
                    stats.path("serving").path("trainings").path("succeeded").asLong());
        }

        System.out.printf(
                Locale.ROOT,
                "%nTry it: curl '%s/_recommend?model=shop&user_id=%s&size=5&pretty'%n",
                es.baseUrl(),
                SHOPPERS.get(1));
        if (args.length > 1) {
            // bin/demo passes the shop page's port (bin/demo --text does not)
            Storefront.serveForever(es, Integer.parseInt(args[1]));
        }
    }

    private static final List<String> SHOPPERS = List.of("17850", "15311");

    static List<String> search(EsClient es, String query, String shopper) {
        String rescore = shopper == null ? "" : String.format(Locale.ROOT, """
            , "rescore": {"window_size": 100, "personalize": {"model": "shop", "user_id": "%s"}}""", shopper);
        JsonNode hits = es.post("/" + Shop.PRODUCTS + "/_search", String.format(Locale.ROOT, """
            {"size": 6, "query": {"match": {"title": "%s"}}, "_source": ["title"]%s}""", query, rescore))
                .ok()
                .path("hits")
                .path("hits");
        List<String> rows = new ArrayList<>();
        for (JsonNode hit : hits) {
            String title = hit.path("_source").path("title").asText();
            rows.add(String.format(
                    Locale.ROOT,
                    "%.2f %s",
                    hit.path("_score").asDouble(),
                    title.length() > 31 ? title.substring(0, 31) : title));
        }
        while (rows.size() < 6) {
            rows.add("");
        }
        return rows;
    }

    static void showShelf(EsClient es, String body) {
        JsonNode response = es.post("/_recommend", body).ok();
        for (JsonNode r : response.path("recommendations")) {
            JsonNode reason = r.path("reasons").get(0);
            String why = reason.path("type").asText()
                    + (reason.has("item_id") ? " " + reason.path("item_id").asText() : "")
                    + (reason.has("attribute")
                            ? " " + reason.path("attribute").asText() + "="
                                    + reason.path("value").asText()
                            : "");
            String price = r.path("_source").has("price")
                    ? String.format(
                            Locale.ROOT,
                            " (%.2f)",
                            r.path("_source").path("price").asDouble())
                    : "";
            System.out.printf(
                    Locale.ROOT,
                    "   %.3f  %-8s %-36s%s  <- %s%n",
                    r.path("score").asDouble(),
                    r.path("item_id").asText(),
                    r.path("_source").path("title").asText(),
                    price,
                    why);
        }
        System.out.printf(
                Locale.ROOT,
                "   (model version %d, took %d ms)%n",
                response.path("model_version").asLong(),
                response.path("took").asLong());
    }

    static void showNeighbours(EsClient es, String sku) {
        JsonNode product = es.get("/" + Shop.PRODUCTS + "/_doc/" + sku + "?_source_exclude_vectors=false")
                .ok()
                .path("_source");
        float[] vector = Shop.toFloats(product.path("content_vector"));
        JsonNode hits = es.post(
                        "/" + Shop.PRODUCTS + "/_search",
                        Map.of(
                                "knn",
                                        Map.of(
                                                "field",
                                                "content_vector",
                                                "query_vector",
                                                vector,
                                                "k",
                                                6,
                                                "num_candidates",
                                                100),
                                "_source", List.of("title", "price")))
                .ok()
                .path("hits")
                .path("hits");
        System.out.printf(
                Locale.ROOT, "%n   %s  %s%n", sku, product.path("title").asText());
        for (JsonNode hit : hits) {
            if (hit.path("_id").asText().equals(sku) == false) {
                System.out.printf(
                        Locale.ROOT,
                        "      %.3f  %-8s %s%n",
                        hit.path("_score").asDouble(),
                        hit.path("_id").asText(),
                        hit.path("_source").path("title").asText());
            }
        }
    }
}
