package io.personalize.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import io.personalize.it.Shop;
import io.personalize.training.RankingMetrics;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;

/**
 * Content quality of the item_vector processor on the Online Retail catalogue, on a real node.
 * <p>
 * Each variant (analyzer × dims) is a pipeline and an index: the catalogue (one document per StockCode, title = its most
 * frequent Description) goes through the node's item_vector processor and every vector is read back. Then, client side
 * and exact (brute force over the vectors):
 * <ul>
 *   <li>the top 5 content neighbours of 20 products sampled with a fixed seed, printed with titles, checked against knn
 *       search; and over the whole catalogue, how many neighbours share no token at all with the product (their
 *       similarity is pure hash collision) and how many were bought by one of the product's buyers;</li>
 *   <li>content-only recommendations on protocol OR-time (train before 2011-11-01; each test user is judged on the new
 *       items they bought after the split): user vector = mean of the content vectors of their train items (or a
 *       recency-weighted mean), every train-catalogue item ranked by dot product, the user's own train items excluded;
 *       HR, Recall, NDCG and coverage at 10 with the plugin's RankingMetrics, beside popularity ranked the same way.</li>
 * </ul>
 * Two client-side references without hashing (the same features, one dimension each) show what hashing costs.
 */
public final class ContentQualityBench {

    static final int K = 10;
    static final int NEIGHBOURS = 5;
    private static final int SAMPLE = 20;
    private static final long SEED = 42;
    private static final double DAY = 86_400_000.0;
    // the title's weight in the shop's pipeline; it scales out with the L2 norm, kept for fidelity
    private static final double TITLE_WEIGHT = 3.0;
    private static final double[] HALF_LIVES_DAYS = {0, 7, 30, 90, 365}; // 0 = plain mean
    private static final double TABLE_HALF_LIFE = 30;

    private static final String CENTRED = "-centred";

    /** One way of making content vectors; {@code dims == 0} is the client-side reference without hashing. */
    record Variant(String analyzer, int dims, String note) {
        String label() {
            return analyzer + ", " + (dims == 0 ? "no hashing" : dims + " dims")
                    + (note.isEmpty() ? "" : " (" + note + ")");
        }

        String index() {
            return "bench-content-" + analyzer + "-" + dims;
        }

        /** A language model of the node (item_vector's "model") rather than hashing with an analyzer. */
        boolean languageModel() {
            return analyzer.equals("minilm");
        }

        boolean onNode() {
            return dims > 0 && analyzer.endsWith(CENTRED) == false;
        }
    }

    /** A sparse vector: its non-zero coordinates, ascending, and their values. */
    record Sparse(int[] idx, float[] val, double norm) {
        static Sparse of(float[] dense) {
            int n = 0;
            for (float v : dense) {
                if (v != 0) {
                    n++;
                }
            }
            int[] idx = new int[n];
            float[] val = new float[n];
            double norm = 0;
            for (int i = 0, j = 0; i < dense.length; i++) {
                if (dense[i] != 0) {
                    idx[j] = i;
                    val[j++] = dense[i];
                    norm += (double) dense[i] * dense[i];
                }
            }
            return new Sparse(idx, val, Math.sqrt(norm));
        }

        double dot(double[] dense) {
            double s = 0;
            for (int i = 0; i < idx.length; i++) {
                s += dense[idx[i]] * val[i];
            }
            return s;
        }
    }

    /** The vectors of one variant, aligned with the product list (null: no vector). */
    record Vectors(Variant variant, int dims, Sparse[] byProduct, double loadSeconds) {}

    public static void main(String[] args) throws Exception {
        String url = args.length > 0 ? args[0] : "http://127.0.0.1:19400";
        EsClient es = new EsClient(url, System.getenv("PERSONALIZE_USER"), System.getenv("PERSONALIZE_PASSWORD"));
        long started = System.nanoTime();
        // the plugin's classes now, not minutes later: a concurrent `mvn install` may rewrite its jar under this JVM
        new RankingMetrics(K, 1).add(new int[] {0}, new int[] {0});

        OnlineRetail data = OnlineRetail.load();
        OnlineRetail.Protocol protocol = data.protocol();
        List<OnlineRetail.Product> products = data.products();
        Map<String, Integer> productIndex = new HashMap<>();
        for (int i = 0; i < products.size(); i++) {
            productIndex.put(products.get(i).sku(), i);
        }
        checkProtocol(data, protocol);

        List<Variant> variants = List.of(
                new Variant("standard", 256, "the processor's defaults"),
                new Variant("standard", 1024, ""),
                new Variant("english", 256, "the demo's pipeline"),
                new Variant("english", 1024, ""),
                new Variant("standard", 0, "client-side reference"),
                new Variant("english", 0, "client-side reference"),
                new Variant("minilm", 384, "all-MiniLM-L6-v2 in the node"));
        Map<String, Analyzer> analyzers = Map.of("standard", new StandardAnalyzer(), "english", new EnglishAnalyzer());

        System.out.printf(
                Locale.ROOT,
                "%n== Content vectors: %,d products (%,d with a title) through the item_vector processor at %s%n",
                products.size(),
                products.stream().filter(p -> p.title() != null).count(),
                url);
        System.out.println(
                "   pipeline: {\"item_vector\": {\"fields\": {\"title\": 3.0, \"description\": 1.0, \"category\": 2.0, \"brand\": 2.0},"
                        + " \"dims\": D, \"analyzer\": A, \"ignore_missing\": true}} (hashing), or \"model\": \"minilm\" instead of dims and analyzer");
        List<Vectors> all = new ArrayList<>();
        for (Variant v : variants) {
            Vectors vectors = v.onNode()
                    ? loadOnNode(es, v, products, productIndex)
                    : exactFeatures(v, analyzers.get(v.analyzer()), products);
            all.add(vectors);
            long withVector =
                    Arrays.stream(vectors.byProduct()).filter(x -> x != null).count();
            System.out.printf(
                    Locale.ROOT,
                    "   %-52s %,6d vectors, %5.1f non-zeros each%s%n",
                    v.label(),
                    withVector,
                    Arrays.stream(vectors.byProduct())
                            .filter(x -> x != null)
                            .mapToInt(x -> x.idx().length)
                            .average()
                            .orElse(0),
                    v.onNode()
                            ? String.format(Locale.ROOT, ", indexed and read back in %.1f s", vectors.loadSeconds())
                            : "");
        }
        checkReference(all, analyzers, products);
        // a diagnostic, client side: MiniLM's vectors of short titles share one large common direction (mean cosine of
        // neighbours .70); without the catalogue's mean vector, a user's mean vector is about what sets them apart
        Vectors centred =
                centred(all.get(6), new Variant("minilm" + CENTRED, 384, "client side: catalogue mean removed"));
        all.add(centred);

        // neighbours: brute force, every product with a vector
        List<Set<String>> standardTokens = tokenSets(analyzers.get("standard"), products);
        List<Set<String>> englishTokens = tokenSets(analyzers.get("english"), products);
        Map<Variant, int[][]> neighbours = new LinkedHashMap<>();
        Map<Variant, double[][]> neighbourScores = new LinkedHashMap<>();
        for (Vectors vectors : all) {
            double[][] scores = new double[products.size()][];
            neighbours.put(vectors.variant(), topNeighbours(vectors, scores));
            neighbourScores.put(vectors.variant(), scores);
        }
        BitSet[] buyers = buyers(data, productIndex);

        List<Integer> sample = new ArrayList<>();
        for (int i = 0; i < products.size(); i++) {
            if (all.get(0).byProduct()[i] != null) {
                sample.add(i);
            }
        }
        Collections.shuffle(sample, new Random(SEED));
        sample = sample.subList(0, SAMPLE);
        // hashing at 256 and 1024 dims beside the language model, the same products
        List<Variant> shown = List.of(variants.get(0), variants.get(1), variants.get(6));
        System.out.printf(
                Locale.ROOT,
                "%n== Top %d content neighbours of %d products sampled with seed %d (brute-force cosine over the node's vectors)%n",
                NEIGHBOURS,
                SAMPLE,
                SEED);
        System.out.println("   * = shares no token with the product: the similarity is hash collision only;"
                + " + = bought by one of the product's buyers");
        for (int i : sample) {
            OnlineRetail.Product p = products.get(i);
            System.out.printf(Locale.ROOT, "%n   %-7s %s%n", p.sku(), p.title());
            StringBuilder header = new StringBuilder("     ");
            for (Variant v : shown) {
                header.append(String.format(Locale.ROOT, " %-60s ", v.label()));
            }
            System.out.println(header);
            printNeighbourRows(shown, neighbours, neighbourScores, products, standardTokens, buyers, i);
        }

        // knn against brute force, for the sampled products on every node variant
        System.out.printf(
                Locale.ROOT,
                "%n== knn search (k=%d, num_candidates=100) against brute force, for the %d sampled products: with the"
                        + " index_options Elasticsearch picks by default, and with int8_hnsw at 1024 dims%n",
                NEIGHBOURS + 1,
                SAMPLE);
        for (Vectors vectors : all) {
            if (vectors.variant().onNode()) {
                Variant v = vectors.variant();
                knnCheck(es, v.index(), vectors, products, productIndex, sample, neighbourScores.get(v));
                if (v.dims() > 256) {
                    // Elasticsearch quantizes vectors of 384 dims and more to 1 bit (bbq_hnsw) by default; int8 instead
                    es.delete("/" + v.index() + "-int8");
                    es.put(
                                    "/" + v.index() + "-int8",
                                    Map.of(
                                            "settings",
                                                    Map.of(
                                                            "default_pipeline",
                                                            v.index(),
                                                            "number_of_shards",
                                                            1,
                                                            "number_of_replicas",
                                                            0),
                                            "mappings",
                                                    Map.of(
                                                            "properties",
                                                            Map.of(
                                                                    "sku",
                                                                    Map.of("type", "keyword"),
                                                                    "content_vector",
                                                                    Map.of(
                                                                            "type",
                                                                            "dense_vector",
                                                                            "dims",
                                                                            v.dims(),
                                                                            "similarity",
                                                                            "cosine",
                                                                            "index_options",
                                                                            Map.of("type", "int8_hnsw"))))))
                            .ok();
                    Shop.loadProducts(es, v.index() + "-int8", products);
                    knnCheck(es, v.index() + "-int8", vectors, products, productIndex, sample, neighbourScores.get(v));
                    es.delete("/" + v.index() + "-int8");
                }
            }
        }

        double coBoughtBaseline = coBoughtBaseline(buyers, all.get(0));
        System.out.printf(
                Locale.ROOT,
                "%n== Neighbour quality over every product with a vector (top %d by brute-force cosine)%n",
                NEIGHBOURS);
        System.out.println(
                "   unrelated = shares no token with the product (pure hash collision); co-bought = bought by one of its buyers"
                        + String.format(Locale.ROOT, " (random pairs: %.1f%%)", 100 * coBoughtBaseline));
        System.out.printf(
                Locale.ROOT,
                "   %-52s %10s %10s %10s %12s%n",
                "variant",
                "unrelated",
                "products",
                "co-bought",
                "mean cosine");
        System.out.printf(Locale.ROOT, "   %-52s %10s %10s %10s %12s%n", "", "neighbours", "with one", "", "");
        Map<Variant, Double> wordless = new LinkedHashMap<>();
        for (Vectors vectors : all) {
            Variant v = vectors.variant();
            List<Set<String>> tokens = v.analyzer().equals("english") ? englishTokens : standardTokens;
            wordless.put(v, neighbourQuality(vectors, neighbours.get(v), neighbourScores.get(v), tokens, buyers));
        }

        // OR-time
        OrTime or = new OrTime(protocol, productIndex);
        Map<Variant, Result[]> orResults = orTime(or, all);
        List<Variant> summary = new ArrayList<>(shown);
        summary.add(centred.variant());
        languageModelSummary(summary, 2, wordless, orResults);
        // issue 14, part 3: can preparation (centring, removing the strongest common directions, cleaner text), or
        // another sentence model the node was given, make a language model beat hashing? Every choice made on a
        // validation split, then each family's choice measured once on OR-time
        ContentPreparation.run(es, data, all, or, standardTokens, buyers, sample);

        // the demo's noise, explained
        Integer rabbit = productIndex.get("23084"), cube = productIndex.get("22174");
        Vectors demo = all.get(2);
        System.out.printf(Locale.ROOT, "%n== A noisy neighbour from the demo, explained%n");
        explainPair(
                analyzers.get("english"),
                "english",
                demo.dims(),
                products.get(rabbit),
                products.get(cube),
                demo.byProduct()[rabbit],
                demo.byProduct()[cube]);
        hashingNoise(analyzers.get("standard"), products, standardTokens, or);

        System.out.printf(Locale.ROOT, "%ntook %.0f s%n", (System.nanoTime() - started) / 1e9);
        System.out.println(
                "reproduce: bin/bench content   (PERSONALIZE_BENCH_NAME / PERSONALIZE_BENCH_PORT to move its node,"
                        + " PERSONALIZE_URL to use an existing cluster)");
        for (Variant v : variants) {
            if (v.onNode()) {
                es.delete("/" + v.index());
                es.delete("/_ingest/pipeline/" + v.index());
            }
        }
        analyzers.values().forEach(Analyzer::close);
    }

    /** The vectors less their mean over the catalogue, L2-normalised again (client side). */
    private static Vectors centred(Vectors vectors, Variant variant) {
        int dims = vectors.dims();
        double[] mean = new double[dims];
        int n = 0;
        for (Sparse v : vectors.byProduct()) {
            if (v != null) {
                for (int j = 0; j < v.idx().length; j++) {
                    mean[v.idx()[j]] += v.val()[j] / v.norm();
                }
                n++;
            }
        }
        Sparse[] out = new Sparse[vectors.byProduct().length];
        for (int i = 0; i < out.length; i++) {
            Sparse v = vectors.byProduct()[i];
            if (v == null) {
                continue;
            }
            float[] dense = new float[dims];
            for (int j = 0; j < v.idx().length; j++) {
                dense[v.idx()[j]] = (float) (v.val()[j] / v.norm());
            }
            for (int d = 0; d < dims; d++) {
                dense[d] -= (float) (mean[d] / n);
            }
            out[i] = Sparse.of(dense);
        }
        return new Vectors(variant, dims, out, 0);
    }

    // ---- protocol ----

    /** Prints the protocol's sizes, and checks them against a count over the raw CSV rows (without the dedup). */
    private static void checkProtocol(OnlineRetail data, OnlineRetail.Protocol protocol) {
        long rows = 0;
        Set<String> users = new HashSet<>();
        Set<String> items = new HashSet<>();
        Map<String, Set<String>> before = new HashMap<>();
        List<String[]> after = new ArrayList<>();
        DateTimeFormatter format = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(OnlineRetail.defaultPath()), 1 << 16),
                StandardCharsets.UTF_8))) {
            in.readLine();
            for (String line; (line = in.readLine()) != null; ) {
                List<String> f = OnlineRetail.parseCsvLine(line);
                String customer = f.get(6).replaceAll("\\.0$", "");
                if (customer.isEmpty()
                        || Integer.parseInt(f.get(3)) <= 0
                        || f.get(0).startsWith("C")) {
                    continue;
                }
                long time = LocalDateTime.parse(f.get(4), format)
                        .toInstant(ZoneOffset.UTC)
                        .toEpochMilli();
                if (time < OnlineRetail.SPLIT) {
                    rows++;
                    users.add(customer);
                    items.add(f.get(1));
                    before.computeIfAbsent(customer, c -> new HashSet<>()).add(f.get(1));
                } else {
                    after.add(new String[] {customer, f.get(1)});
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Set<String> testUsers = new TreeSet<>();
        for (String[] a : after) {
            Set<String> known = before.get(a[0]);
            if (known != null && known.contains(a[1]) == false) {
                testUsers.add(a[0]);
            }
        }
        long truthItems =
                protocol.truthByUser().values().stream().mapToInt(Set::size).sum();
        System.out.printf(
                Locale.ROOT,
                "== Protocol OR-time on Online Retail: %,d purchase events (CustomerID set, Quantity > 0, InvoiceNo not C...),"
                        + " split 2011-11-01 00:00 UTC%n",
                data.purchases().size());
        System.out.printf(
                Locale.ROOT,
                "   train: %,d events (%,d CSV rows; the loader merges rows of one customer, item and invoice time),"
                        + " %,d users, %,d items%n",
                protocol.train().size(),
                rows,
                protocol.trainItemsByUser().size(),
                protocol.trainCatalog().size());
        System.out.printf(
                Locale.ROOT,
                "   test: %,d users with an item bought after the split that they had never bought before (%,d user-item pairs)%n",
                protocol.truthByUser().size(),
                truthItems);
        boolean same = users.equals(protocol.trainItemsByUser().keySet())
                && items.equals(protocol.trainCatalog())
                && testUsers.equals(protocol.truthByUser().keySet());
        System.out.printf(
                Locale.ROOT,
                "   raw CSV rows give the same users, items and test users: %s (%,d / %,d / %,d)%n",
                same ? "yes" : "NO",
                users.size(),
                items.size(),
                testUsers.size());
        if (same == false) {
            throw new IllegalStateException("the loader's protocol differs from the raw rows");
        }
    }

    // ---- vectors ----

    static Vectors loadOnNode(
            EsClient es, Variant v, List<OnlineRetail.Product> products, Map<String, Integer> productIndex) {
        long start = System.nanoTime();
        if (v.languageModel()) {
            // the shop's pipeline with the language model instead of hashing (no analyzer, dims the model's)
            es.put("/_ingest/pipeline/" + v.index(), String.format(Locale.ROOT, """
                {"processors": [{"item_vector": {"fields": {"title": 3.0, "description": 1.0, "category": 2.0, "brand": 2.0},
                                                 "target_field": "content_vector", "model": "%s", "ignore_missing": true}}]}""", v.analyzer()))
                    .ok();
        } else {
            Shop.putVectorPipeline(es, v.index(), v.dims(), v.analyzer());
        }
        Shop.createProductsIndex(es, v.index(), v.index(), 1, 0, v.dims());
        Shop.loadProducts(es, v.index(), products);
        Sparse[] byProduct = new Sparse[products.size()];
        Shop.contentVectors(es, v.index()).forEach((sku, vector) -> {
            if (vector.length != v.dims()) {
                throw new IllegalStateException(sku + ": " + vector.length + " dims");
            }
            byProduct[productIndex.get(sku)] = Sparse.of(vector);
        });
        return new Vectors(v, v.dims(), byProduct, (System.nanoTime() - start) / 1e9);
    }

    /**
     * The processor's features without hashing, one dimension each: every token and every pair of adjacent tokens of
     * the title, weighted {@code weight × (1 + ln tf)}, L2-normalised (as ContentVectorizer makes them, before hashing).
     */
    private static Vectors exactFeatures(Variant v, Analyzer analyzer, List<OnlineRetail.Product> products) {
        Map<String, Integer> featureIds = new HashMap<>();
        Sparse[] byProduct = new Sparse[products.size()];
        for (int i = 0; i < products.size(); i++) {
            String title = products.get(i).title();
            if (title == null) {
                continue;
            }
            TreeMap<Integer, Double> weights = new TreeMap<>();
            for (Map.Entry<String, Integer> f : features(analyzer, title).entrySet()) {
                int id = featureIds.computeIfAbsent(f.getKey(), k -> featureIds.size());
                weights.put(id, TITLE_WEIGHT * (1 + Math.log(f.getValue())));
            }
            if (weights.isEmpty()) {
                continue;
            }
            double norm =
                    Math.sqrt(weights.values().stream().mapToDouble(w -> w * w).sum());
            int[] idx = new int[weights.size()];
            float[] val = new float[weights.size()];
            int j = 0;
            for (Map.Entry<Integer, Double> w : weights.entrySet()) {
                idx[j] = w.getKey();
                val[j++] = (float) (w.getValue() / norm);
            }
            double n = 0;
            for (float x : val) {
                n += (double) x * x;
            }
            byProduct[i] = new Sparse(idx, val, Math.sqrt(n));
        }
        return new Vectors(v, featureIds.size(), byProduct, 0);
    }

    /** Feature -> term frequency: "u token" for unigrams, "b left right" for adjacent pairs. */
    static Map<String, Integer> features(Analyzer analyzer, String text) {
        Map<String, Integer> tf = new TreeMap<>();
        String previous = null;
        for (String token : tokens(analyzer, text)) {
            tf.merge("u " + token, 1, Integer::sum);
            if (previous != null) {
                tf.merge("b " + previous + " " + token, 1, Integer::sum);
            }
            previous = token;
        }
        return tf;
    }

    static List<String> tokens(Analyzer analyzer, String text) {
        List<String> out = new ArrayList<>();
        try (TokenStream stream = analyzer.tokenStream("content", text)) {
            CharTermAttribute term = stream.addAttribute(CharTermAttribute.class);
            stream.reset();
            while (stream.incrementToken()) {
                out.add(term.toString());
            }
            stream.end();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    static List<Set<String>> tokenSets(Analyzer analyzer, List<OnlineRetail.Product> products) {
        List<Set<String>> sets = new ArrayList<>(products.size());
        for (OnlineRetail.Product p : products) {
            sets.add(p.title() == null ? Set.of() : new HashSet<>(tokens(analyzer, p.title())));
        }
        return sets;
    }

    /**
     * The client-side references must be the node's features: hashing them as the processor documents (MurmurHash3,
     * seeds of ContentVectorizer, sign bit) must give back the node's 256-dim vectors.
     */
    private static void checkReference(
            List<Vectors> all, Map<String, Analyzer> analyzers, List<OnlineRetail.Product> products) {
        for (Vectors node : all) {
            if (node.variant().dims() != 256) {
                continue;
            }
            Analyzer analyzer = analyzers.get(node.variant().analyzer());
            int checked = 0, equal = 0;
            for (int i = 0; i < products.size(); i++) {
                if (node.byProduct()[i] == null) {
                    continue;
                }
                checked++;
                double[] hashed = new double[256];
                for (Map.Entry<String, Integer> f :
                        features(analyzer, products.get(i).title()).entrySet()) {
                    boolean unigram = f.getKey().charAt(0) == 'u';
                    int hash = org.apache.lucene.util.StringHelper.murmurhash3_x86_32(
                            new org.apache.lucene.util.BytesRef(f.getKey().substring(2)),
                            unigram ? 0x5eed_0001 : 0x5eed_0002);
                    double w = TITLE_WEIGHT * (1 + Math.log(f.getValue()));
                    hashed[(hash & 0x7fffffff) % 256] += hash < 0 ? -w : w;
                }
                double norm = Math.sqrt(Arrays.stream(hashed).map(x -> x * x).sum());
                double[] dense = new double[256];
                Sparse s = node.byProduct()[i];
                for (int j = 0; j < s.idx().length; j++) {
                    dense[s.idx()[j]] = s.val()[j];
                }
                boolean same = true;
                for (int j = 0; j < 256 && same; j++) {
                    same = Math.abs(hashed[j] / norm - dense[j]) < 1e-6;
                }
                if (same) {
                    equal++;
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "   check: the reference features of %s, hashed to 256 dims client side, give the node's vectors for %,d of %,d products%n",
                    node.variant().analyzer(),
                    equal,
                    checked);
        }
    }

    // ---- neighbours ----

    /** Top NEIGHBOURS by cosine of every product with a vector (ties: lower product index first); scores filled in. */
    static int[][] topNeighbours(Vectors vectors, double[][] scoresOut) {
        Sparse[] v = vectors.byProduct();
        int n = v.length;
        int[][] top = new int[n][];
        double[] query = new double[vectors.dims()];
        for (int i = 0; i < n; i++) {
            if (v[i] == null) {
                continue;
            }
            for (int j = 0; j < v[i].idx().length; j++) {
                query[v[i].idx()[j]] = v[i].val()[j];
            }
            int[] best = new int[NEIGHBOURS];
            double[] bestScore = new double[NEIGHBOURS];
            Arrays.fill(best, -1);
            Arrays.fill(bestScore, Double.NEGATIVE_INFINITY);
            for (int j = 0; j < n; j++) {
                if (j == i || v[j] == null) {
                    continue;
                }
                double cos = v[j].dot(query) / (v[i].norm() * v[j].norm());
                insert(best, bestScore, j, cos);
            }
            for (int j = 0; j < v[i].idx().length; j++) {
                query[v[i].idx()[j]] = 0;
            }
            top[i] = best;
            scoresOut[i] = bestScore;
        }
        return top;
    }

    /** Inserts (id, score) into a descending top list; equal scores keep the earlier (lower) id first. */
    private static void insert(int[] ids, double[] scores, int id, double score) {
        int last = ids.length - 1;
        if (score <= scores[last]) {
            return;
        }
        int pos = last;
        while (pos > 0 && score > scores[pos - 1]) {
            ids[pos] = ids[pos - 1];
            scores[pos] = scores[pos - 1];
            pos--;
        }
        ids[pos] = id;
        scores[pos] = score;
    }

    /** Product {@code i}'s top neighbours, one row per rank, one column per variant side by side. */
    static <K> void printNeighbourRows(
            List<K> columns,
            Map<K, int[][]> neighbours,
            Map<K, double[][]> neighbourScores,
            List<OnlineRetail.Product> products,
            List<Set<String>> tokens,
            BitSet[] buyers,
            int i) {
        for (int r = 0; r < NEIGHBOURS; r++) {
            StringBuilder line = new StringBuilder("     ");
            for (K c : columns) {
                line.append(String.format(
                        Locale.ROOT,
                        " %-60s ",
                        neighbourCell(
                                products,
                                tokens,
                                buyers,
                                i,
                                neighbours.get(c)[i],
                                neighbourScores.get(c)[i],
                                r)));
            }
            System.out.println(line);
        }
    }

    static String neighbourCell(
            List<OnlineRetail.Product> products,
            List<Set<String>> tokens,
            BitSet[] buyers,
            int i,
            int[] top,
            double[] scores,
            int r) {
        int j = top[r];
        if (j < 0) {
            return "";
        }
        boolean unrelated = Collections.disjoint(tokens.get(i), tokens.get(j));
        boolean coBought = buyers[i].intersects(buyers[j]);
        String title = products.get(j).title();
        return String.format(
                Locale.ROOT,
                "%.3f %s%s %-7s %s",
                scores[r],
                unrelated ? "*" : " ",
                coBought ? "+" : " ",
                products.get(j).sku(),
                title.length() > 38 ? title.substring(0, 37) + "…" : title);
    }

    /**
     * knn's top 5 against brute force: a knn neighbour is right when its exact cosine reaches the brute-force fifth
     * (ties may come in any order); its score error is how far knn's _score, as a cosine, is from the exact one.
     */
    private static void knnCheck(
            EsClient es,
            String index,
            Vectors vectors,
            List<OnlineRetail.Product> products,
            Map<String, Integer> productIndex,
            List<Integer> sample,
            double[][] scores) {
        int right = 0, returned = 0;
        double maxError = 0, sumError = 0;
        for (int i : sample) {
            Sparse s = vectors.byProduct()[i];
            float[] query = new float[vectors.dims()];
            for (int j = 0; j < s.idx().length; j++) {
                query[s.idx()[j]] = s.val()[j];
            }
            JsonNode hits = es.post(
                            "/" + index + "/_search",
                            Map.of(
                                    "knn",
                                    Map.of(
                                            "field",
                                            "content_vector",
                                            "query_vector",
                                            query,
                                            "k",
                                            NEIGHBOURS + 1,
                                            "num_candidates",
                                            100),
                                    "size",
                                    NEIGHBOURS + 1,
                                    "_source",
                                    false))
                    .ok()
                    .path("hits")
                    .path("hits");
            int taken = 0;
            for (JsonNode hit : hits) {
                String id = hit.path("_id").asText();
                if (id.equals(products.get(i).sku()) || taken == NEIGHBOURS) {
                    continue;
                }
                taken++;
                Sparse other = vectors.byProduct()[productIndex.get(id)];
                double[] dense = new double[vectors.dims()];
                for (int j = 0; j < s.idx().length; j++) {
                    dense[s.idx()[j]] = s.val()[j];
                }
                double exact = other.dot(dense) / (s.norm() * other.norm());
                double error =
                        Math.abs(2 * hit.path("_score").asDouble() - 1 - exact); // cosine's _score is (1 + cos) / 2
                maxError = Math.max(maxError, error);
                sumError += error;
                right += exact >= scores[i][NEIGHBOURS - 1] - 1e-6 ? 1 : 0;
            }
            returned += taken;
        }
        JsonNode options = es.get("/" + index + "/_mapping")
                .ok()
                .path(index)
                .path("mappings")
                .path("properties")
                .path("content_vector")
                .path("index_options");
        System.out.printf(
                Locale.ROOT,
                "   %-36s %-17s %3d/%d in the exact top %d; knn score - exact cosine: mean %.4f, max %.4f%n",
                vectors.variant()
                        .label()
                        .replace(" (the processor's defaults)", "")
                        .replace(" (the demo's pipeline)", ""),
                options.path("type").asText() + (options.has("rescore_vector") ? "+rescore" : ""),
                right,
                SAMPLE * NEIGHBOURS,
                NEIGHBOURS,
                sumError / Math.max(1, returned),
                maxError);
    }

    /** Each product's buyers (indices of customers), over every purchase event. */
    static BitSet[] buyers(OnlineRetail data, Map<String, Integer> productIndex) {
        BitSet[] buyers = new BitSet[productIndex.size()];
        Arrays.setAll(buyers, i -> new BitSet());
        Map<String, Integer> users = new HashMap<>();
        for (OnlineRetail.Purchase p : data.purchases()) {
            int u = users.computeIfAbsent(p.user(), k -> users.size());
            buyers[productIndex.get(p.sku())].set(u);
        }
        return buyers;
    }

    private static double coBoughtBaseline(BitSet[] buyers, Vectors vectors) {
        List<Integer> withVector = new ArrayList<>();
        for (int i = 0; i < buyers.length; i++) {
            if (vectors.byProduct()[i] != null) {
                withVector.add(i);
            }
        }
        Random random = new Random(SEED);
        int pairs = 100_000, co = 0;
        for (int p = 0; p < pairs; p++) {
            int a = withVector.get(random.nextInt(withVector.size()));
            int b = withVector.get(random.nextInt(withVector.size()));
            if (a != b && buyers[a].intersects(buyers[b])) {
                co++;
            }
        }
        return (double) co / pairs;
    }

    /** Prints the variant's neighbour figures; returns the share of neighbours sharing no word with their product. */
    static double neighbourQuality(
            Vectors vectors, int[][] neighbours, double[][] scores, List<Set<String>> tokens, BitSet[] buyers) {
        long slots = 0, unrelated = 0, coBought = 0, productsWithUnrelated = 0, queries = 0;
        double cosine = 0;
        for (int i = 0; i < neighbours.length; i++) {
            if (neighbours[i] == null) {
                continue;
            }
            queries++;
            boolean any = false;
            for (int r = 0; r < NEIGHBOURS; r++) {
                int j = neighbours[i][r];
                if (j < 0) {
                    continue;
                }
                slots++;
                cosine += scores[i][r];
                if (Collections.disjoint(tokens.get(i), tokens.get(j))) {
                    unrelated++;
                    any = true;
                }
                if (buyers[i].intersects(buyers[j])) {
                    coBought++;
                }
            }
            productsWithUnrelated += any ? 1 : 0;
        }
        System.out.printf(
                Locale.ROOT,
                "   %-52s %9.1f%% %9.1f%% %9.1f%% %12.3f%n",
                vectors.variant().label(),
                100.0 * unrelated / slots,
                100.0 * productsWithUnrelated / queries,
                100.0 * coBought / slots,
                cosine / slots);
        return (double) unrelated / slots;
    }

    /** Issue 14's targets: the language model beats hashing on NDCG@10 and halves the share of word-less neighbours. */
    private static void languageModelSummary(
            List<Variant> shown, int hashingVariants, Map<Variant, Double> wordless, Map<Variant, Result[]> orResults) {
        System.out.printf(
                Locale.ROOT, "%n== The language model beside hashing (standard analyzer), content only, OR-time%n");
        System.out.printf(
                Locale.ROOT, "   %-52s %8s %7s %22s%n", "variant", "NDCG@10", "cov@10", "word-less neighbours");
        for (Variant v : shown) {
            RankingMetrics m = orResults.get(v)[0].metrics();
            System.out.printf(
                    Locale.ROOT,
                    "   %-52s %8.4f %7.4f %21.1f%%%n",
                    v.label(),
                    m.ndcg(),
                    m.coverage(),
                    100 * wordless.get(v));
        }
        for (Variant model : shown.subList(hashingVariants, shown.size()))
            for (Variant hashing : shown.subList(0, hashingVariants)) {
                double ndcgRatio = orResults.get(model)[0].metrics().ndcg()
                        / orResults.get(hashing)[0].metrics().ndcg();
                double wordlessRatio = wordless.get(model) / wordless.get(hashing);
                System.out.printf(
                        Locale.ROOT,
                        "   %s / %s: NDCG@10 x%.2f (target > 1), word-less neighbours x%.2f (target <= 0.50); ΔNDCG@10 %s%n",
                        model.analyzer(),
                        hashing.label(),
                        ndcgRatio,
                        wordlessRatio,
                        pairedDifference(orResults.get(model)[0].ndcg(), orResults.get(hashing)[0].ndcg()));
            }
    }

    // ---- why unrelated neighbours ----

    /** The processor's hashing of one feature ("u token" or "b left right"): MurmurHash3, its seed by feature kind. */
    static int murmur(String feature) {
        return org.apache.lucene.util.StringHelper.murmurhash3_x86_32(
                new org.apache.lucene.util.BytesRef(feature.substring(2)),
                feature.charAt(0) == 'u' ? 0x5eed_0001 : 0x5eed_0002);
    }

    /** A control: the first 4 bytes of SHA-256, as good as a random function gets. */
    static int sha256(String feature) {
        try {
            byte[] d =
                    java.security.MessageDigest.getInstance("SHA-256").digest(feature.getBytes(StandardCharsets.UTF_8));
            return ((d[0] & 0xff) << 24) | ((d[1] & 0xff) << 16) | ((d[2] & 0xff) << 8) | (d[3] & 0xff);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Titles hashed client side as the processor does (dims 0: no hashing, one dimension per feature). */
    private static Sparse[] hashedTitles(
            Analyzer analyzer,
            List<OnlineRetail.Product> products,
            int dims,
            boolean bigrams,
            java.util.function.ToIntFunction<String> hash,
            Map<String, Integer> featureIds) {
        Sparse[] out = new Sparse[products.size()];
        for (int i = 0; i < products.size(); i++) {
            if (products.get(i).title() == null) {
                continue;
            }
            TreeMap<Integer, Double> coords = new TreeMap<>();
            for (Map.Entry<String, Integer> f :
                    features(analyzer, products.get(i).title()).entrySet()) {
                if (bigrams == false && f.getKey().charAt(0) == 'b') {
                    continue;
                }
                double w = TITLE_WEIGHT * (1 + Math.log(f.getValue()));
                if (dims == 0) {
                    coords.merge(featureIds.computeIfAbsent(f.getKey(), k -> featureIds.size()), w, Double::sum);
                } else {
                    int h = hash.applyAsInt(f.getKey());
                    coords.merge((h & 0x7fffffff) % dims, h < 0 ? -w : w, Double::sum);
                }
            }
            double norm =
                    Math.sqrt(coords.values().stream().mapToDouble(x -> x * x).sum());
            if (coords.isEmpty() || norm == 0) {
                continue;
            }
            float[] dense = new float[dims == 0 ? featureIds.size() : dims];
            coords.forEach((k, v) -> dense[k] = (float) (v / norm));
            out[i] = Sparse.of(dense);
        }
        return out;
    }

    /**
     * How much of the neighbour noise is signed hashing: the same titles hashed client side with other dims, without
     * bigrams, without hashing, and with an ideal hash function (a control for MurmurHash3's quality). For unrelated pairs
     * (no token in common) an ideal signed hash gives cosines of mean 0 and root mean square 1/sqrt(dims), whatever the
     * number of features; a title of n features that shares one token with another scores about 1/n.
     */
    private static void hashingNoise(
            Analyzer analyzer, List<OnlineRetail.Product> products, List<Set<String>> tokens, OrTime or) {
        int n = products.size();
        // token ids per product, to tell unrelated pairs quickly
        Map<String, Integer> tokenIds = new HashMap<>();
        int[][] tokenSets = new int[n][];
        for (int i = 0; i < n; i++) {
            tokenSets[i] = tokens.get(i).stream()
                    .mapToInt(t -> tokenIds.computeIfAbsent(t, k -> tokenIds.size()))
                    .sorted()
                    .toArray();
        }
        record Config(boolean bigrams, String hashName, int dims) {}
        List<Config> configs = new ArrayList<>();
        for (int dims : new int[] {256, 512, 1024, 2048, 4096, 0}) {
            configs.add(new Config(true, "murmur3", dims));
        }
        configs.add(new Config(true, "sha-256", 256));
        for (int dims : new int[] {256, 1024, 0}) {
            configs.add(new Config(false, "murmur3", dims));
        }
        System.out.printf(
                Locale.ROOT,
                "%n== Why unrelated neighbours: signed hashing of short titles (client side, standard analyzer, the processor's"
                        + " features and hashing)%n");
        System.out.println(
                "   unrelated pair = two titles without a token in common; an ideal signed hash gives their cosines"
                        + " a root mean square of 1/sqrt(dims)");
        System.out.println(
                "   unrelated >= 0.25: share of unrelated pairs with a cosine of 0.25 or more, and how many such titles each title"
                        + " has on average");
        System.out.printf(
                Locale.ROOT,
                "   %-16s %-8s %6s %11s %14s %13s %22s %12s %10s%n",
                "features",
                "hash",
                "dims",
                "feats/title",
                "RMS cos unrel.",
                "1/sqrt(dims)",
                "unrelated >= 0.25",
                "unrelated@5",
                "NDCG@10");
        for (Config c : configs) {
            Map<String, Integer> featureIds = new HashMap<>();
            Sparse[] v = hashedTitles(
                    analyzer,
                    products,
                    c.dims(),
                    c.bigrams(),
                    c.hashName().equals("sha-256") ? ContentQualityBench::sha256 : ContentQualityBench::murmur,
                    featureIds);
            int dims = c.dims() == 0 ? featureIds.size() : c.dims();
            double[] query = new double[dims];
            long unrelatedPairs = 0, high = 0, slots = 0, unrelatedSlots = 0;
            double sumSquares = 0, features = 0;
            int withVector = 0;
            for (int i = 0; i < n; i++) {
                if (v[i] == null) {
                    continue;
                }
                withVector++;
                features += c.dims() == 0
                        ? v[i].idx().length
                        : features(analyzer, products.get(i).title()).keySet().stream()
                                .filter(f -> c.bigrams() || f.charAt(0) == 'u')
                                .count();
                for (int j = 0; j < v[i].idx().length; j++) {
                    query[v[i].idx()[j]] = v[i].val()[j];
                }
                int[] best = new int[NEIGHBOURS];
                double[] bestScore = new double[NEIGHBOURS];
                Arrays.fill(best, -1);
                Arrays.fill(bestScore, Double.NEGATIVE_INFINITY);
                for (int j = 0; j < n; j++) {
                    if (j == i || v[j] == null) {
                        continue;
                    }
                    double cos = v[j].dot(query) / (v[i].norm() * v[j].norm());
                    insert(best, bestScore, j, cos);
                    if (j > i && disjoint(tokenSets[i], tokenSets[j])) {
                        unrelatedPairs++;
                        sumSquares += cos * cos;
                        high += cos >= 0.25 ? 1 : 0;
                    }
                }
                for (int j = 0; j < v[i].idx().length; j++) {
                    query[v[i].idx()[j]] = 0;
                }
                for (int b : best) {
                    if (b >= 0) {
                        slots++;
                        unrelatedSlots += disjoint(tokenSets[i], tokenSets[b]) ? 1 : 0;
                    }
                }
            }
            double ndcg = or.content(v, dims, 0).metrics().ndcg();
            System.out.printf(
                    Locale.ROOT,
                    "   %-16s %-8s %6s %11.1f %14.4f %13s %8.2f%% (%5.1f each) %11.1f%% %10.4f%n",
                    c.bigrams() ? "tokens+bigrams" : "tokens only",
                    c.dims() == 0 ? "none" : c.hashName(),
                    c.dims() == 0 ? "-" : String.valueOf(c.dims()),
                    features / withVector,
                    Math.sqrt(sumSquares / unrelatedPairs),
                    c.dims() == 0 ? "-" : String.format(Locale.ROOT, "%.4f", 1 / Math.sqrt(c.dims())),
                    100.0 * high / unrelatedPairs,
                    2.0 * high / withVector,
                    100.0 * unrelatedSlots / slots,
                    ndcg);
        }
    }

    private static boolean disjoint(int[] a, int[] b) {
        for (int i = 0, j = 0; i < a.length && j < b.length; ) {
            if (a[i] == b[j]) {
                return false;
            }
            if (a[i] < b[j]) {
                i++;
            } else {
                j++;
            }
        }
        return true;
    }

    /** Where the cosine of two unrelated titles comes from: their features, buckets and signs. */
    private static void explainPair(
            Analyzer analyzer,
            String analyzerName,
            int dims,
            OnlineRetail.Product a,
            OnlineRetail.Product b,
            Sparse va,
            Sparse vb) {
        double[] dense = new double[dims];
        for (int j = 0; j < va.idx().length; j++) {
            dense[va.idx()[j]] = va.val()[j];
        }
        System.out.printf(
                Locale.ROOT,
                "   %s %s vs %s %s (%s, %d dims, as the node made them): cosine %.3f%n",
                a.sku(),
                a.title(),
                b.sku(),
                b.title(),
                analyzerName,
                dims,
                vb.dot(dense) / (va.norm() * vb.norm()));
        Map<Integer, List<String>> buckets = new TreeMap<>();
        for (OnlineRetail.Product p : List.of(a, b)) {
            for (String f : features(analyzer, p.title()).keySet()) {
                int h = murmur(f);
                buckets.computeIfAbsent((h & 0x7fffffff) % dims, k -> new ArrayList<>())
                        .add((p == a ? "A:" : "B:") + (h < 0 ? "-" : "+") + "\"" + f.substring(2) + "\"");
            }
        }
        buckets.forEach((bucket, features) -> {
            boolean shared = features.stream().anyMatch(f -> f.startsWith("A:"))
                    && features.stream().anyMatch(f -> f.startsWith("B:"));
            if (shared) {
                System.out.printf(Locale.ROOT, "      bucket %4d: %s%n", bucket, String.join("  ", features));
            }
        });
        System.out.printf(
                Locale.ROOT,
                "      features: A %s; B %s%n",
                features(analyzer, a.title()).keySet(),
                features(analyzer, b.title()).keySet());
    }

    // ---- OR-time ----

    /** One ranking's metrics, and each test user's NDCG (for paired comparisons). */
    record Result(RankingMetrics metrics, double[] ndcg) {}

    /** Protocol OR-time over the train catalogue: test users, their train items and last purchase times, their truth. */
    static final class OrTime {
        final List<String> catalogue;
        final int[] productOfItem;
        final List<String> users;
        final int[][] history; // per test user: train items (catalogue ids), ascending
        final long[][] lastBought; // per test user: when they last bought each of them
        final int[][] truth; // per test user: catalogue ids; items outside the catalogue get ids past its end
        final double[] trainCounts;
        final int unknownItems;

        OrTime(OnlineRetail.Protocol protocol, Map<String, Integer> productIndex) {
            catalogue = new ArrayList<>(new TreeSet<>(protocol.trainCatalog()));
            Map<String, Integer> itemIds = new HashMap<>();
            productOfItem = new int[catalogue.size()];
            for (int i = 0; i < catalogue.size(); i++) {
                itemIds.put(catalogue.get(i), i);
                productOfItem[i] = productIndex.get(catalogue.get(i));
            }
            Map<String, TreeMap<Integer, Long>> last = new HashMap<>();
            trainCounts = new double[catalogue.size()];
            for (OnlineRetail.Purchase p : protocol.train()) {
                int item = itemIds.get(p.sku());
                last.computeIfAbsent(p.user(), u -> new TreeMap<>()).merge(item, p.time(), Math::max);
                trainCounts[item]++;
            }
            users = new ArrayList<>(protocol.truthByUser().keySet());
            history = new int[users.size()][];
            lastBought = new long[users.size()][];
            truth = new int[users.size()][];
            Map<String, Integer> unknown = new HashMap<>();
            for (int u = 0; u < users.size(); u++) {
                TreeMap<Integer, Long> h = last.get(users.get(u));
                history[u] = h.keySet().stream().mapToInt(Integer::intValue).toArray();
                lastBought[u] = h.values().stream().mapToLong(Long::longValue).toArray();
                truth[u] = protocol.truthByUser().get(users.get(u)).stream()
                        .mapToInt(sku -> itemIds.containsKey(sku)
                                ? itemIds.get(sku)
                                : catalogue.size() + unknown.computeIfAbsent(sku, k -> unknown.size()))
                        .sorted()
                        .toArray();
            }
            unknownItems = unknown.size();
        }

        Result popularity() {
            return rank(u -> trainCounts);
        }

        /** User vector = the (recency-weighted) mean of their train items' vectors; items ranked by dot product. */
        Result content(Sparse[] byProduct, int dims, double halfLifeDays) {
            Sparse[] items = new Sparse[catalogue.size()];
            for (int i = 0; i < items.length; i++) {
                items[i] = byProduct[productOfItem[i]];
            }
            double[] user = new double[dims];
            double[] scores = new double[catalogue.size()];
            return rank(u -> {
                Arrays.fill(user, 0);
                double total = 0;
                for (int h = 0; h < history[u].length; h++) {
                    Sparse s = items[history[u][h]];
                    if (s == null) {
                        continue;
                    }
                    double w = halfLifeDays == 0
                            ? 1
                            : Math.pow(0.5, (OnlineRetail.SPLIT - lastBought[u][h]) / DAY / halfLifeDays);
                    for (int j = 0; j < s.idx().length; j++) {
                        user[s.idx()[j]] += w * s.val()[j];
                    }
                    total += w;
                }
                for (int i = 0; i < scores.length; i++) {
                    // items without a title have no vector: ranked last
                    scores[i] =
                            items[i] == null ? Double.NEGATIVE_INFINITY : total == 0 ? 0 : items[i].dot(user) / total;
                }
                return scores;
            });
        }

        Result rank(java.util.function.IntFunction<double[]> scoresOfUser) {
            RankingMetrics metrics = new RankingMetrics(K, catalogue.size());
            double[] ndcg = new double[users.size()];
            boolean[] own = new boolean[catalogue.size()];
            for (int u = 0; u < users.size(); u++) {
                for (int i : history[u]) {
                    own[i] = true;
                }
                int[] ranked = top(scoresOfUser.apply(u), own);
                metrics.add(ranked, truth[u]);
                ndcg[u] = RankingMetrics.ndcg(ranked, truth[u], K);
                for (int i : history[u]) {
                    own[i] = false;
                }
            }
            return new Result(metrics, ndcg);
        }
    }

    private static Map<Variant, Result[]> orTime(OrTime or, List<Vectors> all) {
        long truthPairs = Arrays.stream(or.truth).mapToLong(t -> t.length).sum();
        long unreachable = Arrays.stream(or.truth)
                .flatMapToInt(Arrays::stream)
                .filter(id -> id >= or.catalogue.size())
                .count();
        System.out.printf(
                Locale.ROOT,
                "%n== Content-only recommendations on OR-time: %,d test users, every one of the %,d train items ranked"
                        + " (the user's own excluded), k = %d%n",
                or.users.size(),
                or.catalogue.size(),
                K);
        System.out.printf(
                Locale.ROOT,
                "   %,d (user, new item) pairs to find; %,d of them are items first sold after the split (%,d items),"
                        + " which no ranking of the train catalogue can hit%n",
                truthPairs,
                unreachable,
                or.unknownItems);
        System.out.println(
                "   user vector = mean of the content vectors of the items bought before the split (each item once);"
                        + " recency = weighted 0.5^(age / half-life), age = split - last purchase");
        System.out.println(
                "   ΔNDCG = paired difference with the processor's defaults (standard, 256 dims, mean), ± 95% interval over users");
        System.out.printf(
                Locale.ROOT,
                "   %-52s %-12s %7s %9s %8s %7s   %s%n",
                "ranking",
                "user vector",
                "HR@10",
                "Recall@10",
                "NDCG@10",
                "cov@10",
                "ΔNDCG@10");

        Map<Variant, Result[]> results = new LinkedHashMap<>();
        for (Vectors vectors : all) {
            Result[] byHalfLife = new Result[HALF_LIVES_DAYS.length];
            for (int h = 0; h < HALF_LIVES_DAYS.length; h++) {
                byHalfLife[h] = or.content(vectors.byProduct(), vectors.dims(), HALF_LIVES_DAYS[h]);
            }
            results.put(vectors.variant(), byHalfLife);
        }
        double[] baseline = results.get(all.get(0).variant())[0].ndcg();
        row("popularity (train-event counts)", "-", or.popularity(), baseline);
        for (Map.Entry<Variant, Result[]> e : results.entrySet()) {
            for (int h = 0; h < HALF_LIVES_DAYS.length; h++) {
                if (h == 0) {
                    row(e.getKey().label(), "mean", e.getValue()[h], baseline);
                } else if (HALF_LIVES_DAYS[h] == TABLE_HALF_LIFE) {
                    row("", "recency " + (int) TABLE_HALF_LIFE + "d", e.getValue()[h], baseline);
                }
            }
        }
        Sparse[] first = all.get(0).byProduct();
        long withoutVector =
                Arrays.stream(or.productOfItem).filter(p -> first[p] == null).count();
        if (withoutVector > 0) {
            System.out.printf(
                    Locale.ROOT, "   (%d train items have no title, hence no vector: ranked last)%n", withoutVector);
        }

        System.out.printf(Locale.ROOT, "%n   NDCG@10 by the user vector's weighting (recency half-life)%n");
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "   %-52s", "variant"));
        for (double h : HALF_LIVES_DAYS) {
            header.append(String.format(Locale.ROOT, " %8s", h == 0 ? "mean" : (int) h + "d"));
        }
        System.out.println(header);
        results.forEach((v, byHalfLife) -> {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "   %-52s", v.label()));
            for (Result r : byHalfLife) {
                line.append(String.format(Locale.ROOT, " %8.4f", r.metrics().ndcg()));
            }
            System.out.println(line);
        });
        return results;
    }

    private static void row(String label, String user, Result r, double[] baseline) {
        RankingMetrics m = r.metrics();
        System.out.printf(
                Locale.ROOT,
                "   %-52s %-12s %7.4f %9.4f %8.4f %7.4f   %s%n",
                label,
                user,
                m.hitRate(),
                m.recall(),
                m.ndcg(),
                m.coverage(),
                r.ndcg() == baseline ? "" : pairedDifference(r.ndcg(), baseline));
    }

    /** Mean of a - b over users, with a 95% normal interval. */
    static String pairedDifference(double[] a, double[] b) {
        double[] d = pairedInterval(a, b);
        return String.format(Locale.ROOT, "%+.4f ± %.4f", d[0], d[1]);
    }

    /** Mean of a - b over users and the half-width of its 95% normal interval. */
    static double[] pairedInterval(double[] a, double[] b) {
        int n = a.length;
        double mean = 0;
        for (int i = 0; i < n; i++) {
            mean += a[i] - b[i];
        }
        mean /= n;
        double var = 0;
        for (int i = 0; i < n; i++) {
            double d = a[i] - b[i] - mean;
            var += d * d;
        }
        return new double[] {mean, 1.96 * Math.sqrt(var / (n - 1) / n)};
    }

    /** The K best items by score (ties: lower id first), excluding {@code own}. */
    private static int[] top(double[] scores, boolean[] own) {
        int[] ids = new int[K];
        double[] best = new double[K];
        Arrays.fill(ids, -1);
        Arrays.fill(best, Double.NEGATIVE_INFINITY);
        int found = 0;
        for (int i = 0; i < scores.length; i++) {
            if (own[i]) {
                continue;
            }
            if (found < K) {
                // fill first so that -infinity scores (no vector) still rank, last
                int pos = found++;
                while (pos > 0 && scores[i] > best[pos - 1]) {
                    ids[pos] = ids[pos - 1];
                    best[pos] = best[pos - 1];
                    pos--;
                }
                ids[pos] = i;
                best[pos] = scores[i];
            } else {
                insert(ids, best, i, scores[i]);
            }
        }
        return found == K ? ids : Arrays.copyOf(ids, found);
    }
}
