package io.personalize.bench;

import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import io.personalize.it.Shop;
import io.personalize.training.RankingMetrics;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The content term of {@code _recommend} ({@code content_weight}) on new products, part of {@code bin/bench
 * recommend-quality}. The weight's default is chosen on a validation split that never sees the test period: a model
 * trained on the purchases before 2011-10-01, judged on what its shoppers bought new in October (products first sold
 * in October are its new products). The test split (the OR-time protocol: train before 2011-11-01, judged on November
 * and December) is then measured at weight 0 (collaborative and popular only), the chosen weight and the default, with
 * the hashing vectors of {@code rb-products} and with all-MiniLM-L6-v2 vectors of the same products.
 * <p>
 * Two shelves: "for you" (user_id; the new products' share of the slots and their hits, and NDCG@10 against weight
 * 0), and "similar items" of a new product (item_ids = [it], no user; judged on the buyer's other new items, beside the
 * popular shelf).
 */
final class ContentColdStart {

    static final long VALIDATION_SPLIT =
            LocalDateTime.parse("2011-10-01T00:00:00").toInstant(ZoneOffset.UTC).toEpochMilli();
    static final float[] WEIGHTS = {0f, 0.05f, 0.1f, 0.2f, 0.3f, 0.5f, 0.7f, 1f};
    /** content_slots swept on "for you" (K: no cap, the term as it was before the option). */
    static final int[] SLOTS = {1, 2, 3};

    static final float[] SLOT_WEIGHTS = {0.3f, 0.5f, 0.7f, 1f};
    static final int K = RecommendQualityBench.K;

    static final String VALIDATION_EVENTS = "rb-events-val";
    static final String VALIDATION_MODEL = "rb-val";
    /** MiniLM vectors of the cleaned titles ({@link ContentPreparation#clean}): the text the content bench chose. */
    static final String MINILM_PRODUCTS = "rb-products-minilm-cleaned";

    static final String MINILM_MODEL = "rb-minilm";
    /** The validation models' catalogues: the products that existed in October ({@link #existed}). */
    static final String VALIDATION_PRODUCTS = "rb-products-val";

    static final String MINILM_VALIDATION_PRODUCTS = "rb-products-minilm-cleaned-val";
    static final String MINILM_VALIDATION_MODEL = "rb-val-minilm";

    /** One split's shoppers, their truth (new items bought in the judged period), its new products. */
    record Split(
            String name,
            List<String> users,
            Map<String, Set<String>> truth,
            Set<String> newItems,
            RecommendQualityBench.Ids ids,
            long catalogueUntil) {}

    /**
     * Whether a product was in the catalogue in the split's judged period: first sold before its end, or never sold (no
     * date). The validation split judges October: products first sold in November did not exist yet, and its models'
     * catalogues ({@link #VALIDATION_PRODUCTS}) leave them out.
     */
    static boolean existed(OnlineRetail.Product p, Split split) {
        return p.firstSold() == Long.MAX_VALUE || p.firstSold() < split.catalogueUntil();
    }

    record Result(
            float weight,
            int slots,
            RankingMetrics forYou,
            int newSlots,
            int shelvesWithNew,
            int newHits,
            RankingMetrics similar,
            RankingMetrics popular,
            int similarNewSlots,
            int similarNewHits,
            int pairs,
            double forYouMillis) {}

    static void run(EsClient es, RecommendBenchData world) {
        OnlineRetail data = world.data;
        List<OnlineRetail.Purchase> validationTrain = validationTrain(data);
        Split validation = validationSplit(data, validationTrain);
        Split test = testSplit(world);

        long start = System.nanoTime();
        if (count(es, VALIDATION_EVENTS) != validationTrain.size()) {
            Shop.createEventsIndex(es, VALIDATION_EVENTS, 1, 0);
            Shop.loadEvents(es, VALIDATION_EVENTS, validationTrain);
        }
        if (count(es, MINILM_PRODUCTS) != data.products().size()) {
            es.put("/_ingest/pipeline/" + MINILM_PRODUCTS, """
                {"processors": [{"item_vector": {"fields": {"title": 3.0, "description": 1.0, "category": 2.0, "brand": 2.0},
                                                 "target_field": "content_vector", "model": "minilm", "ignore_missing": true}}]}""").ok();
            Shop.createProductsIndex(es, MINILM_PRODUCTS, MINILM_PRODUCTS, 1, 0, 384);
            Shop.loadProducts(
                    es,
                    MINILM_PRODUCTS,
                    data.products().stream()
                            .map(p -> new OnlineRetail.Product(
                                    p.sku(), ContentPreparation.clean(p.title()), p.price(), p.firstSold()))
                            .toList());
        }
        // the validation models' catalogue as it stood in October: products first sold in November did not exist yet
        // (in the whole catalogue, the content term brought them to October's shelves, where they could not be hits)
        List<OnlineRetail.Product> october =
                data.products().stream().filter(p -> existed(p, validation)).toList();
        if (count(es, VALIDATION_PRODUCTS) != october.size()) {
            Shop.createProductsIndex(es, VALIDATION_PRODUCTS, Shop.VECTOR_PIPELINE, 1, 0);
            Shop.loadProducts(es, VALIDATION_PRODUCTS, october);
        }
        if (count(es, MINILM_VALIDATION_PRODUCTS) != october.size()) {
            Shop.createProductsIndex(es, MINILM_VALIDATION_PRODUCTS, MINILM_PRODUCTS, 1, 0, 384);
            Shop.loadProducts(
                    es,
                    MINILM_VALIDATION_PRODUCTS,
                    october.stream()
                            .map(p -> new OnlineRetail.Product(
                                    p.sku(), ContentPreparation.clean(p.title()), p.price(), p.firstSold()))
                            .toList());
        }
        train(es, VALIDATION_MODEL, VALIDATION_PRODUCTS, VALIDATION_EVENTS);
        train(es, MINILM_VALIDATION_MODEL, MINILM_VALIDATION_PRODUCTS, VALIDATION_EVENTS);
        train(es, MINILM_MODEL, MINILM_PRODUCTS, RecommendBenchData.TRAIN_EVENTS);
        System.out.printf(
                Locale.ROOT,
                "%n== Content for cold start: content_weight (validation split: train before 2011-10-01, judged on"
                        + " October; prepared in %.0f s)%n",
                (System.nanoTime() - start) / 1e9);
        System.out.printf(
                Locale.ROOT,
                "validation: %,d shoppers, %,d new products (first sold in October); test: %,d shoppers, %,d new products%n",
                validation.users().size(),
                validation.newItems().size(),
                test.users().size(),
                test.newItems().size());

        // why new products seldom came, and the rules that give them a place, judged on validation (replayed here)
        NewProductReach.run(
                es,
                data,
                validation,
                validationTrain,
                VALIDATION_MODEL,
                test,
                world.protocol.train(),
                RecommendBenchData.MODEL,
                NewProductReach.vectorIndices());

        Map<String, float[]> chosen = new TreeMap<>();
        Map<String, Float> chosenSimilar = new TreeMap<>();
        for (String[] models : List.of(
                new String[] {"hashing", VALIDATION_MODEL, RecommendBenchData.MODEL},
                new String[] {"minilm", MINILM_VALIDATION_MODEL, MINILM_MODEL})) {
            System.out.printf(Locale.ROOT, "%n-- %s vectors, validation split (model [%s])%n", models[0], models[1]);
            header();
            List<Result> results = new ArrayList<>();
            for (float w : WEIGHTS) {
                Result r = measure(es, models[1], validation, w, K, true);
                results.add(r);
                print(r);
            }
            float similar = chooseSimilar(results);
            chosenSimilar.put(models[0], similar);
            System.out.printf(
                    Locale.ROOT,
                    "   (content_slots %d: no cap, new products may take any slot) similar_content_weight = the one with"
                            + " the best \"similar items\" HR@10 (ties: the smaller): %.2f%n",
                    K,
                    similar);
            System.out.printf(
                    Locale.ROOT,
                    "   \"for you\" with content_slots (new products only in the shelf's last slots), same split:%n");
            header();
            List<Result> forYouResults = new ArrayList<>();
            forYouResults.add(results.get(0));
            for (Result r : results) {
                if (r.weight() > 0) {
                    forYouResults.add(r);
                }
            }
            for (int slots : SLOTS) {
                for (float w : SLOT_WEIGHTS) {
                    Result r = measure(es, models[1], validation, w, slots, false);
                    forYouResults.add(r);
                    print(r);
                }
            }
            Result forYou = chooseForYou(forYouResults);
            chosen.put(models[0], forYou == null ? new float[] {-1, 0} : new float[] {forYou.weight(), forYou.slots()});
            System.out.printf(
                    Locale.ROOT,
                    "rules: content_weight and content_slots = of the capped rows (content_slots below the shelf's size) with a weight > 0 whose \"for you\" NDCG@10 is"
                            + " at least weight 0's, the one with the most new-product hits (ties: fewer slots, then the"
                            + " smaller weight): %s%n",
                    forYou == null
                            ? "none qualifies"
                            : String.format(Locale.ROOT, "weight %.2f, slots %d", forYou.weight(), forYou.slots()));
        }
        // the served models date their products (created_field), so the default is the dated one
        float defaultWeight = io.personalize.recommend.ShelfQuery.DEFAULT_DATED_CONTENT_WEIGHT;
        float defaultSimilar = io.personalize.recommend.ShelfQuery.DEFAULT_SIMILAR_CONTENT_WEIGHT;
        int defaultSlots = io.personalize.recommend.ShelfQuery.DEFAULT_CONTENT_SLOTS;
        for (String[] models :
                List.of(new String[] {"hashing", RecommendBenchData.MODEL}, new String[] {"minilm", MINILM_MODEL})) {
            System.out.printf(
                    Locale.ROOT,
                    "%n-- %s vectors, test split (OR-time, model [%s]): weight 0, the validation's choices, the defaults"
                            + " (each row sets both weights to its weight, and content_slots to its slots; %d: no cap, the"
                            + " term before content_slots)%n",
                    models[0],
                    models[1],
                    K);
            header();
            Result without = measure(es, models[1], test, 0f, defaultSlots, true);
            print(without);
            Result similar = measure(es, models[1], test, defaultSimilar, defaultSlots, true);
            print(similar);
            if (chosenSimilar.get(models[0]) != defaultSimilar) {
                print(measure(es, models[1], test, chosenSimilar.get(models[0]), defaultSlots, true));
            }
            Result forYou = measure(es, models[1], test, defaultWeight, defaultSlots, true);
            print(forYou);
            float[] choice = chosen.get(models[0]);
            if (choice[0] >= 0 && (choice[0] != defaultWeight || (int) choice[1] != defaultSlots)) {
                print(measure(es, models[1], test, choice[0], (int) choice[1], false));
            }
            print(measure(es, models[1], test, defaultWeight, K, false)); // the term before content_slots
            System.out.printf(
                    Locale.ROOT,
                    "   defaults: content_weight %.2f, content_slots %d, content_support %d: new products on \"for you\" %,d slots, %,d hits"
                            + " (target > 0: %s), NDCG@10"
                            + " %.5f, x%.4f of weight 0's (target >= 1: %s); similar_content_weight %.2f: \"similar"
                            + " items\" HR@10 %.5f vs popular %.5f (target above: %s)%n",
                    defaultWeight,
                    defaultSlots,
                    io.personalize.recommend.ShelfQuery.DEFAULT_CONTENT_SUPPORT,
                    forYou.newSlots(),
                    forYou.newHits(),
                    forYou.newSlots() > 0 && forYou.newHits() > 0 ? "met" : "MISSED",
                    forYou.forYou().ndcg(),
                    forYou.forYou().ndcg() / without.forYou().ndcg(),
                    forYou.forYou().ndcg() >= without.forYou().ndcg() ? "met" : "MISSED",
                    defaultSimilar,
                    similar.similar().hitRate(),
                    similar.popular().hitRate(),
                    similar.similar().hitRate() > similar.popular().hitRate() ? "met" : "MISSED");
        }
    }

    static List<OnlineRetail.Purchase> validationTrain(OnlineRetail data) {
        return data.purchases().stream()
                .filter(p -> p.time() < VALIDATION_SPLIT)
                .toList();
    }

    static Split validationSplit(OnlineRetail data, List<OnlineRetail.Purchase> validationTrain) {
        return split(
                "validation",
                data,
                validationTrain,
                data.purchases().stream()
                        .filter(p -> p.time() >= VALIDATION_SPLIT && p.time() < OnlineRetail.SPLIT)
                        .toList(),
                VALIDATION_SPLIT,
                OnlineRetail.SPLIT);
    }

    static Split testSplit(RecommendBenchData world) {
        return new Split(
                "test",
                world.testUsers,
                world.protocol.truthByUser(),
                world.newItems,
                new RecommendQualityBench.Ids(world.protocol.trainCatalog()),
                Long.MAX_VALUE);
    }

    /**
     * content_weight and content_slots: of the capped rows (content_slots below the shelf's size: the term stays below the
     * collaborative signals) with a weight > 0 whose "for you" NDCG@10 is at least weight 0's
     * (the first row), the one with the most new-product hits on "for you" (ties: fewer slots, then the smaller
     * weight); null when none.
     */
    static Result chooseForYou(List<Result> results) {
        double base = results.get(0).forYou().ndcg();
        Result best = null;
        for (Result r : results) {
            if (r.weight() > 0
                    && r.slots() < K // capped: the term stays below the collaborative signals (issue 14)
                    && r.forYou().ndcg() >= base - 1e-12
                    && (best == null
                            || r.newHits() > best.newHits()
                            || (r.newHits() == best.newHits()
                                    && (r.slots() < best.slots()
                                            || (r.slots() == best.slots() && r.weight() < best.weight()))))) {
                best = r;
            }
        }
        return best;
    }

    /** similar_content_weight: the weight with the best "similar items" HR@10 (ties: the smaller). */
    static float chooseSimilar(List<Result> results) {
        float best = 0;
        double bestHr = -1;
        for (Result r : results) {
            if (r.similar().hitRate() > bestHr + 1e-12) {
                best = r.weight();
                bestHr = r.similar().hitRate();
            }
        }
        return best;
    }

    private static Split split(
            String name,
            OnlineRetail data,
            List<OnlineRetail.Purchase> train,
            List<OnlineRetail.Purchase> judged,
            long from,
            long until) {
        Map<String, Set<String>> trainItems = new HashMap<>();
        Set<String> catalog = new HashSet<>();
        for (OnlineRetail.Purchase p : train) {
            trainItems.computeIfAbsent(p.user(), k -> new HashSet<>()).add(p.sku());
            catalog.add(p.sku());
        }
        Map<String, Set<String>> truth = new TreeMap<>();
        for (OnlineRetail.Purchase p : judged) {
            Set<String> known = trainItems.get(p.user());
            if (known != null && known.contains(p.sku()) == false) {
                truth.computeIfAbsent(p.user(), k -> new HashSet<>()).add(p.sku());
            }
        }
        Set<String> newItems = new HashSet<>();
        for (OnlineRetail.Product p : data.products()) {
            if (p.title() != null && p.firstSold() >= from && p.firstSold() < until) {
                newItems.add(p.sku());
            }
        }
        return new Split(
                name, new ArrayList<>(truth.keySet()), truth, newItems, new RecommendQualityBench.Ids(catalog), until);
    }

    private static Result measure(
            EsClient es, String model, Split split, float weight, int slots, boolean similarItems) {
        String w = String.format(Locale.ROOT, "%.4f", weight);
        long started = System.nanoTime();
        Map<String, List<String>> shelves = RecommendQualityBench.shelves(
                es,
                split.users(),
                user -> "{\"model\": \"" + model + "\", \"user_id\": " + EsClient.toJson(user) + ", \"size\": " + K
                        + ", \"exclude_seen\": true, \"content_weight\": " + w + ", \"content_slots\": " + slots + "}");
        // wall time per shelf with the bench's 2 client threads, on this loaded machine: a comparison between rows
        double forYouMillis =
                (System.nanoTime() - started) / 1e6 / Math.max(1, split.users().size());
        RankingMetrics forYou = new RankingMetrics(K, split.ids().catalogSize);
        int newSlots = 0, shelvesWithNew = 0, newHits = 0;
        for (String user : split.users()) {
            List<String> shelf = shelves.get(user);
            Set<String> truth = split.truth().get(user);
            forYou.add(split.ids().of(shelf), split.ids().of(truth));
            long fresh = shelf.stream().filter(split.newItems()::contains).count();
            newSlots += (int) fresh;
            shelvesWithNew += fresh > 0 ? 1 : 0;
            newHits += (int) shelf.stream()
                    .filter(split.newItems()::contains)
                    .filter(truth::contains)
                    .count();
        }
        List<String[]> pairs = new ArrayList<>();
        for (String user : split.users()) {
            Set<String> truth = split.truth().get(user);
            for (String item : new TreeSet<>(truth)) {
                if (split.newItems().contains(item) && truth.size() > 1) {
                    pairs.add(new String[] {user, item});
                }
            }
        }
        Set<String> asked = new TreeSet<>();
        if (similarItems) {
            pairs.forEach(p -> asked.add(p[1]));
        }
        Map<String, List<String>> similar = RecommendQualityBench.shelves(
                es,
                new ArrayList<>(asked),
                item -> "{\"model\": \"" + model + "\", \"item_ids\": [" + EsClient.toJson(item) + "], \"size\": " + K
                        + ", \"similar_content_weight\": " + w + "}");
        List<String> popular = RecommendBenchData.items(es.post(
                        "/_recommend",
                        "{\"model\": \"" + model + "\", \"user_id\": \"-nobody-\", \"size\": " + (K + 1) + "}")
                .ok());
        RankingMetrics similarMetrics = new RankingMetrics(K, split.ids().catalogSize);
        RankingMetrics popularMetrics = new RankingMetrics(K, split.ids().catalogSize);
        int similarNewSlots = 0, similarNewHits = 0;
        for (String[] pair : pairs) {
            Set<String> truth = new HashSet<>(split.truth().get(pair[0]));
            truth.remove(pair[1]);
            List<String> shelf = similar.get(pair[1]);
            if (shelf == null) {
                continue;
            }
            similarMetrics.add(split.ids().of(shelf), split.ids().of(truth));
            popularMetrics.add(
                    split.ids()
                            .of(popular.stream()
                                    .filter(i -> i.equals(pair[1]) == false)
                                    .limit(K)
                                    .toList()),
                    split.ids().of(truth));
            similarNewSlots +=
                    (int) shelf.stream().filter(split.newItems()::contains).count();
            similarNewHits += (int) shelf.stream()
                    .filter(split.newItems()::contains)
                    .filter(truth::contains)
                    .count();
        }
        return new Result(
                weight,
                slots,
                forYou,
                newSlots,
                shelvesWithNew,
                newHits,
                similarMetrics,
                popularMetrics,
                similarNewSlots,
                similarNewHits,
                pairs.size(),
                forYouMillis);
    }

    private static void header() {
        System.out.printf(
                Locale.ROOT,
                "%-7s %5s | %-61s | %-44s%n",
                "content",
                "",
                "\"for you\" (user_id)",
                "\"similar items\" of a new product (item_ids)");
        System.out.printf(
                Locale.ROOT,
                "%-7s %5s | %8s %8s %8s %12s %9s %8s | %8s %8s %9s %8s %6s%n",
                "weight",
                "slots",
                "HR@10",
                "NDCG@10",
                "cov@10",
                "new slots",
                "new hits",
                "ms/shelf",
                "HR@10",
                "NDCG@10",
                "new/hits",
                "popular",
                "pairs");
    }

    private static void print(Result r) {
        String similar = r.similar().users() == 0
                ? String.format(Locale.ROOT, "%8s %8s %9s %8s %6s", "-", "-", "-", "-", "-")
                : String.format(
                        Locale.ROOT,
                        "%8.5f %8.5f %4d/%-4d %8.5f %6d",
                        r.similar().hitRate(),
                        r.similar().ndcg(),
                        r.similarNewSlots(),
                        r.similarNewHits(),
                        r.popular().hitRate(),
                        r.pairs());
        System.out.printf(
                Locale.ROOT,
                "%-7.2f %5d | %8.5f %8.5f %8.5f %5d/%-6d %9d %8.1f | %s%n",
                r.weight(),
                r.slots(),
                r.forYou().hitRate(),
                r.forYou().ndcg(),
                r.forYou().coverage(),
                r.newSlots(),
                r.forYou().users() * K,
                r.newHits(),
                r.forYouMillis(),
                similar);
    }

    private static void train(EsClient es, String model, String products, String events) {
        EsClient.Response existing = es.get("/_recommend/models/" + model);
        if (existing.status() == 200
                && existing.json().path("status").path("active_version").isMissingNode() == false
                && existing.json()
                        .path("config")
                        .path("catalog")
                        .path("index")
                        .asText()
                        .equals(products)
                && existing.json()
                        .path("config")
                        .path("catalog")
                        .path("created_field")
                        .asText()
                        .equals(RecommendBenchData.CREATED_FIELD)) {
            return;
        }
        es.delete("/_recommend/models/" + model);
        es.put("/_recommend/models/" + model, RecommendBenchData.modelConfig(products, events))
                .ok();
        es.post("/_recommend/models/" + model + "/_train", null).ok();
    }

    private static long count(EsClient es, String index) {
        EsClient.Response response = es.get("/" + index + "/_count");
        return response.status() == 200 ? response.json().path("count").asLong() : -1;
    }
}
