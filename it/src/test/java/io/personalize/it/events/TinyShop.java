package io.personalize.it.events;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import io.personalize.it.Shop;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A shop small enough to reason about by hand: six products (a to f), an events index with refresh disabled (nothing
 * written there is searchable until an explicit refresh), and a model whose versions are imported, so that each
 * version's neighbours are known exactly.
 */
final class TinyShop {

    static final List<String> SKUS = List.of("a", "b", "c", "d", "e", "f");

    final EsClient es;
    final String model;
    final String products;
    final String events;

    TinyShop(EsClient es, String model, int shards, int replicas) {
        this.es = es;
        this.model = model;
        this.products = model + "-products";
        this.events = model + "-events";
        es.delete("/_recommend/models/" + model);
        Shop.createProductsIndex(es, products, null, shards, replicas, 4);
        StringBuilder bulk = new StringBuilder();
        for (String sku : SKUS) {
            bulk.append("{\"index\": {\"_id\": \"").append(sku).append("\"}}\n");
            bulk.append(String.format(
                    Locale.ROOT, "{\"sku\": \"%s\", \"title\": \"product %s\", \"price\": 1}\n", sku, sku));
        }
        es.ndjson("/" + products + "/_bulk?refresh=true", bulk.toString()).ok();
        es.delete("/" + events);
        es.put("/" + events, String.format(Locale.ROOT, """
            {"settings": {"number_of_shards": %d, "number_of_replicas": %d, "refresh_interval": "-1"},
             "mappings": {"properties": {
               "user_id": {"type": "keyword"}, "sku": {"type": "keyword"}, "type": {"type": "keyword"},
               "@timestamp": {"type": "date"}, "quantity": {"type": "integer"}}}}""", shards, replicas)).ok();
        es.put("/_recommend/models/" + model, config("api")).ok();
    }

    /** The model's configuration, the newest events read from {@code recent_events} ("api" or "index"). */
    String config(String recentEvents) {
        return String.format(Locale.ROOT, """
            {"catalog": {"index": "%s", "id_field": "sku"},
             "events": {"index": "%s", "user_field": "user_id", "item_field": "sku", "type_field": "type",
                        "time_field": "@timestamp", "value_field": "quantity",
                        "weights": {"view": 1, "cart": 3, "purchase": 5}, "recent_events": "%s"}}""", products, events, recentEvents);
    }

    /** Imports a version whose item {@code item} has exactly {@code neighbors} (best first); answers its number. */
    long importVersion(String item, String... neighbors) {
        StringBuilder lines = new StringBuilder();
        for (String sku : SKUS) {
            List<String> list = new ArrayList<>();
            if (sku.equals(item)) {
                list.addAll(List.of(neighbors));
            }
            StringBuilder scores = new StringBuilder();
            for (int i = 0; i < list.size(); i++) {
                scores.append(i == 0 ? "" : ", ").append(0.9 - 0.1 * i);
            }
            lines.append(String.format(
                    Locale.ROOT,
                    "{\"item\": \"%s\", \"neighbors\": %s, \"scores\": [%s], \"popularity\": 1}\n",
                    sku,
                    EsClient.toJson(list),
                    scores));
        }
        lines.append("{\"popular\": [\"f\", \"e\", \"d\", \"c\", \"b\", \"a\"], \"scores\": [6, 5, 4, 3, 2, 1]}\n");
        return es.ndjson("/_recommend/models/" + model + "/_import", lines.toString())
                .ok()
                .path("version")
                .path("version")
                .asLong();
    }

    static List<String> items(JsonNode response) {
        List<String> items = new ArrayList<>();
        for (JsonNode r : response.path("recommendations")) {
            items.add(r.path("item_id").asText());
        }
        return items;
    }

    /** How many GETs the models index has served, summed over its copies. */
    long modelDocumentReads() {
        JsonNode stats =
                es.get("/.personalize-models/_stats/get?expand_wildcards=all").ok();
        return stats.path("_all").path("total").path("get").path("total").asLong();
    }

    void cleanUp() {
        es.delete("/_recommend/models/" + model);
        es.delete("/" + products);
        es.delete("/" + events);
    }
}
