package io.personalize.it.recommend;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import io.personalize.it.Shop;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A shop for the _recommend tests on real nodes: the real Online Retail catalogue through the item_vector pipeline, with
 * a {@code category} keyword (the last word of the title: holder, bag, mug...) for attribute affinity; the purchases
 * before 2011-11-01 of a sample of the customers as events; a model with the category attribute and the content
 * vectors, trained.
 */
public final class RecommendWorld {

    final EsClient es;
    public final String products;
    final String events;
    public final String model;
    final OnlineRetail data;
    /** The events indexed, oldest first. */
    final List<OnlineRetail.Purchase> purchases;

    final Map<String, OnlineRetail.Product> bySku = new HashMap<>();
    /** Each sampled customer's distinct items, newest first. */
    final Map<String, List<String>> history = new HashMap<>();

    private RecommendWorld(EsClient es, String prefix, OnlineRetail data, Predicate<String> users) {
        this.es = es;
        this.products = prefix + "-products";
        this.events = prefix + "-events";
        this.model = prefix;
        this.data = data;
        this.purchases = data.purchases().stream()
                .filter(p -> p.time() < OnlineRetail.SPLIT && users.test(p.user()))
                .toList();
        data.products().forEach(p -> bySku.put(p.sku(), p));
        Map<String, LinkedHashSet<String>> newestFirst = new HashMap<>();
        for (int i = purchases.size() - 1; i >= 0; i--) {
            newestFirst
                    .computeIfAbsent(purchases.get(i).user(), k -> new LinkedHashSet<>())
                    .add(purchases.get(i).sku());
        }
        newestFirst.forEach((u, items) -> history.put(u, List.copyOf(items)));
    }

    /** Loads the shop into indices named {@code prefix-products} and {@code prefix-events}, and trains model {@code prefix}. */
    public static RecommendWorld load(EsClient es, String prefix, Predicate<String> users, int shards, int replicas) {
        RecommendWorld world = new RecommendWorld(es, prefix, OnlineRetail.load(), users);
        Shop.putVectorPipeline(es);
        Shop.createProductsIndex(es, world.products, Shop.VECTOR_PIPELINE, shards, replicas);
        es.put("/" + world.products + "/_mapping", "{\"properties\": {\"category\": {\"type\": \"keyword\"}}}")
                .ok();
        Shop.bulk(
                es,
                world.products,
                world.data.products(),
                OnlineRetail.Product::sku,
                RecommendWorld::productDocument,
                1000);
        es.refresh(world.products);
        Shop.createEventsIndex(es, world.events, shards, replicas);
        Shop.loadEvents(es, world.events, world.purchases);
        es.delete("/_recommend/models/" + world.model);
        es.put("/_recommend/models/" + world.model, world.modelConfig()).ok();
        es.post("/_recommend/models/" + world.model + "/_train", null).ok();
        return world;
    }

    /** The configuration of a model over this shop's catalogue and events (the category attribute, the content vectors). */
    String modelConfig() {
        return String.format(Locale.ROOT, """
            {"catalog": {"index": "%s", "id_field": "sku", "attributes": ["category"], "vector_field": "content_vector"},
             "events": {"index": "%s", "user_field": "user_id", "item_field": "sku", "type_field": "type", "time_field": "@timestamp",
                        "weights": {"view": 1, "cart": 3, "purchase": 5}}}""", products, events);
    }

    static Map<String, Object> productDocument(OnlineRetail.Product p) {
        Map<String, Object> doc = new LinkedHashMap<>(Shop.productDocument(p));
        String category = category(p.title());
        if (category != null) {
            doc.put("category", category);
        }
        return doc;
    }

    static String category(String title) {
        if (title == null) {
            return null;
        }
        String[] words = title.trim().toLowerCase(Locale.ROOT).split("[^a-z]+");
        for (int i = words.length - 1; i >= 0; i--) {
            if (words[i].length() > 2) {
                return words[i];
            }
        }
        return null;
    }

    /** A _recommend with the given JSON fields besides the model; the answer must be a 200. */
    public JsonNode recommend(String fields) {
        return es.post("/_recommend", "{\"model\": \"" + model + "\", " + fields + "}")
                .ok();
    }

    public EsClient.Response recommendRaw(String fields) {
        return es.post("/_recommend", "{\"model\": \"" + model + "\", " + fields + "}");
    }

    /** The main reason type of each recommendation. */
    public static List<String> mainReasons(JsonNode response) {
        List<String> types = new ArrayList<>();
        for (JsonNode r : response.path("recommendations")) {
            types.add(r.path("reasons").get(0).path("type").asText());
        }
        return types;
    }

    /**
     * The model's neighbours of an item, read through the plugin's API: a large "similar items" shelf of it has every
     * neighbour the catalogue holds, each with a similar_to reason (the rest of the shelf is popular fill).
     */
    Set<String> neighbours(String item) {
        JsonNode shelf = recommend("\"item_ids\": [" + EsClient.toJson(item) + "], \"size\": 100, \"explain\": true");
        Set<String> neighbours = new LinkedHashSet<>();
        for (JsonNode r : shelf.path("recommendations")) {
            for (JsonNode reason : r.path("reasons")) {
                if (reason.path("type").asText().equals("similar_to")) {
                    assertTrue(reason.path("item_id").asText().equals(item), reason.toString());
                    neighbours.add(r.path("item_id").asText());
                }
            }
        }
        return neighbours;
    }

    /** A customer of the sample with at least {@code min} distinct items. */
    public String customerWithAtLeast(int min) {
        return history.entrySet().stream()
                .filter(e -> e.getValue().size() >= min)
                .map(Map.Entry::getKey)
                .sorted()
                .findFirst()
                .orElseThrow();
    }
}
