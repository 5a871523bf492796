package io.personalize.bench;

import io.personalize.bench.ContentChoice.Candidate;
import io.personalize.bench.ContentChoice.Row;
import io.personalize.bench.ContentQualityBench.OrTime;
import io.personalize.bench.ContentQualityBench.Result;
import io.personalize.bench.ContentQualityBench.Sparse;
import io.personalize.bench.ContentQualityBench.Variant;
import io.personalize.bench.ContentQualityBench.Vectors;
import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import io.personalize.it.Shop;
import io.personalize.serving.ContentSpace;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * Part of {@code bin/bench content}: ways of preparing the language model's vectors and text, and of ranking with them,
 * each judged on content-only recommendations (every train item ranked for a shopper) on a validation split that never
 * sees the test period (train before 2011-10-01, judged on what the shoppers bought new in October); each family
 * (hashing 256, hashing 1024, MiniLM, the sentence models the node was given, a blend of MiniLM and hashing) gets its
 * best on validation, and only then is each family's choice measured on OR-time ({@link ContentChoice}), with the share
 * of word-less neighbours.
 * <ul>
 *   <li>centred: the catalogue's mean vector removed (what {@code _recommend} does to its content queries);</li>
 *   <li>centred, top D directions removed: also the D strongest principal directions of the catalogue's vectors
 *       ("all-but-the-top", Mu and Viswanath 2018);</li>
 *   <li>cleaned text: the title lower-cased, without quantities and sizes ("SET/3", "PACK OF 12", "72"), through the
 *       node's model again (lower-casing alone changes nothing: the model's tokenizer is uncased, checked here);
 *       spelled out: cleaned, and the shop's shorthand in words ({@link #SPELLED_OUT});</li>
 *   <li>rules: the shopper's mean vector (plain, or recency-weighted), or item-to-item neighbours: each of the
 *       shopper's items lends its k nearest items their cosine, summed;</li>
 *   <li>blend: MiniLM (centred) and hashing 256 as one vector, a the language model's share of the cosine.</li>
 * </ul>
 * For the mean rules the items' vectors are centred and projected but not normalised again, so a shopper's score is
 * their dot product with the transformed mean, which ranks as a knn search of the stored vectors with the transformed
 * query does; the neighbour rule and the neighbour tables use cosines of the prepared vectors.
 */
final class ContentPreparation {

    static final long VALIDATION_SPLIT =
            LocalDateTime.parse("2011-10-01T00:00:00").toInstant(ZoneOffset.UTC).toEpochMilli();

    /** A way of ranking the train catalogue for a shopper from the items' vectors. */
    record Rule(String label, double halfLifeDays, int k) {
        boolean neighbourSum() {
            return k > 0;
        }
    }

    static final List<Rule> RULES = List.of(
            new Rule("mean", 0, 0),
            new Rule("mean, recency 30d", 30, 0),
            new Rule("neighbours k=5", 0, 5),
            new Rule("neighbours k=10", 0, 10),
            new Rule("neighbours k=20", 0, 20),
            new Rule("neighbours k=50", 0, 50),
            // session 22: the two rules that helped, together (each item's lent cosines weighted by its recency)
            new Rule("neighbours k=10, recency 30d", 30, 10),
            new Rule("neighbours k=20, recency 30d", 30, 20),
            // session 25: the grid filled where the language models' choices sit (k=50) and a slower recency
            new Rule("neighbours k=50, recency 30d", 30, 50),
            new Rule("mean, recency 90d", 90, 0),
            new Rule("neighbours k=20, recency 90d", 90, 20),
            new Rule("neighbours k=50, recency 90d", 90, 50));

    static final double[] BLEND_WEIGHTS = {0.25, 0.5, 0.75};

    static void run(
            EsClient es,
            OnlineRetail data,
            List<Vectors> all,
            OrTime test,
            List<Set<String>> standardTokens,
            BitSet[] buyers,
            List<Integer> sample) {
        List<OnlineRetail.Product> products = data.products();
        Map<String, Integer> productIndex = new HashMap<>();
        for (int i = 0; i < products.size(); i++) {
            productIndex.put(products.get(i).sku(), i);
        }
        OrTime validation = new OrTime(validationProtocol(data), productIndex);
        Vectors hashing256 = all.get(0), hashing1024 = all.get(1), minilm = all.get(6);

        // a check: the model's tokenizer is uncased, so lower-casing alone must change nothing; its pipeline serves the
        // chosen rule through _recommend below
        List<OnlineRetail.Product> lower = products.stream()
                .map(p -> new OnlineRetail.Product(
                        p.sku(),
                        p.title() == null ? null : p.title().toLowerCase(Locale.ROOT),
                        p.price(),
                        p.firstSold()))
                .toList();
        Vectors lowerVectors = modelOnNode(es, "minilm", "minilm-lower", lower, productIndex);
        System.out.printf(
                Locale.ROOT,
                "%n== Preparing the content vectors and text, and the ranking rule, chosen on a validation split"
                        + " (train before 2011-10-01: %,d shoppers judged on what they bought new in October), then"
                        + " measured on OR-time%n",
                validation.users.size());
        System.out.printf(
                Locale.ROOT,
                "   lower-cased titles give the same vectors as the upper-case ones: largest coordinate difference %.2g"
                        + " (the tokenizer is uncased)%n",
                maxDifference(minilm, lowerVectors));
        for (String sku : List.of("22423", "84997C", "85123A", "22699")) {
            Integer i = productIndex.get(sku);
            if (i != null && products.get(i).title() != null) {
                String title = products.get(i).title();
                System.out.printf(
                        Locale.ROOT,
                        "   text: [%s] -> cleaned [%s] -> spelled out [%s]%n",
                        title,
                        clean(title),
                        spellOut(clean(title)));
            }
        }
        System.out.println("   rules: mean = the shopper's mean item vector, every train item ranked by its dot product"
                + " (what _recommend's \"for you\" content term does, with the centred vectors);"
                + " recency 30d = the mean weighted 0.5^(age/30 days);"
                + " neighbours k = each of the shopper's items lends its k nearest train items their cosine, summed"
                + " (an item-to-item content neighbourhood; cosines of the prepared vectors)");

        List<Candidate> candidates = new ArrayList<>();
        candidates.addAll(ContentChoice.hashing("hashing 256", hashing256));
        candidates.addAll(ContentChoice.hashing("hashing 1024", hashing1024));
        // MiniLM and the sentence models the node was given (config/personalize/models/NAME/), when it has them
        candidates.addAll(LanguageModelChoice.candidates(es, data, productIndex, LanguageModelChoice.MODELS.keySet()));
        Vectors centredMinilm = transformed(minilm, 0);
        for (double a : BLEND_WEIGHTS) {
            candidates.add(new Candidate(
                    String.format(Locale.ROOT, "blend %.2f minilm centred + hashing 256", a),
                    "blend (minilm + hashing 256)",
                    blend(centredMinilm, hashing256, a),
                    t -> t));
        }
        ContentChoice choice = ContentChoice.validate(candidates, validation, test);
        Map<String, Double> wordless = choice.report("hashing 1024", standardTokens, buyers);

        // the processor's default vectors as they are, ranked by the shopper's mean: the figure the issue started from
        Row defaults = choice.rows.get(0);
        Row hashing = choice.best.get("hashing 256");
        Row lm = choice.best.get("minilm");
        System.out.printf(
                Locale.ROOT,
                "%n   top-5 neighbours of the same %d products: hashing 256, hashing 1024, the chosen language model [%s]%n",
                sample.size(),
                lm.candidate().label());
        List<Candidate> sideBySide = List.of(candidates.get(0), candidates.get(2), lm.candidate());
        Map<Candidate, int[][]> neighbours = new LinkedHashMap<>();
        Map<Candidate, double[][]> neighbourScores = new LinkedHashMap<>();
        for (Candidate c : sideBySide) {
            double[][] scores = new double[c.vectors().byProduct().length][];
            neighbours.put(c, ContentQualityBench.topNeighbours(c.vectors(), scores));
            neighbourScores.put(c, scores);
        }
        for (int i : sample) {
            System.out.printf(
                    Locale.ROOT,
                    "%n   %-7s %s%n",
                    products.get(i).sku(),
                    products.get(i).title());
            ContentQualityBench.printNeighbourRows(
                    sideBySide, neighbours, neighbourScores, products, standardTokens, buyers, i);
        }

        System.out.printf(Locale.ROOT, "%n== Issue 14's targets, content only, OR-time (one run: bin/bench content)%n");
        for (Row h : List.of(defaults, hashing, choice.best.get("hashing 1024"))) {
            Double hw = h == defaults ? null : wordless.get(h.candidate().family());
            System.out.printf(
                    Locale.ROOT,
                    "   language model / %s: NDCG@10 x%.2f (target > 1), ΔNDCG@10 %s; word-less neighbours x%s (target"
                            + " <= 0.50)%n",
                    h == defaults ? "hashing 256 as served (raw, mean)" : h.label(),
                    choice.test(lm).metrics().ndcg() / choice.test(h).metrics().ndcg(),
                    ContentQualityBench.pairedDifference(
                            choice.test(lm).ndcg(), choice.test(h).ndcg()),
                    hw == null ? "-" : String.format(Locale.ROOT, "%.2f", wordless.get("minilm") / hw));
        }
        // the chosen rule as _recommend serves it (its text, its number of directions, its k), beside the bench's
        Row servable = null;
        for (Row r : choice.rows) {
            if (r.candidate().family().equals("minilm")
                    && r.rule().neighbourSum()
                    && r.rule().halfLifeDays() == 0
                    && (servable == null || r.validation() > servable.validation())) {
                servable = r;
            }
        }
        if (servable != null) {
            System.out.printf(
                    Locale.ROOT,
                    "%n   served: the language model's best rule on validation that _recommend can serve (item-to-item"
                            + " neighbours without recency, centred vectors): %s (validation %.4f)%n",
                    servable.label(),
                    servable.validation());
            java.util.regex.Matcher removed =
                    java.util.regex.Pattern.compile("top (\\d+) removed").matcher(servable.label());
            UnaryOperator<String> text = servable.candidate().text();
            ContentServedPath.run(
                    es,
                    "bench-content-minilm-lower",
                    products.stream()
                            .map(p -> new OnlineRetail.Product(
                                    p.sku(),
                                    p.title() == null ? null : text.apply(p.title()),
                                    p.price(),
                                    p.firstSold()))
                            .toList(),
                    data.protocol(),
                    test,
                    servable.candidate().vectors(),
                    servable.rule().k(),
                    removed.find() ? Integer.parseInt(removed.group(1)) : 0,
                    choice.test(servable));
        } else {
            System.out.printf(Locale.ROOT, "%n   no language-model row with the item-to-item rule: no served row%n");
        }
        es.delete("/bench-content-minilm-lower");
        es.delete("/_ingest/pipeline/bench-content-minilm-lower");
    }

    static Result score(OrTime split, NeighbourLists lists, Vectors vectors, Rule rule) {
        if (rule.neighbourSum() == false) {
            return split.content(vectors.byProduct(), vectors.dims(), rule.halfLifeDays());
        }
        double[] scores = new double[split.catalogue.size()];
        return split.rank(u -> {
            for (int i = 0; i < scores.length; i++) {
                scores[i] = lists.hasVector[i] ? 0 : Double.NEGATIVE_INFINITY;
            }
            for (int x = 0; x < split.history[u].length; x++) {
                int h = split.history[u][x];
                int[] ids = lists.ids[h];
                if (ids == null) {
                    continue;
                }
                double w = rule.halfLifeDays() == 0
                        ? 1
                        : Math.pow(
                                0.5,
                                (OnlineRetail.SPLIT - split.lastBought[u][x]) / 86_400_000.0 / rule.halfLifeDays());
                for (int r = 0; r < rule.k() && r < ids.length && ids[r] >= 0; r++) {
                    scores[ids[r]] += w * lists.scores[h][r];
                }
            }
            return scores;
        });
    }

    /** Each train item's nearest train items by cosine (positive cosines only), up to the largest k of the rules. */
    static final class NeighbourLists {
        final int[][] ids;
        final double[][] scores;
        final boolean[] hasVector;

        NeighbourLists(OrTime split, Vectors vectors) {
            int n = split.catalogue.size();
            int k = RULES.stream().mapToInt(Rule::k).max().orElse(0);
            int dims = vectors.dims();
            double[][] unit = new double[n][];
            hasVector = new boolean[n];
            for (int i = 0; i < n; i++) {
                Sparse s = vectors.byProduct()[split.productOfItem[i]];
                if (s != null && s.norm() > 0) {
                    unit[i] = unitDense(s, dims);
                    hasVector[i] = true;
                }
            }
            ids = new int[n][];
            scores = new double[n][];
            java.util.stream.IntStream.range(0, n).parallel().forEach(i -> {
                if (unit[i] == null) {
                    return;
                }
                int[] best = new int[k];
                double[] bestScore = new double[k];
                Arrays.fill(best, -1);
                Arrays.fill(bestScore, 0);
                Sparse s = vectors.byProduct()[split.productOfItem[i]];
                for (int j = 0; j < n; j++) {
                    if (j == i || unit[j] == null) {
                        continue;
                    }
                    double cos = 0;
                    for (int x = 0; x < s.idx().length; x++) {
                        cos += unit[j][s.idx()[x]] * s.val()[x];
                    }
                    cos /= s.norm();
                    if (cos > bestScore[k - 1]) {
                        int pos = k - 1;
                        while (pos > 0 && cos > bestScore[pos - 1]) {
                            best[pos] = best[pos - 1];
                            bestScore[pos] = bestScore[pos - 1];
                            pos--;
                        }
                        best[pos] = j;
                        bestScore[pos] = cos;
                    }
                }
                ids[i] = best;
                scores[i] = bestScore;
            });
        }
    }

    /**
     * Both kinds of vector as one: unit centred MiniLM times sqrt(a) beside unit hashing times sqrt(1 - a), so that the
     * dot product of two such vectors is a · (language model cosine) + (1 - a) · (hashing cosine).
     */
    static Vectors blend(Vectors lm, Vectors hashing, double a) {
        int dims = lm.dims() + hashing.dims();
        Sparse[] out = new Sparse[lm.byProduct().length];
        for (int i = 0; i < out.length; i++) {
            Sparse x = lm.byProduct()[i], y = hashing.byProduct()[i];
            if (x == null || y == null || x.norm() == 0 || y.norm() == 0) {
                continue;
            }
            float[] f = new float[dims];
            for (int j = 0; j < x.idx().length; j++) {
                f[x.idx()[j]] = (float) (Math.sqrt(a) * x.val()[j] / x.norm());
            }
            for (int j = 0; j < y.idx().length; j++) {
                f[lm.dims() + y.idx()[j]] = (float) (Math.sqrt(1 - a) * y.val()[j] / y.norm());
            }
            out[i] = Sparse.of(f);
        }
        return new Vectors(lm.variant(), dims, out, 0);
    }

    /**
     * The shop's own shorthand spelled out in words the model knows (the few of Online Retail's titles' words that are
     * abbreviations or run together, found by listing the words outside MiniLM's vocabulary: 2,154 occurrences in all).
     */
    static final Map<String, String> SPELLED_OUT = Map.ofEntries(
            Map.entry("retrospot", "retro spot"),
            Map.entry("polkadot", "polka dot"),
            Map.entry("asstd", "assorted"),
            Map.entry("neckl", "necklace"),
            Map.entry("xmas", "christmas"),
            Map.entry("choc", "chocolate"),
            Map.entry("t-light", "tea light"),
            Map.entry("t-lights", "tea lights"),
            Map.entry("childs", "child's"),
            Map.entry("childrens", "children's"),
            Map.entry("feltcraft", "felt craft"),
            Map.entry("doormat", "door mat"),
            Map.entry("candleholder", "candle holder"),
            Map.entry("lovebird", "love bird"),
            Map.entry("teatime", "tea time"),
            Map.entry("washbag", "wash bag"),
            Map.entry("folkart", "folk art"),
            Map.entry("bakelike", "bakelite style"),
            Map.entry("sml", "small"),
            Map.entry("lge", "large"),
            Map.entry("wht", "white"),
            Map.entry("blk", "black"),
            Map.entry("hldr", "holder"));

    static String spellOut(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder out = new StringBuilder();
        for (String token : text.split("\\s+")) {
            out.append(out.length() == 0 ? "" : " ").append(SPELLED_OUT.getOrDefault(token, token));
        }
        return out.toString();
    }

    /** Lower case, without tokens holding a digit ("SET/3", "72", "12PC"), "set of", "pack of", "box of". */
    static String clean(String title) {
        if (title == null) {
            return null;
        }
        String t = title.toLowerCase(Locale.ROOT).replaceAll("\\b(set|pack|box|bag) of\\b", " ");
        StringBuilder out = new StringBuilder();
        for (String token : t.split("\\s+")) {
            if (token.isEmpty() || token.chars().anyMatch(Character::isDigit)) {
                continue;
            }
            out.append(out.length() == 0 ? "" : " ").append(token);
        }
        String result = out.toString().trim();
        return result.isEmpty() ? title.toLowerCase(Locale.ROOT) : result;
    }

    static OnlineRetail.Protocol validationProtocol(OnlineRetail data) {
        List<OnlineRetail.Purchase> train = new ArrayList<>();
        Map<String, Set<String>> trainItems = new HashMap<>();
        Set<String> catalog = new HashSet<>();
        for (OnlineRetail.Purchase p : data.purchases()) {
            if (p.time() < VALIDATION_SPLIT) {
                train.add(p);
                trainItems.computeIfAbsent(p.user(), k -> new HashSet<>()).add(p.sku());
                catalog.add(p.sku());
            }
        }
        Map<String, Set<String>> truth = new TreeMap<>();
        for (OnlineRetail.Purchase p : data.purchases()) {
            Set<String> known = trainItems.get(p.user());
            if (p.time() >= VALIDATION_SPLIT
                    && p.time() < OnlineRetail.SPLIT
                    && known != null
                    && known.contains(p.sku()) == false) {
                truth.computeIfAbsent(p.user(), k -> new HashSet<>()).add(p.sku());
            }
        }
        return new OnlineRetail.Protocol(List.copyOf(train), Set.copyOf(catalog), trainItems, truth);
    }

    /**
     * Unit vectors less the catalogue's mean, less their projection on the {@code top} strongest principal directions
     * of the centred catalogue (not normalised again: see the class comment). The mean and the directions are
     * {@link ContentSpace}'s, what {@code _recommend} computes from its sample, here over the whole catalogue.
     */
    static Vectors transformed(Vectors vectors, int top) {
        int dims = vectors.dims();
        List<float[]> catalogue = new ArrayList<>();
        for (Sparse v : vectors.byProduct()) {
            if (v != null && v.norm() > 0) {
                catalogue.add(dense(v, dims));
            }
        }
        ContentSpace space = ContentSpace.of(catalogue, top);
        float[] mean = space.mean();
        double[][] directions = new double[space.directions()][];
        for (int k = 0; k < directions.length; k++) {
            directions[k] = space.direction(k);
        }
        Sparse[] out = new Sparse[vectors.byProduct().length];
        for (int i = 0; i < out.length; i++) {
            Sparse v = vectors.byProduct()[i];
            if (v == null) {
                continue;
            }
            double[] x = unitDense(v, dims);
            for (int d = 0; d < dims; d++) {
                x[d] -= mean[d];
            }
            for (double[] p : directions) {
                double dot = 0;
                for (int d = 0; d < dims; d++) {
                    dot += x[d] * p[d];
                }
                for (int d = 0; d < dims; d++) {
                    x[d] -= dot * p[d];
                }
            }
            float[] f = new float[dims];
            for (int d = 0; d < dims; d++) {
                f[d] = (float) x[d];
            }
            out[i] = Sparse.of(f);
        }
        return new Vectors(vectors.variant(), dims, out, 0);
    }

    private static float[] dense(Sparse v, int dims) {
        float[] x = new float[dims];
        for (int j = 0; j < v.idx().length; j++) {
            x[v.idx()[j]] = v.val()[j];
        }
        return x;
    }

    private static double[] unitDense(Sparse v, int dims) {
        double[] x = new double[dims];
        for (int j = 0; j < v.idx().length; j++) {
            x[v.idx()[j]] = v.val()[j] / v.norm();
        }
        return x;
    }

    private static double maxDifference(Vectors a, Vectors b) {
        double max = 0;
        for (int i = 0; i < a.byProduct().length; i++) {
            Sparse x = a.byProduct()[i], y = b.byProduct()[i];
            if (x == null || y == null) {
                max = x == y ? max : Double.POSITIVE_INFINITY;
                continue;
            }
            double[] dx = unitDense(x, a.dims()), dy = unitDense(y, b.dims());
            for (int d = 0; d < dx.length; d++) {
                max = Math.max(max, Math.abs(dx[d] - dy[d]));
            }
        }
        return max;
    }

    /**
     * The vectors the node's language model {@code model} (384 dims) makes of the given products (their text prepared
     * by the caller), by product, through index {@code bench-content-NAME}.
     */
    static Vectors modelOnNode(
            EsClient es,
            String model,
            String name,
            List<OnlineRetail.Product> products,
            Map<String, Integer> productIndex) {
        String index = "bench-content-" + name;
        es.put("/_ingest/pipeline/" + index, String.format(Locale.ROOT, """
            {"processors": [{"item_vector": {"fields": {"title": 3.0, "description": 1.0, "category": 2.0, "brand": 2.0},
                                             "target_field": "content_vector", "model": "%s", "ignore_missing": true}}]}""", model))
                .ok();
        Shop.createProductsIndex(es, index, index, 1, 0, 384);
        Shop.loadProducts(es, index, products);
        Sparse[] byProduct = new Sparse[products.size()];
        Shop.contentVectors(es, index).forEach((sku, vector) -> byProduct[productIndex.get(sku)] = Sparse.of(vector));
        return new Vectors(new Variant(model, 384, name), 384, byProduct, 0);
    }
}
