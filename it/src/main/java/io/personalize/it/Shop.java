package io.personalize.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** The demo shop on a cluster: its products index with content vectors, its pipeline, bulk loading. */
public final class Shop {

    public static final String PRODUCTS = "products";
    public static final String EVENTS = "events";
    public static final String VECTOR_PIPELINE = "product-vectors";
    public static final int DIMS = 256;

    private Shop() {}

    /**
     * The item_vector pipeline the README documents. The data has only titles; the other fields show how a real shop's
     * catalogue weighs them. A few stock codes never had a description: ignore_missing indexes them without a vector.
     */
    public static void putVectorPipeline(EsClient es) {
        putVectorPipeline(es, VECTOR_PIPELINE, DIMS, "english");
    }

    /** The same pipeline under another name, with other dims and analyzer (benchmarks compare them). */
    public static void putVectorPipeline(EsClient es, String name, int dims, String analyzer) {
        es.put("/_ingest/pipeline/" + name, String.format(Locale.ROOT, """
            {"description": "content vectors for products",
             "processors": [{"item_vector": {"fields": {"title": 3.0, "description": 1.0, "category": 2.0, "brand": 2.0},
                                             "target_field": "content_vector", "dims": %d, "analyzer": "%s",
                                             "ignore_missing": true}}]}""", dims, analyzer))
                .ok();
    }

    public static void createProductsIndex(
            EsClient es, String index, String defaultPipeline, int shards, int replicas) {
        createProductsIndex(es, index, defaultPipeline, shards, replicas, DIMS);
    }

    public static void createProductsIndex(
            EsClient es, String index, String defaultPipeline, int shards, int replicas, int dims) {
        es.delete("/" + index);
        String pipeline = defaultPipeline == null ? "" : "\"default_pipeline\": \"" + defaultPipeline + "\",";
        es.put("/" + index, String.format(Locale.ROOT, """
            {"settings": {%s "number_of_shards": %d, "number_of_replicas": %d, "refresh_interval": "1s"},
             "mappings": {"properties": {
               "sku": {"type": "keyword"},
               "title": {"type": "text"},
               "price": {"type": "float"},
               "first_sold": {"type": "date"},
               "content_vector": {"type": "dense_vector", "dims": %d, "similarity": "cosine"}}}}""", pipeline, shards, replicas, dims))
                .ok();
    }

    public static Map<String, Object> productDocument(OnlineRetail.Product p) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("sku", p.sku());
        if (p.title() != null) {
            doc.put("title", p.title());
        }
        doc.put("price", p.price());
        if (p.firstSold() != Long.MAX_VALUE) {
            doc.put("first_sold", p.firstSold());
        }
        return doc;
    }

    /** Loads the products through the index's default pipeline, 1,000 per bulk request; fails on any rejected item. */
    public static void loadProducts(EsClient es, String index, List<OnlineRetail.Product> products) {
        bulk(es, index, products, OnlineRetail.Product::sku, Shop::productDocument, 1000);
        es.refresh(index);
    }

    /** Bulk-indexes documents with the given ids; throws with the first failure's reason. */
    public static <T> void bulk(
            EsClient es, String index, List<T> items, Function<T, String> id, Function<T, Object> source, int batch) {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < items.size(); i++) {
            T item = items.get(i);
            body.append("{\"index\":{\"_index\":\"").append(index).append('"');
            if (id != null) {
                body.append(",\"_id\":").append(EsClient.toJson(id.apply(item)));
            }
            body.append("}}\n").append(EsClient.toJson(source.apply(item))).append('\n');
            if ((i + 1) % batch == 0 || i == items.size() - 1) {
                JsonNode response = es.ndjson("/_bulk", body.toString()).ok();
                if (response.path("errors").asBoolean()) {
                    for (JsonNode entry : response.path("items")) {
                        JsonNode error = entry.path("index").path("error");
                        if (error.isMissingNode() == false) {
                            throw new IllegalStateException("bulk item rejected: " + error);
                        }
                    }
                }
                body.setLength(0);
            }
        }
    }

    /** An ordinary index of interaction events, as a shop's application writes them. */
    public static void createEventsIndex(EsClient es, String index, int shards, int replicas) {
        es.delete("/" + index);
        es.put("/" + index, String.format(Locale.ROOT, """
            {"settings": {"number_of_shards": %d, "number_of_replicas": %d},
             "mappings": {"properties": {
               "user_id": {"type": "keyword"}, "sku": {"type": "keyword"}, "type": {"type": "keyword"},
               "@timestamp": {"type": "date"}, "quantity": {"type": "integer"}}}}""", shards, replicas)).ok();
    }

    /**
     * Sends each shopper's {@code perShopper} newest distinct items through the model's events API, one request per
     * shopper (newest first, as the API keeps them); fails on a refused event. Returns how many events were sent.
     */
    public static long sendNewestEvents(
            EsClient es, String model, Collection<List<OnlineRetail.Purchase>> byShopper, int perShopper) {
        long sent = 0;
        for (List<OnlineRetail.Purchase> purchases : byShopper) {
            List<OnlineRetail.Purchase> newestFirst = new ArrayList<>(purchases);
            newestFirst.sort(
                    Comparator.comparingLong(OnlineRetail.Purchase::time).reversed());
            Set<String> distinct = new HashSet<>();
            ArrayNode events = EsClient.JSON.createArrayNode();
            for (OnlineRetail.Purchase p : newestFirst) {
                if (distinct.add(p.sku()) && distinct.size() <= perShopper) {
                    ObjectNode event = EsClient.object();
                    eventDocument(p).forEach(event::putPOJO);
                    events.add(event);
                }
            }
            ObjectNode body = EsClient.object();
            body.set("events", events);
            JsonNode answer =
                    es.post("/_recommend/models/" + model + "/_events", body).ok();
            if (answer.path("errors").asBoolean()) {
                throw new IllegalStateException("events refused: " + answer);
            }
            sent += events.size();
        }
        return sent;
    }

    public static Map<String, Object> eventDocument(OnlineRetail.Purchase p) {
        return Map.of(
                "user_id",
                p.user(),
                "sku",
                p.sku(),
                "type",
                "purchase",
                "@timestamp",
                p.time(),
                "quantity",
                p.quantity());
    }

    /** Loads purchase events, 5,000 per bulk request, with generated ids. */
    public static void loadEvents(EsClient es, String index, List<OnlineRetail.Purchase> purchases) {
        bulk(es, index, purchases, null, Shop::eventDocument, 5000);
        es.refresh(index);
    }

    /**
     * Loads purchase events faster, for tests and benchmarks that load the whole log: {@code threads} client threads,
     * 10,000 events per bulk, refresh off while loading, then one refresh (the index keeps a 1 s refresh afterwards).
     */
    public static void loadEvents(EsClient es, String index, List<OnlineRetail.Purchase> purchases, int threads) {
        es.put("/" + index + "/_settings", "{\"index\": {\"refresh_interval\": \"-1\"}}")
                .ok();
        int batch = 10_000;
        List<List<OnlineRetail.Purchase>> batches = new java.util.ArrayList<>();
        for (int i = 0; i < purchases.size(); i += batch) {
            batches.add(purchases.subList(i, Math.min(purchases.size(), i + batch)));
        }
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    for (int b; (b = next.getAndIncrement()) < batches.size(); ) {
                        bulk(es, index, batches.get(b), null, Shop::eventDocument, batch);
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : done) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("loading events into [" + index + "] failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
        es.put("/" + index + "/_settings", "{\"index\": {\"refresh_interval\": \"1s\"}}")
                .ok();
        es.refresh(index);
    }

    /** The model configuration of the demo shop (the README's example, on the Online Retail data). */
    public static String modelConfig(String products, String events) {
        return String.format(Locale.ROOT, """
            {"catalog": {"index": "%s", "id_field": "sku", "vector_field": "content_vector"},
             "events": {"index": "%s", "user_field": "user_id", "item_field": "sku", "type_field": "type",
                        "time_field": "@timestamp", "weights": {"view": 1, "cart": 3, "purchase": 5}}}""", products, events);
    }

    /** The stored content vector of a product (vectors are left out of _source by default: ask for them). */
    public static float[] contentVector(EsClient es, String index, String sku) {
        JsonNode source = es.get("/" + index + "/_doc/" + sku + "?_source_exclude_vectors=false")
                .ok()
                .path("_source");
        return toFloats(source.path("content_vector"));
    }

    public static float[] toFloats(JsonNode array) {
        float[] v = new float[array.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = array.get(i).floatValue();
        }
        return v;
    }

    /** Every product's stored {@code content_vector} in {@code index}, by sku (pages of 1,000 sorted by sku). */
    public static Map<String, float[]> contentVectors(EsClient es, String index) {
        Map<String, float[]> out = new HashMap<>();
        Object after = null;
        while (true) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("size", 1000);
            body.put("sort", List.of(Map.of("sku", "asc")));
            body.put("_source", List.of("sku", "content_vector"));
            if (after != null) {
                body.put("search_after", List.of(after));
            }
            JsonNode hits = es.post("/" + index + "/_search?_source_exclude_vectors=false", body)
                    .ok()
                    .path("hits")
                    .path("hits");
            if (hits.isEmpty()) {
                return out;
            }
            for (JsonNode hit : hits) {
                JsonNode vector = hit.path("_source").path("content_vector");
                if (vector.isArray()) {
                    out.put(hit.path("_source").path("sku").asText(), toFloats(vector));
                }
                after = hit.path("sort").get(0).asText();
            }
        }
    }
}
