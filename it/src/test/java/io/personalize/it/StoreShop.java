package io.personalize.it;

/**
 * The demo's shop on the shared single node, loaded once per JVM for the classes that show the plugin from the
 * outside (the storefront, retrievers, the official clients): the Online Retail catalogue through the item_vector
 * pipeline, every purchase as an event, and a model trained on them.
 */
public final class StoreShop {

    public static final String PRODUCTS = "st-products";
    public static final String EVENTS = "st-events";
    public static final String MODEL = "st-shop";
    /** Two shoppers with different histories (the demo's). */
    public static final String SHOPPER_A = "17850";

    public static final String SHOPPER_B = "15311";

    private static EsClient loaded;

    private StoreShop() {}

    /** The node with the shop loaded and its model trained (version 1 or later). */
    public static synchronized EsClient es() {
        if (loaded == null) {
            EsClient es = RealCluster.single().any();
            OnlineRetail data = OnlineRetail.load();
            Shop.putVectorPipeline(es);
            Shop.createProductsIndex(es, PRODUCTS, Shop.VECTOR_PIPELINE, 1, 0);
            Shop.loadProducts(es, PRODUCTS, data.products());
            Shop.createEventsIndex(es, EVENTS, 1, 0);
            Shop.loadEvents(es, EVENTS, data.purchases(), 2);
            es.delete("/_recommend/models/" + MODEL);
            es.put("/_recommend/models/" + MODEL, Shop.modelConfig(PRODUCTS, EVENTS))
                    .ok();
            es.post("/_recommend/models/" + MODEL + "/_train", null).ok();
            loaded = es;
        }
        return loaded;
    }
}
