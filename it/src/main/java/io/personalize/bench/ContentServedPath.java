package io.personalize.bench;

import io.personalize.bench.ContentQualityBench.OrTime;
import io.personalize.bench.ContentQualityBench.Result;
import io.personalize.bench.ContentQualityBench.Vectors;
import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import io.personalize.it.Shop;
import io.personalize.recommend.ShelfQuery;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Part of {@code bin/bench content}: the content rule chosen on validation as {@code _recommend} serves it, measured
 * on OR-time beside the bench's own computation of it. {@code _recommend} gives the "for you" content term only to
 * products the model does not know; here the model knows none of the catalogue (it is trained on two dummy shoppers
 * before the purchases are loaded), so every item gets the term, and with {@code content_weight} 1 and {@code
 * content_slots} = the shelf's size the shelf is content only: each of the shopper's 10 newest items lends its {@code
 * content_neighbors} nearest items their cosine in the catalogue's content space (the node's: centred and {@code
 * content_directions} principal directions removed, from its own 1,000-item sample; knn on the stored vectors, ranked
 * again in that space). The catalogue index holds the train catalogue's products (cleaned titles, MiniLM), as the
 * bench ranks. Rows: the rule as chosen (every item of the shopper's history), the same rule on their N newest
 * items (what {@code _recommend} reads: {@code content_sources}, at most {@code recent_items}), and {@code
 * _recommend}; for the default 10 items and the most a request reads, 100.
 */
final class ContentServedPath {

    static final String INDEX = "bench-content-served";
    static final String EVENTS = "bench-content-served-events";
    static final String MODEL = "bench-content-served";
    /** content_sources measured: the default, and the most a request may read. */
    static final int[] SOURCES = {ShelfQuery.DEFAULT_CONTENT_SOURCES, ShelfQuery.MAX_CONTENT_SOURCES};

    static void run(
            EsClient es,
            String pipeline,
            List<OnlineRetail.Product> cleaned,
            OnlineRetail.Protocol protocol,
            OrTime test,
            Vectors chosen,
            int k,
            int directions,
            Result chosenResult) {
        long started = System.nanoTime();
        List<OnlineRetail.Product> trainCatalogue = cleaned.stream()
                .filter(p -> protocol.trainCatalog().contains(p.sku()))
                .toList();
        es.delete("/" + INDEX);
        es.delete("/" + EVENTS);
        es.delete("/_recommend/models/" + MODEL);
        Shop.createProductsIndex(es, INDEX, pipeline, 1, 0, 384);
        Shop.loadProducts(es, INDEX, trainCatalogue);
        Shop.createEventsIndex(es, EVENTS, 1, 0);
        long before = protocol.train().stream()
                        .mapToLong(OnlineRetail.Purchase::time)
                        .min()
                        .orElse(0)
                - 86_400_000L;
        Shop.loadEvents(
                es,
                EVENTS,
                List.of(
                        new OnlineRetail.Purchase("~dummy-a", "~dummy-x", before, 1),
                        new OnlineRetail.Purchase("~dummy-a", "~dummy-y", before, 1),
                        new OnlineRetail.Purchase("~dummy-b", "~dummy-x", before, 1),
                        new OnlineRetail.Purchase("~dummy-b", "~dummy-y", before, 1)));
        es.put("/_recommend/models/" + MODEL, Shop.modelConfig(INDEX, EVENTS)).ok();
        es.post("/_recommend/models/" + MODEL + "/_train", null).ok();
        Shop.loadEvents(es, EVENTS, protocol.train(), 2);
        es.put("/_cluster/settings", "{\"persistent\": {\"personalize.recommend.max_exclude\": 100000}}")
                .ok();

        ContentPreparation.NeighbourLists lists = new ContentPreparation.NeighbourLists(test, chosen);
        Map<String, Integer> userIndex = new HashMap<>();
        for (int u = 0; u < test.users.size(); u++) {
            userIndex.put(test.users.get(u), u);
        }
        Map<String, Integer> itemIds = new HashMap<>();
        for (int i = 0; i < test.catalogue.size(); i++) {
            itemIds.put(test.catalogue.get(i), i);
        }
        System.out.printf(
                Locale.ROOT,
                "%n== The chosen rule as _recommend serves it (model [%s] knows none of the catalogue, so every item gets"
                        + " the \"for you\" content term; content_weight 1, content_support 1, content_slots %d, content_neighbors %d,"
                        + " content_directions %d (the defaults: %d, %d), content_sources = recent_items = N; %,d"
                        + " train-catalogue products in [%s]; prepared in %.0f s)%n",
                MODEL,
                ContentQualityBench.K,
                k,
                directions,
                ShelfQuery.DEFAULT_CONTENT_NEIGHBORS,
                ShelfQuery.DEFAULT_CONTENT_DIRECTIONS,
                trainCatalogue.size(),
                INDEX,
                (System.nanoTime() - started) / 1e9);
        System.out.printf(Locale.ROOT, "   %-86s %8s %7s %s%n", "", "NDCG@10", "cov@10", "ΔNDCG vs the row above");
        System.out.printf(
                Locale.ROOT,
                "   %-86s %8.4f %7.4f%n",
                "bench, the rule as chosen (every item of the shopper's history; whole-catalogue PCA)",
                chosenResult.metrics().ndcg(),
                chosenResult.metrics().coverage());
        for (int n : SOURCES) {
            // the shopper's n newest distinct items, newest first, ties by id (as the node's recent items)
            int[][] newest = new int[test.users.size()][];
            for (int u = 0; u < newest.length; u++) {
                int[] history = test.history[u];
                long[] last = test.lastBought[u];
                Integer[] order = new Integer[history.length];
                for (int h = 0; h < order.length; h++) {
                    order[h] = h;
                }
                Arrays.sort(
                        order, (a, b) -> last[a] != last[b] ? Long.compare(last[b], last[a]) : Integer.compare(a, b));
                newest[u] =
                        Arrays.stream(order).limit(n).mapToInt(h -> history[h]).toArray();
            }
            double[] scores = new double[test.catalogue.size()];
            Result newestResult = test.rank(u -> {
                for (int i = 0; i < scores.length; i++) {
                    scores[i] = lists.hasVector[i] ? 0 : Double.NEGATIVE_INFINITY;
                }
                for (int h : newest[u]) {
                    int[] ids = lists.ids[h];
                    if (ids == null) {
                        continue;
                    }
                    for (int r = 0; r < k && r < ids.length && ids[r] >= 0; r++) {
                        scores[ids[r]] += lists.scores[h][r];
                    }
                }
                return scores;
            });
            long servedStart = System.nanoTime();
            Map<String, List<String>> shelves = RecommendQualityBench.shelves(es, test.users, user -> {
                int u = userIndex.get(user);
                String exclude = Arrays.stream(test.history[u])
                        .mapToObj(i -> EsClient.toJson(test.catalogue.get(i)))
                        .collect(Collectors.joining(","));
                return "{\"model\": \"" + MODEL + "\", \"user_id\": " + EsClient.toJson(user) + ", \"size\": "
                        + ContentQualityBench.K + ", \"recent_items\": " + n + ", \"content_sources\": " + n
                        + ", \"content_weight\": 1, \"content_support\": 1, \"content_slots\": " + ContentQualityBench.K
                        + ", \"content_neighbors\": " + k + ", \"content_directions\": " + directions
                        + ", \"exclude\": [" + exclude + "]}";
            });
            double servedMillis = (System.nanoTime() - servedStart) / 1e6 / Math.max(1, test.users.size());
            double[] shelfScores = new double[test.catalogue.size()];
            Result served = test.rank(u -> {
                Arrays.fill(shelfScores, 0);
                List<String> shelf = shelves.get(test.users.get(u));
                for (int p = 0; p < shelf.size(); p++) {
                    Integer i = itemIds.get(shelf.get(p));
                    if (i != null) {
                        shelfScores[i] = ContentQualityBench.K - p;
                    }
                }
                return shelfScores;
            });
            // how many shelves are the bench's own top 10 of the same newest items, item for item and as a set
            int same = 0, sameSet = 0;
            for (int u = 0; u < test.users.size(); u++) {
                List<String> shelf = shelves.get(test.users.get(u));
                int[] ranked = newestTop(test, lists, newest[u], k, u);
                List<String> bench =
                        Arrays.stream(ranked).mapToObj(test.catalogue::get).toList();
                same += bench.equals(shelf) ? 1 : 0;
                sameSet += Set.copyOf(bench).equals(Set.copyOf(shelf)) ? 1 : 0;
            }
            System.out.printf(
                    Locale.ROOT,
                    "   %-86s %8.4f %7.4f %s%n",
                    "bench, the same rule on the shopper's " + n + " newest items",
                    newestResult.metrics().ndcg(),
                    newestResult.metrics().coverage(),
                    ContentQualityBench.pairedDifference(newestResult.ndcg(), chosenResult.ndcg()));
            System.out.printf(
                    Locale.ROOT,
                    "   %-86s %8.4f %7.4f %s%n",
                    "_recommend, content_sources " + n
                            + " (node: 1,000-item sample's PCA, knn then ranked in its space)",
                    served.metrics().ndcg(),
                    served.metrics().coverage(),
                    ContentQualityBench.pairedDifference(served.ndcg(), newestResult.ndcg()));
            System.out.printf(
                    Locale.ROOT,
                    "   _recommend's shelves equal to the bench's (%d newest items): %,d of %,d item for item, %,d as"
                            + " sets; %.1f ms per shelf (2 client threads, this machine's load)%n",
                    n,
                    same,
                    test.users.size(),
                    sameSet,
                    servedMillis);
        }
        es.put("/_cluster/settings", "{\"persistent\": {\"personalize.recommend.max_exclude\": null}}")
                .ok();
        es.delete("/_recommend/models/" + MODEL);
        es.delete("/" + INDEX);
        es.delete("/" + EVENTS);
    }

    /** The bench's top 10 for user {@code u} from their newest items (ties: lower id first), own items excluded. */
    private static int[] newestTop(OrTime test, ContentPreparation.NeighbourLists lists, int[] newest, int k, int u) {
        Map<Integer, Double> sums = new HashMap<>();
        for (int h : newest) {
            int[] ids = lists.ids[h];
            if (ids == null) {
                continue;
            }
            for (int r = 0; r < k && r < ids.length && ids[r] >= 0; r++) {
                sums.merge(ids[r], lists.scores[h][r], Double::sum);
            }
        }
        Set<Integer> own = Arrays.stream(test.history[u]).boxed().collect(Collectors.toSet());
        List<Map.Entry<Integer, Double>> ranked = new ArrayList<>(sums.entrySet());
        ranked.removeIf(e -> own.contains(e.getKey()));
        ranked.sort(Map.Entry.<Integer, Double>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
        return ranked.stream()
                .limit(ContentQualityBench.K)
                .mapToInt(Map.Entry::getKey)
                .toArray();
    }
}
