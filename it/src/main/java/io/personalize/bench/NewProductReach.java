package io.personalize.bench;

import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import io.personalize.it.Shop;
import io.personalize.serving.ContentSpace;
import io.personalize.training.RankingMetrics;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Part of {@code bin/bench recommend-quality}: why new products seldom reach a "for you" shelf as hits, measured before
 * any rule is chosen. For each split (validation: judged on October; test: OR-time), the (shopper, new product)
 * purchases, and how many of them a content term could reach: the new product among the content neighbours (cosine in
 * the catalogue's {@link ContentSpace}, {@code content_directions} removed, the {@code content_neighbors} nearest of
 * every product) of the shopper's {@code content_sources} newest items, as {@code _recommend}'s term reads them; then
 * where it ranks among the new products the term reaches for that shopper (top 1, top 3), and how its summed cosine
 * compares with the best item's.
 * <p>
 * Then rules that give new products a place, replayed in this JVM on the collaborative shelves ({@code _recommend}
 * with {@code content_weight} 0) and judged on the validation split: the shopper's top new products by summed cosine
 * (at most {@code s}), only those whose sum is at least {@code bar} times the best item's sum and that at least {@code
 * support} of the shopper's items lead to, go right below the shelf's {@code size - s} best items. The rows print NDCG@10 against the shelf without
 * them, the new products' slots and hits; the rule chosen on validation (most hits at NDCG@10 not lower) is then printed
 * on the test split. The replay reads the shopper's items from the train purchases (newest last purchase first), the
 * node reads its stored history: close, not identical. The products the replayed term may bring are those the served
 * one brings with the bench's {@code catalog.created_field} ({@code first_sold}): unknown to the model and first sold
 * after its newest train event ({@link #candidates}); the chosen rule is also replayed over every product the model does
 * not know, as {@code _recommend} served it without the field (old products no known shopper bought among them).
 */
public final class NewProductReach {

    static final int SOURCES = 10;
    static final int NEIGHBOURS = 10;
    static final int DIRECTIONS = 16;
    static final int K = RecommendQualityBench.K;
    static final double[] BARS = {0, 0.25, 0.5, 0.75, 1.0};
    static final int[] SUPPORTS = {1, 2, 3};
    static final int[] RULE_SLOTS = {1, 2, 3};
    /**
     * Each source item's cosines weighted 0.5^(age / half-life), age = the version's newest event - the shopper's last
     * purchase of it; 0 = alike, as {@code _recommend} serves. In {@code bin/bench content} a recency-weighted neighbour
     * rule chose better on validation for hashing: whether it does for the served term too.
     */
    static final double[] HALF_LIVES_DAYS = {0, 30, 90};

    /**
     * A rule: the shelf's last {@code slots} slots to new products with sum >= bar x best and >= support lists, each
     * source's cosines weighted by its recency ({@code halfLifeDays}, 0: alike).
     */
    record Rule(int slots, double bar, int support, double halfLifeDays) {
        Rule(int slots, double bar, int support) {
            this(slots, bar, support, 0);
        }

        String label() {
            return String.format(Locale.ROOT, "slots %d, bar %.2f, support %d", slots, bar, support)
                    + (halfLifeDays == 0 ? "" : String.format(Locale.ROOT, ", recency %.0fd", halfLifeDays));
        }
    }

    record Outcome(Rule rule, RankingMetrics metrics, int newSlots, int newHits) {}

    /** A shopper's new products the term reaches: summed cosine, lists it is on, and the best sum of any item. */
    record Reach(Map<String, double[]> newProducts, double best) {}

    /** By itself, on a cluster {@code bin/bench recommend-quality} prepared (its indices and models). */
    public static void main(String[] args) {
        EsClient es = new EsClient(
                args.length > 0 ? args[0] : "http://127.0.0.1:19400",
                System.getenv("PERSONALIZE_USER"),
                System.getenv("PERSONALIZE_PASSWORD"));
        RecommendBenchData world = RecommendBenchData.load(es);
        List<OnlineRetail.Purchase> validationTrain = ContentColdStart.validationTrain(world.data);
        run(
                es,
                world.data,
                ContentColdStart.validationSplit(world.data, validationTrain),
                validationTrain,
                ContentColdStart.VALIDATION_MODEL,
                ContentColdStart.testSplit(world),
                world.protocol.train(),
                RecommendBenchData.MODEL,
                vectorIndices());
    }

    static Map<String, String> vectorIndices() {
        Map<String, String> indices = new LinkedHashMap<>();
        indices.put("hashing", RecommendBenchData.PRODUCTS);
        indices.put("minilm", ContentColdStart.MINILM_PRODUCTS);
        return indices;
    }

    static Map<String, Rule> run(
            EsClient es,
            OnlineRetail data,
            ContentColdStart.Split validation,
            List<OnlineRetail.Purchase> validationTrain,
            String validationModel,
            ContentColdStart.Split test,
            List<OnlineRetail.Purchase> testTrain,
            String testModel,
            Map<String, String> vectorIndices) {
        System.out.printf(
                Locale.ROOT,
                "%n== Why new products seldom reach \"for you\": what a content term can reach (each shopper's %d newest"
                        + " items, their %d nearest products in the content space with %d directions removed)%n",
                SOURCES,
                NEIGHBOURS,
                DIRECTIONS);
        Map<String, Map<String, List<String>>> collaborative = new HashMap<>();
        collaborative.put(validation.name(), collaborativeShelves(es, validationModel, validation));
        collaborative.put(test.name(), collaborativeShelves(es, testModel, test));
        Map<String, Rule> chosen = new TreeMap<>();
        for (Map.Entry<String, String> vectors : vectorIndices.entrySet()) {
            Map<String, float[]> byItem = Shop.contentVectors(es, vectors.getValue());
            ContentSpace space = ContentSpace.of(new ArrayList<>(byItem.values()), DIRECTIONS);
            Map<String, float[]> prepared = new HashMap<>();
            byItem.forEach((item, v) -> {
                float[] p = space.prepare(v);
                if (p != null) {
                    prepared.put(item, p);
                }
            });
            System.out.printf(
                    Locale.ROOT,
                    "%n-- %s vectors (%s, %,d products)%n",
                    vectors.getKey(),
                    vectors.getValue(),
                    prepared.size());
            System.out.printf(
                    Locale.ROOT,
                    "   %-10s %9s %9s %10s %9s %9s %9s %12s %12s%n",
                    "split",
                    "pairs",
                    "shoppers",
                    "reachable",
                    "top-1 new",
                    "top-3 new",
                    "top-1 hit",
                    "sum/best hit",
                    "sum/best all");
            Map<String, Map<String, Reach>> reaches = new HashMap<>();
            Map<String, Map<String, Reach>> undatedReaches = new HashMap<>();
            // per half-life (0: the reaches above), per split, per shopper: the recency-weighted rules' reaches
            Map<Double, Map<String, Map<String, Reach>>> weighted = new HashMap<>();
            Map<Double, Map<String, Map<String, Reach>>> undatedWeighted = new HashMap<>();
            weighted.put(0.0, reaches);
            undatedWeighted.put(0.0, undatedReaches);
            List<String> candidateLines = new ArrayList<>();
            for (Object[] s : new Object[][] {{validation, validationTrain}, {test, testTrain}}) {
                ContentColdStart.Split split = (ContentColdStart.Split) s[0];
                @SuppressWarnings("unchecked")
                List<OnlineRetail.Purchase> train = (List<OnlineRetail.Purchase>) s[1];
                Map<String, List<String>> sources = newestItems(train);
                Map<String, Set<String>> seen = new HashMap<>();
                for (OnlineRetail.Purchase p : train) {
                    seen.computeIfAbsent(p.user(), k -> new HashSet<>()).add(p.sku());
                }
                // the catalogue as it stood in the judged period (the validation models' catalogue index alike):
                // products first sold after it did not exist yet, so they are nobody's neighbours
                Map<String, float[]> available = new HashMap<>();
                for (OnlineRetail.Product p : data.products()) {
                    if (prepared.containsKey(p.sku()) && ContentColdStart.existed(p, split)) {
                        available.put(p.sku(), prepared.get(p.sku()));
                    }
                }
                Map<String, Map<String, Double>> neighbours = new HashMap<>();
                // the products the served term may bring, as _recommend picks them: unknown to the model (no train
                // event), with a vector, and, with catalog.created_field (first_sold), first sold after the newest
                // train event; without it, every product the model does not know
                Set<String> dated = candidates(data, train, available.keySet(), true);
                Set<String> undated = candidates(data, train, available.keySet(), false);
                Set<String> datedNew = new HashSet<>(dated);
                datedNew.retainAll(split.newItems());
                candidateLines.add(String.format(
                        Locale.ROOT,
                        "   %-10s products with a vector the model does not know: %,d; of them first sold after the"
                                + " version's newest event (created_field): %,d (%,d of the split's %,d new products)",
                        split.name(),
                        undated.size(),
                        dated.size(),
                        datedNew.size(),
                        split.newItems().size()));
                Map<String, Reach> undatedByUser = new HashMap<>();
                for (String user : split.users()) {
                    undatedByUser.put(
                            user,
                            reach(
                                    sources.getOrDefault(user, List.of()),
                                    seen.getOrDefault(user, Set.of()),
                                    undated,
                                    available,
                                    neighbours));
                }
                undatedReaches.put(split.name(), undatedByUser);
                // the same reach in the node's space: its mean and directions come from a sample of the model's
                // catalogue (Recommender.CATALOG_SAMPLE, picked by a seeded random score), here from every product
                String catalogue = vectors.getValue();
                if (split == validation) {
                    catalogue = vectors.getKey().equals("hashing")
                            ? ContentColdStart.VALIDATION_PRODUCTS
                            : ContentColdStart.MINILM_VALIDATION_PRODUCTS;
                }
                ContentSpace nodeSpace = ContentSpace.of(nodeSample(es, catalogue), DIRECTIONS);
                Map<String, float[]> nodePrepared = new HashMap<>();
                available.keySet().forEach(item -> {
                    float[] p = nodeSpace.prepare(byItem.get(item));
                    if (p != null) {
                        nodePrepared.put(item, p);
                    }
                });
                Map<String, Map<String, Double>> spaceNeighbours = new HashMap<>();
                int spaceReachable = 0;
                for (String user : split.users()) {
                    Set<String> fresh = new HashSet<>();
                    for (String source : sources.getOrDefault(user, List.of())) {
                        fresh.addAll(spaceNeighbours
                                .computeIfAbsent(source, x -> nearest(x, nodePrepared))
                                .keySet());
                    }
                    for (String item : split.truth().get(user)) {
                        if (split.newItems().contains(item) && dated.contains(item) && fresh.contains(item)) {
                            spaceReachable++;
                        }
                    }
                }
                candidateLines.add(String.format(
                        Locale.ROOT,
                        "   %-10s reachable pairs in the node's space (mean and directions of its 5,000-product sample of"
                                + " [%s]): %d",
                        split.name(),
                        catalogue,
                        spaceReachable));
                // the same reach with each list found as the node finds it: a knn search of the stored vectors by the
                // prepared query (CONTENT_NEIGHBOR_OVERSAMPLE x the lists' length read), ranked again in the space
                Map<String, float[]> rawAvailable = new HashMap<>();
                available.keySet().forEach(item -> rawAvailable.put(item, unit(byItem.get(item))));
                for (int oversample : NODE_OVERSAMPLES) {
                    Map<String, Map<String, Double>> nodeNeighbours = new HashMap<>();
                    int nodeReachable = 0;
                    for (String user : split.users()) {
                        Set<String> fresh = new HashSet<>();
                        for (String source : sources.getOrDefault(user, List.of())) {
                            fresh.addAll(nodeNeighbours
                                    .computeIfAbsent(source, x -> nodeNearest(x, available, rawAvailable, oversample))
                                    .keySet());
                        }
                        for (String item : split.truth().get(user)) {
                            if (split.newItems().contains(item) && dated.contains(item) && fresh.contains(item)) {
                                nodeReachable++;
                            }
                        }
                    }
                    candidateLines.add(String.format(
                            Locale.ROOT,
                            "   %-10s reachable pairs when each list is found as the node finds it (a knn of the stored"
                                    + " vectors reading %d, ranked again in the space): %d",
                            split.name(),
                            NEIGHBOURS * oversample,
                            nodeReachable));
                }
                Map<String, Reach> byUser = new HashMap<>();
                int pairs = 0, shoppers = 0, reachable = 0, top1 = 0, top3 = 0, top1Hits = 0;
                double ratioHits = 0, ratioAll = 0;
                int ratioAllCount = 0;
                for (String user : split.users()) {
                    Reach reach = reach(
                            sources.getOrDefault(user, List.of()),
                            seen.getOrDefault(user, Set.of()),
                            dated,
                            available,
                            neighbours);
                    byUser.put(user, reach);
                    List<String> ranked = ranked(reach);
                    Set<String> truth = split.truth().get(user);
                    int bought = 0;
                    for (String item : truth) {
                        if (split.newItems().contains(item)) {
                            bought++;
                            double[] r = reach.newProducts().get(item);
                            if (r != null) {
                                reachable++;
                                ratioHits += r[0] / reach.best();
                                int at = ranked.indexOf(item);
                                top1 += at == 0 ? 1 : 0;
                                top3 += at < 3 ? 1 : 0;
                            }
                        }
                    }
                    pairs += bought;
                    shoppers += bought > 0 ? 1 : 0;
                    if (ranked.isEmpty() == false) {
                        top1Hits += truth.contains(ranked.get(0)) ? 1 : 0;
                        for (double[] r : reach.newProducts().values()) {
                            ratioAll += r[0] / reach.best();
                            ratioAllCount++;
                        }
                    }
                }
                reaches.put(split.name(), byUser);
                for (double h : HALF_LIVES_DAYS) {
                    if (h == 0) {
                        continue;
                    }
                    Map<String, Map<String, Double>> weights = recencyWeights(train, h);
                    Map<String, Reach> datedByUser = new HashMap<>(), undatedWeightedByUser = new HashMap<>();
                    for (String user : split.users()) {
                        List<String> own = sources.getOrDefault(user, List.of());
                        Set<String> bought = seen.getOrDefault(user, Set.of());
                        Map<String, Double> w = weights.getOrDefault(user, Map.of());
                        datedByUser.put(user, reach(own, w, bought, dated, available, neighbours));
                        undatedWeightedByUser.put(user, reach(own, w, bought, undated, available, neighbours));
                    }
                    weighted.computeIfAbsent(h, x -> new HashMap<>()).put(split.name(), datedByUser);
                    undatedWeighted.computeIfAbsent(h, x -> new HashMap<>()).put(split.name(), undatedWeightedByUser);
                }
                System.out.printf(
                        Locale.ROOT,
                        "   %-10s %9d %9d %10d %9d %9d %4d/%-4d %12.3f %12.3f%n",
                        split.name(),
                        pairs,
                        shoppers,
                        reachable,
                        top1,
                        top3,
                        top1Hits,
                        split.users().size(),
                        reachable == 0 ? 0 : ratioHits / reachable,
                        ratioAllCount == 0 ? 0 : ratioAll / ratioAllCount);
            }
            System.out.println(
                    "   pairs: (shopper, new product) purchases in the judged period; shoppers: judged shoppers who"
                            + " bought a new product; reachable: pairs whose new product is among the neighbours of the shopper's"
                            + " items; top-1/top-3 new: reachable pairs whose product is the shopper's first / among the first 3"
                            + " new products by summed cosine; top-1 hit: shoppers whose first new product they bought, of all"
                            + " judged shoppers; sum/best: the mean of a new product's sum over the shopper's best sum (hits, all)");
            candidateLines.forEach(System.out::println);
            // the node's own reach beside the replay's, and the scores a reached new product must beat
            System.out.println(
                    "   what the served term reaches (node) beside the replay, per (shopper, new product bought):");
            boolean hashing = vectors.getKey().equals("hashing");
            NewProductServedReach.run(
                    es,
                    vectors.getKey(),
                    hashing ? validationModel : ContentColdStart.MINILM_VALIDATION_MODEL,
                    validation,
                    reaches.get(validation.name()));
            NewProductServedReach.run(
                    es,
                    vectors.getKey(),
                    hashing ? testModel : ContentColdStart.MINILM_MODEL,
                    test,
                    reaches.get(test.name()));

            List<Rule> rules = new ArrayList<>();
            for (double h : HALF_LIVES_DAYS) {
                for (int slots : RULE_SLOTS) {
                    for (double bar : BARS) {
                        for (int support : SUPPORTS) {
                            rules.add(new Rule(slots, bar, support, h));
                        }
                    }
                }
            }
            Outcome without =
                    replay(validation, collaborative.get(validation.name()), reaches.get(validation.name()), null);
            Outcome best = null;
            Outcome bestAlike = null; // the best of the rules _recommend can serve today (sources weighed alike)
            System.out.printf(Locale.ROOT, "   rules replayed on the validation split's collaborative shelves:%n");
            System.out.printf(
                    Locale.ROOT, "   %-34s %9s %9s %9s %9s%n", "rule", "NDCG@10", "x without", "new slots", "new hits");
            printOutcome("none (content_weight 0)", without, without);
            for (Rule rule : rules) {
                Outcome o = replay(
                        validation,
                        collaborative.get(validation.name()),
                        weighted.get(rule.halfLifeDays()).get(validation.name()),
                        rule);
                printOutcome(rule.label(), o, without);
                if (better(o, best, without)) {
                    best = o;
                }
                if (rule.halfLifeDays() == 0 && better(o, bestAlike, without)) {
                    bestAlike = o;
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "   chosen on validation (most new-product hits at NDCG@10 not lower; ties: fewer new slots, then the"
                            + " earlier rule, sources alike first): %s; of the rules weighing the shopper's items alike"
                            + " (as served): %s%n",
                    best == null ? "none qualifies" : best.rule().label(),
                    bestAlike == null ? "none qualifies" : bestAlike.rule().label());
            Outcome testWithout = replay(test, collaborative.get(test.name()), reaches.get(test.name()), null);
            System.out.printf(Locale.ROOT, "   test split (OR-time), replayed:%n");
            printOutcome("none (content_weight 0)", testWithout, testWithout);
            // the rule _recommend serves with content_weight 1 (new products right below the shelf's best, no bar)
            Rule served = new Rule(
                    io.personalize.recommend.ShelfQuery.DEFAULT_CONTENT_SLOTS,
                    0,
                    io.personalize.recommend.ShelfQuery.DEFAULT_CONTENT_SUPPORT);
            printOutcome(
                    "served at weight 1: " + served.label(),
                    replay(test, collaborative.get(test.name()), reaches.get(test.name()), served),
                    testWithout);
            if (bestAlike != null && bestAlike != best) {
                printOutcome(
                        bestAlike.rule().label(),
                        replay(test, collaborative.get(test.name()), reaches.get(test.name()), bestAlike.rule()),
                        testWithout);
            }
            if (best != null) {
                chosen.put(vectors.getKey(), best.rule());
                Map<String, Map<String, Reach>> bestReaches =
                        weighted.get(best.rule().halfLifeDays());
                Map<String, Map<String, Reach>> bestUndated =
                        undatedWeighted.get(best.rule().halfLifeDays());
                printOutcome(
                        best.rule().label(),
                        replay(test, collaborative.get(test.name()), bestReaches.get(test.name()), best.rule()),
                        testWithout);
                // the same rule as _recommend served it without a created_field: every product the model does not
                // know may take the slots (the new slots and hits count the split's new products only)
                System.out.printf(
                        Locale.ROOT,
                        "   the same rule over every product the model does not know (no created_field):%n");
                printOutcome(
                        "validation, " + best.rule().label(),
                        replay(
                                validation,
                                collaborative.get(validation.name()),
                                bestUndated.get(validation.name()),
                                best.rule()),
                        without);
                printOutcome(
                        "test, " + best.rule().label(),
                        replay(test, collaborative.get(test.name()), bestUndated.get(test.name()), best.rule()),
                        testWithout);
            }
        }
        return chosen;
    }

    /** Most new-product hits at NDCG@10 not lower than without; ties: fewer new slots, then the earlier rule. */
    private static boolean better(Outcome o, Outcome best, Outcome without) {
        if (o.metrics().ndcg() < without.metrics().ndcg() - 1e-12 || o.newHits() == 0) {
            return false;
        }
        if (best == null || o.newHits() != best.newHits()) {
            return best == null || o.newHits() > best.newHits();
        }
        return o.newSlots() < best.newSlots();
    }

    private static void printOutcome(String label, Outcome o, Outcome without) {
        System.out.printf(
                Locale.ROOT,
                "   %-34s %9.5f %9.4f %9d %9d%n",
                label,
                o.metrics().ndcg(),
                o.metrics().ndcg() / without.metrics().ndcg(),
                o.newSlots(),
                o.newHits());
    }

    /** The shelf with the rule's new products in its last slots (best first), judged; {@code rule} null: as it is. */
    static Outcome replay(
            ContentColdStart.Split split, Map<String, List<String>> shelves, Map<String, Reach> reaches, Rule rule) {
        RankingMetrics metrics = new RankingMetrics(K, split.ids().catalogSize);
        int newSlots = 0, newHits = 0;
        for (String user : split.users()) {
            List<String> shelf = new ArrayList<>(shelves.get(user));
            if (rule != null) {
                Reach reach = reaches.get(user);
                List<String> fresh = new ArrayList<>();
                for (String item : ranked(reach)) {
                    double[] r = reach.newProducts().get(item);
                    if (fresh.size() < rule.slots()
                            && r[0] >= rule.bar() * reach.best() - 1e-12
                            && r[1] >= rule.support()
                            && shelf.contains(item) == false) {
                        fresh.add(item);
                    }
                }
                // as _recommend places them: right below the shelf's (size - slots) best items, best sum first
                int above = Math.min(shelf.size(), K - rule.slots());
                List<String> placed = new ArrayList<>(shelf.subList(0, above));
                placed.addAll(fresh);
                placed.addAll(shelf.subList(above, shelf.size()));
                shelf = placed.subList(0, Math.min(K, placed.size()));
            }
            Set<String> truth = split.truth().get(user);
            metrics.add(split.ids().of(shelf), split.ids().of(truth));
            for (String item : shelf) {
                if (split.newItems().contains(item)) {
                    newSlots++;
                    newHits += truth.contains(item) ? 1 : 0;
                }
            }
        }
        return new Outcome(rule, metrics, newSlots, newHits);
    }

    /** The new products a shopper's items reach, best summed cosine first (ties: by id). */
    static List<String> ranked(Reach reach) {
        List<String> items = new ArrayList<>(reach.newProducts().keySet());
        items.sort(Comparator.<String>comparingDouble(i -> -reach.newProducts().get(i)[0])
                .thenComparing(Comparator.naturalOrder()));
        return items;
    }

    /**
     * The content term's reach for one shopper: each source item lends its {@link #NEIGHBOURS} nearest products
     * (positive cosine in the space, itself left out) their cosine, summed; the best sum is over items the shopper has
     * not bought (exclude_seen); the {@code candidates} (the products the served term may bring, {@link #candidates}) with
     * their sum and how many lists they are on.
     */
    static Reach reach(
            List<String> sources,
            Set<String> seen,
            Set<String> candidates,
            Map<String, float[]> prepared,
            Map<String, Map<String, Double>> neighbours) {
        return reach(sources, null, seen, candidates, prepared, neighbours);
    }

    /** {@link #reach}, each source's cosines times its weight ({@code weights} null: 1 each). */
    static Reach reach(
            List<String> sources,
            Map<String, Double> weights,
            Set<String> seen,
            Set<String> candidates,
            Map<String, float[]> prepared,
            Map<String, Map<String, Double>> neighbours) {
        Map<String, double[]> sums = new HashMap<>();
        for (String source : sources) {
            Map<String, Double> list = neighbours.computeIfAbsent(source, s -> nearest(s, prepared));
            double w = weights == null ? 1 : weights.get(source);
            list.forEach((item, cosine) -> {
                double[] sum = sums.computeIfAbsent(item, k -> new double[2]);
                sum[0] += w * cosine;
                sum[1]++;
            });
        }
        double best = 0;
        Map<String, double[]> fresh = new LinkedHashMap<>();
        for (Map.Entry<String, double[]> e : sums.entrySet()) {
            if (seen.contains(e.getKey()) == false) {
                best = Math.max(best, e.getValue()[0]);
                if (candidates.contains(e.getKey())) {
                    fresh.put(e.getKey(), e.getValue());
                }
            }
        }
        return new Reach(fresh, best);
    }

    /** The vectors of the node's sample of a catalogue: CatalogReader#sample's search (5,000, random score seed 0). */
    static List<float[]> nodeSample(EsClient es, String index) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("size", 5000); // Recommender.CATALOG_SAMPLE
        body.put(
                "query",
                Map.of(
                        "function_score",
                        Map.of(
                                "query",
                                Map.of("exists", Map.of("field", "content_vector")),
                                "random_score",
                                Map.of("seed", 0, "field", "sku"))));
        body.put("_source", List.of("content_vector"));
        List<float[]> out = new ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode hit : es.post(
                        "/" + index + "/_search?_source_exclude_vectors=false", body)
                .ok()
                .path("hits")
                .path("hits")) {
            out.add(Shop.toFloats(hit.path("_source").path("content_vector")));
        }
        return out;
    }

    /** Recommender.CONTENT_NEIGHBOR_OVERSAMPLE (5): the node's knn reads this many times the list's length; and more. */
    static final int[] NODE_OVERSAMPLES = {5, 10, 20, 50};

    /**
     * A list as the node finds it: the {@code NEIGHBOURS * oversample} products whose stored (unit) vectors are
     * nearest the prepared query by cosine (the knn search), then the {@link #NEIGHBOURS} nearest of those in the space.
     */
    private static Map<String, Double> nodeNearest(
            String source, Map<String, float[]> prepared, Map<String, float[]> raw, int oversample) {
        float[] query = prepared.get(source);
        if (query == null) {
            return Map.of();
        }
        List<Map.Entry<String, Double>> byStored = new ArrayList<>();
        for (Map.Entry<String, float[]> e : raw.entrySet()) {
            if (e.getKey().equals(source) == false && e.getValue() != null) {
                byStored.add(Map.entry(e.getKey(), ContentSpace.dot(query, e.getValue())));
            }
        }
        byStored.sort(
                Map.Entry.<String, Double>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
        Map<String, float[]> read = new HashMap<>();
        read.put(source, query);
        for (Map.Entry<String, Double> e : byStored.subList(0, Math.min(NEIGHBOURS * oversample, byStored.size()))) {
            read.put(e.getKey(), prepared.get(e.getKey()));
        }
        return nearest(source, read);
    }

    private static float[] unit(float[] v) {
        if (v == null) {
            return null;
        }
        double norm = 0;
        for (float x : v) {
            norm += x * x;
        }
        if (norm == 0) {
            return null;
        }
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] / Math.sqrt(norm));
        }
        return out;
    }

    private static Map<String, Double> nearest(String source, Map<String, float[]> prepared) {
        float[] query = prepared.get(source);
        if (query == null) {
            return Map.of();
        }
        Map<String, float[]> others = new HashMap<>(prepared);
        others.remove(source);
        // cosines of prepared (unit) vectors: ContentSpace#nearest would prepare them again, so rank here
        List<Map.Entry<String, Double>> scored = new ArrayList<>();
        for (Map.Entry<String, float[]> e : others.entrySet()) {
            double cosine = ContentSpace.dot(query, e.getValue());
            if (cosine > 0) {
                scored.add(Map.entry(e.getKey(), cosine));
            }
        }
        scored.sort(Map.Entry.<String, Double>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
        Map<String, Double> top = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : scored.subList(0, Math.min(NEIGHBOURS, scored.size()))) {
            top.put(e.getKey(), e.getValue());
        }
        return top;
    }

    /**
     * The products {@code _recommend}'s term may bring for a model trained on {@code train}: with a vector, not in the
     * train events (no item document), and, when {@code dated}, first sold (any customer) after the newest train event,
     * as {@code catalog.created_field: first_sold} makes the node pick them.
     */
    static Set<String> candidates(
            OnlineRetail data, List<OnlineRetail.Purchase> train, Set<String> withVectors, boolean dated) {
        Set<String> known = new HashSet<>();
        long newest = Long.MIN_VALUE;
        for (OnlineRetail.Purchase p : train) {
            known.add(p.sku());
            newest = Math.max(newest, p.time());
        }
        Set<String> out = new HashSet<>();
        for (OnlineRetail.Product p : data.products()) {
            if (withVectors.contains(p.sku())
                    && known.contains(p.sku()) == false
                    && (dated == false || (p.firstSold() != Long.MAX_VALUE && p.firstSold() > newest))) {
                out.add(p.sku());
            }
        }
        return out;
    }

    /** Each shopper's {@link #SOURCES} newest distinct items of the train purchases (newest last purchase first). */
    static Map<String, List<String>> newestItems(List<OnlineRetail.Purchase> train) {
        Map<String, Map<String, Long>> last = new HashMap<>();
        for (OnlineRetail.Purchase p : train) {
            last.computeIfAbsent(p.user(), k -> new HashMap<>()).merge(p.sku(), p.time(), Math::max);
        }
        Map<String, List<String>> out = new HashMap<>();
        last.forEach((user, items) -> out.put(
                user,
                items.entrySet().stream()
                        .sorted(Map.Entry.<String, Long>comparingByValue()
                                .reversed()
                                .thenComparing(Map.Entry.comparingByKey()))
                        .limit(SOURCES)
                        .map(Map.Entry::getKey)
                        .toList()));
        return out;
    }

    /**
     * Each shopper's items weighted 0.5^(age / half-life), age = the newest train event - their last purchase of the
     * item (the version's newest event stands for "now", as it does for the served model).
     */
    static Map<String, Map<String, Double>> recencyWeights(List<OnlineRetail.Purchase> train, double halfLifeDays) {
        long newest =
                train.stream().mapToLong(OnlineRetail.Purchase::time).max().orElse(0);
        Map<String, Map<String, Double>> out = new HashMap<>();
        for (OnlineRetail.Purchase p : train) {
            double w = Math.pow(0.5, (newest - p.time()) / 86_400_000.0 / halfLifeDays);
            out.computeIfAbsent(p.user(), k -> new HashMap<>()).merge(p.sku(), w, Math::max);
        }
        return out;
    }

    private static Map<String, List<String>> collaborativeShelves(
            EsClient es, String model, ContentColdStart.Split split) {
        return RecommendQualityBench.shelves(
                es,
                split.users(),
                user -> "{\"model\": \"" + model + "\", \"user_id\": " + EsClient.toJson(user) + ", \"size\": " + K
                        + ", \"exclude_seen\": true, \"content_weight\": 0}");
    }
}
