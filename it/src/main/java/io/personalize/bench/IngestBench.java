package io.personalize.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.ingest.ContentVectorizer;
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
import org.apache.lucene.analysis.en.EnglishAnalyzer;

/**
 * Bulk-indexing throughput with and without the item_vector processor, side by side on the same node.
 * <p>
 * The catalogue is replicated with varied ids to {@code docs} documents. Three runs, each into a fresh index with the
 * same mapping (a 256-dim cosine dense_vector field):
 * <ul>
 *   <li>{@code processor}: text only, the pipeline computes the vector in the node;</li>
 *   <li>{@code precomputed}: the same vectors computed beforehand by the client and sent in the documents (what a shop
 *       without the plugin does) — the target compares against this one;</li>
 *   <li>{@code text-only}: no vectors at all, for reference (no HNSW graph to build).</li>
 * </ul>
 * Each mode runs twice, interleaved, and the better run counts.
 * <p>
 * Then the language model (issue 14), on fewer documents ({@code lmDocs}, default 20,000: MiniLM runs about a
 * thousand titles a second per core, 200,000 would take minutes per run on a shared 2-core machine): hashing, MiniLM,
 * E5 and no vector on the same documents, the latency of a knn search whose query vector the node computes from text
 * (MiniLM) beside the same search with the vector given, and the node's heap and resident memory before the models are
 * loaded and after.
 */
public final class IngestBench {

    public static void main(String[] args) throws Exception {
        String url = args.length > 0 ? args[0] : "http://127.0.0.1:19400";
        int docs = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
        int lmDocs = args.length > 2 ? Integer.parseInt(args[2]) : 20_000;
        EsClient es = new EsClient(url, System.getenv("PERSONALIZE_USER"), System.getenv("PERSONALIZE_PASSWORD"));
        List<OnlineRetail.Product> catalogue = OnlineRetail.load().products().stream()
                .filter(p -> p.title() != null)
                .toList();
        Shop.putVectorPipeline(es);

        List<Map<String, Object>> textDocs = new ArrayList<>(docs);
        List<Map<String, Object>> vectorDocs = new ArrayList<>(docs);
        try (EnglishAnalyzer english = new EnglishAnalyzer()) {
            ContentVectorizer vectorizer = new ContentVectorizer(english, Shop.DIMS, 10_000);
            Map<String, float[]> vectors = new LinkedHashMap<>();
            for (OnlineRetail.Product p : catalogue) {
                ContentVectorizer.Accumulator accumulator = vectorizer.accumulator();
                accumulator.addField(List.of(p.title()), 3.0);
                vectors.put(p.sku(), accumulator.toVector());
            }
            for (int i = 0; i < docs; i++) {
                OnlineRetail.Product p = catalogue.get(i % catalogue.size());
                Map<String, Object> doc = new LinkedHashMap<>(Shop.productDocument(p));
                doc.put("sku", p.sku() + "-" + (i / catalogue.size()));
                textDocs.add(doc);
                Map<String, Object> withVector = new LinkedHashMap<>(doc);
                withVector.put("content_vector", vectors.get(p.sku()));
                vectorDocs.add(withVector);
            }
        }

        System.out.printf(
                Locale.ROOT,
                "Bulk indexing %,d product docs into %s (1 shard, 0 replicas, 1,000 docs per bulk, 2 client threads)%n",
                docs,
                url);
        Map<String, Double> best = new LinkedHashMap<>();
        for (int round = 0; round < 2; round++) {
            best.merge("processor", run(es, "bench-processor", textDocs, Shop.VECTOR_PIPELINE), Math::max);
            best.merge("precomputed", run(es, "bench-precomputed", vectorDocs, null), Math::max);
            best.merge("text-only", run(es, "bench-text", textDocs, null), Math::max);
        }
        System.out.println();
        best.forEach((mode, rate) -> System.out.printf(Locale.ROOT, "%-12s %,10.0f docs/s%n", mode, rate));
        System.out.printf(
                Locale.ROOT,
                "ratio processor / precomputed vectors: %.2f (target >= 0.80)%n",
                best.get("processor") / best.get("precomputed"));
        System.out.printf(
                Locale.ROOT,
                "ratio processor / text only (no vectors at all): %.2f%n",
                best.get("processor") / best.get("text-only"));
        for (String index : List.of("bench-processor", "bench-precomputed", "bench-text")) {
            es.delete("/" + index);
        }
        languageModel(es, textDocs.subList(0, Math.min(lmDocs, textDocs.size())), catalogue);
        System.out.println("reproduce: bin/bench ingest " + docs + " " + lmDocs);
    }

    static final String MINILM_PIPELINE = "bench-minilm";
    static final String E5_PIPELINE = "bench-e5";

    private static void languageModel(EsClient es, List<Map<String, Object>> docs, List<OnlineRetail.Product> catalogue)
            throws Exception {
        // the node's process id (node info, not stats): its resident memory is read from /proc when it runs here
        long pid = es.get("/_nodes/_local/process")
                .ok()
                .path("nodes")
                .elements()
                .next()
                .path("process")
                .path("id")
                .asLong(-1);
        int processors = es.get("/_nodes/_local/os")
                .ok()
                .path("nodes")
                .elements()
                .next()
                .path("os")
                .path("allocated_processors")
                .asInt();
        Memory before = memory(es, pid);

        for (String model : List.of("minilm", "e5")) {
            es.put("/_ingest/pipeline/bench-" + model, String.format(Locale.ROOT, """
                {"processors": [{"item_vector": {"fields": {"title": 3.0, "description": 1.0, "category": 2.0, "brand": 2.0},
                                                 "model": "%s", "ignore_missing": true}}]}""", model))
                    .ok();
        }
        System.out.printf(
                Locale.ROOT,
                "%n== Language model: %,d product docs (1 shard, 0 replicas, 1,000 docs per bulk, 2 client threads),"
                        + " node with %d allocated processors, personalize_embed pool of %d threads%n",
                docs.size(),
                processors,
                processors);
        Map<String, Double> rate = new LinkedHashMap<>();
        rate.put("hashing 256", run(es, "bench-lm-hashing", docs, Shop.VECTOR_PIPELINE, 256));
        rate.put("minilm 384", run(es, "bench-lm-minilm", docs, MINILM_PIPELINE, 384));
        rate.put("e5 384", run(es, "bench-lm-e5", docs, E5_PIPELINE, 384));
        rate.put("no vector", run(es, "bench-lm-text", docs, null, 256));
        System.out.println();
        rate.forEach((mode, r) -> System.out.printf(
                Locale.ROOT,
                "%-12s %,10.0f docs/s  %,8.0f docs/s per core  %6.1f min per million products%n",
                mode,
                r,
                r / processors,
                1e6 / r / 60));
        System.out.printf(
                Locale.ROOT,
                "ratio minilm / hashing: %.3f; minilm / no vector: %.3f; e5 / minilm: %.3f%n",
                rate.get("minilm 384") / rate.get("hashing 256"),
                rate.get("minilm 384") / rate.get("no vector"),
                rate.get("e5 384") / rate.get("minilm 384"));

        // query vectors from text: the same knn search, vector given vs computed by the node from the text
        List<String> queries = new ArrayList<>();
        for (OnlineRetail.Product p : catalogue) {
            if (queries.size() == 300) {
                break;
            }
            String[] words = p.title().toLowerCase(java.util.Locale.ROOT).split(" ");
            queries.add(String.join(" ", java.util.Arrays.copyOf(words, Math.min(words.length, 3))));
        }
        float[] given =
                Shop.contentVector(es, "bench-lm-minilm", (String) docs.get(0).get("sku"));
        double[] withVector = latencies(
                es,
                queries,
                q -> Map.of("field", "content_vector", "k", 10, "num_candidates", 100, "query_vector", given));
        double[] withText = latencies(
                es,
                queries,
                q -> Map.of(
                        "field",
                        "content_vector",
                        "k",
                        10,
                        "num_candidates",
                        100,
                        "query_vector_builder",
                        Map.of("personalize_text", Map.of("model", "minilm", "text", q))));
        System.out.printf(
                Locale.ROOT,
                "%nknn search (k=10, num_candidates=100) on %,d docs, %d sequential searches of 1-3 words each:%n",
                docs.size(),
                queries.size());
        System.out.printf(
                Locale.ROOT,
                "  query_vector given            p50 %6.1f ms  p99 %6.1f ms%n",
                withVector[0],
                withVector[1]);
        System.out.printf(
                Locale.ROOT, "  personalize_text (minilm)     p50 %6.1f ms  p99 %6.1f ms%n", withText[0], withText[1]);
        System.out.printf(
                Locale.ROOT,
                "  the query vector's own cost   p50 %6.1f ms  p99 %6.1f ms (difference)%n",
                withText[0] - withVector[0],
                withText[1] - withVector[1]);

        Memory after = memory(es, pid);
        System.out.printf(
                Locale.ROOT,
                "%nnode memory: heap used %,d MB before MiniLM and E5 were loaded, %,d MB after (young-generation garbage"
                        + " included); resident %s before, %s after (max heap %,d MB)%n",
                before.heapMb,
                after.heapMb,
                before.rss(),
                after.rss(),
                after.maxHeapMb);
        for (String index : List.of("bench-lm-hashing", "bench-lm-minilm", "bench-lm-e5", "bench-lm-text")) {
            es.delete("/" + index);
        }
    }

    record Memory(long heapMb, long maxHeapMb, long rssMb) {
        String rss() {
            return rssMb < 0 ? "n/a (remote node)" : String.format(Locale.ROOT, "%,d MB", rssMb);
        }
    }

    private static Memory memory(EsClient es, long pid) throws Exception {
        JsonNode jvm = es.get("/_nodes/_local/stats/jvm")
                .ok()
                .path("nodes")
                .elements()
                .next()
                .path("jvm")
                .path("mem");
        long rss = -1;
        java.nio.file.Path status = java.nio.file.Path.of("/proc/" + pid + "/status");
        if (pid > 0 && java.nio.file.Files.isReadable(status)) {
            for (String line : java.nio.file.Files.readAllLines(status)) {
                if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        }
        return new Memory(
                jvm.path("heap_used_in_bytes").asLong() >> 20,
                jvm.path("heap_max_in_bytes").asLong() >> 20,
                rss);
    }

    private static double[] latencies(
            EsClient es, List<String> queries, java.util.function.Function<String, Map<String, Object>> knn) {
        for (int i = 0; i < 20; i++) { // warm-up
            es.post("/bench-lm-minilm/_search", Map.of("size", 10, "_source", false, "knn", knn.apply(queries.get(i))))
                    .ok();
        }
        double[] ms = new double[queries.size()];
        for (int i = 0; i < queries.size(); i++) {
            long start = System.nanoTime();
            es.post("/bench-lm-minilm/_search", Map.of("size", 10, "_source", false, "knn", knn.apply(queries.get(i))))
                    .ok();
            ms[i] = (System.nanoTime() - start) / 1e6;
        }
        java.util.Arrays.sort(ms);
        return new double[] {ms[ms.length / 2], ms[(int) Math.ceil(ms.length * 0.99) - 1]};
    }

    private static double run(EsClient es, String index, List<Map<String, Object>> docs, String pipeline)
            throws Exception {
        return run(es, index, docs, pipeline, Shop.DIMS);
    }

    private static double run(EsClient es, String index, List<Map<String, Object>> docs, String pipeline, int dims)
            throws Exception {
        es.delete("/" + index);
        Shop.createProductsIndex(es, index, pipeline, 1, 0, dims);
        es.put("/" + index + "/_settings", "{\"index\": {\"refresh_interval\": \"-1\"}}")
                .ok();
        int batch = 1000;
        List<List<Map<String, Object>>> batches = new ArrayList<>();
        for (int i = 0; i < docs.size(); i += batch) {
            batches.add(docs.subList(i, Math.min(docs.size(), i + batch)));
        }
        long start = System.nanoTime();
        ExecutorService clients = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int first = t;
                done.add(clients.submit(() -> {
                    for (int b = first; b < batches.size(); b += 2) {
                        Shop.bulk(es, index, batches.get(b), d -> (String) d.get("sku"), d -> d, batch);
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
        es.refresh(index);
        double seconds = (System.nanoTime() - start) / 1e9;
        long count = es.get("/" + index + "/_count").ok().path("count").asLong();
        if (count != docs.size()) {
            throw new IllegalStateException(index + " has " + count + " docs, expected " + docs.size());
        }
        double rate = docs.size() / seconds;
        System.out.printf(Locale.ROOT, "  %-18s %,8d docs in %6.1f s = %,8.0f docs/s%n", index, count, seconds, rate);
        return rate;
    }
}
