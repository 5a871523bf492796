package io.personalize.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import io.personalize.it.Shop;
import io.personalize.training.RankingMetrics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Latency of {@code _recommend} "for you" shelves (user_id, size 10, exclude_seen) for the test users of protocol
 * OR-time, beside the peer design of the Universal Recommender on the same node, same data, same run:
 * <ul>
 *   <li>each item is a document of a separate index carrying its indicators in a keyword field, the items that co-occur
 *       with it significantly by log-likelihood ratio (computed here from the train events as the UR's correlator does:
 *       users down-sampled to their 500 newest items, the 50 strongest indicators per item), and its popularity;</li>
 *   <li>a recommendation is one search: a {@code bool} whose {@code should} matches the user's newest history items (at
 *       most 100, the UR's maxQueryEvents) against the indicators, the history excluded, popular items as backfill
 *       (sorted by score, then popularity, as the UR does). Two forms: {@code terms} (one clause, constant score, as
 *       written literally) and one scored {@code term} clause per history item (so that more matching indicators rank
 *       higher).</li>
 * </ul>
 * Each design's HR@10 on the same users is reported beside its latency. Requests are sent one at a time from one
 * client thread, the designs interleaved user by user in a shuffled order, after a full warm-up pass; the latency is
 * the client's wall time of the HTTP request (what the shop's application waits).
 *
 * <p>Each shopper's shelf is asked for four times (the warm-up pass and three timed rounds), and a {@code size: 0}
 * search (such as {@code _recommend}'s catalogue read, an aggregation) is kept by Elasticsearch's shard request cache,
 * while the UR forms' {@code size: 10} searches never are: the repeats would flatter {@code _recommend}. So the indices
 * every form reads have {@code index.requests.cache.enable: false} for the whole run (it applies to every form alike),
 * and the request cache's hits and misses of the timed rounds are printed to show it played no part. {@code
 * --request-cache} keeps the cache enabled (the behaviour before).
 */
public final class RecommendSpeedBench {

    static final int K = 10;
    static final String UR_INDEX = "rb-ur-items";
    static final int UR_MAX_QUERY_EVENTS = 100;
    static final int UR_MAX_PREFS = 500;
    static final int UR_MAX_INDICATORS = 50;

    public static void main(String[] args) throws Exception {
        boolean requestCache = Arrays.asList(args).contains("--request-cache");
        List<String> positional =
                Arrays.stream(args).filter(a -> !a.startsWith("--")).toList();
        String url = positional.size() > 0 ? positional.get(0) : "http://127.0.0.1:19400";
        int rounds = positional.size() > 1 ? Integer.parseInt(positional.get(1)) : 3;
        EsClient es = new EsClient(url, System.getenv("PERSONALIZE_USER"), System.getenv("PERSONALIZE_PASSWORD"));
        System.out.printf(
                Locale.ROOT,
                "_recommend latency beside a Universal-Recommender-style query at %s, load average %s; shard request cache %s%n",
                url,
                RecommendBenchData.load(),
                requestCache
                        ? "ENABLED (--request-cache: repeated size-0 searches, _recommend's catalogue read among them, are served from it)"
                        : "disabled on every index the forms read (index.requests.cache.enable: false, the whole run)");
        RecommendBenchData world = RecommendBenchData.load(es);
        Map<String, List<String>> history = newestFirstHistory(world.protocol.train());
        indexIndicators(es, world, history);

        Map<String, Function<String, String>> designs = new LinkedHashMap<>();
        designs.put("_recommend", user -> "/_recommend");
        // the same model whose shoppers' newest events come from the events API's per-user document
        prepareApiModel(es, world);
        designs.put(API_DESIGN, user -> "/_recommend");
        designs.put("UR terms (1 clause)", user -> urQuery(history.get(user), false));
        designs.put("UR term per item", user -> urQuery(history.get(user), true));
        setRequestCache(es, requestCache);
        mergeProducts(es);

        RecommendQualityBench.Ids ids = new RecommendQualityBench.Ids(world.protocol.trainCatalog());
        List<String> users = new ArrayList<>(world.testUsers);
        Map<String, RankingMetrics> quality = new LinkedHashMap<>();
        // warm-up pass, which also gives each design's shelves for HR@10
        for (String design : designs.keySet()) {
            RankingMetrics metrics = new RankingMetrics(K, ids.catalogSize);
            for (String user : users) {
                List<String> shelf = shelf(es, design, designs.get(design), user);
                metrics.add(ids.of(shelf), ids.of(world.protocol.truthByUser().get(user)));
            }
            quality.put(design, metrics);
        }
        double loadBefore = RecommendBenchData.loadAverage();
        Map<String, long[]> cacheBefore = requestCacheCounts(es);
        Map<String, long[]> nanos = new LinkedHashMap<>();
        designs.keySet().forEach(d -> nanos.put(d, new long[users.size() * rounds]));
        long[] took = new long[users.size() * rounds];
        Random random = new Random(42);
        int n = 0;
        for (int round = 0; round < rounds; round++) {
            Collections.shuffle(users, random);
            for (String user : users) {
                List<String> order = new ArrayList<>(designs.keySet());
                Collections.rotate(order, n % order.size());
                for (String design : order) {
                    long start = System.nanoTime();
                    JsonNode response = send(es, design, designs.get(design), user);
                    nanos.get(design)[n] = System.nanoTime() - start;
                    if (design.equals("_recommend")) {
                        took[n] = response.path("took").asLong();
                    }
                }
                n++;
            }
        }
        double loadAfter = RecommendBenchData.loadAverage();
        Map<String, long[]> cacheTimed = requestCacheCounts(es);

        System.out.printf(
                Locale.ROOT,
                "%n%,d test users x %d rounds, one request at a time, designs interleaved; load average %.2f before, %.2f after timing%n",
                users.size(),
                rounds,
                loadBefore,
                loadAfter);
        printRequestCache("timed rounds", cacheBefore, cacheTimed);
        System.out.printf(Locale.ROOT, "%n%-24s %9s %9s %9s %8s%n", "", "p50 ms", "p99 ms", "mean ms", "HR@10");
        for (String design : designs.keySet()) {
            long[] t = nanos.get(design);
            System.out.printf(
                    Locale.ROOT,
                    "%-24s %9.2f %9.2f %9.2f %8.4f%n",
                    design,
                    percentile(t, 50),
                    percentile(t, 99),
                    mean(t),
                    quality.get(design).hitRate());
        }
        Arrays.sort(took);
        System.out.printf(
                Locale.ROOT,
                "(_recommend's own \"took\": p50 %d ms, p99 %d ms)%n",
                took[took.length / 2],
                took[(int) Math.ceil(took.length * 0.99) - 1]);
        String best = quality.get("UR term per item").hitRate()
                        >= quality.get("UR terms (1 clause)").hitRate()
                ? "UR term per item"
                : "UR terms (1 clause)";
        double speedup = percentile(nanos.get(best), 50) / percentile(nanos.get("_recommend"), 50);
        double speedup99 = percentile(nanos.get(best), 99) / percentile(nanos.get("_recommend"), 99);
        System.out.printf(
                Locale.ROOT,
                "%n_recommend vs the better UR form (%s): %.2fx faster at p50, %.2fx at p99; HR@10 %.4f vs %.4f (target: >= 2x faster at equal or better HR@10)%n",
                best,
                speedup,
                speedup99,
                quality.get("_recommend").hitRate(),
                quality.get(best).hitRate());
        System.out.printf(
                Locale.ROOT,
                "%s vs %s: %.2fx faster at p50, %.2fx at p99; vs UR terms (1 clause): %.2fx at p50; HR@10 %.4f%n",
                API_DESIGN,
                best,
                percentile(nanos.get(best), 50) / percentile(nanos.get(API_DESIGN), 50),
                percentile(nanos.get(best), 99) / percentile(nanos.get(API_DESIGN), 99),
                percentile(nanos.get("UR terms (1 clause)"), 50) / percentile(nanos.get(API_DESIGN), 50),
                quality.get(API_DESIGN).hitRate());
        Map<String, long[]> cacheBeforeThroughput = requestCacheCounts(es);
        throughput(es, designs, users, 10);
        printRequestCache("throughput runs", cacheBeforeThroughput, requestCacheCounts(es));
        System.out.println("\nreproduce: bin/bench recommend-speed" + (rounds == 3 ? "" : " " + rounds)
                + (requestCache ? " --request-cache" : ""));
    }

    /**
     * Requests per second of each design with 1, 2 and 4 concurrent clients, {@code seconds} each, the designs in
     * rotating order; each client cycles through the test users from its own offset.
     */
    static void throughput(EsClient es, Map<String, Function<String, String>> designs, List<String> users, int seconds)
            throws Exception {
        List<String> names = new ArrayList<>(designs.keySet());
        int[] clientCounts = {1, 2, 4};
        Map<String, double[]> rps = new LinkedHashMap<>();
        names.forEach(d -> rps.put(d, new double[clientCounts.length]));
        for (int k = 0; k < clientCounts.length; k++) {
            int clients = clientCounts[k];
            for (int m = 0; m < names.size(); m++) {
                String design = names.get((m + k) % names.size());
                java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(clients);
                long end = System.nanoTime() + seconds * 1_000_000_000L;
                List<java.util.concurrent.Future<Long>> counts = new ArrayList<>();
                for (int t = 0; t < clients; t++) {
                    int offset = t * users.size() / clients;
                    counts.add(pool.submit(() -> {
                        long done = 0;
                        for (int u = offset; System.nanoTime() < end; u++) {
                            send(es, design, designs.get(design), users.get(u % users.size()));
                            done++;
                        }
                        return done;
                    }));
                }
                long total = 0;
                for (java.util.concurrent.Future<Long> f : counts) {
                    total += f.get();
                }
                pool.shutdown();
                rps.get(design)[k] = total / (double) seconds;
            }
        }
        System.out.printf(
                Locale.ROOT,
                "%nthroughput (requests per second), %d s per design and client count%n%-24s %10s %10s %10s%n",
                seconds,
                "",
                "1 client",
                "2 clients",
                "4 clients");
        for (String design : names) {
            double[] r = rps.get(design);
            System.out.printf(Locale.ROOT, "%-24s %10.1f %10.1f %10.1f%n", design, r[0], r[1], r[2]);
        }
    }

    static final String API_DESIGN = "_recommend (events API)";
    static final String API_MODEL = "rb-api";
    static final String API_EVENTS = "rb-events-api";

    /**
     * Merges the catalogue into one segment, as the UR's items index is ({@link #indexIndicators}): each form's search
     * then reads one segment, where the catalogue's bulk load left several (five on the runs of stop 25) and
     * {@code _recommend}'s catalogue read looked its ids up in each. Prints both indices' segment counts.
     */
    static void mergeProducts(EsClient es) {
        es.post("/" + RecommendBenchData.PRODUCTS + "/_forcemerge?max_num_segments=1", null)
                .ok();
        es.refresh(RecommendBenchData.PRODUCTS);
        System.out.printf(
                Locale.ROOT,
                "segments: [%s] %d, [%s] %d (the catalogue merged into one, as the UR's items are)%n",
                RecommendBenchData.PRODUCTS,
                segments(es, RecommendBenchData.PRODUCTS),
                UR_INDEX,
                segments(es, UR_INDEX));
    }

    private static int segments(EsClient es, String index) {
        return es.get("/" + index + "/_segments")
                .ok()
                .path("indices")
                .path(index)
                .path("shards")
                .path("0")
                .path(0)
                .path("segments")
                .size();
    }

    /** Every index a form searches: the catalogue, both models' events indices, the UR's items. */
    static final List<String> READ_INDICES =
            List.of(RecommendBenchData.PRODUCTS, RecommendBenchData.TRAIN_EVENTS, API_EVENTS, UR_INDEX);

    /**
     * Sets {@code index.requests.cache.enable} on every index the forms read (a dynamic setting; cached entries of a
     * disabled index are never served), so that no form's repeated search is answered from the shard request cache.
     */
    static void setRequestCache(EsClient es, boolean enabled) {
        es.put(
                        "/" + String.join(",", READ_INDICES) + "/_settings",
                        "{\"index.requests.cache.enable\": " + enabled + "}")
                .ok();
        es.post("/" + String.join(",", READ_INDICES) + "/_cache/clear?request=true", null)
                .ok();
        System.out.printf(
                Locale.ROOT, "index.requests.cache.enable: %s on %s (request caches cleared)%n", enabled, READ_INDICES);
    }

    /** Shard request cache hits and misses per index read ({@code _stats/request_cache}), as {hits, misses}. */
    static Map<String, long[]> requestCacheCounts(EsClient es) {
        JsonNode indices = es.get("/" + String.join(",", READ_INDICES) + "/_stats/request_cache")
                .ok()
                .path("indices");
        Map<String, long[]> counts = new LinkedHashMap<>();
        for (String index : READ_INDICES) {
            JsonNode cache = indices.path(index).path("total").path("request_cache");
            counts.put(index, new long[] {
                cache.path("hit_count").asLong(), cache.path("miss_count").asLong()
            });
        }
        return counts;
    }

    static void printRequestCache(String phase, Map<String, long[]> before, Map<String, long[]> after) {
        StringBuilder line = new StringBuilder();
        for (String index : READ_INDICES) {
            long[] b = before.get(index);
            long[] a = after.get(index);
            line.append(String.format(
                    Locale.ROOT,
                    "%s%s %,d hits / %,d misses",
                    line.isEmpty() ? "" : ", ",
                    index,
                    a[0] - b[0],
                    a[1] - b[1]));
        }
        System.out.printf(Locale.ROOT, "shard request cache during the %s (_stats/request_cache): %s%n", phase, line);
    }

    /**
     * A copy of the model trained on the same events whose newest events come from the events API: every shopper's
     * train events (their 100 newest distinct items) are sent through {@code _events} into an index of its own.
     */
    static void prepareApiModel(EsClient es, RecommendBenchData world) {
        long start = System.nanoTime();
        JsonNode config =
                es.get("/_recommend/models/" + RecommendBenchData.MODEL).ok().path("config");
        es.delete("/_recommend/models/" + API_MODEL);
        es.put("/_recommend/models/" + API_MODEL, config).ok();
        es.post("/_recommend/models/" + API_MODEL + "/_train", null).ok();
        com.fasterxml.jackson.databind.node.ObjectNode serve = config.deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) serve.path("events"))
                .put("index", API_EVENTS)
                .put("recent_events", "api");
        es.delete("/" + API_EVENTS);
        String trainIndex = config.path("events").path("index").asText();
        es.put("/" + API_EVENTS, es.get("/" + trainIndex + "/_mapping").ok().path(trainIndex))
                .ok();
        es.put("/_recommend/models/" + API_MODEL, serve).ok();
        Map<String, List<OnlineRetail.Purchase>> byUser = new HashMap<>();
        for (OnlineRetail.Purchase p : world.protocol.train()) {
            byUser.computeIfAbsent(p.user(), u -> new ArrayList<>()).add(p);
        }
        long sent = Shop.sendNewestEvents(es, API_MODEL, byUser.values(), 100);
        System.out.printf(
                Locale.ROOT,
                "model [%s] trained and fed %,d events of %,d shoppers through the events API in %.0f s%n",
                API_MODEL,
                sent,
                byUser.size(),
                (System.nanoTime() - start) / 1e9);
    }

    private static List<String> shelf(EsClient es, String design, Function<String, String> body, String user) {
        JsonNode response = send(es, design, body, user);
        if (design.equals("_recommend") || design.equals(API_DESIGN)) {
            return RecommendBenchData.items(response);
        }
        List<String> items = new ArrayList<>();
        for (JsonNode hit : response.path("hits").path("hits")) {
            items.add(hit.path("_id").asText());
        }
        return items;
    }

    private static JsonNode send(EsClient es, String design, Function<String, String> body, String user) {
        if (design.equals("_recommend")) {
            return es.post("/_recommend", RecommendBenchData.userShelf(user, K)).ok();
        }
        if (design.equals(API_DESIGN)) {
            String shelf = RecommendBenchData.userShelf(user, K)
                    .replace("\"model\": \"" + RecommendBenchData.MODEL + "\"", "\"model\": \"" + API_MODEL + "\"");
            return es.post("/_recommend", shelf).ok();
        }
        return es.post("/" + UR_INDEX + "/_search", body.apply(user)).ok();
    }

    /** The UR's query: the user's newest history items against the indicators, the history excluded, popular backfill. */
    static String urQuery(List<String> history, boolean perItem) {
        List<String> recent = history.subList(0, Math.min(UR_MAX_QUERY_EVENTS, history.size()));
        String should = perItem
                ? String.join(
                        ", ",
                        recent.stream()
                                .map(i -> "{\"term\": {\"indicators\": " + EsClient.toJson(i) + "}}")
                                .toList())
                : "{\"terms\": {\"indicators\": " + EsClient.toJson(recent) + "}}";
        return String.format(Locale.ROOT, """
            {"size": %d, "_source": false, "track_total_hits": false,
             "query": {"bool": {"should": [%s, {"constant_score": {"filter": {"match_all": {}}, "boost": 0}}],
                                "must_not": [{"terms": {"sku": %s}}]}},
             "sort": [{"_score": "desc"}, {"pop_rank": "desc"}]}""", K, should, EsClient.toJson(history));
    }

    /** Each user's distinct train items, newest first. */
    static Map<String, List<String>> newestFirstHistory(List<OnlineRetail.Purchase> train) {
        Map<String, LinkedHashSet<String>> byUser = new HashMap<>();
        List<OnlineRetail.Purchase> newestFirst = new ArrayList<>(train);
        newestFirst.sort(Comparator.comparingLong(OnlineRetail.Purchase::time).reversed());
        for (OnlineRetail.Purchase p : newestFirst) {
            byUser.computeIfAbsent(p.user(), k -> new LinkedHashSet<>()).add(p.sku());
        }
        Map<String, List<String>> history = new HashMap<>();
        byUser.forEach((user, items) -> history.put(user, List.copyOf(items)));
        return history;
    }

    /** LLR indicators from the train events, one document per train item, into {@link #UR_INDEX}. */
    static void indexIndicators(EsClient es, RecommendBenchData world, Map<String, List<String>> history) {
        long start = System.nanoTime();
        List<String> items = new ArrayList<>(new TreeSet<>(world.protocol.trainCatalog()));
        Map<String, Integer> index = new HashMap<>();
        items.forEach(i -> index.put(i, index.size()));
        int ni = items.size();
        int[] count = new int[ni];
        int[][] cooccurrence = new int[ni][ni];
        int users = 0;
        for (List<String> h : history.values()) {
            int[] row = h.stream().limit(UR_MAX_PREFS).mapToInt(index::get).toArray();
            users++;
            for (int a = 0; a < row.length; a++) {
                count[row[a]]++;
                for (int b = 0; b < row.length; b++) {
                    if (a != b) {
                        cooccurrence[row[a]][row[b]]++;
                    }
                }
            }
        }
        List<Map<String, Object>> docs = new ArrayList<>(ni);
        long indicators = 0;
        for (int j = 0; j < ni; j++) {
            List<int[]> scored = new ArrayList<>();
            double[] llr = new double[ni];
            for (int i = 0; i < ni; i++) {
                int k11 = cooccurrence[j][i];
                if (k11 > 0) {
                    llr[i] = logLikelihoodRatio(k11, count[j] - k11, count[i] - k11, users - count[j] - count[i] + k11);
                    if (llr[i] > 0) {
                        scored.add(new int[] {i});
                    }
                }
            }
            scored.sort((x, y) -> Double.compare(llr[y[0]], llr[x[0]]));
            List<String> top = scored.stream()
                    .limit(UR_MAX_INDICATORS)
                    .map(x -> items.get(x[0]))
                    .toList();
            indicators += top.size();
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("sku", items.get(j));
            doc.put("indicators", top);
            doc.put("pop_rank", count[j]);
            docs.add(doc);
        }
        es.delete("/" + UR_INDEX);
        es.put("/" + UR_INDEX, """
            {"settings": {"number_of_shards": 1, "number_of_replicas": 0},
             "mappings": {"properties": {"sku": {"type": "keyword"}, "indicators": {"type": "keyword"}, "pop_rank": {"type": "integer"}}}}""").ok();
        io.personalize.it.Shop.bulk(es, UR_INDEX, docs, d -> (String) d.get("sku"), d -> d, 1000);
        es.refresh(UR_INDEX);
        es.post("/" + UR_INDEX + "/_forcemerge?max_num_segments=1", null).ok();
        System.out.printf(
                Locale.ROOT,
                "UR peer: LLR indicators of %,d items (%,d indicators, at most %d per item) from %,d users, indexed into [%s] in %.1f s%n",
                ni,
                indicators,
                UR_MAX_INDICATORS,
                users,
                UR_INDEX,
                (System.nanoTime() - start) / 1e9);
    }

    /** Dunning's log-likelihood ratio of a 2x2 contingency table, as Mahout's LogLikelihood computes it. */
    static double logLikelihoodRatio(long k11, long k12, long k21, long k22) {
        double rowEntropy = entropy(k11 + k12, k21 + k22);
        double columnEntropy = entropy(k11 + k21, k12 + k22);
        double matrixEntropy = entropy(k11, k12, k21, k22);
        if (rowEntropy + columnEntropy < matrixEntropy) {
            return 0.0; // round-off error
        }
        return 2.0 * (rowEntropy + columnEntropy - matrixEntropy);
    }

    private static double entropy(long... elements) {
        long sum = 0;
        double result = 0.0;
        for (long element : elements) {
            result += xLogX(element);
            sum += element;
        }
        return xLogX(sum) - result;
    }

    private static double xLogX(long x) {
        return x == 0 ? 0.0 : x * Math.log(x);
    }

    static double percentile(long[] nanos, double p) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(sorted.length * p / 100.0) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank))] / 1e6;
    }

    static double mean(long[] nanos) {
        return Arrays.stream(nanos).average().orElse(0) / 1e6;
    }
}
