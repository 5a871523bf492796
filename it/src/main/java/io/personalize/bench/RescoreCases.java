package io.personalize.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import io.personalize.it.Shop;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What the rescorer benchmarks share: the test searches of protocol OR-time and the shop they run in.
 * <p>
 * <b>Test searches.</b> Train events are the purchases before the split. Test users are the customers with at least
 * one train event; each of their new items (bought from the split on, up to {@code end}, and never bought by them
 * before the split) makes one test search: that user types a query made from the item's title by a fixed rule
 * ({@link #queryFor}), and the bought item is the one relevant result.
 * <p>
 * <b>The query rule</b>: the last word of the item's title that is made of letters only (A-Z, with ' or - inside, at
 * least three characters, not an English stop word), lower case; no query (the item is skipped) when the title has
 * none. "WHITE HANGING HEART T-LIGHT HOLDER" gives "holder", "LUNCH BAG RED RETROSPOT" gives "retrospot", "SET OF 3
 * CAKE TINS PANTRY DESIGN" gives "design", "JUMBO BAG 50'S CHRISTMAS" gives "christmas". A shopper types what kind of
 * thing they want, not the exact product: one word of its title (the last two words find the item at once, NDCG@10
 * 0.70 for BM25 alone on the validation split, which leaves nothing to personalize).
 */
public final class RescoreCases {

    /** One test search: a user, the query they type, and the new item they bought. */
    public record Case(String user, String query, String item) {}

    private static final Pattern WORD = Pattern.compile("[A-Z][A-Z'-]*[A-Z]");
    private static final Set<String> STOP_WORDS =
            Set.of("AND", "THE", "WITH", "FOR", "OF", "IN", "ON", "TO", "AN", "OR", "BY", "FROM", "NOT");

    private RescoreCases() {}

    /** The query of an item's title by the rule above, or null when the rule gives none. */
    public static String queryFor(String title) {
        if (title == null) {
            return null;
        }
        List<String> words = new ArrayList<>();
        for (String token : title.toUpperCase(Locale.ROOT).trim().split("\\s+")) {
            if (token.length() >= 3 && WORD.matcher(token).matches() && STOP_WORDS.contains(token) == false) {
                words.add(token);
            }
        }
        if (words.isEmpty()) {
            return null;
        }
        return words.get(words.size() - 1).toLowerCase(Locale.ROOT);
    }

    public static long epochMillis(String day) {
        return LocalDate.parse(day).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }

    /** The purchases before {@code split}: what the model is trained on, all that the events index holds. */
    public static List<OnlineRetail.Purchase> trainEvents(OnlineRetail data, long split) {
        return data.purchases().stream().filter(p -> p.time() < split).toList();
    }

    /**
     * Every test search of the split, in a fixed pseudo-random order (seed 42), at most {@code max} of them (0 for
     * all): test purchases in [split, end) of users with train events, of items they had not bought before the split.
     */
    public static List<Case> cases(OnlineRetail data, long split, long end, int max) {
        Map<String, String> titles = new HashMap<>();
        for (OnlineRetail.Product p : data.products()) {
            titles.put(p.sku(), p.title());
        }
        Map<String, Set<String>> bought = new HashMap<>();
        for (OnlineRetail.Purchase p : data.purchases()) {
            if (p.time() < split) {
                bought.computeIfAbsent(p.user(), k -> new HashSet<>()).add(p.sku());
            }
        }
        Map<String, Case> cases = new LinkedHashMap<>();
        for (OnlineRetail.Purchase p : data.purchases()) {
            Set<String> known = bought.get(p.user());
            if (p.time() >= split && p.time() < end && known != null && known.contains(p.sku()) == false) {
                String query = queryFor(titles.get(p.sku()));
                if (query != null) {
                    cases.putIfAbsent(p.user() + '\u0000' + p.sku(), new Case(p.user(), query, p.sku()));
                }
            }
        }
        List<Case> list = new ArrayList<>(cases.values());
        list.sort(Comparator.comparing(Case::user).thenComparing(Case::item));
        Collections.shuffle(list, new Random(42));
        return max > 0 && list.size() > max ? List.copyOf(list.subList(0, max)) : List.copyOf(list);
    }

    /**
     * The shop of a split: the catalogue with content vectors (through the item_vector pipeline), an events index
     * holding only the train events, and a model trained on them through the node. Kept when it is already there with
     * the same events and a trained version (so that tuning runs do not reload), unless {@code fresh}.
     */
    public static void prepare(
            EsClient es,
            OnlineRetail data,
            String products,
            String events,
            String model,
            long split,
            Integer userItems,
            boolean fresh) {
        prepare(
                es,
                data,
                products,
                data.products().size(),
                () -> {
                    Shop.putVectorPipeline(es);
                    Shop.createProductsIndex(es, products, Shop.VECTOR_PIPELINE, 1, 0);
                    Shop.loadProducts(es, products, data.products());
                },
                events,
                model,
                split,
                userItems,
                fresh);
    }

    /** The same with a catalogue of {@code productCount} documents that {@code loadProducts} loads when missing. */
    public static void prepare(
            EsClient es,
            OnlineRetail data,
            String products,
            long productCount,
            Runnable loadProducts,
            String events,
            String model,
            long split,
            Integer userItems,
            boolean fresh) {
        List<OnlineRetail.Purchase> train = trainEvents(data, split);
        if (fresh == false && ready(es, products, events, model, productCount, train.size(), userItems)) {
            System.out.printf(
                    Locale.ROOT,
                    "reusing index [%s], events [%s] (%,d train events) and model [%s]%n",
                    products,
                    events,
                    train.size(),
                    model);
            return;
        }
        long start = System.nanoTime();
        EsClient.Response count = es.get("/" + products + "/_count");
        if (fresh || count.status() != 200 || count.json().path("count").asLong() != productCount) {
            loadProducts.run();
        }
        Shop.createEventsIndex(es, events, 1, 0);
        Shop.loadEvents(es, events, train);
        es.delete("/_recommend/models/" + model);
        es.put("/_recommend/models/" + model, modelConfig(products, events, userItems))
                .ok();
        JsonNode version =
                es.post("/_recommend/models/" + model + "/_train", null).ok().path("version");
        System.out.printf(
                Locale.ROOT,
                "%,d products in [%s], loaded %,d train events (before %s) into [%s], trained [%s] v%d "
                        + "(%,d users, %,d items) in %.0f s%n",
                productCount,
                products,
                train.size(),
                java.time.Instant.ofEpochMilli(split).toString().substring(0, 10),
                events,
                model,
                version.path("version").asLong(),
                version.path("users").asLong(),
                version.path("items").asLong(),
                (System.nanoTime() - start) / 1e9);
    }

    /** The demo shop's model configuration, with {@code training.user_items} when given. */
    public static String modelConfig(String products, String events, Integer userItems) {
        ObjectNode config = (ObjectNode) new EsClient.Response(200, Shop.modelConfig(products, events)).json();
        if (userItems != null) {
            config.putObject("training").put("user_items", userItems);
        }
        return EsClient.toJson(config);
    }

    private static boolean ready(
            EsClient es,
            String products,
            String events,
            String model,
            long productCount,
            int eventCount,
            Integer userItems) {
        EsClient.Response p = es.get("/" + products + "/_count");
        EsClient.Response e = es.get("/" + events + "/_count");
        EsClient.Response m = es.get("/_recommend/models/" + model);
        if (p.status() != 200 || e.status() != 200 || m.status() != 200) {
            return false;
        }
        JsonNode stored = m.json().path("models").path(0);
        if (stored.isMissingNode()) {
            stored = m.json();
        }
        boolean trained = stored.path("status").path("active_version").asLong(0) > 0;
        int storedUserItems =
                stored.path("config").path("training").path("user_items").asInt(100);
        return p.json().path("count").asLong() == productCount
                && e.json().path("count").asLong() == eventCount
                && trained
                && (userItems == null || storedUserItems == userItems);
    }
}
