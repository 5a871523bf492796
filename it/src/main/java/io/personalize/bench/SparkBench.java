package io.personalize.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import io.personalize.it.ProductAttributes;
import io.personalize.it.RealCluster;
import io.personalize.it.Shop;
import io.personalize.training.RankingMetrics;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Spark job ({@code bin/spark-train}, local mode on this machine) beside the node's own training, same model, same
 * events, in one run:
 * <ul>
 *   <li>{@code bin/bench spark retail [ALGORITHMS]}: Online Retail, train events before 2011-11-01, cosine then rp3beta
 *       (or the algorithms given, e.g. {@code als}: Spark MLlib's ALS beside the node's own, which differ): the share
 *       of identical top-10 neighbour lists, the largest score difference, the share of identical stored "for you"
 *       lists, and HR, Recall, NDCG and coverage at 10 of both models' stored lists on the test users (protocol
 *       OR-time), side by side; {@code ease} runs the job with the variant the node chose for its heap (dense at the
 *       bench's 2 GB, sparse with {@code PERSONALIZE_BENCH_HEAP=512m}), {@code user_knn} ranks the users over the
 *       broadcast matrix;</li>
 *   <li>{@code bin/bench spark retail-discount [ALGORITHMS] [D]}: the same with {@code training.popularity_discount} D
 *       (default 0.3) in both models, cosine, rp3beta, ease and user_knn by default;</li>
 *   <li>{@code bin/bench spark als-spread [ITERATIONS,...] [SEEDS] [cg|exact]}: the seed-to-seed spread of the node's
 *       ALS and of MLlib's (the job) on Online Retail, each number of sweeps (15, 30 and 50 by default) with seeds 42,
 *       43, 44 (or SEEDS of them), and the difference of the two sides' means; {@code exact}: the model's
 *       {@code similarity.variant} exact, the node solving MLlib's systems (one algorithm on both sides);</li>
 *   <li>{@code bin/bench spark scale EVENTS}: the synthetic events of {@code bin/bench scale}: wall time and memory of
 *       both trainings (the node's heap as sampled by {@link ScaleBench}; the Spark JVM's heap peak and its resident
 *       set).</li>
 * </ul>
 * Both versions are kept by the node (the active one and the one before), so their documents are compared directly.
 */
public final class SparkBench {

    static final int K = 10;

    public static void main(String[] args) throws Exception {
        String url = args.length > 0 ? args[0] : "http://127.0.0.1:19400";
        String mode = args.length > 1 ? args[1] : "retail";
        EsClient es = new EsClient(url, System.getenv("PERSONALIZE_USER"), System.getenv("PERSONALIZE_PASSWORD"));
        if (mode.equals("scale")) {
            long events =
                    args.length > 2 ? Long.parseLong(args[2].replace("_", "").replace(",", "")) : 2_000_000L;
            // "executors": only the default import (each partition sending its parts), not the second run of the job
            // whose driver sends a file: at 20 million events each run of the job takes half an hour here
            scale(es, url, events, args.length <= 3 || args[3].equals("executors") == false);
        } else if (mode.equals("retail-discount")) {
            // bin/bench spark retail-discount [ALGORITHMS] [D]: the same with training.popularity_discount D (0.3)
            retail(
                    es,
                    url,
                    List.of((args.length > 2 ? args[2] : "cosine,rp3beta,ease,user_knn").split(",")),
                    false,
                    args.length > 3 ? Double.parseDouble(args[3]) : 0.3);
        } else if (mode.equals("als-spread")) {
            // bin/bench spark als-spread [ITERATIONS,...] [SEEDS] [cg|exact]: the seed-to-seed spread of both ALS at
            // more sweeps, the node's ALS the model's variant (exact: MLlib's own factorisation on the node)
            alsSpread(
                    es,
                    url,
                    java.util.Arrays.stream((args.length > 2 ? args[2] : "15,30,50").split(","))
                            .map(Integer::parseInt)
                            .toList(),
                    args.length > 3 ? Integer.parseInt(args[3]) : 3,
                    io.personalize.training.ImplicitAls.Solver.of(args.length > 4 ? args[4] : "cg"),
                    args.length > 5 ? Long.parseLong(args[5]) : 42);
        } else if (mode.equals("als-regparam")) {
            // MLlib's regParam scale chosen on a validation split, then measured on OR-time beside the node's als
            retail(es, url, List.of("als"), true);
        } else {
            // bin/bench spark retail [ALGORITHMS]: cosine,rp3beta by default; als compares MLlib's ALS with the node's
            retail(es, url, List.of((args.length > 2 ? args[2] : "cosine,rp3beta").split(",")), false);
        }
    }

    // ---- Online Retail: equivalence

    static void retail(EsClient es, String url, List<String> algorithms, boolean regParam) throws Exception {
        retail(es, url, algorithms, regParam, 0);
    }

    /** {@code discount}: the models' {@code training.popularity_discount} (0: none). */
    static void retail(EsClient es, String url, List<String> algorithms, boolean regParam, double discount)
            throws Exception {
        OnlineRetail data = OnlineRetail.load();
        OnlineRetail.Protocol protocol = data.protocol();
        String events = "spark-or-events";
        String products = "spark-or-products";
        if (es.get("/" + events + "/_count").status() != 200
                || es.get("/" + events + "/_count").ok().path("count").asLong()
                        != protocol.train().size()) {
            Shop.createEventsIndex(es, events, 1, 0);
            Shop.loadEvents(es, events, protocol.train(), 2);
        }
        es.delete("/" + products);
        es.put("/" + products, "{\"mappings\": {\"properties\": {\"sku\": {\"type\": \"keyword\"}}}}")
                .ok();
        // the catalogue's attributes: users' attribute affinities, the job's beside the node's
        es.put("/" + products + "/_mapping", ProductAttributes.mapping()).ok();
        Shop.bulk(es, products, data.products(), OnlineRetail.Product::sku, ProductAttributes::document, 2000);
        es.refresh(products);
        System.out.printf(
                Locale.ROOT,
                "Spark job vs the node's training on Online Retail (train < 2011-11-01: %,d events)%s, %s%n",
                protocol.train().size(),
                discount > 0 ? ", training.popularity_discount " + discount : "",
                url);
        for (String algorithm : algorithms) {
            String model = "spark-or-" + algorithm + (discount > 0 ? "-discount" : "");
            es.delete("/_recommend/models/" + model);
            es.put(
                            "/_recommend/models/" + model,
                            String.format(
                                    Locale.ROOT,
                                    """
                {"catalog": {"index": "%s", "id_field": "sku", "attributes": ["price_band", "words"]},
                 "events": {"index": "%s", "user_field": "user_id", "item_field": "sku", "type_field": "type",
                            "time_field": "@timestamp", "weights": {"view": 1, "cart": 3, "purchase": 5}},
                 "similarity": {"algorithm": "%s", "neighbors": 50}%s}""",
                                    products,
                                    events,
                                    algorithm,
                                    discount > 0 ? ", \"training\": {\"popularity_discount\": " + discount + "}" : ""))
                    .ok();
            long start = System.nanoTime();
            JsonNode trained = es.post("/_recommend/models/" + model + "/_train", null)
                    .ok()
                    .path("version");
            double nodeSeconds = (System.nanoTime() - start) / 1e9;
            if (regParam) {
                alsRegParam(
                        es,
                        url,
                        data,
                        protocol,
                        model,
                        Model.read(es, trained.path("index").asText()),
                        products);
                System.out.println("\nreproduce: bin/bench spark als-regparam");
                return;
            }
            SparkRun spark = algorithm.equals("ease")
                    ? SparkRun.run(url, model, "--master", "local[2]", "--ease", nodesEaseMode(es, trained))
                    : SparkRun.run(url, model, "--master", "local[2]");
            JsonNode status = es.get("/_recommend/models/" + model).ok().path("status");
            String nodeIndex = trained.path("index").asText();
            String sparkIndex = status.path("versions").get(0).path("index").asText();
            if (nodeIndex.equals(sparkIndex)) {
                throw new IllegalStateException("the Spark job's version was not activated: " + status);
            }
            Model node = Model.read(es, nodeIndex);
            Model fromSpark = Model.read(es, sparkIndex);
            System.out.printf(
                    Locale.ROOT,
                    "%n[%s] node: %.1f s (%s); Spark local[2]: %.1f s wall (JVM start and build included)%n",
                    algorithm,
                    nodeSeconds,
                    nodeIndex,
                    spark.seconds,
                    sparkIndex);
            compare(node, fromSpark, protocol);
            if (algorithm.equals("als")) {
                alsNoise(es, url, data, protocol, model, fromSpark);
            }
        }
        System.out.println("\nreproduce: bin/bench spark " + (discount > 0 ? "retail-discount " : "retail ")
                + String.join(",", algorithms) + (discount > 0 ? " " + discount : ""));
    }

    /**
     * Does the seed-to-seed spread of "the same ALS" shrink below 0.5% with the settings a shop would use? For each
     * number of sweeps ({@code similarity.iterations}; the other parameters the defaults, which the validation split
     * chose: 64 factors, lambda 10, alpha 2), the node's ALS (the plugin's training code in this JVM) and MLlib's (the
     * job) with seeds 42, 43, ... on the same Online Retail events, each judged on OR-time: every run's HR, Recall,
     * NDCG and coverage at 10, the largest move from seed 42 and the relative standard deviation on each side, and the
     * two sides' means beside each other with the standard error of their difference. {@code variant}: the model's
     * {@code similarity.variant}, the node's solver ({@code exact}: MLlib's factorisation, so that the two sides are
     * one algorithm and only their random numbers differ); with it the node's own {@code _train} (seed 42, the
     * in-cluster training) is scored as the job's model is, from its stored lists.
     */
    static void alsSpread(
            EsClient es,
            String url,
            List<Integer> sweeps,
            int seeds,
            io.personalize.training.ImplicitAls.Solver variant,
            long firstSeed)
            throws Exception {
        OnlineRetail data = OnlineRetail.load();
        OnlineRetail.Protocol protocol = data.protocol();
        String events = "spark-or-events";
        if (es.get("/" + events + "/_count").status() != 200
                || es.get("/" + events + "/_count").ok().path("count").asLong()
                        != protocol.train().size()) {
            Shop.createEventsIndex(es, events, 1, 0);
            Shop.loadEvents(es, events, protocol.train(), 2);
        }
        // a model needs a catalogue: the products' ids only (no attributes: the figures are the lists')
        String products = "spark-or-spread-products";
        es.delete("/" + products);
        es.put("/" + products, "{\"mappings\": {\"properties\": {\"sku\": {\"type\": \"keyword\"}}}}")
                .ok();
        Shop.bulk(es, products, data.products(), OnlineRetail.Product::sku, p -> Map.of("sku", p.sku()), 2000);
        es.refresh(products);
        Map<String, Integer> ids = ids(protocol);
        OfflineEvaluator offline = new OfflineEvaluator(
                OfflineSplit.time(data.purchases(), OnlineRetail.SPLIT, Long.MAX_VALUE, "OR-time"), K);
        boolean exact = variant == io.personalize.training.ImplicitAls.Solver.EXACT;
        System.out.printf(
                Locale.ROOT,
                "ALS seed-to-seed spread, node's ALS (variant %s) and Spark MLlib, Online Retail (train < 2011-11-01:"
                        + " %,d events), OR-time, k = %d, seeds %d..%d, %s%n",
                variant.id(),
                protocol.train().size(),
                K,
                firstSeed,
                firstSeed + seeds - 1,
                url);
        for (int iterations : sweeps) {
            String model = "spark-or-als-" + iterations;
            es.delete("/_recommend/models/" + model);
            es.put(
                            "/_recommend/models/" + model,
                            String.format(
                                    Locale.ROOT,
                                    """
                    {"catalog": {"index": "%s", "id_field": "sku"},
                     "events": {"index": "%s", "user_field": "user_id", "item_field": "sku", "type_field": "type",
                                "time_field": "@timestamp", "weights": {"view": 1, "cart": 3, "purchase": 5}},
                     "similarity": {"algorithm": "als", "neighbors": 50, "iterations": %d%s}}""",
                                    products,
                                    events,
                                    iterations,
                                    exact ? ", \"variant\": \"exact\"" : ""))
                    .ok();
            System.out.printf(
                    Locale.ROOT, "%n[als, %d iterations]          HR@10   Recall  NDCG   coverage%n", iterations);
            List<OfflineEvaluator.Figures> node = new ArrayList<>();
            List<OfflineEvaluator.Figures> mllib = new ArrayList<>();
            for (int x = 0; x < seeds; x++) {
                long seed = firstSeed + x;
                OfflineEvaluator.Figures f = offline.plugin(io.personalize.training.TrainingConfig.builder()
                        .algorithm(io.personalize.training.TrainingConfig.Algorithm.ALS)
                        .neighbors(50)
                        .iterations(iterations)
                        .alsSeed(seed)
                        .alsSolver(variant)
                        .build());
                node.add(f);
                printRun("node's ALS, seed " + seed, f, String.format(Locale.ROOT, "(%,d ms)", f.trainMs()));
            }
            if (exact && firstSeed == 42) {
                // the in-cluster training itself (seed 42), scored from its stored lists as the job's model is
                long start = System.nanoTime();
                String index = es.post("/_recommend/models/" + model + "/_train", null)
                        .ok()
                        .path("version")
                        .path("index")
                        .asText();
                printRun(
                        "node's _train, seed 42",
                        figures(metrics(Model.read(es, index), protocol, ids)),
                        String.format(Locale.ROOT, "(%.1f s, stored lists)", (System.nanoTime() - start) / 1e9));
            }
            for (int x = 0; x < seeds; x++) {
                long seed = firstSeed + x;
                SparkRun run = SparkRun.run(url, model, "--master", "local[2]", "--seed", String.valueOf(seed));
                OfflineEvaluator.Figures f = figures(metrics(Model.read(es, activeIndex(es, model)), protocol, ids));
                mllib.add(f);
                printRun("Spark MLlib, seed " + seed, f, String.format(Locale.ROOT, "(%.1f s wall)", run.seconds));
            }
            printSpread("node's ALS, " + iterations + " iterations, the other seeds vs " + firstSeed, node);
            printSpread("Spark MLlib, " + iterations + " iterations, the other seeds vs " + firstSeed, mllib);
            OfflineEvaluator.Figures a = mean(node);
            OfflineEvaluator.Figures b = mean(mllib);
            System.out.printf(
                    Locale.ROOT,
                    "  means of the %d seeds: node %.4f / %.4f / %.4f / %.4f, MLlib %.4f / %.4f / %.4f / %.4f: MLlib"
                            + " %+.2f%% %+.2f%% %+.2f%% %+.2f%% (HR, Recall, NDCG, coverage)%n",
                    seeds,
                    a.hr(),
                    a.recall(),
                    a.ndcg(),
                    a.coverage(),
                    b.hr(),
                    b.recall(),
                    b.ndcg(),
                    b.coverage(),
                    rel(b.hr(), a.hr()),
                    rel(b.recall(), a.recall()),
                    rel(b.ndcg(), a.ndcg()),
                    rel(b.coverage(), a.coverage()));
            System.out.printf(
                    Locale.ROOT,
                    "  standard error of that difference (seeds' spread on both sides, %% of the node's mean): HR"
                            + " %.2f%%, Recall %.2f%%, NDCG %.2f%%, coverage %.2f%%%n",
                    differenceError(node, mllib, OfflineEvaluator.Figures::hr),
                    differenceError(node, mllib, OfflineEvaluator.Figures::recall),
                    differenceError(node, mllib, OfflineEvaluator.Figures::ndcg),
                    differenceError(node, mllib, OfflineEvaluator.Figures::coverage));
            es.delete("/_recommend/models/" + model);
        }
        es.delete("/" + products);
        System.out.println("\nreproduce: bin/bench spark als-spread "
                + String.join(",", sweeps.stream().map(String::valueOf).toList()) + " " + seeds
                + " " + variant.id() + (firstSeed == 42 ? "" : " " + firstSeed));
    }

    /** One run's line: its label, HR@10, Recall, NDCG and coverage, and what it took. */
    static void printRun(String label, OfflineEvaluator.Figures f, String took) {
        System.out.printf(
                Locale.ROOT,
                "  %-22s %8.4f %8.4f %8.4f %9.4f   %s%n",
                label,
                f.hr(),
                f.recall(),
                f.ndcg(),
                f.coverage(),
                took);
    }

    /** A stored model's figures ({@link #metrics}) as the evaluator's. */
    static OfflineEvaluator.Figures figures(RankingMetrics m) {
        return new OfflineEvaluator.Figures(m.hitRate(), m.precision(), m.recall(), m.map(), m.ndcg(), m.coverage(), 0);
    }

    /** The sample standard deviation of a figure over runs, relative to their mean (%). */
    static double relativeDeviation(
            List<OfflineEvaluator.Figures> runs, java.util.function.ToDoubleFunction<OfflineEvaluator.Figures> figure) {
        double mean = runs.stream().mapToDouble(figure).average().orElse(0);
        double squares = runs.stream()
                .mapToDouble(f -> (figure.applyAsDouble(f) - mean) * (figure.applyAsDouble(f) - mean))
                .sum();
        return runs.size() < 2 || mean == 0 ? 0 : 100 * Math.sqrt(squares / (runs.size() - 1)) / mean;
    }

    /** The standard error of the difference of two sides' means, % of the first side's mean. */
    static double differenceError(
            List<OfflineEvaluator.Figures> a,
            List<OfflineEvaluator.Figures> b,
            java.util.function.ToDoubleFunction<OfflineEvaluator.Figures> figure) {
        double sa = relativeDeviation(a, figure);
        double sb = relativeDeviation(b, figure);
        return Math.sqrt(sa * sa / a.size() + sb * sb / b.size());
    }

    /** The runs' mean figures. */
    static OfflineEvaluator.Figures mean(List<OfflineEvaluator.Figures> runs) {
        double n = runs.size();
        return new OfflineEvaluator.Figures(
                runs.stream().mapToDouble(OfflineEvaluator.Figures::hr).sum() / n,
                runs.stream().mapToDouble(OfflineEvaluator.Figures::precision).sum() / n,
                runs.stream().mapToDouble(OfflineEvaluator.Figures::recall).sum() / n,
                runs.stream().mapToDouble(OfflineEvaluator.Figures::map).sum() / n,
                runs.stream().mapToDouble(OfflineEvaluator.Figures::ndcg).sum() / n,
                runs.stream().mapToDouble(OfflineEvaluator.Figures::coverage).sum() / n,
                0);
    }

    /** MLlib's regParam scales tried on the validation split (1: the job's mapping). */
    static final double[] REG_PARAM_SCALES = {0.25, 0.5, 1, 2, 4};

    /**
     * Why MLlib's {@code als} figures are not the node's, measured: the noise floor of "the same algorithm", the
     * node's ALS (the plugin's training code in this JVM, {@link OfflineEvaluator}) and MLlib's (the job) each with
     * seeds 42, 43 and 44, same events.
     */
    static void alsNoise(
            EsClient es, String url, OnlineRetail data, OnlineRetail.Protocol protocol, String model, Model spark42)
            throws Exception {
        Map<String, Integer> ids = ids(protocol);
        System.out.printf(Locale.ROOT, "%n  [als] (a) the noise floor: the same ALS, another seed, on OR-time%n");
        OfflineEvaluator offline = new OfflineEvaluator(
                OfflineSplit.time(data.purchases(), OnlineRetail.SPLIT, Long.MAX_VALUE, "OR-time"), K);
        List<OfflineEvaluator.Figures> offlineFigures = new ArrayList<>();
        for (long seed : new long[] {42, 43, 44}) {
            OfflineEvaluator.Figures f = offline.plugin(io.personalize.training.TrainingConfig.builder()
                    .algorithm(io.personalize.training.TrainingConfig.Algorithm.ALS)
                    .neighbors(50)
                    .alsSeed(seed)
                    .build());
            printRun("node's ALS here, seed " + seed, f, String.format(Locale.ROOT, "(%,d ms)", f.trainMs()));
            offlineFigures.add(f);
        }
        printSpread("node's ALS, seeds 43 and 44 vs 42", offlineFigures);
        List<RankingMetrics> sparkSeeds = new ArrayList<>();
        sparkSeeds.add(metrics(spark42, protocol, ids));
        for (String seed : new String[] {"43", "44"}) {
            SparkRun.run(url, model, "--master", "local[2]", "--seed", seed);
            sparkSeeds.add(metrics(Model.read(es, activeIndex(es, model)), protocol, ids));
        }
        List<OfflineEvaluator.Figures> sparkFigures = new ArrayList<>();
        for (int x = 0; x < sparkSeeds.size(); x++) {
            sparkFigures.add(figures(sparkSeeds.get(x)));
            printRun("Spark MLlib, seed " + (42 + x), sparkFigures.get(x), "");
        }
        printSpread("Spark MLlib, seeds 43 and 44 vs 42", sparkFigures);
    }

    /**
     * MLlib's regParam scaled ({@code --reg-param-scale}), the scale chosen on a validation split (train before
     * 2011-10-01, judged on October's new purchases: never the test split) as the one whose HR, Recall and NDCG are
     * nearest the node's there, then measured on OR-time beside the node's {@code node}.
     */
    static void alsRegParam(
            EsClient es,
            String url,
            OnlineRetail data,
            OnlineRetail.Protocol protocol,
            String model,
            Model node,
            String products)
            throws Exception {
        Map<String, Integer> ids = ids(protocol);
        long validationSplit = java.time.LocalDateTime.parse("2011-10-01T00:00:00")
                .toInstant(java.time.ZoneOffset.UTC)
                .toEpochMilli();
        OnlineRetail.Protocol all = data.protocol(validationSplit);
        Map<String, Set<String>> october = new java.util.TreeMap<>();
        Map<String, Set<String>> known = all.trainItemsByUser();
        for (OnlineRetail.Purchase p : data.purchases()) {
            Set<String> k = known.get(p.user());
            if (p.time() >= validationSplit
                    && p.time() < OnlineRetail.SPLIT
                    && k != null
                    && k.contains(p.sku()) == false) {
                october.computeIfAbsent(p.user(), x -> new java.util.HashSet<>())
                        .add(p.sku());
            }
        }
        OnlineRetail.Protocol validation =
                new OnlineRetail.Protocol(all.train(), all.trainCatalog(), all.trainItemsByUser(), october);
        String events = "spark-or-val-events";
        String valModel = "spark-or-val-als";
        if (es.get("/" + events + "/_count").status() != 200
                || es.get("/" + events + "/_count").ok().path("count").asLong()
                        != validation.train().size()) {
            Shop.createEventsIndex(es, events, 1, 0);
            Shop.loadEvents(es, events, validation.train(), 2);
        }
        es.delete("/_recommend/models/" + valModel);
        es.put("/_recommend/models/" + valModel, String.format(Locale.ROOT, """
                {"catalog": {"index": "%s", "id_field": "sku"},
                 "events": {"index": "%s", "user_field": "user_id", "item_field": "sku", "type_field": "type",
                            "time_field": "@timestamp", "weights": {"view": 1, "cart": 3, "purchase": 5}},
                 "similarity": {"algorithm": "als", "neighbors": 50}}""", products, events))
                .ok();
        String nodeIndex = es.post("/_recommend/models/" + valModel + "/_train", null)
                .ok()
                .path("version")
                .path("index")
                .asText();
        Map<String, Integer> valIds = ids(validation);
        RankingMetrics nodeValidation = metrics(Model.read(es, nodeIndex), validation, valIds);
        System.out.printf(
                Locale.ROOT,
                "%n  [als] (b) MLlib's regParam scaled, chosen on the validation split (train < 2011-10-01: %,d events;"
                        + " judged on October: %,d users)%n  %-22s %8s %8s %8s %9s   %s%n",
                validation.train().size(),
                nodeValidation.users(),
                "",
                "HR@10",
                "Recall",
                "NDCG",
                "coverage",
                "largest |HR, Recall, NDCG vs node|");
        System.out.printf(
                Locale.ROOT,
                "  %-22s %8.4f %8.4f %8.4f %9.4f%n",
                "node",
                nodeValidation.hitRate(),
                nodeValidation.recall(),
                nodeValidation.ndcg(),
                nodeValidation.coverage());
        double bestScale = 1;
        double bestGap = Double.MAX_VALUE;
        for (double scale : REG_PARAM_SCALES) {
            SparkRun.run(url, valModel, "--master", "local[2]", "--reg-param-scale", Double.toString(scale));
            RankingMetrics m = metrics(Model.read(es, activeIndex(es, valModel)), validation, valIds);
            double gap = Math.max(
                    Math.abs(rel(m.hitRate(), nodeValidation.hitRate())),
                    Math.max(
                            Math.abs(rel(m.recall(), nodeValidation.recall())),
                            Math.abs(rel(m.ndcg(), nodeValidation.ndcg()))));
            System.out.printf(
                    Locale.ROOT,
                    "  %-22s %8.4f %8.4f %8.4f %9.4f   %.2f%% (%+.2f%% %+.2f%% %+.2f%% %+.2f%%)%n",
                    "Spark, regParam x " + scale,
                    m.hitRate(),
                    m.recall(),
                    m.ndcg(),
                    m.coverage(),
                    gap,
                    rel(m.hitRate(), nodeValidation.hitRate()),
                    rel(m.recall(), nodeValidation.recall()),
                    rel(m.ndcg(), nodeValidation.ndcg()),
                    rel(m.coverage(), nodeValidation.coverage()));
            if (gap < bestGap) {
                bestGap = gap;
                bestScale = scale;
            }
        }
        System.out.printf(Locale.ROOT, "  chosen on validation: regParam x %s%n", bestScale);
        RankingMetrics a = metrics(node, protocol, ids);
        RankingMetrics b =
                runAndMeasure(es, url, model, protocol, ids, "--reg-param-scale", Double.toString(bestScale));
        System.out.printf(
                Locale.ROOT,
                "  on OR-time, regParam x %s: node %.4f / %.4f / %.4f / %.4f, Spark %.4f / %.4f / %.4f / %.4f:"
                        + " %+.2f%% %+.2f%% %+.2f%% %+.2f%% (HR, Recall, NDCG, coverage)%n",
                bestScale,
                a.hitRate(),
                a.recall(),
                a.ndcg(),
                a.coverage(),
                b.hitRate(),
                b.recall(),
                b.ndcg(),
                b.coverage(),
                rel(b.hitRate(), a.hitRate()),
                rel(b.recall(), a.recall()),
                rel(b.ndcg(), a.ndcg()),
                rel(b.coverage(), a.coverage()));
        es.delete("/_recommend/models/" + valModel);
    }

    static RankingMetrics runAndMeasure(
            EsClient es,
            String url,
            String model,
            OnlineRetail.Protocol protocol,
            Map<String, Integer> ids,
            String... options)
            throws Exception {
        List<String> args = new ArrayList<>(List.of("--master", "local[2]"));
        args.addAll(List.of(options));
        SparkRun.run(url, model, args.toArray(String[]::new));
        return metrics(Model.read(es, activeIndex(es, model)), protocol, ids);
    }

    static String activeIndex(EsClient es, String model) {
        return es.get("/_recommend/models/" + model)
                .ok()
                .path("status")
                .path("versions")
                .get(0)
                .path("index")
                .asText();
    }

    static Map<String, Integer> ids(OnlineRetail.Protocol protocol) {
        List<String> catalogue = new ArrayList<>(new TreeSet<>(protocol.trainCatalog()));
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < catalogue.size(); i++) {
            ids.put(catalogue.get(i), i);
        }
        return ids;
    }

    /** Each run's figures beside the first's, and the largest relative move of each figure. */
    static void printSpread(String what, List<OfflineEvaluator.Figures> runs) {
        OfflineEvaluator.Figures base = runs.get(0);
        double[] largest = new double[4];
        for (OfflineEvaluator.Figures f : runs.subList(1, runs.size())) {
            double[] moves = {
                rel(f.hr(), base.hr()),
                rel(f.recall(), base.recall()),
                rel(f.ndcg(), base.ndcg()),
                rel(f.coverage(), base.coverage())
            };
            for (int x = 0; x < 4; x++) {
                largest[x] = Math.abs(moves[x]) > Math.abs(largest[x]) ? moves[x] : largest[x];
            }
        }
        System.out.printf(
                Locale.ROOT,
                "  %s, largest move: HR %+.2f%%, Recall %+.2f%%, NDCG %+.2f%%, coverage %+.2f%%; standard deviation"
                        + " of the %d runs: HR %.2f%%, Recall %.2f%%, NDCG %.2f%%, coverage %.2f%%%n",
                what,
                largest[0],
                largest[1],
                largest[2],
                largest[3],
                runs.size(),
                relativeDeviation(runs, OfflineEvaluator.Figures::hr),
                relativeDeviation(runs, OfflineEvaluator.Figures::recall),
                relativeDeviation(runs, OfflineEvaluator.Figures::ndcg),
                relativeDeviation(runs, OfflineEvaluator.Figures::coverage));
    }

    /**
     * The EASE variant the node chose for its training (dense while {@code 24 * items^2} bytes fit 40% of its heap),
     * which the job is told to use: its own choice would follow the driver's heap. Run the bench with
     * {@code PERSONALIZE_BENCH_HEAP=512m} for the sparse variant on Online Retail (3,613 items: 313 MB dense).
     */
    static String nodesEaseMode(EsClient es, JsonNode trainedVersion) {
        long heap = ScaleBench.nodeJvm(es).path("mem").path("heap_max_in_bytes").asLong();
        long items = trainedVersion.path("items").asLong();
        long budget = (long) (heap * io.personalize.model.TrainingConfigs.MEMORY_BUDGET_SHARE);
        String mode = io.personalize.training.EaseSimilarity.denseBytes((int) items) <= budget ? "dense" : "sparse";
        System.out.printf(
                Locale.ROOT,
                "  [ease] the node's heap %s: budget %s for %,d items, dense needs %s: the node trained %s, the job"
                        + " runs --ease %s%n",
                ScaleBench.mb(heap),
                ScaleBench.mb(budget),
                items,
                ScaleBench.mb(io.personalize.training.EaseSimilarity.denseBytes((int) items)),
                mode,
                mode);
        return mode;
    }

    static void compare(Model node, Model spark, OnlineRetail.Protocol protocol) {
        int identical = 0, compared = 0, identicalUsers = 0, comparedUsers = 0;
        double maxDiff = 0, maxPopularityDiff = 0, overlap = 0;
        String maxDiffAt = "";
        for (Map.Entry<String, JsonNode> e : node.items.entrySet()) {
            JsonNode a = e.getValue();
            JsonNode b = spark.items.get(e.getKey());
            if (b == null) {
                continue;
            }
            compared++;
            List<String> topA = top(a.path("neighbors"), K);
            List<String> topB = top(b.path("neighbors"), K);
            if (topA.equals(topB)) {
                identical++;
            }
            // overlap: the items both top-10 lists hold, whatever their order (als: MLlib's factors differ)
            Set<String> both = new java.util.HashSet<>(topA);
            both.retainAll(topB);
            overlap += topA.isEmpty() ? 1 : (double) both.size() / topA.size();
            Map<String, Double> scores = new HashMap<>();
            for (int x = 0; x < b.path("neighbors").size(); x++) {
                scores.put(
                        b.path("neighbors").get(x).asText(),
                        b.path("scores").get(x).asDouble());
            }
            for (int x = 0; x < a.path("neighbors").size(); x++) {
                Double other = scores.get(a.path("neighbors").get(x).asText());
                if (other != null) {
                    double d = Math.abs(other - a.path("scores").get(x).asDouble());
                    if (d > maxDiff) {
                        maxDiff = d;
                        maxDiffAt =
                                e.getKey() + " -> " + a.path("neighbors").get(x).asText();
                    }
                }
            }
            maxPopularityDiff = Math.max(
                    maxPopularityDiff,
                    Math.abs(a.path("popularity").asDouble()
                            - b.path("popularity").asDouble()));
        }
        int identicalAffinities = 0, withAffinities = 0;
        double maxAffinityDiff = 0;
        for (Map.Entry<String, JsonNode> e : node.users.entrySet()) {
            JsonNode b = spark.users.get(e.getKey());
            if (b != null) {
                comparedUsers++;
                if (top(e.getValue().path("items"), K).equals(top(b.path("items"), K))) {
                    identicalUsers++;
                }
                // attribute affinities: the same values, in the same order, with the same weights
                JsonNode want = e.getValue().path("attributes");
                JsonNode got = b.path("attributes");
                withAffinities += want.size() > 0 ? 1 : 0;
                if (want.equals(got) && order(want).equals(order(got))) {
                    identicalAffinities++;
                }
                for (java.util.Iterator<String> a = want.fieldNames(); a.hasNext(); ) {
                    String attribute = a.next();
                    for (java.util.Iterator<Map.Entry<String, JsonNode>> v =
                                    want.path(attribute).fields();
                            v.hasNext(); ) {
                        Map.Entry<String, JsonNode> value = v.next();
                        JsonNode other = got.path(attribute).path(value.getKey());
                        maxAffinityDiff = Math.max(
                                maxAffinityDiff,
                                other.isNumber()
                                        ? Math.abs(other.asDouble()
                                                - value.getValue().asDouble())
                                        : 1.0);
                    }
                }
            }
        }
        System.out.printf(
                Locale.ROOT,
                "  documents: node %,d items %,d users; Spark %,d items %,d users%n",
                node.items.size(),
                node.users.size(),
                spark.items.size(),
                spark.users.size());
        System.out.printf(
                Locale.ROOT,
                "  identical top-%d neighbour lists: %,d / %,d = %.2f%% (mean overlap %.1f%%); largest score difference"
                        + " %.3g (%s); largest popularity difference %.3g%n",
                K,
                identical,
                compared,
                100.0 * identical / Math.max(1, compared),
                100.0 * overlap / Math.max(1, compared),
                maxDiff,
                maxDiffAt,
                maxPopularityDiff);
        System.out.printf(
                Locale.ROOT,
                "  identical stored top-%d \"for you\" lists: %,d / %,d = %.2f%%%n",
                K,
                identicalUsers,
                comparedUsers,
                100.0 * identicalUsers / Math.max(1, comparedUsers));
        System.out.printf(
                Locale.ROOT,
                "  identical attribute affinities (values, order and weights): %,d / %,d users = %.2f%% (%,d with"
                        + " affinities on the node); largest weight difference %.3g%n",
                identicalAffinities,
                comparedUsers,
                100.0 * identicalAffinities / Math.max(1, comparedUsers),
                withAffinities,
                maxAffinityDiff);
        List<String> catalogue = new ArrayList<>(new TreeSet<>(protocol.trainCatalog()));
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < catalogue.size(); i++) {
            ids.put(catalogue.get(i), i);
        }
        RankingMetrics a = metrics(node, protocol, ids);
        RankingMetrics b = metrics(spark, protocol, ids);
        System.out.printf(Locale.ROOT, "  protocol OR-time on the stored lists (%,d test users):%n", a.users());
        System.out.printf(Locale.ROOT, "  %-10s %8s %8s %8s %9s%n", "", "HR@10", "Recall", "NDCG", "coverage");
        System.out.printf(
                Locale.ROOT,
                "  %-10s %8.4f %8.4f %8.4f %9.4f%n",
                "node",
                a.hitRate(),
                a.recall(),
                a.ndcg(),
                a.coverage());
        System.out.printf(
                Locale.ROOT,
                "  %-10s %8.4f %8.4f %8.4f %9.4f%n",
                "Spark",
                b.hitRate(),
                b.recall(),
                b.ndcg(),
                b.coverage());
        System.out.printf(
                Locale.ROOT,
                "  %-10s %+7.2f%% %+7.2f%% %+7.2f%% %+8.2f%%%n",
                "Spark/node",
                rel(b.hitRate(), a.hitRate()),
                rel(b.recall(), a.recall()),
                rel(b.ndcg(), a.ndcg()),
                rel(b.coverage(), a.coverage()));
    }

    /** Each attribute's values in their stored order. */
    static List<String> order(JsonNode attributes) {
        List<String> order = new ArrayList<>();
        attributes.fields().forEachRemaining(a -> {
            order.add(a.getKey() + ":");
            a.getValue().fieldNames().forEachRemaining(order::add);
        });
        return order;
    }

    static double rel(double x, double base) {
        return base == 0 ? 0 : 100 * (x - base) / base;
    }

    static RankingMetrics metrics(Model model, OnlineRetail.Protocol protocol, Map<String, Integer> ids) {
        RankingMetrics metrics = new RankingMetrics(K, ids.size());
        for (Map.Entry<String, Set<String>> e : protocol.truthByUser().entrySet()) {
            JsonNode user = model.users.get(e.getKey());
            List<String> shelf = user == null ? model.popular : top(user.path("items"), K);
            metrics.add(
                    shelf.stream().mapToInt(s -> ids.getOrDefault(s, -1)).toArray(),
                    e.getValue().stream().mapToInt(s -> ids.getOrDefault(s, -1)).toArray());
        }
        return metrics;
    }

    static List<String> top(JsonNode array, int k) {
        List<String> out = new ArrayList<>();
        for (int x = 0; x < Math.min(k, array.size()); x++) {
            out.add(array.get(x).asText());
        }
        return out;
    }

    /** A version's documents, read from its index (a model keeps its active version and the one before). */
    record Model(Map<String, JsonNode> items, Map<String, JsonNode> users, List<String> popular) {
        static Model read(EsClient es, String index) {
            Map<String, JsonNode> items = new HashMap<>();
            Map<String, JsonNode> users = new HashMap<>();
            List<String> popular = new ArrayList<>();
            JsonNode page = es.post("/" + index + "/_search?scroll=2m", "{\"size\": 5000}")
                    .ok();
            while (page.path("hits").path("hits").size() > 0) {
                for (JsonNode hit : page.path("hits").path("hits")) {
                    JsonNode source = hit.path("_source");
                    if (source.has("item")) {
                        items.put(source.path("item").asText(), source);
                    } else if (source.has("user")) {
                        users.put(source.path("user").asText(), source);
                    } else {
                        popular.addAll(top(source.path("popular"), K));
                    }
                }
                page = es.post(
                                "/_search/scroll",
                                "{\"scroll\": \"2m\", \"scroll_id\": \""
                                        + page.path("_scroll_id").asText() + "\"}")
                        .ok();
            }
            return new Model(items, users, popular);
        }
    }

    // ---- scale

    static void scale(EsClient es, String url, long events, boolean fileRun) throws Exception {
        SyntheticEvents log = SyntheticEvents.scale(events);
        String index = ScaleBench.EVENTS;
        String meta = String.format(
                Locale.ROOT, "%d/%d/%d/%d", log.events(), log.users(), log.items(), SyntheticEvents.DEFAULT_SEED);
        EsClient.Response existing = es.get("/" + index + "/_mapping");
        boolean reuse = existing.status() == 200
                && meta.equals(existing.json()
                        .path(index)
                        .path("mappings")
                        .path("_meta")
                        .path("generator")
                        .asText());
        if (reuse == false) {
            SyntheticEvents.createIndex(es, index);
            log.load(es, index, 3, 20_000, loaded -> {});
            es.put("/" + index + "/_mapping", "{\"_meta\": {\"generator\": \"" + meta + "\"}}")
                    .ok();
            es.put("/" + index + "/_settings", "{\"index\": {\"refresh_interval\": \"1s\"}}")
                    .ok();
            es.post("/" + index + "/_flush", null).ok();
            es.refresh(index);
        }
        SyntheticEvents.createCatalog(es, ScaleBench.ITEMS, log.items());
        String model = ScaleBench.MODEL;
        es.delete("/_recommend/models/" + model);
        es.put("/_recommend/models/" + model, SyntheticEvents.modelConfig(ScaleBench.ITEMS, index))
                .ok();
        JsonNode jvm = ScaleBench.nodeJvm(es);
        System.out.printf(
                Locale.ROOT,
                "Spark job vs the node's training at scale: %,d synthetic events, %,d users, %,d items (%s)%n",
                log.events(),
                log.users(),
                log.items(),
                url);

        ScaleBench.HeapWatch watch = new ScaleBench.HeapWatch(es);
        Thread watcher = new Thread(watch, "heap-watch");
        watcher.setDaemon(true);
        watcher.start();
        long start = System.nanoTime();
        String task = es.post("/_recommend/models/" + model + "/_train?wait_for_completion=false", null)
                .ok()
                .path("task")
                .asText();
        JsonNode finished;
        while (true) {
            finished = es.get("/_tasks/" + task).ok();
            if (finished.path("completed").asBoolean()) {
                break;
            }
            Thread.sleep(2000);
        }
        watch.stop.set(true);
        watcher.join();
        double nodeSeconds = (System.nanoTime() - start) / 1e9;
        if (finished.has("error")) {
            throw new IllegalStateException("the node's training failed: " + finished.path("error"));
        }
        JsonNode version = finished.path("response").path("version");
        String heap = System.getenv().getOrDefault("PERSONALIZE_SPARK_HEAP", "2g");
        // the job imports its lines through an import session in parts (32 MB, or half the node's
        // http.max_content_length), so a model of any size passes the node's default limits: first with each user
        // partition sending its own parts (the default), then from a file the driver sends (--output), side by side
        SparkRun spark = SparkRun.run(url, model, "--master", "local[2]");
        SparkRun fromFile = null;
        long bytes = -1;
        if (fileRun) {
            java.nio.file.Path lines = java.nio.file.Files.createTempFile("spark-scale-", ".ndjson");
            fromFile = SparkRun.run(url, model, "--master", "local[2]", "--output", lines.toString());
            bytes = java.nio.file.Files.size(lines);
            java.nio.file.Files.delete(lines);
        }
        JsonNode imported = es.get("/_recommend/models/" + model).ok().path("status");
        System.out.printf(Locale.ROOT, "%n%-34s %12s %s%n", "", "wall", "memory");
        System.out.printf(
                Locale.ROOT,
                "%-34s %10.1f s heap peak %s of %s (sampled every 0.5 s)%n",
                "node _train (2 processors)",
                nodeSeconds,
                ScaleBench.mb(watch.peak.get()),
                ScaleBench.mb(jvm.path("mem").path("heap_max_in_bytes").asLong()));
        System.out.printf(
                Locale.ROOT,
                "%-34s %10.1f s %s; resident set peak %s (-Xmx%s)%n",
                "Spark local[2], imported",
                spark.seconds,
                spark.heapLine,
                spark.maxRss,
                heap);
        if (fromFile != null) {
            System.out.printf(
                    Locale.ROOT,
                    "%-34s %10.1f s %s; resident set peak %s (-Xmx%s)%n",
                    "Spark local[2], driver sends file",
                    fromFile.seconds,
                    fromFile.heapLine,
                    fromFile.maxRss,
                    heap);
        }
        System.out.printf(Locale.ROOT, "%-34s %10.2f%n", "Spark / node wall", spark.seconds / nodeSeconds);
        System.out.printf(
                Locale.ROOT,
                "node: %,d users, %,d items; Spark: %s%n",
                version.path("users").asLong(),
                version.path("items").asLong(),
                spark.trainedLine);
        if (bytes >= 0) {
            System.out.printf(Locale.ROOT, "the model's lines: %,d MB%n", bytes >> 20);
        }
        System.out.printf(
                Locale.ROOT,
                "import, executors send their parts: %.1f s per million documents; %s%n",
                perMillion(spark.importLine),
                spark.importLine);
        if (fromFile != null) {
            System.out.printf(
                    Locale.ROOT,
                    "import, the driver sends the file:  %.1f s per million documents; %s%n",
                    perMillion(fromFile.importLine),
                    fromFile.importLine);
        }
        System.out.printf(
                Locale.ROOT,
                "active version %d (%s): %s%n",
                imported.path("active_version").asLong(),
                imported.path("import").path("state").asText(),
                java.util.stream.StreamSupport.stream(imported.path("versions").spliterator(), false)
                        .filter(v -> v.path("version").asLong()
                                == imported.path("active_version").asLong())
                        .findFirst()
                        .orElse(null));
        System.out.println("reproduce: bin/bench spark scale " + events + (fileRun ? "" : " executors"));
    }

    /** The import line's "N s per million documents", or NaN. */
    static double perMillion(String importLine) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9.]+) s per million documents")
                .matcher(importLine);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    /** bin/spark-train as a child process, timed, with its resident set measured by /usr/bin/time. */
    record SparkRun(double seconds, String trainedLine, String heapLine, String maxRss, String importLine) {
        static SparkRun run(String url, String model, String... extra) throws Exception {
            List<String> command = new ArrayList<>(List.of(
                    "/usr/bin/time",
                    "-v",
                    RealCluster.root().resolve("bin/spark-train").toString(),
                    "--url",
                    url,
                    "--model",
                    model));
            command.addAll(List.of(extra));
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            long start = System.nanoTime();
            Process p = pb.start();
            String trained = "", heap = "", rss = "", imported = "";
            AtomicLong lines = new AtomicLong();
            try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.incrementAndGet();
                    if (line.startsWith("imported into [")) {
                        imported = line;
                    } else if (line.startsWith("trained [")) {
                        trained = line.substring(line.indexOf(':') + 2);
                    } else if (line.startsWith("jvm: ")) {
                        heap = line.substring(5);
                    } else if (line.contains("Maximum resident set size")) {
                        rss = String.format(
                                Locale.ROOT, "%,d MB", Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024);
                    }
                    if (line.startsWith("WARNING") == false && line.startsWith("\t") == false) {
                        System.out.println("  | " + line);
                    }
                }
            }
            int code = p.waitFor();
            double seconds = (System.nanoTime() - start) / 1e9;
            if (code != 0) {
                throw new IllegalStateException("bin/spark-train exited with " + code);
            }
            return new SparkRun(seconds, trained, heap, rss, imported);
        }
    }
}
