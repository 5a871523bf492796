package io.personalize.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import io.personalize.it.Shop;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The world of the _recommend benchmarks, protocol OR-time on the real Online Retail data:
 * <ul>
 *   <li>{@code rb-products}: every product (also those first sold after the split), through the item_vector pipeline;</li>
 *   <li>{@code rb-events-train}: the purchases before 2011-11-01, {@code rb-events-test}: those from then on;</li>
 *   <li>model {@code rb} on the train events only (what the endpoint serves), trained here;</li>
 *   <li>model {@code rb-eval} on {@code rb-events-*} (all events), for {@code _evaluate} on the same split.</li>
 * </ul>
 * Loading is skipped when a previous run left the same indices and a trained model on the cluster.
 */
final class RecommendBenchData {

    static final String PRODUCTS = "rb-products";
    static final String TRAIN_EVENTS = "rb-events-train";
    static final String TEST_EVENTS = "rb-events-test";
    static final String MODEL = "rb";
    static final String EVAL_MODEL = "rb-eval";

    final OnlineRetail data;
    final OnlineRetail.Protocol protocol;
    /** Test users: at least one train event and at least one item bought on/after the split that they never had before. */
    final List<String> testUsers;
    /** Products first sold on/after the split that have text (so a content vector): unknown to the model. */
    final Set<String> newItems;

    final long trainSeconds;

    private RecommendBenchData(OnlineRetail data, long trainSeconds) {
        this.data = data;
        this.protocol = data.protocol();
        this.testUsers = new ArrayList<>(protocol.truthByUser().keySet());
        this.newItems = data.products().stream()
                .filter(p ->
                        p.title() != null && p.firstSold() >= OnlineRetail.SPLIT && p.firstSold() != Long.MAX_VALUE)
                .map(OnlineRetail.Product::sku)
                .collect(Collectors.toUnmodifiableSet());
        this.trainSeconds = trainSeconds;
    }

    static RecommendBenchData load(EsClient es) {
        OnlineRetail data = OnlineRetail.load();
        OnlineRetail.Protocol protocol = data.protocol();
        List<OnlineRetail.Purchase> test = data.purchases().stream()
                .filter(p -> p.time() >= OnlineRetail.SPLIT)
                .toList();
        if (alreadyLoaded(es, data, protocol.train().size(), test.size())) {
            System.out.println("(reusing the indices and the trained model [" + MODEL + "] left by a previous run)");
            return new RecommendBenchData(data, -1);
        }
        long start = System.nanoTime();
        Shop.putVectorPipeline(es);
        Shop.createProductsIndex(es, PRODUCTS, Shop.VECTOR_PIPELINE, 1, 0);
        Shop.loadProducts(es, PRODUCTS, data.products());
        Shop.createEventsIndex(es, TRAIN_EVENTS, 1, 0);
        Shop.loadEvents(es, TRAIN_EVENTS, protocol.train());
        Shop.createEventsIndex(es, TEST_EVENTS, 1, 0);
        Shop.loadEvents(es, TEST_EVENTS, test);
        System.out.printf(
                Locale.ROOT,
                "loaded %,d products, %,d train and %,d test events in %.0f s%n",
                data.products().size(),
                protocol.train().size(),
                test.size(),
                (System.nanoTime() - start) / 1e9);
        es.delete("/_recommend/models/" + MODEL);
        es.delete("/_recommend/models/" + EVAL_MODEL);
        es.put("/_recommend/models/" + MODEL, modelConfig(PRODUCTS, TRAIN_EVENTS))
                .ok();
        es.put("/_recommend/models/" + EVAL_MODEL, Shop.modelConfig(PRODUCTS, "rb-events-*"))
                .ok();
        start = System.nanoTime();
        JsonNode version =
                es.post("/_recommend/models/" + MODEL + "/_train", null).ok().path("version");
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        System.out.printf(
                Locale.ROOT,
                "trained [%s] v%d on the train events: %,d events, %,d users, %,d items in %d s%n",
                MODEL,
                version.path("version").asLong(),
                version.path("events").asLong(),
                version.path("users").asLong(),
                version.path("items").asLong(),
                seconds);
        return new RecommendBenchData(data, seconds);
    }

    /**
     * The served models' configuration: the products' first sale ({@code first_sold}, any customer's, anonymous ones
     * included) as {@code catalog.created_field}, so that a "for you" shelf's content term goes to products first sold
     * after the version's events, as a shop that dates its products would have it.
     */
    static String modelConfig(String products, String events) {
        String config = Shop.modelConfig(products, events);
        String vectorField = "\"vector_field\": \"content_vector\"";
        if (config.contains(vectorField) == false) {
            throw new IllegalStateException("Shop.modelConfig changed: " + config);
        }
        return config.replace(vectorField, vectorField + ", \"created_field\": \"" + CREATED_FIELD + "\"");
    }

    static final String CREATED_FIELD = "first_sold";

    private static boolean alreadyLoaded(EsClient es, OnlineRetail data, long trainEvents, long testEvents) {
        EsClient.Response model = es.get("/_recommend/models/" + MODEL);
        if (model.status() != 200 || es.get("/_recommend/models/" + EVAL_MODEL).status() != 200) {
            return false;
        }
        if (model.json()
                        .path("config")
                        .path("catalog")
                        .path("created_field")
                        .asText()
                        .equals(CREATED_FIELD)
                == false) {
            return false;
        }
        if (model.json().path("status").path("active_version").isMissingNode()) {
            return false;
        }
        return count(es, PRODUCTS) == data.products().size()
                && count(es, TRAIN_EVENTS) == trainEvents
                && count(es, TEST_EVENTS) == testEvents;
    }

    private static long count(EsClient es, String index) {
        EsClient.Response response = es.get("/" + index + "/_count");
        return response.status() == 200 ? response.json().path("count").asLong() : -1;
    }

    /** The recommended item ids of a _recommend answer, in order. */
    static List<String> items(JsonNode response) {
        List<String> items = new ArrayList<>();
        for (JsonNode r : response.path("recommendations")) {
            items.add(r.path("item_id").asText());
        }
        return items;
    }

    static String userShelf(String user, int size) {
        return "{\"model\": \"" + MODEL + "\", \"user_id\": " + EsClient.toJson(user) + ", \"size\": " + size
                + ", \"exclude_seen\": true}";
    }

    static String load() {
        return String.format(Locale.ROOT, "%.2f", loadAverage());
    }

    static double loadAverage() {
        try {
            String line = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg"));
            return Double.parseDouble(line.split(" ")[0]);
        } catch (Exception e) {
            return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                    .getSystemLoadAverage();
        }
    }
}
