package io.personalize.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Training at scale: {@link SyntheticEvents} (20 million events over 1 million users and 100,000 items for the issue's
 * target; 2 million by default for a quick check) bulk-loaded into a node, then one {@code _train}, timed per phase,
 * with the node's heap watched throughout. {@code bin/bench scale [EVENTS]} runs it on a node with a 2 GB heap.
 * <p>
 * The events index keeps the generator's parameters in its {@code _meta}: a second run against the same node (with
 * {@code PERSONALIZE_URL}) reuses the loaded events instead of loading them again.
 */
public final class ScaleBench {

    static final String EVENTS = "scale-events";
    static final String ITEMS = "scale-items";
    static final String MODEL = "scale";

    public static void main(String[] args) throws Exception {
        String url = args.length > 0 ? args[0] : "http://127.0.0.1:19400";
        long events = args.length > 1 ? Long.parseLong(args[1].replace("_", "").replace(",", "")) : 2_000_000L;
        EsClient es = new EsClient(url, System.getenv("PERSONALIZE_USER"), System.getenv("PERSONALIZE_PASSWORD"));
        SyntheticEvents log = SyntheticEvents.scale(events);

        JsonNode jvm = nodeJvm(es);
        long heapMax = jvm.path("mem").path("heap_max_in_bytes").asLong();
        System.out.printf(
                Locale.ROOT,
                "Training at scale on %s (heap %s, %d processors)%n",
                url,
                mb(heapMax),
                es.get("/_nodes/os")
                        .ok()
                        .path("nodes")
                        .elements()
                        .next()
                        .path("os")
                        .path("available_processors")
                        .asInt());
        System.out.printf(
                Locale.ROOT,
                "synthetic events: %,d events, %,d users, %,d items, seed %d (power-law users and items, 2023)%n",
                log.events(),
                log.users(),
                log.items(),
                SyntheticEvents.DEFAULT_SEED);

        String meta = String.format(
                Locale.ROOT, "%d/%d/%d/%d", log.events(), log.users(), log.items(), SyntheticEvents.DEFAULT_SEED);
        EsClient.Response existing = es.get("/" + EVENTS + "/_mapping");
        boolean reuse = existing.status() == 200
                && meta.equals(existing.json()
                        .path(EVENTS)
                        .path("mappings")
                        .path("_meta")
                        .path("generator")
                        .asText())
                && es.get("/" + EVENTS + "/_count").ok().path("count").asLong() == log.events();
        if (reuse) {
            System.out.println("loading: the node already holds these events (index " + EVENTS + "), reused");
        } else {
            SyntheticEvents.createIndex(es, EVENTS);
            long start = System.nanoTime();
            AtomicLong lastPrint = new AtomicLong(System.nanoTime());
            int threads = 3;
            int batch = 20_000;
            double rate = log.load(es, EVENTS, threads, batch, loaded -> {
                long now = System.nanoTime();
                long last = lastPrint.get();
                if (now - last > 30_000_000_000L && lastPrint.compareAndSet(last, now)) {
                    System.out.printf(Locale.ROOT, "  ... %,d events loaded (%.0f s)%n", loaded, (now - start) / 1e9);
                }
            });
            // settle the index as a shop's would be: refreshed, searchable, durable
            es.put("/" + EVENTS + "/_mapping", "{\"_meta\": {\"generator\": \"" + meta + "\"}}")
                    .ok();
            es.put(
                            "/" + EVENTS + "/_settings",
                            "{\"index\": {\"refresh_interval\": \"1s\", \"translog.durability\": \"request\"}}")
                    .ok();
            es.post("/" + EVENTS + "/_flush", null).ok();
            long count = es.get("/" + EVENTS + "/_count").ok().path("count").asLong();
            if (count != log.events()) {
                throw new IllegalStateException(EVENTS + " holds " + count + " events, expected " + log.events());
            }
            System.out.printf(
                    Locale.ROOT,
                    "loading: %,d events in %.1f s = %,.0f events/s (%d client threads, %,d events per bulk, refresh off)%n",
                    count,
                    (System.nanoTime() - start) / 1e9,
                    rate,
                    threads,
                    batch);
        }
        SyntheticEvents.createCatalog(es, ITEMS, log.items());
        List<String> algorithms = List.of(args.length > 2 ? args[2].split(",") : new String[] {"cosine"});
        List<Run> runs = new ArrayList<>();
        for (String algorithm : algorithms) {
            runs.add(train(es, heapMax, algorithm.trim()));
        }
        if (runs.size() > 1) {
            // side by side, in this run, on the same events and node
            System.out.printf(Locale.ROOT, "%n%-10s %10s %8s %14s%n", "algorithm", "wall s", "/ first", "heap peak");
            for (Run run : runs) {
                System.out.printf(
                        Locale.ROOT,
                        "%-10s %10s %8s %14s%n",
                        run.algorithm(),
                        run.finished() ? String.format(Locale.ROOT, "%.1f", run.wallSeconds()) : "FAILED",
                        run.finished()
                                ? String.format(
                                        Locale.ROOT,
                                        "%.2fx",
                                        run.wallSeconds() / runs.get(0).wallSeconds())
                                : "-",
                        mb(run.heapPeak()));
            }
        }
        System.out.println("reproduce: bin/bench scale " + events + (args.length > 2 ? " " + args[2] : ""));
        if (runs.stream().anyMatch(run -> run.finished() == false)) {
            System.exit(1);
        }
    }

    /** One training's wall time and the heap's peak during it. */
    record Run(String algorithm, double wallSeconds, long heapPeak, boolean finished) {}

    /** The model's config with {@code similarity.algorithm} set. */
    static String withAlgorithm(String config, String algorithm) {
        String trimmed = config.strip();
        return trimmed.substring(0, trimmed.length() - 1) + ", \"similarity\": {\"algorithm\": \"" + algorithm + "\"}}";
    }

    private static Run train(EsClient es, long heapMax, String algorithm) throws Exception {
        es.delete("/_recommend/models/" + MODEL);
        es.put("/_recommend/models/" + MODEL, withAlgorithm(SyntheticEvents.modelConfig(ITEMS, EVENTS), algorithm))
                .ok();
        System.out.printf(Locale.ROOT, "%n== %s%n", algorithm);

        long oldPeakBefore = nodeJvm(es)
                .path("mem")
                .path("pools")
                .path("old")
                .path("peak_used_in_bytes")
                .asLong();
        HeapWatch watch = new HeapWatch(es);
        Thread watcher = new Thread(watch, "heap-watch");
        watcher.setDaemon(true);
        watcher.start();
        // a task, not a request that waits: a long training outlives any HTTP timeout (and a closed connection would
        // cancel it)
        long start = System.nanoTime();
        JsonNode finished;
        try {
            String task = es.post("/_recommend/models/" + MODEL + "/_train?wait_for_completion=false", null)
                    .ok()
                    .path("task")
                    .asText();
            long lastPrint = System.nanoTime();
            while (true) {
                finished = es.get("/_tasks/" + task).ok();
                if (finished.path("completed").asBoolean()) {
                    break;
                }
                if (System.nanoTime() - lastPrint > 60_000_000_000L) {
                    lastPrint = System.nanoTime();
                    JsonNode status = finished.path("task").path("status");
                    System.out.printf(
                            Locale.ROOT,
                            "  ... %.0f s: %s %,d%s%n",
                            (lastPrint - start) / 1e9,
                            status.path("phase").asText(),
                            status.path("done").asLong(),
                            status.has("total")
                                    ? String.format(
                                            Locale.ROOT,
                                            " / %,d",
                                            status.path("total").asLong())
                                    : "");
                }
                Thread.sleep(2000);
            }
        } finally {
            watch.stop.set(true);
            watcher.join();
        }
        double wall = (System.nanoTime() - start) / 1e9;
        if (finished.has("error")) {
            System.out.printf(Locale.ROOT, "%nTRAINING FAILED after %.1f s: %s%n", wall, finished.path("error"));
            printHeap(es, heapMax, watch, oldPeakBefore);
            return new Run(algorithm, wall, watch.peak.get(), false);
        }
        JsonNode response = finished.path("response");
        JsonNode version = response.path("version");
        System.out.printf(
                Locale.ROOT,
                "%ntrain: %.1f s wall for %,d events -> %,d users, %,d items (version %d, %s)%n",
                wall,
                version.path("events").asLong(),
                version.path("users").asLong(),
                version.path("items").asLong(),
                version.path("version").asLong(),
                version.path("algorithm").asText());
        System.out.println("phases (ms):");
        for (Iterator<Map.Entry<String, JsonNode>> it =
                        response.path("phases_ms").fields();
                it.hasNext(); ) {
            Map.Entry<String, JsonNode> phase = it.next();
            System.out.printf(
                    Locale.ROOT,
                    "  %-18s %,9d%n",
                    phase.getKey(),
                    phase.getValue().asLong());
        }
        String index = version.path("index").asText();
        long docs = es.get("/" + index + "/_count").json().path("count").asLong(-1);
        System.out.printf(
                Locale.ROOT,
                "version index %s: %,d documents (expected users + items + 1 = %,d)%n",
                index,
                docs,
                version.path("users").asLong() + version.path("items").asLong() + 1);
        // what serving has to hold: the version's size on disk once flushed and merged, per million users and items
        es.post("/" + index + "/_forcemerge?max_num_segments=1", null).ok();
        long bytes = es.get("/" + index + "/_stats/store")
                .json()
                .path("_all")
                .path("primaries")
                .path("store")
                .path("size_in_bytes")
                .asLong();
        System.out.printf(
                Locale.ROOT,
                "version index on disk (force-merged, one copy): %s = %.0f bytes per user or item document%n",
                mb(bytes),
                bytes / (double) Math.max(1, docs));
        printHeap(es, heapMax, watch, oldPeakBefore);
        return new Run(algorithm, wall, watch.peak.get(), true);
    }

    private static void printHeap(EsClient es, long heapMax, HeapWatch watch, long oldPeakBefore) {
        JsonNode jvm = nodeJvm(es);
        JsonNode pools = jvm.path("mem").path("pools");
        long oldPeak = pools.path("old").path("peak_used_in_bytes").asLong();
        long youngPeak = pools.path("young").path("peak_used_in_bytes").asLong();
        long survivorPeak = pools.path("survivor").path("peak_used_in_bytes").asLong();
        System.out.printf(
                Locale.ROOT,
                "heap: max %s; during the training (sampled every 0.5 s): heap_used peak %s (in phase %s), old generation "
                        + "peak %s%n",
                mb(heapMax),
                mb(watch.peak.get()),
                watch.peakPhase.get(),
                mb(watch.oldPeak.get()));
        System.out.printf(
                Locale.ROOT,
                "heap pools' peaks over the node's life: old %s%s, young %s, survivor %s%n",
                mb(oldPeak),
                oldPeak > oldPeakBefore ? " (reached during the training)" : " (reached before the training)",
                mb(youngPeak),
                mb(survivorPeak));
        JsonNode gc = jvm.path("gc").path("collectors");
        System.out.printf(
                Locale.ROOT,
                "gc: young %,d collections %,d ms, old %,d collections %,d ms (node lifetime)%n",
                gc.path("young").path("collection_count").asLong(),
                gc.path("young").path("collection_time_in_millis").asLong(),
                gc.path("old").path("collection_count").asLong(),
                gc.path("old").path("collection_time_in_millis").asLong());
        JsonNode breakers = es.get("/_nodes/stats/breaker")
                .ok()
                .path("nodes")
                .elements()
                .next()
                .path("breakers");
        StringBuilder tripped = new StringBuilder();
        breakers.fields().forEachRemaining(b -> {
            if (b.getValue().path("tripped").asLong() > 0) {
                tripped.append(' ')
                        .append(b.getKey())
                        .append('=')
                        .append(b.getValue().path("tripped").asLong());
            }
        });
        System.out.println("circuit breakers tripped:" + (tripped.isEmpty() ? " none" : tripped));
    }

    static JsonNode nodeJvm(EsClient es) {
        return es.get("/_nodes/stats/jvm").ok().path("nodes").elements().next().path("jvm");
    }

    static String mb(long bytes) {
        return String.format(Locale.ROOT, "%,d MB", bytes >> 20);
    }

    /** Samples the node's heap and the training's phase every 500 ms. */
    static final class HeapWatch implements Runnable {
        final EsClient es;
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong peak = new AtomicLong();
        final AtomicLong oldPeak = new AtomicLong();
        final AtomicReference<String> peakPhase = new AtomicReference<>("?");

        HeapWatch(EsClient es) {
            this.es = es;
        }

        @Override
        public void run() {
            while (stop.get() == false) {
                try {
                    JsonNode mem = nodeJvm(es).path("mem");
                    long used = mem.path("heap_used_in_bytes").asLong();
                    oldPeak.accumulateAndGet(
                            mem.path("pools").path("old").path("used_in_bytes").asLong(), Math::max);
                    if (used > peak.get()) {
                        peak.set(used);
                        JsonNode tasks = es.get("/_tasks?actions=cluster:admin/personalize/model/train&detailed")
                                .json();
                        String phase = "?";
                        for (JsonNode node : tasks.path("nodes")) {
                            for (JsonNode task : node.path("tasks")) {
                                phase = task.path("status").path("phase").asText("?");
                            }
                        }
                        peakPhase.set(phase);
                    }
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    // the node may be too busy to answer for a moment: keep watching
                }
            }
        }
    }
}
