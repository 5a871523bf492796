package io.personalize.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import io.personalize.it.Shop;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The recommendation models' quality on the real Online Retail data, through the plugin's own {@code _evaluate} on a
 * real node (protocol OR-time: train on the purchases before 2011-11-01, judge each customer's top 10 on the new items
 * they bought from then on), for popularity and each similarity algorithm, beside the peer table of the issue. Then one
 * full {@code _train} on every event: its wall time, its phases and the node's heap.
 * <p>
 * {@code bin/bench models} runs it on a fresh node.
 */
public final class ModelQualityBench {

    static final String PRODUCTS = "bench-products";
    static final String EVENTS = "bench-events";
    static final String MODEL = "bench-quality";
    static final String SPLIT = "2011-11-01";
    static final int K = 10;

    /** The peer table: HR@10, Recall@10, NDCG@10, coverage@10 on the same protocol. */
    record Peer(String name, double hr, double recall, double ndcg, double coverage, String train) {}

    static final List<Peer> PEERS = List.of(
            new Peer("popularity", .2519, .0386, .0374, .0194, ""),
            new Peer("ItemKNN cosine k=50", .3317, .0704, .0684, .2485, ""),
            new Peer("RP3beta", .3641, .0721, .0659, .2878, ""),
            new Peer("Mahout", .3772, .0806, .0806, .2654, ""),
            new Peer("ALS", .4453, .1000, .0968, .3559, ""),
            new Peer("EASE", .4584, .1047, .1021, .2787, "22.9 s"));

    public static void main(String[] args) throws Exception {
        String url = args.length > 0 ? args[0] : "http://127.0.0.1:19400";
        EsClient es = new EsClient(url, System.getenv("PERSONALIZE_USER"), System.getenv("PERSONALIZE_PASSWORD"));
        OnlineRetail data = OnlineRetail.load();
        System.out.printf(
                Locale.ROOT,
                "Recommendation models on Online Retail (%,d purchases of %,d customers, %,d products), node %s%n",
                data.purchases().size(),
                data.purchases().stream()
                        .map(OnlineRetail.Purchase::user)
                        .distinct()
                        .count(),
                data.products().size(),
                url);

        long start = System.nanoTime();
        Shop.putVectorPipeline(es);
        Shop.createProductsIndex(es, PRODUCTS, Shop.VECTOR_PIPELINE, 1, 0);
        Shop.loadProducts(es, PRODUCTS, data.products());
        Shop.createEventsIndex(es, EVENTS, 1, 0);
        Shop.loadEvents(es, EVENTS, data.purchases(), 3);
        System.out.printf(
                Locale.ROOT, "loaded the catalogue and the events in %.1f s%n", (System.nanoTime() - start) / 1e9);
        es.delete("/_recommend/models/" + MODEL);
        es.put("/_recommend/models/" + MODEL, Shop.modelConfig(PRODUCTS, EVENTS))
                .ok();

        OnlineRetail.Protocol protocol = data.protocol();
        System.out.printf(
                Locale.ROOT,
                "%nprotocol OR-time: train on the %,d purchases before %s, judge the new items of %,d customers after it; k = %d%n",
                protocol.train().size(),
                SPLIT,
                protocol.truthByUser().size(),
                K);
        System.out.printf(
                Locale.ROOT,
                "%-34s %7s %9s %8s %8s   %s%n",
                "",
                "HR@10",
                "Recall@10",
                "NDCG@10",
                "Cov@10",
                "train (evaluate in all)");
        JsonNode popularity = null;
        StringBuilder rows = new StringBuilder();
        for (String algorithm : List.of("cosine", "rp3beta")) {
            JsonNode evaluation = es.post(
                            "/_recommend/models/" + MODEL + "/_evaluate",
                            "{\"split\": \"" + SPLIT + "\", \"k\": " + K + ", \"similarity\": {\"algorithm\": \""
                                    + algorithm + "\"}}")
                    .ok()
                    .path("evaluation");
            popularity = evaluation.path("popularity");
            rows.append(row(
                            "this plugin: " + algorithm,
                            evaluation.path("model"),
                            String.format(
                                    Locale.ROOT,
                                    "%.1f s (%.1f s)",
                                    evaluation.path("train_ms").asLong() / 1000.0,
                                    evaluation.path("took_ms").asLong() / 1000.0)))
                    .append('\n');
        }
        System.out.println(row("this plugin: popularity (decayed)", popularity, ""));
        System.out.print(rows);
        System.out.println("peers (the issue's table, same protocol):");
        for (Peer peer : PEERS) {
            System.out.printf(
                    Locale.ROOT,
                    "  %-32s %7.4f %9.4f %8.4f %8.4f   %s%n",
                    peer.name(),
                    peer.hr(),
                    peer.recall(),
                    peer.ndcg(),
                    peer.coverage(),
                    peer.train());
        }
        System.out.println(
                "(train: the similarity and popularity maths on the events before the split, in the node; evaluate in all adds reading"
                        + " the events from the index and scoring every test customer)");

        AlgorithmsBench.run(es, MODEL, Shop.modelConfig(PRODUCTS, EVENTS), data, K);

        // a full training on every event, as a shop runs it: the default algorithm, then ease and als
        fullTrain(es);
        for (String algorithm : List.of("ease", "als")) {
            es.delete("/_recommend/models/" + MODEL);
            String config = Shop.modelConfig(PRODUCTS, EVENTS);
            es.put(
                            "/_recommend/models/" + MODEL,
                            config.substring(0, config.length() - 1) + ", \"similarity\": {\"algorithm\": \""
                                    + algorithm + "\"}}")
                    .ok();
            fullTrain(es);
        }
        // and a tuned training, as a shop asks for it: POST _train {"tune": true}
        es.delete("/_recommend/models/" + MODEL);
        es.put("/_recommend/models/" + MODEL, Shop.modelConfig(PRODUCTS, EVENTS))
                .ok();
        tunedTrain(es);
        System.out.println("reproduce: bin/bench models");
        es.delete("/_recommend/models/" + MODEL);
    }

    private static void tunedTrain(EsClient es) {
        long t0 = System.nanoTime();
        JsonNode train = es.post("/_recommend/models/" + MODEL + "/_train", "{\"tune\": true}")
                .ok();
        JsonNode tuning = train.path("version").path("tuning");
        System.out.printf(
                Locale.ROOT,
                "%ntuned _train (\"tune\": true, defaults: validation %s, budget 10m): %.1f s wall,"
                        + " tuning %.1f s, %d candidates (%d skipped); chosen %s, half-life %s, popularity %s, discount %s"
                        + " (validation"
                        + " NDCG@10 %.4f, popularity's %.4f)%nphases: %s%n",
                tuning.path("validation"),
                (System.nanoTime() - t0) / 1e9,
                tuning.path("took_ms").asLong() / 1000.0,
                tuning.path("candidates").size(),
                tuning.path("skipped").asLong(),
                tuning.path("chosen").path("algorithm").asText(),
                tuning.path("chosen").path("half_life").asText(),
                tuning.path("chosen").path("popularity_weight").asText(),
                tuning.path("chosen").path("popularity_discount").asDouble(0),
                tuning.path("chosen").path("ndcg").asDouble(),
                tuning.path("popularity").path("ndcg").asDouble(),
                train.path("phases_ms"));
    }

    private static void fullTrain(EsClient es) throws InterruptedException {
        long oldPeakBefore = ScaleBench.nodeJvm(es)
                .path("mem")
                .path("pools")
                .path("old")
                .path("peak_used_in_bytes")
                .asLong();
        ScaleBench.HeapWatch watch = new ScaleBench.HeapWatch(es);
        Thread watcher = new Thread(watch, "heap-watch");
        watcher.setDaemon(true);
        watcher.start();
        long trainStart = System.nanoTime();
        JsonNode trained;
        try {
            trained = es.post("/_recommend/models/" + MODEL + "/_train", null).ok();
        } finally {
            watch.stop.set(true);
            watcher.join();
        }
        double wall = (System.nanoTime() - trainStart) / 1e9;
        JsonNode version = trained.path("version");
        System.out.printf(
                Locale.ROOT,
                "%nfull _train on every event: %.1f s wall, %,d events -> %,d users, %,d items (%s)%n",
                wall,
                version.path("events").asLong(),
                version.path("users").asLong(),
                version.path("items").asLong(),
                version.path("algorithm").asText());
        StringBuilder phases = new StringBuilder();
        for (Iterator<Map.Entry<String, JsonNode>> it =
                        trained.path("phases_ms").fields();
                it.hasNext(); ) {
            Map.Entry<String, JsonNode> phase = it.next();
            phases.append(phases.isEmpty() ? "" : ", ")
                    .append(phase.getKey())
                    .append(' ')
                    .append(phase.getValue().asLong())
                    .append(" ms");
        }
        System.out.println("phases: " + phases);
        JsonNode pools = ScaleBench.nodeJvm(es).path("mem").path("pools");
        long oldPeak = pools.path("old").path("peak_used_in_bytes").asLong();
        System.out.printf(
                Locale.ROOT,
                "node heap: max %s; during the training (sampled every 0.5 s): heap_used peak %s, old generation peak %s%n",
                ScaleBench.mb(ScaleBench.nodeJvm(es)
                        .path("mem")
                        .path("heap_max_in_bytes")
                        .asLong()),
                ScaleBench.mb(watch.peak.get()),
                ScaleBench.mb(watch.oldPeak.get()));
        System.out.printf(
                Locale.ROOT,
                "heap pools' peaks over the node's life: old %s%s, young %s%n",
                ScaleBench.mb(oldPeak),
                oldPeak > oldPeakBefore ? " (reached during the training)" : " (reached before the training)",
                ScaleBench.mb(pools.path("young").path("peak_used_in_bytes").asLong()));
    }

    private static String row(String name, JsonNode metrics, String train) {
        return String.format(
                Locale.ROOT,
                "%-34s %7.4f %9.4f %8.4f %8.4f   %s",
                name,
                metrics.path("hit_rate").asDouble(),
                metrics.path("recall").asDouble(),
                metrics.path("ndcg").asDouble(),
                metrics.path("coverage").asDouble(),
                train);
    }
}
