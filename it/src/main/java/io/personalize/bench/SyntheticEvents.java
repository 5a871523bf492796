package io.personalize.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A deterministic synthetic shop log for scale tests: {@code events} interaction events of {@code users} users on
 * {@code items} items over one year (2023), with power-law activity on both sides, as real shops have:
 * <ul>
 *   <li>user {@code u} (rank from 1) draws a share of the events proportional to {@code u^-0.5}: the most active user
 *       has thousands of events, the least active about a tenth of the mean, and every user has some;</li>
 *   <li>item {@code i} is chosen with probability proportional to {@code i^-0.9}: a few best sellers, a long tail in
 *       which every item still appears;</li>
 *   <li>a user's events stay mostly within a "taste" (a neighbourhood of item ranks), so that item co-occurrence has
 *       structure instead of being noise;</li>
 *   <li>types: view 75%, cart 17%, purchase 8%; timestamps uniform over 2023.</li>
 * </ul>
 * Event {@code e} depends only on the seed and {@code e}, so that any slice of the log can be generated alone, by
 * several threads, in the same order every time. Documents: {@code {"user_id": "u17", "item_id": "i42", "type": "view",
 * "@timestamp": 1672531200000}}.
 */
public final class SyntheticEvents {

    public static final long DEFAULT_SEED = 20_240_101L;
    public static final long YEAR_START = Instant.parse("2023-01-01T00:00:00Z").toEpochMilli();
    public static final long YEAR_MILLIS = 365L * 24 * 3600 * 1000;
    static final String[] TYPES = {"view", "cart", "purchase"};

    private final long events;
    private final int users;
    private final int items;
    private final long seed;
    // inverse CDFs of the (continuous) power laws: rank = floor((1 + U * (N^(1-s) - 1))^(1/(1-s)))
    private final double userSpan;
    private final double itemSpan;
    private static final double USER_S = 0.5;
    private static final double ITEM_S = 0.9;

    public SyntheticEvents(long events, int users, int items, long seed) {
        this.events = events;
        this.users = users;
        this.items = items;
        this.seed = seed;
        this.userSpan = Math.pow(users + 1, 1 - USER_S) - 1;
        this.itemSpan = Math.pow(items + 1, 1 - ITEM_S) - 1;
    }

    /** The scale target: 20 million events, 1 million users, 100,000 items. */
    public static SyntheticEvents scale(long events) {
        return new SyntheticEvents(
                events,
                (int) Math.max(1, Math.min(1_000_000, events / 20)),
                (int) Math.max(1, Math.min(100_000, events / 200)),
                DEFAULT_SEED);
    }

    public long events() {
        return events;
    }

    public int users() {
        return users;
    }

    public int items() {
        return items;
    }

    /** One event, as the index stores it. */
    public record Event(int user, int item, int type, long time) {}

    public Event event(long e) {
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + e);
        int user = rank(random.nextDouble(), userSpan, USER_S, users);
        // a user's taste: a random centre in item-rank space, from a generator seeded by the user alone
        SplittableRandom taste = new SplittableRandom(seed ^ (0xC2B2AE3D27D4EB4FL * (user + 1)));
        int item;
        if (random.nextDouble() < 0.7) {
            // within the taste: popular items near the user's centre, wrapping around the catalogue
            int centre = taste.nextInt(items);
            int offset = rank(random.nextDouble(), itemSpan, ITEM_S, Math.min(items, 2000)) - 1;
            item = (centre + (random.nextBoolean() ? offset : items - offset)) % items + 1;
        } else {
            item = rank(random.nextDouble(), itemSpan, ITEM_S, items);
        }
        double t = random.nextDouble();
        int type = t < 0.75 ? 0 : t < 0.92 ? 1 : 2;
        long time = YEAR_START + (long) (random.nextDouble() * YEAR_MILLIS);
        return new Event(user, item, type, time);
    }

    private static int rank(double u, double span, double s, int n) {
        int r = (int) Math.pow(1 + u * span, 1 / (1 - s));
        return Math.max(1, Math.min(n, r));
    }

    /** Appends event {@code e}'s bulk action and document to {@code out}. */
    public void appendBulkLine(long e, StringBuilder out) {
        Event event = event(e);
        out.append("{\"index\":{}}\n{\"user_id\":\"u")
                .append(event.user())
                .append("\",\"item_id\":\"i")
                .append(event.item())
                .append("\",\"type\":\"")
                .append(TYPES[event.type()])
                .append("\",\"@timestamp\":")
                .append(event.time())
                .append("}\n");
    }

    /** The events index: keyword ids, a keyword type and a date, one shard. */
    public static void createIndex(EsClient es, String index) {
        es.delete("/" + index);
        es.put("/" + index, """
            {"settings": {"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "-1",
                          "translog": {"durability": "async"}},
             "mappings": {"properties": {
               "user_id": {"type": "keyword"}, "item_id": {"type": "keyword"}, "type": {"type": "keyword"},
               "@timestamp": {"type": "date"}}}}""").ok();
    }

    /** The model configuration for these events (no catalogue attributes: the items index holds only ids). */
    public static String modelConfig(String products, String events) {
        return String.format(Locale.ROOT, """
            {"catalog": {"index": "%s", "id_field": "item_id"},
             "events": {"index": "%s", "user_field": "user_id", "item_field": "item_id", "type_field": "type",
                        "time_field": "@timestamp", "weights": {"view": 1, "cart": 3, "purchase": 5}}}""", products, events);
    }

    /** A catalogue index with just the item ids (a model needs one). */
    public static void createCatalog(EsClient es, String index, int items) {
        es.delete("/" + index);
        es.put("/" + index, """
            {"settings": {"number_of_shards": 1, "number_of_replicas": 0},
             "mappings": {"properties": {"item_id": {"type": "keyword"}}}}""").ok();
        StringBuilder body = new StringBuilder();
        for (int i = 1; i <= items; i++) {
            body.append("{\"index\":{\"_id\":\"i")
                    .append(i)
                    .append("\"}}\n{\"item_id\":\"i")
                    .append(i)
                    .append("\"}\n");
            if (i % 20_000 == 0 || i == items) {
                JsonNode response =
                        es.ndjson("/" + index + "/_bulk", body.toString()).ok();
                if (response.path("errors").asBoolean()) {
                    throw new IllegalStateException(
                            "catalogue bulk failed: " + response.toString().substring(0, 500));
                }
                body.setLength(0);
            }
        }
        es.refresh(index);
    }

    /**
     * Bulk-loads events {@code [0, events)} into {@code index} with {@code threads} client threads and {@code batch}
     * events per bulk request, then refreshes; returns the events per second. {@code progress} gets the count loaded.
     */
    public double load(EsClient es, String index, int threads, int batch, java.util.function.LongConsumer progress)
            throws Exception {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        String user = System.getenv("PERSONALIZE_USER");
        String authorization = user == null
                ? null
                : "Basic "
                        + Base64.getEncoder()
                                .encodeToString((user + ":" + System.getenv("PERSONALIZE_PASSWORD"))
                                        .getBytes(StandardCharsets.UTF_8));
        URI uri = URI.create(es.baseUrl() + "/" + index + "/_bulk?filter_path=errors,items.*.error");
        long batches = (events + batch - 1) / batch;
        AtomicLong nextBatch = new AtomicLong();
        AtomicLong loaded = new AtomicLong();
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    StringBuilder body = new StringBuilder(batch * 100);
                    for (long b; (b = nextBatch.getAndIncrement()) < batches; ) {
                        body.setLength(0);
                        long from = b * batch, to = Math.min(events, from + batch);
                        for (long e = from; e < to; e++) {
                            appendBulkLine(e, body);
                        }
                        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                                .timeout(Duration.ofMinutes(5))
                                .header("Content-Type", "application/x-ndjson")
                                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
                        if (authorization != null) {
                            request.header("Authorization", authorization);
                        }
                        for (int attempt = 1; ; attempt++) {
                            HttpResponse<String> response =
                                    http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                            if (response.statusCode() == 429 && attempt < 20) {
                                Thread.sleep(250L * attempt); // the node is busy: back off, as a real client should
                                continue;
                            }
                            if (response.statusCode() != 200 || response.body().contains("\"errors\":true")) {
                                String text = response.body();
                                throw new IllegalStateException("bulk failed (HTTP " + response.statusCode() + "): "
                                        + text.substring(0, Math.min(600, text.length())));
                            }
                            break;
                        }
                        progress.accept(loaded.addAndGet(to - from));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        es.refresh(index);
        return events / ((System.nanoTime() - start) / 1e9);
    }
}
