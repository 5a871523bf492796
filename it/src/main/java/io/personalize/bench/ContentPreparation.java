package io.personalize.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.bench.ContentQualityBench.OrTime;
import io.personalize.bench.ContentQualityBench.Result;
import io.personalize.bench.ContentQualityBench.Sparse;
import io.personalize.bench.ContentQualityBench.Variant;
import io.personalize.bench.ContentQualityBench.Vectors;
import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import io.personalize.it.Shop;
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
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * Part of {@code bin/bench content}: ways of preparing the language model's vectors and text, each judged on content-only
 * recommendations (a shopper's mean item vector, every train item ranked) on a validation split that never sees the
 * test period (train before 2011-10-01, judged on what the shoppers bought new in October); the best is then measured
 * on OR-time beside hashing, with its share of word-less neighbours.
 * <ul>
 *   <li>centred: the catalogue's mean vector removed (what {@code _recommend} does to its content queries);</li>
 *   <li>centred, top D directions removed: also the D strongest principal directions of the catalogue's vectors
 *       ("all-but-the-top", Mu and Viswanath 2018), D on the validation split;</li>
 *   <li>cleaned text: the title lower-cased, without quantities and sizes ("SET/3", "PACK OF 12", "72"), through the
 *       node's model again (lower-casing alone changes nothing: the model's tokenizer is uncased, checked here).</li>
 * </ul>
 * Only the query side is transformed in effect: the items' vectors are centred and projected but not normalised again,
 * so a shopper's score is their dot product with the transformed mean, which ranks as a knn search of the stored vectors
 * with the transformed query does.
 */
final class ContentPreparation {

    static final long VALIDATION_SPLIT =
            LocalDateTime.parse("2011-10-01T00:00:00").toInstant(ZoneOffset.UTC).toEpochMilli();
    static final int[] TOP_DIRECTIONS = {1, 2, 4, 8, 16, 32};

    record Candidate(String label, Vectors vectors) {}

    static void run(
            EsClient es,
            OnlineRetail data,
            List<Vectors> all,
            OrTime test,
            List<Set<String>> standardTokens,
            BitSet[] buyers) {
        List<OnlineRetail.Product> products = data.products();
        Map<String, Integer> productIndex = new HashMap<>();
        for (int i = 0; i < products.size(); i++) {
            productIndex.put(products.get(i).sku(), i);
        }
        OrTime validation = new OrTime(validationProtocol(data), productIndex);
        Vectors hashing256 = all.get(0), hashing1024 = all.get(1), minilm = all.get(6);

        // the text: lower-cased (a check) and cleaned, through the node's model
        List<OnlineRetail.Product> lower = products.stream()
                .map(p -> new OnlineRetail.Product(
                        p.sku(),
                        p.title() == null ? null : p.title().toLowerCase(Locale.ROOT),
                        p.price(),
                        p.firstSold()))
                .toList();
        List<OnlineRetail.Product> cleaned = products.stream()
                .map(p -> new OnlineRetail.Product(p.sku(), clean(p.title()), p.price(), p.firstSold()))
                .toList();
        Vectors lowerVectors = minilmOnNode(es, "lower", lower, productIndex);
        Vectors cleanedVectors = minilmOnNode(es, "cleaned", cleaned, productIndex);
        System.out.printf(
                Locale.ROOT,
                "%n== Preparing the language model's vectors and text, chosen on a validation split (train before"
                        + " 2011-10-01: %,d shoppers judged on October) and measured on OR-time%n",
                validation.users.size());
        System.out.printf(
                Locale.ROOT,
                "   lower-cased titles give the same vectors as the upper-case ones: largest coordinate difference %.2g"
                        + " (the tokenizer is uncased); cleaned titles, e.g. [%s] -> [%s]%n",
                maxDifference(minilm, lowerVectors),
                products.get(productIndex.get("22423")).title(),
                clean(products.get(productIndex.get("22423")).title()));

        List<Candidate> candidates = new ArrayList<>();
        for (Vectors base : List.of(minilm, cleanedVectors)) {
            String text = base == minilm ? "minilm" : "minilm, cleaned text";
            candidates.add(new Candidate(text + ", raw", base));
            candidates.add(new Candidate(text + ", centred", transformed(base, 0)));
            for (int d : TOP_DIRECTIONS) {
                candidates.add(new Candidate(text + ", centred, top " + d + " removed", transformed(base, d)));
            }
        }
        List<Candidate> hashing = List.of(
                new Candidate("hashing 256 dims", hashing256),
                new Candidate("hashing 256 dims, centred", transformed(hashing256, 0)),
                new Candidate("hashing 1024 dims", hashing1024),
                new Candidate("hashing 1024 dims, centred", transformed(hashing1024, 0)));

        System.out.printf(Locale.ROOT, "   %-48s %14s %14s%n", "variant", "validation", "OR-time");
        System.out.printf(Locale.ROOT, "   %-48s %14s %14s%n", "", "NDCG@10", "NDCG@10");
        Map<String, Result> testResults = new LinkedHashMap<>();
        Candidate best = null;
        double bestValidation = -1;
        for (Candidate c : concat(hashing, candidates)) {
            double v = validation
                    .content(c.vectors().byProduct(), c.vectors().dims(), 0)
                    .metrics()
                    .ndcg();
            Result t = test.content(c.vectors().byProduct(), c.vectors().dims(), 0);
            testResults.put(c.label(), t);
            System.out.printf(
                    Locale.ROOT,
                    "   %-48s %14.4f %14.4f%n",
                    c.label(),
                    v,
                    t.metrics().ndcg());
            if (candidates.contains(c) && v > bestValidation) {
                bestValidation = v;
                best = c;
            }
        }
        Result chosen = testResults.get(best.label());
        System.out.printf(
                Locale.ROOT,
                "   chosen on validation: [%s]; on OR-time its NDCG@10 is x%.2f of hashing 256's (ΔNDCG@10 %s), x%.2f of"
                        + " hashing 1024's (%s)%n",
                best.label(),
                chosen.metrics().ndcg()
                        / testResults.get("hashing 256 dims").metrics().ndcg(),
                ContentQualityBench.pairedDifference(
                        chosen.ndcg(), testResults.get("hashing 256 dims").ndcg()),
                chosen.metrics().ndcg()
                        / testResults.get("hashing 1024 dims").metrics().ndcg(),
                ContentQualityBench.pairedDifference(
                        chosen.ndcg(), testResults.get("hashing 1024 dims").ndcg()));
        System.out.println("   top-5 neighbours (brute force over the transformed vectors):");
        for (Candidate c : List.of(hashing.get(0), candidates.get(0), candidates.get(1), best)) {
            double[][] scores = new double[c.vectors().byProduct().length][];
            int[][] neighbours = ContentQualityBench.topNeighbours(c.vectors(), scores);
            ContentQualityBench.neighbourQuality(
                    new Vectors(
                            new Variant(c.label(), c.vectors().dims(), ""),
                            c.vectors().dims(),
                            c.vectors().byProduct(),
                            0),
                    neighbours,
                    scores,
                    standardTokens,
                    buyers);
        }
        for (String name : List.of("lower", "cleaned")) {
            es.delete("/bench-content-minilm-" + name);
            es.delete("/_ingest/pipeline/bench-content-minilm-" + name);
        }
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

    private static OnlineRetail.Protocol validationProtocol(OnlineRetail data) {
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
     * of the centred catalogue (not normalised again: see the class comment).
     */
    static Vectors transformed(Vectors vectors, int top) {
        int dims = vectors.dims();
        List<double[]> dense = new ArrayList<>();
        for (Sparse v : vectors.byProduct()) {
            if (v != null) {
                dense.add(unitDense(v, dims));
            }
        }
        double[] mean = new double[dims];
        for (double[] v : dense) {
            for (int d = 0; d < dims; d++) {
                mean[d] += v[d] / dense.size();
            }
        }
        double[][] directions = top == 0 ? new double[0][] : principalDirections(dense, mean, top);
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

    private static double[][] principalDirections(List<double[]> dense, double[] mean, int top) {
        int dims = mean.length;
        DMatrixRMaj covariance = new DMatrixRMaj(dims, dims);
        for (double[] v : dense) {
            for (int a = 0; a < dims; a++) {
                double xa = v[a] - mean[a];
                for (int b = a; b < dims; b++) {
                    covariance.add(a, b, xa * (v[b] - mean[b]));
                }
            }
        }
        for (int a = 0; a < dims; a++) {
            for (int b = 0; b < a; b++) {
                covariance.set(a, b, covariance.get(b, a));
            }
        }
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(dims, true, true);
        if (eig.decompose(covariance) == false) {
            throw new IllegalStateException("eigen decomposition failed");
        }
        Integer[] order = new Integer[eig.getNumberOfEigenvalues()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(
                order,
                (a, b) -> Double.compare(
                        eig.getEigenvalue(b).getReal(), eig.getEigenvalue(a).getReal()));
        double[][] directions = new double[Math.min(top, order.length)][];
        for (int k = 0; k < directions.length; k++) {
            DMatrixRMaj vector = eig.getEigenVector(order[k]);
            double[] p = new double[dims];
            double norm = 0;
            for (int d = 0; d < dims; d++) {
                p[d] = vector.get(d, 0);
                norm += p[d] * p[d];
            }
            for (int d = 0; d < dims; d++) {
                p[d] /= Math.sqrt(norm);
            }
            directions[k] = p;
        }
        return directions;
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

    /** The node's MiniLM vectors of the given products (their text prepared by the caller), by product. */
    private static Vectors minilmOnNode(
            EsClient es, String name, List<OnlineRetail.Product> products, Map<String, Integer> productIndex) {
        String index = "bench-content-minilm-" + name;
        es.put("/_ingest/pipeline/" + index, """
            {"processors": [{"item_vector": {"fields": {"title": 3.0, "description": 1.0, "category": 2.0, "brand": 2.0},
                                             "target_field": "content_vector", "model": "minilm", "ignore_missing": true}}]}""").ok();
        Shop.createProductsIndex(es, index, index, 1, 0, 384);
        Shop.loadProducts(es, index, products);
        Sparse[] byProduct = new Sparse[products.size()];
        Object after = null;
        while (true) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("size", 1000);
            body.put("sort", List.of(Map.of("sku", "asc")));
            body.put("_source", List.of("sku", "content_vector"));
            if (after != null) {
                body.put("search_after", List.of(after));
            }
            JsonNode hits = es.post("/" + index + "/_search?_source_exclude_vectors=false", body)
                    .ok()
                    .path("hits")
                    .path("hits");
            if (hits.isEmpty()) {
                break;
            }
            for (JsonNode hit : hits) {
                JsonNode vector = hit.path("_source").path("content_vector");
                if (vector.isArray()) {
                    byProduct[productIndex.get(hit.path("_source").path("sku").asText())] =
                            Sparse.of(Shop.toFloats(vector));
                }
                after = hit.path("sort").get(0).asText();
            }
        }
        return new Vectors(new Variant("minilm", 384, name), 384, byProduct, 0);
    }

    @SafeVarargs
    private static <T> List<T> concat(List<T>... lists) {
        List<T> out = new ArrayList<>();
        for (List<T> l : lists) {
            out.addAll(l);
        }
        return out;
    }
}
