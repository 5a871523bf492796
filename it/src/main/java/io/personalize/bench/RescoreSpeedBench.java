package io.personalize.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import io.personalize.it.Shop;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Search latency with the {@code personalize} rescorer, side by side on the same node and in the same run.
 * <p>
 * The catalogue: the Online Retail products (those with a title) replicated with varied ids to {@code docs} documents
 * (200,000 by default; {@code _id} = sku-copy), each copy keeping its {@code sku} field, the model's id field, so that
 * the model's signals apply to every copy: a query matches ~50 times as many documents as in the shop. One shard, no
 * replica, no content vectors (the rescorer does not read them). The model is trained on the purchases before
 * 2011-11-01, and the events index holds them. The queries are the first {@code queries} test searches of
 * {@link RescoreCases} (the test split, the same rule), each with its shopper.
 * <p>
 * Modes, each measured as the client sees it (HTTP round trips included), one client thread, interleaved query by
 * query in rotating order so that load changes hit every mode alike:
 * <ul>
 *   <li>{@code bm25}: {@code {"match": {"title": query}}}, size 10;</li>
 *   <li>{@code rescore-100}, {@code rescore-1000}: the same with the rescorer for the shopper, window 100 and 1000;</li>
 *   <li>{@code noop-query-rescore-1000}: Elasticsearch's query rescorer over 1000 hits changing nothing, the floor of any
 *       rescorer at that window; {@code rescore-1000-no-recent}: ours without the read of the shopper's newest events;
 *       {@code rescore-1000-api-recent}, {@code rescore-100-api-recent}: ours with the events API's per-user document;</li>
 *   <li>{@code query-form}, {@code query-form-api-recent}, {@code query-form-no-recent}: the personalize query around
 *       the same match (every match scored, no window), newest events from the events index, from the events API's
 *       per-user document, or none;</li>
 *   <li>{@code blog-recipe}: the peer, end to end: {@code GET _recommend} for the shopper's top 100 affinity items,
 *       then the {@code bool} query boosting them.</li>
 * </ul>
 * A warm-up round precedes the measured rounds. Then throughput: queries per second with 1, 2 and 4 clients for BM25,
 * the no-op rescorer, the rescorer at both windows and the query form.
 */
public final class RescoreSpeedBench {

    static final String PRODUCTS = "rs-products";
    static final String EVENTS = "rs-events";
    static final String MODEL = "rs";

    public static void main(String[] args) throws Exception {
        String url = args.length > 0 ? args[0] : "http://127.0.0.1:19400";
        int docs = 200_000, queries = 300, rounds = 3, seconds = 10, shards = 1, replicas = 0;
        boolean fresh = false;
        String only = null;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--docs" -> docs = Integer.parseInt(args[++i]);
                case "--queries" -> queries = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--fresh" -> fresh = true;
                case "--throughput-seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--shards" -> shards = Integer.parseInt(args[++i]);
                case "--replicas" -> replicas = Integer.parseInt(args[++i]);
                case "--only" -> only = args[++i];
                default ->
                    throw new IllegalArgumentException(
                            "unknown argument [" + args[i] + "]: [--docs N] [--queries N] [--rounds N] [--fresh]"
                                    + " [--throughput-seconds N] [--shards N] [--replicas N] [--only MODE,...]");
            }
        }
        EsClient es = new EsClient(url, System.getenv("PERSONALIZE_USER"), System.getenv("PERSONALIZE_PASSWORD"));
        OnlineRetail data = OnlineRetail.load();
        long split = OnlineRetail.SPLIT;
        loadCatalogue(es, data, docs, fresh, shards, replicas);
        RescoreCases.prepare(es, data, PRODUCTS, docs, () -> {}, EVENTS, MODEL, split, null, fresh);
        List<RescoreCases.Case> cases = RescoreCases.cases(data, split, Long.MAX_VALUE, queries);
        long matched = 0;
        for (RescoreCases.Case c : cases) {
            ObjectNode count = EsClient.object();
            count.putObject("query").putObject("match").put("title", c.query());
            matched += es.post("/" + PRODUCTS + "/_count", count)
                    .ok()
                    .path("count")
                    .asLong();
        }
        System.out.printf(
                Locale.ROOT,
                "%n%,d queries (%,d shoppers) over %,d products (%d shard(s), %d replica(s), %d node(s)), %,.0f"
                        + " matching documents per query on average; %d measured rounds after a warm-up round, one"
                        + " client%n",
                cases.size(),
                cases.stream().map(RescoreCases.Case::user).distinct().count(),
                docs,
                shards,
                replicas,
                es.get("/_cluster/health").ok().path("number_of_nodes").asInt(),
                (double) matched / cases.size(),
                rounds);

        prepareApiModel(es, data, split, cases, fresh);

        Map<String, Function<RescoreCases.Case, Long>> modes = new LinkedHashMap<>();
        modes.put("bm25", c -> timed(es, RescoreQualityBench.bm25Body(c.query())));
        modes.put("rescore-100", c -> timed(es, rescore(c, 100)));
        modes.put("rescore-1000", c -> timed(es, rescore(c, 1000)));
        // where the time goes: Elasticsearch's own rescorer doing nothing over the same window (the floor of any
        // rescorer
        // at that window: the first pass keeps 1000 hits instead of 10), and ours without the real-time events read
        modes.put("noop-query-rescore-1000", c -> timed(es, noopRescore(c, 1000)));
        modes.put("rescore-1000-no-recent", c -> {
            ObjectNode body = rescore(c, 1000);
            ((ObjectNode) body.path("rescore").path("personalize")).put("recent_items", 0);
            return timed(es, body);
        });
        // the shopper's newest events read from the events API's per-user document (one realtime GET beside the
        // profile's) instead of a search of the events index
        modes.put("rescore-1000-api-recent", c -> timed(es, rescoreWith(c, 1000, API_MODEL)));
        modes.put("rescore-100-api-recent", c -> timed(es, rescoreWith(c, 100, API_MODEL)));
        addQueryForm(es, modes);
        modes.put("blog-recipe", c -> {
            long start = System.nanoTime();
            List<String> profile = RescoreQualityBench.fetchProfile(es, MODEL, c.user());
            search(es, RescoreQualityBench.peerBody(c.query(), profile, RescoreQualityBench.DEFAULT_PEER));
            return System.nanoTime() - start;
        });
        if (only != null) {
            addComparisons(es, modes);
            runOnly(es, modes, only, cases, docs, seconds);
            return;
        }
        List<String> names = new ArrayList<>(modes.keySet());
        Map<String, List<Long>> nanos = new LinkedHashMap<>();
        names.forEach(n -> nanos.put(n, new ArrayList<>()));
        System.out.println("load average before: " + loadAverage());
        JsonNode countersBefore = null;
        for (int round = 0; round <= rounds; round++) {
            if (round == 1) {
                countersBefore = servingCounters(es);
            }
            for (int q = 0; q < cases.size(); q++) {
                for (int m = 0; m < names.size(); m++) {
                    String name = names.get((q + m + round) % names.size());
                    long t = modes.get(name).apply(cases.get(q));
                    if (round > 0) {
                        nanos.get(name).add(t);
                    }
                }
            }
        }
        System.out.println("load average after:  " + loadAverage());
        if (countersBefore != null) {
            printServingCounters(countersBefore, servingCounters(es));
        }
        System.out.printf(
                Locale.ROOT,
                "%n%-24s %9s %9s %9s %12s %12s%n",
                "mode",
                "p50 ms",
                "p99 ms",
                "mean ms",
                "p50 / bm25",
                "p99 / bm25");
        double bp50 = percentile(nanos.get("bm25"), 50), bp99 = percentile(nanos.get("bm25"), 99);
        for (String name : names) {
            List<Long> t = nanos.get(name);
            double p50 = percentile(t, 50), p99 = percentile(t, 99);
            System.out.printf(
                    Locale.ROOT,
                    "%-24s %9.2f %9.2f %9.2f %12.2f %12.2f%n",
                    name,
                    p50,
                    p99,
                    t.stream().mapToLong(Long::longValue).average().orElse(0) / 1e6,
                    p50 / bp50,
                    p99 / bp99);
        }
        System.out.printf(
                Locale.ROOT,
                "%nratio p50 rescore-1000 / bm25: %.2f (target <= 1.15)%n",
                percentile(nanos.get("rescore-1000"), 50) / bp50);
        System.out.printf(
                Locale.ROOT,
                "ratio p50 noop-query-rescore-1000 / bm25 (Elasticsearch's floor at this window): %.2f%n",
                percentile(nanos.get("noop-query-rescore-1000"), 50) / bp50);
        System.out.printf(
                Locale.ROOT,
                "ratio p50 blog-recipe / rescore-1000: %.2f%n",
                percentile(nanos.get("blog-recipe"), 50) / percentile(nanos.get("rescore-1000"), 50));
        System.out.printf(
                Locale.ROOT,
                "ratio p50 rescore-1000 / noop-query-rescore-1000: %.2f (target <= 1.10); with the events API: %.2f%n",
                percentile(nanos.get("rescore-1000"), 50) / percentile(nanos.get("noop-query-rescore-1000"), 50),
                percentile(nanos.get("rescore-1000-api-recent"), 50)
                        / percentile(nanos.get("noop-query-rescore-1000"), 50));
        reportQueryForm(nanos, bp50);
        printScoredDocuments(es, cases);
        if (seconds > 0) {
            throughput(
                    es,
                    cases,
                    modes,
                    List.of(
                            "bm25",
                            "noop-query-rescore-1000",
                            "rescore-1000",
                            "rescore-1000-api-recent",
                            "rescore-100-api-recent",
                            "query-form",
                            "query-form-api-recent"),
                    seconds);
        }
        System.out.printf(
                Locale.ROOT,
                "reproduce: bin/bench rescore-speed --docs %d --queries %d --rounds %d --throughput-seconds %d"
                        + " --shards %d --replicas %d%n",
                docs,
                queries,
                rounds,
                seconds,
                shards,
                replicas);
    }

    /**
     * Only the modes named (a comma-separated list), each for {@code seconds} in all, in alternating blocks of a second
     * after a warm-up round of each: what a profiler attached to the node sees of one mode, or two modes compared by
     * the node's CPU time per search ({@code _nodes/stats/process}), which other processes on the machine disturb less
     * than latency. Prints, per mode, the searches, the p50 and the node's CPU milliseconds per search.
     */
    static void runOnly(
            EsClient es,
            Map<String, Function<RescoreCases.Case, Long>> modes,
            String only,
            List<RescoreCases.Case> cases,
            int docs,
            int seconds) {
        List<String> names = List.of(only.split(","));
        for (String name : names) {
            if (modes.containsKey(name) == false) {
                throw new IllegalArgumentException("unknown mode [" + name + "], one of " + modes.keySet());
            }
            cases.forEach(modes.get(name)::apply);
        }
        System.out.println("load average before: " + loadAverage());
        Map<String, List<Long>> nanos = new LinkedHashMap<>();
        Map<String, Long> cpuMillis = new LinkedHashMap<>();
        Map<String, Long> transportBytes = new LinkedHashMap<>();
        names.forEach(n -> {
            nanos.put(n, new ArrayList<>());
            cpuMillis.put(n, 0L);
            transportBytes.put(n, 0L);
        });
        int q = 0;
        for (int block = 0; block < seconds; block++) {
            for (String name : names) {
                Function<RescoreCases.Case, Long> mode = modes.get(name);
                NodeTotals before = NodeTotals.read(es);
                long end = System.nanoTime() + 1_000_000_000L;
                while (System.nanoTime() < end) {
                    nanos.get(name).add(mode.apply(cases.get(q++ % cases.size())));
                }
                NodeTotals after = NodeTotals.read(es);
                cpuMillis.merge(name, after.cpuMillis() - before.cpuMillis(), Long::sum);
                transportBytes.merge(name, after.transportBytes() - before.transportBytes(), Long::sum);
            }
        }
        System.out.println("load average after:  " + loadAverage());
        System.out.printf(
                Locale.ROOT,
                "reproduce: bin/bench rescore-speed --docs %d --queries %d --throughput-seconds %d --only %s%n",
                docs,
                cases.size(),
                seconds,
                only);
        for (String name : names) {
            List<Long> t = nanos.get(name);
            System.out.printf(
                    Locale.ROOT,
                    "%-24s %d s: %,d searches, p50 %.3f ms, node CPU %.3f ms per search, %,.0f transport bytes sent"
                            + " per search (every node)%n",
                    name,
                    seconds,
                    t.size(),
                    percentile(t, 50),
                    cpuMillis.get(name) / (double) t.size(),
                    transportBytes.get(name) / (double) t.size());
        }
    }

    /**
     * The nodes' CPU time (milliseconds) and the bytes they sent each other (shard requests and their results; 0 on one
     * node, whose shard requests are local) so far, each summed over the nodes, read in one stats request. The stats
     * requests themselves add a few hundred bytes per second on 3 nodes.
     */
    record NodeTotals(long cpuMillis, long transportBytes) {
        static NodeTotals read(EsClient es) {
            long millis = 0, bytes = 0;
            for (JsonNode node : es.get("/_nodes/stats/process,transport").ok().path("nodes")) {
                millis +=
                        node.path("process").path("cpu").path("total_in_millis").asLong();
                bytes += node.path("transport").path("tx_size_in_bytes").asLong();
            }
            return new NodeTotals(millis, bytes);
        }
    }

    /**
     * The personalize query around the same match: every match scored, no window; with the events index searched for
     * the newest events (the model {@code rs}), and with the events API's per-user document ({@code rs-api}).
     */
    static void addQueryForm(EsClient es, Map<String, Function<RescoreCases.Case, Long>> modes) {
        modes.put("query-form", c -> timed(es, queryForm(c, MODEL)));
        modes.put("query-form-api-recent", c -> timed(es, queryForm(c, API_MODEL)));
        modes.put("query-form-no-recent", c -> timed(es, queryForm(c, MODEL, p -> p.put("recent_items", 0))));
    }

    /**
     * Modes for comparisons only ({@code --only}), which split the query form's time beside BM25's into its parts
     * (the collection of every match, the fetch of hits that lie apart in the index) and compare a shop's usual
     * search, filtered.
     */
    static void addComparisons(EsClient es, Map<String, Function<RescoreCases.Case, Long>> modes) {
        // the events API's model without its newest events (query-form-no-recent's model searches the events index
        // when asked for them)
        modes.put("query-form-api-no-recent", c -> timed(es, queryForm(c, API_MODEL, p -> p.put("recent_items", 0))));
        // BM25 collecting every match, as any search but a bare term must to count its hits (Elasticsearch counts a
        // term's matches from the index): the clause that excludes an absent word only defeats that shortcut
        modes.put("bm25-every-match", c -> {
            ObjectNode absent = EsClient.object();
            absent.putObject("term").put("title", "zzqqxx");
            return timed(es, RescoreQualityBench.searchBody(matchAnd(c.query(), "must_not", absent)));
        });
        // without the fetch phase's stored fields (no _id read): the personalized top hits lie farther apart in the
        // index than BM25's, whose ties (each product is in the index many times) go to the lowest documents
        modes.put(
                "bm25-no-fetch",
                c -> timed(es, RescoreQualityBench.bm25Body(c.query()).put("stored_fields", "_none_")));
        modes.put(
                "query-form-api-no-fetch",
                c -> timed(es, queryForm(c, API_MODEL).put("stored_fields", "_none_")));
        // a shop's usual search: the words filtered (here by price), where BM25 collects every match too
        modes.put("bm25-price-filter", c -> timed(es, RescoreQualityBench.searchBody(priceFiltered(c.query()))));
        modes.put(
                "query-form-price-filter",
                c -> timed(es, queryForm(c, API_MODEL, p -> p.set("query", priceFiltered(c.query())))));
    }

    /** A bool query: the match on the title, and {@code clause} as {@code occur}. */
    private static ObjectNode matchAnd(String words, String occur, ObjectNode clause) {
        ObjectNode query = EsClient.object();
        ObjectNode bool = query.putObject("bool");
        bool.putObject("must").putObject("match").put("title", words);
        bool.set(occur, clause);
        return query;
    }

    /** The match, of products with a price (99% of the catalogue's). */
    private static ObjectNode priceFiltered(String words) {
        ObjectNode range = EsClient.object();
        range.putObject("range").putObject("price").put("gt", 0);
        return matchAnd(words, "filter", range);
    }

    /** The personalize query around the match of {@code c}, its options changed by {@code options}. */
    static ObjectNode queryForm(RescoreCases.Case c, String model, Consumer<ObjectNode> options) {
        ObjectNode body = queryForm(c, model);
        options.accept((ObjectNode) body.path("query").path("personalize"));
        return body;
    }

    /**
     * How much Lucene skips: the documents scored per search (the bench's queries are one word each), by BM25's term
     * query and by the personalize query around it, each search profiled once with {@code track_total_hits: false} (so
     * that skipping may start as soon as the top 10 are full).
     */
    static void printScoredDocuments(EsClient es, List<RescoreCases.Case> cases) {
        long bm25 = 0, personalized = 0;
        for (RescoreCases.Case c : cases) {
            bm25 += scoredDocuments(es, RescoreQualityBench.bm25Body(c.query()));
            personalized += scoredDocuments(es, queryForm(c, API_MODEL));
        }
        System.out.printf(
                Locale.ROOT,
                "documents scored per search with track_total_hits false (profile API): BM25 %,.0f, personalize query"
                        + " (events API) %,.0f%n",
                (double) bm25 / cases.size(),
                (double) personalized / cases.size());
    }

    /** The documents the search's top query scored (BM25's term query; the personalize query around it). */
    private static long scoredDocuments(EsClient es, ObjectNode body) {
        body.put("profile", true).put("track_total_hits", false);
        JsonNode response = es.post("/" + PRODUCTS + "/_search", body).ok();
        long scored = 0;
        for (JsonNode shard : response.path("profile").path("shards")) {
            for (JsonNode search : shard.path("searches")) {
                for (JsonNode query : search.path("query")) {
                    scored += query.path("breakdown").path("score_count").asLong();
                }
            }
        }
        return scored;
    }

    static ObjectNode queryForm(RescoreCases.Case c, String model) {
        return RescoreQualityBench.queryFormBody(c.query(), model, c.user());
    }

    static void reportQueryForm(Map<String, List<Long>> nanos, double bp50) {
        System.out.printf(
                Locale.ROOT,
                "ratio p50 query-form / bm25: %.2f (target <= 1.15); with the events API: %.2f; without newest events: "
                        + "%.2f; query-form / rescore-1000: %.2f%n",
                percentile(nanos.get("query-form"), 50) / bp50,
                percentile(nanos.get("query-form-api-recent"), 50) / bp50,
                percentile(nanos.get("query-form-no-recent"), 50) / bp50,
                percentile(nanos.get("query-form"), 50) / percentile(nanos.get("rescore-1000"), 50));
    }

    static ObjectNode rescore(RescoreCases.Case c, int window) {
        return rescoreWith(c, window, MODEL);
    }

    static ObjectNode rescoreWith(RescoreCases.Case c, int window, String model) {
        ObjectNode body = RescoreQualityBench.bm25Body(c.query());
        ObjectNode rescore = body.putObject("rescore").put("window_size", window);
        rescore.putObject("personalize").put("model", model).put("user_id", c.user());
        return body;
    }

    static final String API_MODEL = "rs-api";
    static final String API_EVENTS = "rs-events-api";

    /**
     * A second model trained on the same events, whose newest events come from the events API: after training it takes
     * its events in an index of its own, and each benchmark shopper's train events (their 100 newest distinct items)
     * are sent to it through {@code POST _recommend/models/rs-api/_events}, so that both models know the same newest
     * items per shopper.
     */
    static void prepareApiModel(
            EsClient es, OnlineRetail data, long split, List<RescoreCases.Case> cases, boolean fresh) {
        JsonNode config = es.get("/_recommend/models/" + MODEL).ok().path("config");
        JsonNode existing = es.get("/_recommend/models/" + API_MODEL).json();
        if (fresh == false
                && existing.path("status").path("active_version").asLong() > 0
                && existing.path("config")
                        .path("events")
                        .path("recent_events")
                        .asText()
                        .equals("api")) {
            System.out.printf(Locale.ROOT, "reusing model [%s]%n", API_MODEL);
            return;
        }
        long start = System.nanoTime();
        es.delete("/_recommend/models/" + API_MODEL);
        ObjectNode trainOn = config.deepCopy();
        es.put("/_recommend/models/" + API_MODEL, trainOn).ok();
        es.post("/_recommend/models/" + API_MODEL + "/_train", null).ok();
        ObjectNode serveWith = config.deepCopy();
        ((ObjectNode) serveWith.path("events")).put("index", API_EVENTS).put("recent_events", "api");
        es.delete("/" + API_EVENTS);
        es.put("/" + API_EVENTS, es.get("/" + EVENTS + "/_mapping").ok().path(EVENTS))
                .ok();
        es.put("/_recommend/models/" + API_MODEL, serveWith).ok();
        java.util.Set<String> shoppers = new java.util.HashSet<>();
        cases.forEach(c -> shoppers.add(c.user()));
        Map<String, List<OnlineRetail.Purchase>> byUser = new LinkedHashMap<>();
        for (OnlineRetail.Purchase p : RescoreCases.trainEvents(data, split)) {
            if (shoppers.contains(p.user())) {
                byUser.computeIfAbsent(p.user(), u -> new ArrayList<>()).add(p);
            }
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

    /**
     * Queries per second with 1, 2 and 4 concurrent clients, each mode for {@code seconds} per client count, the
     * modes in rotating order; each client cycles through the queries from its own offset.
     */
    static void throughput(
            EsClient es,
            List<RescoreCases.Case> cases,
            Map<String, Function<RescoreCases.Case, Long>> modes,
            List<String> names,
            int seconds)
            throws Exception {
        System.out.printf(Locale.ROOT, "%nthroughput (queries per second), %d s per mode and client count%n", seconds);
        System.out.printf(Locale.ROOT, "%-26s %10s %10s %10s%n", "mode", "1 client", "2 clients", "4 clients");
        Map<String, double[]> qps = new LinkedHashMap<>();
        names.forEach(n -> qps.put(n, new double[3]));
        int[] clientCounts = {1, 2, 4};
        for (int k = 0; k < clientCounts.length; k++) {
            int clients = clientCounts[k];
            for (int m = 0; m < names.size(); m++) {
                String name = names.get((m + k) % names.size());
                Function<RescoreCases.Case, Long> mode = modes.get(name);
                ExecutorService pool = Executors.newFixedThreadPool(clients);
                long end = System.nanoTime() + seconds * 1_000_000_000L;
                List<Future<Long>> counts = new ArrayList<>();
                for (int t = 0; t < clients; t++) {
                    int offset = t * cases.size() / clients;
                    counts.add(pool.submit(() -> {
                        long n = 0;
                        for (int q = offset; System.nanoTime() < end; q++) {
                            mode.apply(cases.get(q % cases.size()));
                            n++;
                        }
                        return n;
                    }));
                }
                long total = 0;
                for (Future<Long> f : counts) {
                    total += f.get();
                }
                pool.shutdown();
                qps.get(name)[k] = total / (double) seconds;
            }
        }
        for (String name : names) {
            double[] q = qps.get(name);
            System.out.printf(Locale.ROOT, "%-26s %10.1f %10.1f %10.1f%n", name, q[0], q[1], q[2]);
        }
        for (String name : names) {
            if (name.equals("bm25") == false) {
                double[] q = qps.get(name), b = qps.get("bm25");
                System.out.printf(
                        Locale.ROOT,
                        "throughput %s / bm25: %.2f, %.2f, %.2f with 1, 2, 4 clients (target at 4: >= 0.75)%n",
                        name,
                        q[0] / b[0],
                        q[1] / b[1],
                        q[2] / b[2]);
            }
        }
        if (qps.containsKey("noop-query-rescore-1000")) {
            // a rescorer at window 1000 serves at most what Elasticsearch's own rescorer doing nothing at that window
            // serves (the first pass keeps 1000 hits instead of 10): this is how far ours is from that floor
            double[] q = qps.get("rescore-1000-api-recent"), n = qps.get("noop-query-rescore-1000");
            System.out.printf(
                    Locale.ROOT,
                    "throughput rescore-1000-api-recent / noop-query-rescore-1000: %.2f, %.2f, %.2f with 1, 2, 4 clients%n",
                    q[0] / n[0],
                    q[1] / n[1],
                    q[2] / n[2]);
        }
    }

    /** Elasticsearch's query rescorer over the window, changing no score. */
    static ObjectNode noopRescore(RescoreCases.Case c, int window) {
        ObjectNode body = RescoreQualityBench.bm25Body(c.query());
        ObjectNode query = body.putObject("rescore").put("window_size", window).putObject("query");
        query.putObject("rescore_query").putObject("match_all");
        query.put("query_weight", 1).put("rescore_query_weight", 0);
        return body;
    }

    static long timed(EsClient es, ObjectNode body) {
        long start = System.nanoTime();
        search(es, body);
        return System.nanoTime() - start;
    }

    static void search(EsClient es, ObjectNode body) {
        JsonNode response = es.post("/" + PRODUCTS + "/_search", body).ok();
        if (response.path("hits").path("hits").size() == 0) {
            throw new IllegalStateException("no hits for " + body);
        }
    }

    static double percentile(List<Long> nanos, double p) {
        long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
    }

    /**
     * Every node's GETs and the plugin's signals and newest-items caches ({@code _nodes/stats}, {@code _recommend/_stats}):
     * what the measured rounds read and computed, summed over the nodes (a plugin without those caches shows zeros).
     */
    static JsonNode servingCounters(EsClient es) {
        ObjectNode counters = EsClient.object();
        long gets = 0;
        for (JsonNode node : es.get("/_nodes/stats/indices/get").ok().path("nodes")) {
            gets += node.path("indices").path("get").path("total").asLong();
        }
        counters.put("gets", gets);
        for (JsonNode node : es.get("/_recommend/_stats").ok().path("nodes")) {
            for (String cache : List.of("signals_cache", "recent_items_cache")) {
                for (String field : List.of("hits", "misses", "evictions", "entries", "size_in_bytes")) {
                    String name = cache + "." + field;
                    counters.put(
                            name,
                            counters.path(name).asLong()
                                    + node.path(cache).path(field).asLong());
                }
            }
        }
        return counters;
    }

    static void printServingCounters(JsonNode before, JsonNode after) {
        System.out.printf(
                Locale.ROOT,
                "measured rounds: %,d GETs; signals cache %,d hits, %,d misses, %,d evictions (%,d entries, %,d bytes"
                        + " after); newest-items copy %,d hits, %,d misses, %,d evictions%n",
                after.path("gets").asLong() - before.path("gets").asLong(),
                delta(before, after, "signals_cache.hits"),
                delta(before, after, "signals_cache.misses"),
                delta(before, after, "signals_cache.evictions"),
                after.path("signals_cache.entries").asLong(),
                after.path("signals_cache.size_in_bytes").asLong(),
                delta(before, after, "recent_items_cache.hits"),
                delta(before, after, "recent_items_cache.misses"),
                delta(before, after, "recent_items_cache.evictions"));
    }

    private static long delta(JsonNode before, JsonNode after, String field) {
        return after.path(field).asLong() - before.path(field).asLong();
    }

    static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg"))
                    .trim();
        } catch (Exception e) {
            return "unknown";
        }
    }

    /** Whether the catalogue index has these numbers of shards and replicas. */
    static boolean sameShards(EsClient es, int shards, int replicas) {
        JsonNode index = es.get("/" + PRODUCTS + "/_settings")
                .ok()
                .path(PRODUCTS)
                .path("settings")
                .path("index");
        return index.path("number_of_shards").asInt() == shards
                && index.path("number_of_replicas").asInt() == replicas;
    }

    /** The catalogue replicated to {@code docs} documents, bulk-loaded by two client threads with refresh off. */
    static void loadCatalogue(EsClient es, OnlineRetail data, int docs, boolean fresh, int shards, int replicas)
            throws Exception {
        EsClient.Response count = es.get("/" + PRODUCTS + "/_count");
        if (fresh == false
                && count.status() == 200
                && count.json().path("count").asLong() == docs
                && sameShards(es, shards, replicas)) {
            System.out.printf(Locale.ROOT, "reusing index [%s] (%,d products)%n", PRODUCTS, docs);
            return;
        }
        long start = System.nanoTime();
        List<OnlineRetail.Product> catalogue =
                data.products().stream().filter(p -> p.title() != null).toList();
        Shop.createProductsIndex(es, PRODUCTS, null, shards, replicas);
        es.put("/" + PRODUCTS + "/_settings", "{\"index\": {\"refresh_interval\": \"-1\"}}")
                .ok();
        List<Integer> all = new ArrayList<>(docs);
        for (int i = 0; i < docs; i++) {
            all.add(i);
        }
        Function<Integer, OnlineRetail.Product> product = i -> catalogue.get(i % catalogue.size());
        int batch = 2000;
        ExecutorService clients = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int first = t * batch;
                done.add(clients.submit(() -> {
                    for (int b = first; b < all.size(); b += 2 * batch) {
                        Shop.bulk(
                                es,
                                PRODUCTS,
                                all.subList(b, Math.min(all.size(), b + batch)),
                                i -> product.apply(i).sku() + "-" + i / catalogue.size(),
                                i -> Shop.productDocument(product.apply(i)),
                                batch);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            clients.shutdown();
        }
        es.put("/" + PRODUCTS + "/_settings", "{\"index\": {\"refresh_interval\": \"1s\"}}")
                .ok();
        es.refresh(PRODUCTS);
        es.post("/" + PRODUCTS + "/_forcemerge?max_num_segments=1", null).ok();
        es.get("/_cluster/health/" + PRODUCTS + "?wait_for_status=green&timeout=120s")
                .ok();
        System.out.printf(
                Locale.ROOT,
                "loaded %,d products into [%s] in %.0f s (force-merged to one segment per shard)%n",
                docs,
                PRODUCTS,
                (System.nanoTime() - start) / 1e9);
    }
}
