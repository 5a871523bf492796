package io.personalize.it.spark;

import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import io.personalize.it.Shop;
import java.util.Locale;

/**
 * The small shop the Spark job's fault tests train on: the online-retail products, its first 5,000 purchases as
 * events, and a model over them (item-based, 20 neighbours and 20 items per user, purchases only).
 */
record SparkShop(String model, String products, String events) {

    /**
     * Creates the indices, each with {@code replicas} replicas (the events in {@code eventShards} shards), loads them and
     * creates the model (deleted first, with what an earlier run left).
     */
    void create(EsClient es, int eventShards, int replicas) {
        OnlineRetail data = OnlineRetail.load();
        es.delete("/_recommend/models/" + model);
        Shop.createProductsIndex(es, products, null, 1, replicas);
        Shop.bulk(es, products, data.products(), OnlineRetail.Product::sku, Shop::productDocument, 1000);
        es.refresh(products);
        Shop.createEventsIndex(es, events, eventShards, replicas);
        Shop.loadEvents(es, events, data.purchases().subList(0, 5_000));
        es.put("/_recommend/models/" + model, String.format(Locale.ROOT, """
                {"catalog": {"index": "%s", "id_field": "sku"},
                 "events": {"index": "%s", "user_field": "user_id", "item_field": "sku", "type_field": "type",
                            "time_field": "@timestamp", "weights": {"purchase": 5}},
                 "similarity": {"neighbors": 20}, "training": {"user_items": 20}}""", products, events))
                .ok();
    }

    /** Deletes the model and its indices. */
    void delete(EsClient es) {
        es.delete("/_recommend/models/" + model);
        es.delete("/" + products);
        es.delete("/" + events);
    }
}
