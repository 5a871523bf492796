package io.personalize.bench;

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
 */
public final class IngestBench {

    public static void main(String[] args) throws Exception {
        String url = args.length > 0 ? args[0] : "http://127.0.0.1:19400";
        int docs = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
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
        System.out.println("reproduce: bin/bench ingest " + docs);
        for (String index : List.of("bench-processor", "bench-precomputed", "bench-text")) {
            es.delete("/" + index);
        }
    }

    private static double run(EsClient es, String index, List<Map<String, Object>> docs, String pipeline)
            throws Exception {
        es.delete("/" + index);
        Shop.createProductsIndex(es, index, pipeline, 1, 0);
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
