package io.personalize.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import io.personalize.serving.NeighborhoodScorer;
import io.personalize.serving.Recommendations;
import io.personalize.training.InteractionMatrixBuilder;
import io.personalize.training.ModelTrainer;
import io.personalize.training.RankingMetrics;
import io.personalize.training.TrainedModel;
import io.personalize.training.TrainingConfig;
import io.personalize.training.TrainingMonitor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Recommendation quality of the {@code _recommend} endpoint itself on protocol OR-time, beside the model's own
 * {@code _evaluate} on the same split, in the same run (see {@link RecommendBenchData} for the world).
 * <p>
 * For each test user (at least one train event, at least one item bought on/after 2011-11-01 that they never bought
 * before; truth = those new items), {@code _recommend} with the user id, size 10, exclude_seen true. HR@10,
 * Recall@10 (hits / min(10, |truth|)), NDCG@10 and coverage@10 (distinct recommended / train catalogue size) are
 * computed with the plugin's own {@link RankingMetrics}. The endpoint must not lose quality: its figures must be at
 * least {@code _evaluate}'s.
 * <p>
 * Cold start: products first sold on/after the split are in the catalogue with content vectors but unknown to the
 * model. How often they show on the test users' "for you" shelves and how often they are hits; and for "similar
 * items" of such a new product (a test user who bought it: the shelf of similar items to it, judged on the user's
 * other new items), beside the popular shelf for the same pairs.
 */
public final class RecommendQualityBench {

    static final int K = 10;

    public static void main(String[] args) throws Exception {
        String url = args.length > 0 ? args[0] : "http://127.0.0.1:19400";
        EsClient es = new EsClient(url, System.getenv("PERSONALIZE_USER"), System.getenv("PERSONALIZE_PASSWORD"));
        System.out.printf(
                Locale.ROOT,
                "_recommend quality on protocol OR-time (Online Retail, split 2011-11-01) at %s, load average %s%n",
                url,
                RecommendBenchData.load());
        RecommendBenchData world = RecommendBenchData.load(es);
        Ids ids = new Ids(world.protocol.trainCatalog());

        // 1. the model's own offline evaluation on the same split, same run
        long start = System.nanoTime();
        JsonNode evaluation = es.post(
                        "/_recommend/models/" + RecommendBenchData.EVAL_MODEL + "/_evaluate",
                        "{\"split\": \"2011-11-01\", \"k\": " + K + "}")
                .ok()
                .path("evaluation");
        double evaluateSeconds = (System.nanoTime() - start) / 1e9;

        // 2. the endpoint: one "for you" shelf per test user, collaborative and popular only (content_weight 0: the
        // content term is measured in ContentColdStart), which is what _evaluate computes
        start = System.nanoTime();
        Map<String, List<String>> shelves = shelves(es, world.testUsers, user -> RecommendBenchData.userShelf(user, K)
                .replaceFirst("}$", ", \"content_weight\": 0}"));
        double endpointSeconds = (System.nanoTime() - start) / 1e9;
        RankingMetrics endpoint = new RankingMetrics(K, ids.catalogSize);
        int newOnShelves = 0, shelvesWithNew = 0, newHits = 0, shortShelves = 0;
        for (String user : world.testUsers) {
            List<String> shelf = shelves.get(user);
            Set<String> truth = world.protocol.truthByUser().get(user);
            endpoint.add(ids.of(shelf), ids.of(truth));
            long fresh = shelf.stream().filter(world.newItems::contains).count();
            newOnShelves += (int) fresh;
            shelvesWithNew += fresh > 0 ? 1 : 0;
            newHits += (int) shelf.stream()
                    .filter(world.newItems::contains)
                    .filter(truth::contains)
                    .count();
            shortShelves += shelf.size() < K ? 1 : 0;
        }

        JsonNode model = evaluation.path("model");
        JsonNode popularity = evaluation.path("popularity");
        System.out.printf(
                Locale.ROOT,
                "%ntest users: endpoint %,d, _evaluate %,d; train catalogue %,d items (_evaluate: %,d); short shelves: %d%n",
                endpoint.users(),
                evaluation.path("test_users").asLong(),
                ids.catalogSize,
                evaluation.path("catalog_items").asLong(),
                shortShelves);
        System.out.printf(
                Locale.ROOT, "%n%-34s %8s %10s %8s %12s%n", "", "HR@10", "Recall@10", "NDCG@10", "coverage@10");
        row(
                "_recommend (user_id, exclude_seen)",
                endpoint.hitRate(),
                endpoint.recall(),
                endpoint.ndcg(),
                endpoint.coverage());
        row(
                "_evaluate: model",
                model.path("hit_rate").asDouble(),
                model.path("recall").asDouble(),
                model.path("ndcg").asDouble(),
                model.path("coverage").asDouble());
        row(
                "_evaluate: popularity",
                popularity.path("hit_rate").asDouble(),
                popularity.path("recall").asDouble(),
                popularity.path("ndcg").asDouble(),
                popularity.path("coverage").asDouble());
        boolean atLeast = endpoint.hitRate() >= model.path("hit_rate").asDouble() - 1e-9
                && endpoint.recall() >= model.path("recall").asDouble() - 1e-9
                && endpoint.ndcg() >= model.path("ndcg").asDouble() - 1e-9
                && endpoint.coverage() >= model.path("coverage").asDouble() - 1e-9;
        System.out.printf(
                Locale.ROOT,
                "endpoint >= _evaluate on every metric: %s   (%,d shelves in %.1f s; _evaluate took %.1f s)%n",
                atLeast ? "yes" : "NO",
                world.testUsers.size(),
                endpointSeconds,
                evaluateSeconds);

        // Why the two can differ at all: _evaluate's throwaway model and the served one are two trainings on the same
        // events, decayed relative to the split for the first and to the newest train event for the second. The same
        // trainings replicated here with the plugin's own training code show what each model gives.
        long newestTrain = world.protocol.train().stream()
                .mapToLong(OnlineRetail.Purchase::time)
                .max()
                .orElseThrow();
        Replica atSplit = new Replica(world, OnlineRetail.SPLIT);
        Replica atNewest = new Replica(world, newestTrain);
        RankingMetrics splitMetrics = new RankingMetrics(K, ids.catalogSize);
        RankingMetrics newestMetrics = new RankingMetrics(K, ids.catalogSize);
        int identical = 0, sameItems = 0;
        for (String user : world.testUsers) {
            int[] truth = ids.of(world.protocol.truthByUser().get(user));
            splitMetrics.add(ids.of(atSplit.shelf(user)), truth);
            List<String> replica = atNewest.shelf(user);
            newestMetrics.add(ids.of(replica), truth);
            identical += replica.equals(shelves.get(user)) ? 1 : 0;
            sameItems += Set.copyOf(replica).equals(Set.copyOf(shelves.get(user))) ? 1 : 0;
        }
        System.out.printf(
                Locale.ROOT,
                "%nthe same trainings replicated in this JVM with the plugin's training code (io.personalize.training):%n");
        row(
                "model decayed to the split",
                splitMetrics.hitRate(),
                splitMetrics.recall(),
                splitMetrics.ndcg(),
                splitMetrics.coverage());
        row(
                "model decayed to the newest event",
                newestMetrics.hitRate(),
                newestMetrics.recall(),
                newestMetrics.ndcg(),
                newestMetrics.coverage());
        System.out.printf(
                Locale.ROOT,
                "_recommend's shelves vs the replica of the served training: %,d of %,d identical, %,d with the same items%n",
                identical,
                world.testUsers.size(),
                sameItems);

        coldStart(es, world, ids, newOnShelves, shelvesWithNew, newHits);
        ContentColdStart.run(es, world);
        System.out.println("\nreproduce: bin/bench recommend-quality");
    }

    private static void coldStart(
            EsClient es, RecommendBenchData world, Ids ids, int newOnShelves, int shelvesWithNew, int newHits) {
        int testUsers = world.testUsers.size();
        long truthNew = world.testUsers.stream()
                .mapToLong(u -> world.protocol.truthByUser().get(u).stream()
                        .filter(world.newItems::contains)
                        .count())
                .sum();
        long usersBuyingNew = world.testUsers.stream()
                .filter(u -> world.protocol.truthByUser().get(u).stream().anyMatch(world.newItems::contains))
                .count();
        System.out.printf(
                Locale.ROOT,
                "%nCold start: %,d products first sold on/after the split, in the catalogue with content vectors, unknown to the model;%n",
                world.newItems.size());
        System.out.printf(
                Locale.ROOT,
                "  %,d of the test users' %,d truth items are such new products; %,d test users bought at least one%n",
                truthNew,
                world.testUsers.stream()
                        .mapToLong(u -> world.protocol.truthByUser().get(u).size())
                        .sum(),
                usersBuyingNew);
        System.out.printf(
                Locale.ROOT,
                "  \"for you\" shelves (user_id, content_weight 0): %,d of %,d slots are new products, on %,d of %,d shelves; %,d of them are hits%n",
                newOnShelves,
                testUsers * K,
                shelvesWithNew,
                testUsers,
                newHits);

        // "similar items" of a new product: each (test user, new product they bought) pair, judged on the user's other
        // truth
        List<String[]> pairs = new ArrayList<>();
        for (String user : world.testUsers) {
            for (String item : new TreeSet<>(world.protocol.truthByUser().get(user))) {
                if (world.newItems.contains(item)
                        && world.protocol.truthByUser().get(user).size() > 1) {
                    pairs.add(new String[] {user, item});
                }
            }
        }
        Set<String> asked = new TreeSet<>();
        pairs.forEach(p -> asked.add(p[1]));
        Map<String, List<String>> similar = shelves(
                es,
                new ArrayList<>(asked),
                item -> "{\"model\": \"" + RecommendBenchData.MODEL + "\", \"item_ids\": [" + EsClient.toJson(item)
                        + "], \"size\": " + K + ", \"explain\": true}");
        List<String> popular = RecommendBenchData.items(es.post(
                        "/_recommend",
                        "{\"model\": \"" + RecommendBenchData.MODEL + "\", \"user_id\": \"-nobody-\", \"size\": "
                                + (K + 1) + "}")
                .ok());
        RankingMetrics similarMetrics = new RankingMetrics(K, ids.catalogSize);
        RankingMetrics popularMetrics = new RankingMetrics(K, ids.catalogSize);
        int similarNewSlots = 0, similarNewHits = 0, similarSlots = 0;
        for (String[] pair : pairs) {
            Set<String> truth = new HashSet<>(world.protocol.truthByUser().get(pair[0]));
            truth.remove(pair[1]);
            List<String> shelf = similar.get(pair[1]);
            similarMetrics.add(ids.of(shelf), ids.of(truth));
            popularMetrics.add(
                    ids.of(popular.stream()
                            .filter(i -> i.equals(pair[1]) == false)
                            .limit(K)
                            .toList()),
                    ids.of(truth));
            similarSlots += shelf.size();
            similarNewSlots +=
                    (int) shelf.stream().filter(world.newItems::contains).count();
            similarNewHits += (int) shelf.stream()
                    .filter(world.newItems::contains)
                    .filter(truth::contains)
                    .count();
        }
        System.out.printf(
                Locale.ROOT,
                "  \"similar items\" of a new product (item_ids = [it], no user): %,d new products asked about, %,d (user, product) pairs;%n",
                asked.size(),
                pairs.size());
        System.out.printf(
                Locale.ROOT,
                "     %,d of %,d slots are new products, %,d of them hits; main reasons: %s%n",
                similarNewSlots,
                similarSlots,
                similarNewHits,
                mainReasons(es, asked));
        System.out.printf(
                Locale.ROOT,
                "%n%-34s %8s %10s %8s%n",
                "judged on the user's other new items",
                "HR@10",
                "Recall@10",
                "NDCG@10");
        row(
                "_recommend item_ids=[new product]",
                similarMetrics.hitRate(),
                similarMetrics.recall(),
                similarMetrics.ndcg(),
                -1);
        row(
                "popular items (the fallback)",
                popularMetrics.hitRate(),
                popularMetrics.recall(),
                popularMetrics.ndcg(),
                -1);
    }

    /** How the shelves of the given items were filled: the count of each main reason type over all their slots. */
    private static Map<String, Integer> mainReasons(EsClient es, Set<String> items) {
        Map<String, Integer> counts = new TreeMap<>();
        for (String item : items) {
            JsonNode response = es.post(
                            "/_recommend",
                            "{\"model\": \"" + RecommendBenchData.MODEL + "\", \"item_ids\": [" + EsClient.toJson(item)
                                    + "], \"size\": " + K + "}")
                    .ok();
            for (JsonNode r : response.path("recommendations")) {
                counts.merge(r.path("reasons").get(0).path("type").asText(), 1, Integer::sum);
            }
        }
        return counts;
    }

    private static void row(String name, double hr, double recall, double ndcg, double coverage) {
        System.out.printf(
                Locale.ROOT,
                "%-34s %8.5f %10.5f %8.5f %12s%n",
                name,
                hr,
                recall,
                ndcg,
                coverage < 0 ? "" : String.format(Locale.ROOT, "%.5f", coverage));
    }

    /** One _recommend per key, two client threads; each key's recommended item ids in order. */
    static Map<String, List<String>> shelves(
            EsClient es, List<String> keys, java.util.function.Function<String, String> body) {
        Map<String, List<String>> shelves = new HashMap<>();
        responses(es, keys, body).forEach((key, response) -> shelves.put(key, RecommendBenchData.items(response)));
        return shelves;
    }

    /** One _recommend per key, two client threads; each key's whole answer. */
    static Map<String, JsonNode> responses(
            EsClient es, List<String> keys, java.util.function.Function<String, String> body) {
        Map<String, JsonNode> out = new java.util.concurrent.ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (String key : keys) {
                done.add(pool.submit(() ->
                        out.put(key, es.post("/_recommend", body.apply(key)).ok())));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            pool.shutdown();
        }
        return out;
    }

    /**
     * A model trained in this JVM with the plugin's training code and the model's configuration (the defaults), on the
     * train events, decayed relative to {@code reference}: each user's top k excluding their history, as a shelf. Ids
     * are numbered and histories ordered as the plugin's training does (ids in the order of their UTF-8 bytes, a user's
     * history newest first): the formula breaks ties by id and sums in history order, so anything else gives another
     * order of equal scores (what made 94 of 1,453 shelves differ from _recommend's while both were right).
     */
    static final class Replica {
        private final Map<String, Integer> users = new HashMap<>();
        private final List<String> items;
        private final TrainedModel model;

        Replica(RecommendBenchData world, long reference) {
            TrainingConfig config = TrainingConfig.builder()
                    .neighbors(50)
                    .halfLifeDays(21)
                    .popularityHalfLifeDays(3)
                    .maxItemsPerUser(500)
                    .build();
            InteractionMatrixBuilder events =
                    config.newMatrixBuilder(world.protocol.train().size()).referenceTime(reference / 1000);
            TreeSet<String> userIds = new TreeSet<>(Replica::utf8Order), itemIds = new TreeSet<>(Replica::utf8Order);
            for (OnlineRetail.Purchase p : world.protocol.train()) {
                userIds.add(p.user());
                itemIds.add(p.sku());
            }
            userIds.forEach(u -> users.put(u, users.size()));
            items = new ArrayList<>(itemIds);
            Map<String, Integer> itemId = new HashMap<>();
            items.forEach(i -> itemId.put(i, itemId.size()));
            for (OnlineRetail.Purchase p : world.protocol.train()) {
                events.add(users.get(p.user()), itemId.get(p.sku()), 5f, p.time() / 1000); // a purchase weighs 5
            }
            model = ModelTrainer.train(events, config, TrainingMonitor.NOOP);
        }

        private static int utf8Order(String a, String b) {
            return java.util.Arrays.compareUnsigned(
                    a.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    b.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }

        List<String> shelf(String user) {
            int u = users.get(user);
            // the user's history newest first (ties: row order), as the plugin's version writer passes it
            int start = model.matrix().userOffsets()[u];
            int[] rowItems = model.matrix().userItems(u);
            float[] rowWeights = model.matrix().userWeights(u);
            int[] ages = model.matrix().userAges();
            Integer[] order = new Integer[rowItems.length];
            for (int x = 0; x < order.length; x++) {
                order[x] = x;
            }
            java.util.Arrays.sort(order, (x, y) -> Integer.compare(ages[start + x], ages[start + y]));
            int[] history = new int[order.length];
            float[] weights = new float[order.length];
            for (int x = 0; x < order.length; x++) {
                history[x] = rowItems[order[x]];
                weights[x] = rowWeights[order[x]];
            }
            Recommendations top = NeighborhoodScorer.of(model).recommend(history, weights, history, K, 0);
            List<String> shelf = new ArrayList<>();
            for (int item : top.items()) {
                shelf.add(items.get(item));
            }
            return shelf;
        }
    }

    /** Dense int ids for RankingMetrics: the train catalogue first (0..n-1, what coverage counts), any other id after. */
    static final class Ids {
        final int catalogSize;
        private final Map<String, Integer> ids = new HashMap<>();

        Ids(Set<String> trainCatalog) {
            for (String item : new TreeSet<>(trainCatalog)) {
                ids.put(item, ids.size());
            }
            catalogSize = ids.size();
        }

        synchronized int[] of(java.util.Collection<String> items) {
            int[] out = new int[items.size()];
            int n = 0;
            for (String item : items) {
                out[n++] = ids.computeIfAbsent(item, k -> ids.size());
            }
            return out;
        }
    }
}
