package io.personalize.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * Search quality of the {@code personalize} rescorer on protocol OR-time (see {@link RescoreCases}): for each test
 * search, the rank of the bought item among the first 10 results of
 * <ul>
 *   <li>BM25 alone: {@code {"match": {"title": query}}};</li>
 *   <li>the blog recipe, the peer: the client first fetches the shopper's profile from the plugin
 *       ({@code GET _recommend?model=..&user_id=..&size=N}: their top affinity items), then sends a {@code bool} query
 *       whose {@code should} {@code terms} clause boosts those items beside the same {@code match};</li>
 *   <li>the same {@code match} with the {@code personalize} rescorer for that shopper, at its defaults.</li>
 * </ul>
 * NDCG@10 (one relevant item: 1 / log2(rank + 1)), MRR@10 and HR@10 are averaged over the test searches.
 * <p>
 * {@code --validation} trains on the purchases before 2011-10-01 and tests on October's; the default is the test split
 * (before 2011-11-01, then the rest). {@code --tune} runs a grid of the rescorer's settings and of the peer's on the
 * split, to choose the defaults on the validation split.
 */
public final class RescoreQualityBench {

    static final int TOP = 10;
    static final int THREADS = 3;

    /** The rescorer's settings of a run; null leaves a setting at the plugin's default. */
    record Settings(
            Integer window,
            Float query,
            Float similarity,
            Float affinity,
            Float attributes,
            Float popularity,
            String normalization,
            Integer recent) {
        static final Settings DEFAULTS = new Settings(null, null, null, null, null, null, null, null);

        ObjectNode rescore(String model, String user) {
            ObjectNode rescore = EsClient.object();
            if (window != null) {
                rescore.put("window_size", window);
            }
            ObjectNode p = rescore.putObject("personalize").put("model", model).put("user_id", user);
            if (query != null || similarity != null || affinity != null || attributes != null || popularity != null) {
                ObjectNode w = p.putObject("weights");
                put(w, "query", query);
                put(w, "item_similarity", similarity);
                put(w, "user_affinity", affinity);
                put(w, "attribute_affinity", attributes);
                put(w, "popularity", popularity);
            }
            if (normalization != null) {
                p.put("query_normalization", normalization);
            }
            if (recent != null) {
                p.put("recent_items", recent);
            }
            return rescore;
        }

        private static void put(ObjectNode o, String name, Float value) {
            if (value != null) {
                o.put(name, value);
            }
        }

        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "window=%s q=%s sim=%s aff=%s pop=%s norm=%s recent=%s",
                    d(window),
                    d(query),
                    d(similarity),
                    d(affinity),
                    d(popularity),
                    d(normalization),
                    d(recent));
        }

        private static String d(Object o) {
            return o == null ? "dflt" : o.toString();
        }
    }

    /** The blog recipe: boost the shopper's top {@code items} affinity items by {@code boost}. */
    record Peer(int items, float boost) {
        @Override
        public String toString() {
            return "top " + items + " items, boost " + boost;
        }
    }

    static final Peer DEFAULT_PEER = new Peer(100, 2f);

    /** Per-search ranks (1..10, 0 when not in the first 10) and their averages. */
    record Result(String name, int[] ranks) {
        double ndcg() {
            double s = 0;
            for (int r : ranks) {
                s += r == 0 ? 0 : 1 / (Math.log(r + 1) / Math.log(2));
            }
            return s / ranks.length;
        }

        double mrr() {
            double s = 0;
            for (int r : ranks) {
                s += r == 0 ? 0 : 1.0 / r;
            }
            return s / ranks.length;
        }

        double hr() {
            double s = 0;
            for (int r : ranks) {
                s += r == 0 ? 0 : 1;
            }
            return s / ranks.length;
        }

        /** Half-width of the 95% confidence interval of the mean per-search NDCG difference to {@code base}. */
        double ndcgDiffCi(Result base) {
            int n = ranks.length;
            double[] d = new double[n];
            double mean = 0;
            for (int i = 0; i < n; i++) {
                d[i] = gain(ranks[i]) - gain(base.ranks[i]);
                mean += d[i];
            }
            mean /= n;
            double var = 0;
            for (double x : d) {
                var += (x - mean) * (x - mean);
            }
            return 1.96 * Math.sqrt(var / (n - 1) / n);
        }

        private static double gain(int r) {
            return r == 0 ? 0 : 1 / (Math.log(r + 1) / Math.log(2));
        }
    }

    public static void main(String[] args) throws Exception {
        String url = args.length > 0 ? args[0] : "http://127.0.0.1:19400";
        boolean validation = false, tune = false, fresh = false;
        int maxCases = 5000;
        Integer userItems = null;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--validation" -> validation = true;
                case "--tune" -> tune = true;
                case "--fresh" -> fresh = true;
                case "--cases" -> maxCases = Integer.parseInt(args[++i]);
                case "--user-items" -> userItems = Integer.parseInt(args[++i]);
                default ->
                    throw new IllegalArgumentException("unknown argument [" + args[i]
                            + "]: [--validation] [--tune] [--fresh] " + "[--cases N (0: all)] [--user-items N]");
            }
        }
        EsClient es = new EsClient(url, System.getenv("PERSONALIZE_USER"), System.getenv("PERSONALIZE_PASSWORD"));
        OnlineRetail data = OnlineRetail.load();
        String splitDay = validation ? "2011-10-01" : "2011-11-01";
        long split = RescoreCases.epochMillis(splitDay);
        long end = validation ? RescoreCases.epochMillis("2011-11-01") : Long.MAX_VALUE;
        String tag = validation ? "val" : "test";
        String products = "rq-products",
                events = "rq-events-" + tag,
                model = "rq-" + tag + (userItems == null ? "" : "-u" + userItems);
        RescoreCases.prepare(es, data, products, events, model, split, userItems, fresh);
        List<RescoreCases.Case> cases = RescoreCases.cases(data, split, end, maxCases);
        List<RescoreCases.Case> all = RescoreCases.cases(data, split, end, 0);
        System.out.printf(
                Locale.ROOT,
                "%nprotocol OR-time, %s split: train on purchases before %s, test on %s; %,d test searches "
                        + "(of %,d; %,d users), query = the last letter-only word of the bought item's title%n",
                validation ? "validation" : "test",
                splitDay,
                validation ? "2011-10" : "2011-11-01 .. 2011-12-09",
                cases.size(),
                all.size(),
                cases.stream().map(RescoreCases.Case::user).distinct().count());

        Result bm25 = run(es, "BM25 alone", cases, c -> bm25Body(c.query()));
        Map<String, List<String>> profiles = profiles(es, model, cases);
        if (tune) {
            tune(es, model, cases, bm25, profiles);
            return;
        }
        Result peer = run(
                es,
                "blog recipe: bool + should terms (" + DEFAULT_PEER + ")",
                cases,
                c -> peerBody(c.query(), profiles.get(c.user()), DEFAULT_PEER));
        Result ours = run(
                es,
                "personalize rescorer (defaults)",
                cases,
                c -> rescoreBody(c.query(), model, c.user(), Settings.DEFAULTS));
        // ablations: what the shopper's own signals do, and what the model's popularity alone does
        Result personal = run(
                es,
                "  its shopper signals only (weights.popularity 0)",
                cases,
                c -> rescoreBody(
                        c.query(), model, c.user(), new Settings(null, null, null, null, null, 0f, null, null)));
        Result popular = run(
                es,
                "  its popularity only (item_similarity, user_affinity 0)",
                cases,
                c -> rescoreBody(c.query(), model, c.user(), new Settings(null, null, 0f, 0f, 0f, null, null, null)));
        Result queryForm = runQueryForm(es, model, cases, null);
        List<Result> results = new ArrayList<>(List.of(bm25, peer, ours, personal, popular, queryForm));
        if (validation) {
            // the query form's normalisation, chosen here: log (the default) against the raw first-pass score
            results.add(runQueryForm(es, model, cases, "none"));
        }
        System.out.printf(Locale.ROOT, "%n%-58s %8s %8s %8s %12s%n", "", "NDCG@10", "MRR@10", "HR@10", "NDCG vs BM25");
        for (Result r : results) {
            System.out.printf(
                    Locale.ROOT,
                    "%-58s %8.4f %8.4f %8.4f %s%n",
                    r.name(),
                    r.ndcg(),
                    r.mrr(),
                    r.hr(),
                    r == bm25
                            ? ""
                            : String.format(
                                    Locale.ROOT,
                                    "%+8.1f%% (±%.1f%%)",
                                    100 * (r.ndcg() / bm25.ndcg() - 1),
                                    100 * r.ndcgDiffCi(bm25) / bm25.ndcg()));
        }
        System.out.printf(
                Locale.ROOT,
                "%nrelative NDCG@10 change, personalize rescorer vs BM25 alone: %+.1f%% (target >= +30%%); vs the blog recipe: %+.1f%%%n",
                100 * (ours.ndcg() / bm25.ndcg() - 1),
                100 * (ours.ndcg() / peer.ndcg() - 1));
        System.out.printf(
                Locale.ROOT,
                "MRR@10 change vs BM25 alone: %+.1f%%; vs the blog recipe: %+.1f%%%n",
                100 * (ours.mrr() / bm25.mrr() - 1),
                100 * (ours.mrr() / peer.mrr() - 1));
        System.out.printf(
                Locale.ROOT,
                "personalize query vs the rescorer: NDCG@10 %+.1f%% (±%.1f%%), MRR@10 %+.1f%%%n",
                100 * (queryForm.ndcg() / ours.ndcg() - 1),
                100 * queryForm.ndcgDiffCi(ours) / ours.ndcg(),
                100 * (queryForm.mrr() / ours.mrr() - 1));
        System.out.println("(± is the half-width of the 95% confidence interval of the paired per-search difference)");
        System.out.println("reproduce: bin/bench rescore-quality" + (validation ? " --validation" : "") + " --cases "
                + maxCases + (userItems == null ? "" : " --user-items " + userItems));
    }

    /** The personalize query around the same match, its defaults (the rescorer's, with no window). */
    static Result runQueryForm(EsClient es, String model, List<RescoreCases.Case> cases, String normalization)
            throws Exception {
        return run(
                es,
                normalization == null
                        ? "personalize query (defaults, no window)"
                        : "  personalize query, query_normalization " + normalization,
                cases,
                c -> {
                    ObjectNode body = queryFormBody(c.query(), model, c.user());
                    if (normalization != null) {
                        ((ObjectNode) body.path("query").path("personalize")).put("query_normalization", normalization);
                    }
                    return body;
                });
    }

    static ObjectNode queryFormBody(String query, String model, String user) {
        ObjectNode body = EsClient.object().put("size", TOP).put("_source", false);
        ObjectNode personalize = body.putObject("query").putObject("personalize");
        personalize.putObject("query").putObject("match").put("title", query);
        personalize.put("model", model).put("user_id", user);
        return body;
    }

    static void tune(
            EsClient es, String model, List<RescoreCases.Case> cases, Result bm25, Map<String, List<String>> profiles)
            throws Exception {
        System.out.printf(Locale.ROOT, "%n%-70s %8s %8s %8s %9s%n", "", "NDCG@10", "MRR@10", "HR@10", "vs BM25");
        print(bm25, bm25);
        for (Peer peer : List.of(
                new Peer(20, 1f),
                new Peer(20, 3f),
                new Peer(100, 0.5f),
                new Peer(100, 1f),
                new Peer(100, 2f),
                new Peer(100, 4f),
                new Peer(100, 8f))) {
            print(run(es, "peer " + peer, cases, c -> peerBody(c.query(), profiles.get(c.user()), peer)), bm25);
        }
        List<Settings> grid = new ArrayList<>();
        grid.add(Settings.DEFAULTS);
        // before popularity, square roots and the plugin's default window: what the rescorer first shipped with
        grid.add(new Settings(10, 1f, 1f, 1f, 0.5f, 0f, "minmax", 20));
        for (String norm : List.of("minmax", "log")) {
            for (int window : List.of(50, 100, 200, 500)) {
                grid.add(new Settings(window, 0.5f, null, null, null, null, norm, null));
            }
        }
        for (int recent : List.of(5, 20, 50, 100)) {
            grid.add(new Settings(null, null, null, null, null, null, null, recent));
        }
        for (float[] w : new float[][] {
            {0.25f, 0.5f, 1, 1},
            {1, 0.5f, 1, 1},
            {0.5f, 1, 1, 1},
            {0.5f, 0.5f, 2, 1},
            {0.5f, 0.5f, 1, 2},
            {0.5f, 0.5f, 1, 0.5f},
            {0.5f, 0.5f, 1, 0},
            {0.5f, 0, 0, 1},
            {0.5f, 1, 0, 0},
            {0.5f, 0, 1, 0}
        }) {
            grid.add(new Settings(null, w[0], w[1], w[2], null, w[3], null, null));
        }
        for (Settings s : grid) {
            print(run(es, s.toString(), cases, c -> rescoreBody(c.query(), model, c.user(), s)), bm25);
        }
    }

    static void print(Result r, Result bm25) {
        System.out.printf(
                Locale.ROOT,
                "%-70s %8.4f %8.4f %8.4f %+8.1f%%%n",
                r.name(),
                r.ndcg(),
                r.mrr(),
                r.hr(),
                100 * (r.ndcg() / bm25.ndcg() - 1));
    }

    static ObjectNode bm25Body(String query) {
        ObjectNode match = EsClient.object();
        match.putObject("match").put("title", query);
        return searchBody(match);
    }

    /** The bench's search of {@code query}: its top {@link #TOP} hits, without their source. */
    static ObjectNode searchBody(ObjectNode query) {
        ObjectNode body = EsClient.object().put("size", TOP).put("_source", false);
        body.set("query", query);
        return body;
    }

    static ObjectNode rescoreBody(String query, String model, String user, Settings settings) {
        ObjectNode body = bm25Body(query);
        body.set("rescore", settings.rescore(model, user));
        return body;
    }

    /** The blog recipe's query: the same match, and a should clause boosting the shopper's top affinity items. */
    static ObjectNode peerBody(String query, List<String> affinityItems, Peer peer) {
        ObjectNode body = EsClient.object().put("size", TOP).put("_source", false);
        ObjectNode bool = body.putObject("query").putObject("bool");
        bool.putArray("must").addObject().putObject("match").put("title", query);
        List<String> items = affinityItems.subList(0, Math.min(peer.items(), affinityItems.size()));
        if (items.isEmpty() == false) {
            ObjectNode terms = bool.putArray("should").addObject().putObject("terms");
            ArrayNode ids = terms.putArray("sku");
            items.forEach(ids::add);
            terms.put("boost", peer.boost());
        }
        return body;
    }

    /** The peer's profile fetch: the shopper's top affinity items from the plugin's stored profile ("for you", 100 at most). */
    static List<String> fetchProfile(EsClient es, String model, String user) {
        JsonNode response = es.get("/_recommend?model=" + model + "&user_id=" + user + "&size=100")
                .ok();
        List<String> items = new ArrayList<>();
        for (JsonNode r : response.path("recommendations")) {
            items.add(r.path("item_id").asText());
        }
        return items;
    }

    static Map<String, List<String>> profiles(EsClient es, String model, List<RescoreCases.Case> cases)
            throws Exception {
        Map<String, List<String>> profiles = new ConcurrentHashMap<>();
        List<String> users = new ArrayList<>(
                new HashSet<>(cases.stream().map(RescoreCases.Case::user).toList()));
        parallel(users, u -> profiles.put(u, fetchProfile(es, model, u)));
        return profiles;
    }

    static Result run(
            EsClient es, String name, List<RescoreCases.Case> cases, Function<RescoreCases.Case, ObjectNode> body)
            throws Exception {
        int[] ranks = new int[cases.size()];
        List<Integer> indices = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            indices.add(i);
        }
        parallel(indices, i -> {
            RescoreCases.Case c = cases.get(i);
            JsonNode hits = es.post("/rq-products/_search", body.apply(c))
                    .ok()
                    .path("hits")
                    .path("hits");
            for (int r = 0; r < hits.size(); r++) {
                if (hits.get(r).path("_id").asText().equals(c.item())) {
                    ranks[i] = r + 1;
                    break;
                }
            }
        });
        return new Result(name, ranks);
    }

    interface Task<T> {
        void run(T t) throws Exception;
    }

    static <T> void parallel(List<T> items, Task<T> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int first = t;
                futures.add(pool.submit(() -> {
                    for (int i = first; i < items.size(); i += THREADS) {
                        task.run(items.get(i));
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }
}
