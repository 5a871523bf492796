package io.personalize.spark;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.serving.AttributeAffinities;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.http.entity.ContentType;
import org.apache.http.entity.FileEntity;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The job: reads the model's configuration from the node, reads the events (files, or the events index through a
 * point in time), trains with {@link SparkTrainer}, reads the catalogue's attributes when the model has some (users'
 * attribute affinities: {@link CatalogIndex}, {@link ItemAttributes}), and imports the model's lines through an import
 * session whose parts the executors send ({@link ExecutorImport}), or, with {@code --output}, writes them to a file
 * and imports it from the driver ({@code POST _recommend/models/{m}/_import}, or a session in parts for a model
 * larger than one part: {@link SessionImport}). The node validates every line and activates the new version all at
 * once (or nothing, with the failing line).
 *
 * <pre>
 *   spark-submit --class io.personalize.spark.SparkTrain personalize-spark-job.jar \
 *       --url https://es:9200 --model shop [--events s3a://bucket/events/ --format parquet] ...
 * </pre>
 *
 * Options: {@code --url URL[,URL...]} (required: one node or several, the client moving to the next when one does not
 * answer), {@code --model} (required); {@code --events PATH[,PATH...]} and {@code --format
 * parquet|json|csv} (default: read the model's events index); {@code --slices N} (index slices, default: Spark's
 * default parallelism); {@code --partitions N} (user partitions, default: one per core and at most 500,000 events
 * each), {@code --blocks N} (item blocks, default: one per core); {@code --catalog PATH[,PATH...]} and {@code
 * --catalog-format} (the catalogue's attributes from files, default: the catalogue index, read only when the model has
 * {@code catalog.attributes}); {@code --output FILE} (write the lines to the file and import it from there; without it
 * the executors send their own parts, {@link ExecutorImport}); {@code --no-import} (write the file only);
 * {@code --part-bytes N} (each part's most bytes, default 32 MB and half the node's {@code http.max_content_length});
 * {@code --ease dense|sparse|auto} (EASE's variant; auto, the default: dense while its matrices fit 40% of the
 * driver's heap, as the node decides with its own heap); {@code --seed N} (MLlib's ALS seed, default 42, as the
 * node's ALS) and {@code --reg-param-scale X} (a factor on MLlib's regParam, default 1); {@code --read-timeout 60s}
 * (the longest wait for a node's answer, after which the request goes to the next node; {@code _complete} waits up to
 * 30 minutes), {@code --page-size N} (events per page of the index, default 10,000), {@code --read-attempts N} (reads
 * of the index, each from a new point in time after a shard copy of the last was lost; default 3);
 * {@code --master} (default {@code local[*]} when spark-submit set none). Credentials: {@code PERSONALIZE_USER} and {@code PERSONALIZE_PASSWORD} in the environment.
 */
public final class SparkTrain {

    /** The job's options. */
    record Options(
            String url,
            String model,
            List<String> events,
            String format,
            Integer slices,
            Integer partitions,
            Integer blocks,
            Path output,
            boolean doImport,
            String master,
            List<String> catalog,
            String catalogFormat,
            Long partBytes,
            io.personalize.training.EaseSimilarity.Mode ease,
            long seed,
            double regParamScale,
            int readTimeoutMillis,
            int pageSize,
            int readAttempts) {

        static Options parse(String[] args) {
            Map<String, String> values = new LinkedHashMap<>();
            boolean doImport = true;
            for (int a = 0; a < args.length; a++) {
                String arg = args[a];
                if (arg.equals("--no-import")) {
                    doImport = false;
                    continue;
                }
                if (arg.startsWith("--") == false || a + 1 >= args.length) {
                    throw new IllegalArgumentException("expected --option value, got [" + arg + "]");
                }
                values.put(arg.substring(2), args[++a]);
            }
            for (String known : List.of(
                    "url",
                    "model",
                    "events",
                    "format",
                    "slices",
                    "partitions",
                    "blocks",
                    "output",
                    "master",
                    "catalog",
                    "catalog-format",
                    "part-bytes",
                    "ease",
                    "seed",
                    "reg-param-scale",
                    "read-timeout",
                    "page-size",
                    "read-attempts")) {
                values.putIfAbsent(known, null);
            }
            if (values.size() != 18) {
                throw new IllegalArgumentException("unknown option among " + values.keySet());
            }
            String url = require(values, "url");
            String model = require(values, "model");
            List<String> events = values.get("events") == null
                    ? null
                    : List.of(values.get("events").split(","));
            String format = format(events, values.get("format"), "format");
            List<String> catalog = values.get("catalog") == null
                    ? null
                    : List.of(values.get("catalog").split(","));
            String catalogFormat = format(catalog, values.get("catalog-format"), "catalog-format");
            Integer partKb = integer(values, "part-bytes");
            return new Options(
                    url,
                    model,
                    events,
                    format,
                    integer(values, "slices"),
                    integer(values, "partitions"),
                    integer(values, "blocks"),
                    values.get("output") == null ? null : Path.of(values.get("output")),
                    doImport,
                    values.get("master"),
                    catalog,
                    catalogFormat,
                    partKb == null ? null : partKb.longValue(),
                    easeMode(values.get("ease")),
                    values.get("seed") == null
                            ? io.personalize.training.TrainingConfig.DEFAULT_ALS_SEED
                            : Long.parseLong(values.get("seed")),
                    regParamScale(values.get("reg-param-scale")),
                    readTimeout(values.get("read-timeout")),
                    orDefault(integer(values, "page-size"), EventIndex.PAGE),
                    orDefault(integer(values, "read-attempts"), EventIndex.READ_ATTEMPTS));
        }

        private static int orDefault(Integer value, int otherwise) {
            return value == null ? otherwise : value;
        }

        /** {@code --read-timeout 60s}: the longest wait for a node's answer (a duration: 500ms, 60s, 5m). */
        private static int readTimeout(String value) {
            if (value == null) {
                return Elasticsearch.DEFAULT_READ_TIMEOUT_MILLIS;
            }
            Long millis;
            try {
                millis = ModelSettings.duration(value);
            } catch (IllegalArgumentException e) {
                millis = null;
            }
            if (millis == null || millis < 1 || millis > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(
                        "--read-timeout must be a positive duration (500ms, 60s, 5m), got [" + value + "]");
            }
            return Math.toIntExact(millis);
        }

        /** {@code --reg-param-scale X}: a positive factor on MLlib's regParam (als). */
        private static double regParamScale(String value) {
            if (value == null) {
                return 1;
            }
            double scale = Double.parseDouble(value);
            if (!(scale > 0) || Double.isInfinite(scale)) {
                throw new IllegalArgumentException("--reg-param-scale must be a positive number, got [" + value + "]");
            }
            return scale;
        }

        /** {@code --ease dense|sparse|auto}: EASE's variant (auto: dense while it fits 40% of the driver's heap). */
        private static io.personalize.training.EaseSimilarity.Mode easeMode(String value) {
            if (value == null) {
                return io.personalize.training.EaseSimilarity.Mode.AUTO;
            }
            return switch (value) {
                case "auto" -> io.personalize.training.EaseSimilarity.Mode.AUTO;
                case "dense" -> io.personalize.training.EaseSimilarity.Mode.DENSE;
                case "sparse" -> io.personalize.training.EaseSimilarity.Mode.SPARSE;
                default ->
                    throw new IllegalArgumentException("--ease must be dense, sparse or auto, got [" + value + "]");
            };
        }

        /** The files' format: given, or guessed from the first path's extension. */
        private static String format(List<String> paths, String format, String option) {
            if (paths != null && format == null) {
                String first = paths.get(0).toLowerCase(Locale.ROOT);
                format = first.endsWith(".csv") || first.endsWith(".csv.gz")
                        ? "csv"
                        : first.endsWith(".json") || first.endsWith(".ndjson") || first.endsWith(".json.gz")
                                ? "json"
                                : "parquet";
            }
            if (format != null && List.of("parquet", "json", "csv").contains(format) == false) {
                throw new IllegalArgumentException(
                        "--" + option + " must be parquet, json or csv, got [" + format + "]");
            }
            return format;
        }

        private static String require(Map<String, String> values, String name) {
            if (values.get(name) == null) {
                throw new IllegalArgumentException("--" + name + " is required");
            }
            return values.get(name);
        }

        private static Integer integer(Map<String, String> values, String name) {
            String v = values.get(name);
            if (v == null) {
                return null;
            }
            int n = Integer.parseInt(v);
            if (n < 1) {
                throw new IllegalArgumentException("--" + name + " must be at least 1, got [" + v + "]");
            }
            return n;
        }
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        SparkSession.Builder builder = SparkSession.builder().appName("personalize-train-" + options.model());
        if (options.master() != null) {
            builder.master(options.master());
        } else if (System.getProperty("spark.master") == null) {
            builder.master("local[*]");
        }
        SparkSession spark = builder.config("spark.sql.session.timeZone", "UTC").getOrCreate();
        int code = 0;
        HeapPeak heap = HeapPeak.start();
        long start = System.nanoTime();
        try {
            JsonNode outcome = run(spark, options, line -> System.out.println(line));
            System.out.println(outcome.toString());
            System.out.println(String.format(
                    Locale.ROOT,
                    "jvm: job %.1f s (configuration to activation); heap peak %,d MB of %,d MB (sampled every 0.5 s)",
                    (System.nanoTime() - start) / 1e9,
                    heap.stop() >> 20,
                    Runtime.getRuntime().maxMemory() >> 20));
        } catch (IllegalArgumentException
                | Elasticsearch.ElasticsearchException
                | EventIndex.ReadFailed
                | SessionCompletion.NotActivated e) {
            System.err.println("error: " + e.getMessage());
            code = 1;
        } finally {
            spark.stop();
        }
        System.exit(code);
    }

    /** Runs the job; {@code log} gets a line per phase. Returns the import's answer (or a summary without import). */
    public static JsonNode run(SparkSession spark, Options options, java.util.function.Consumer<String> log)
            throws IOException {
        long started = System.currentTimeMillis();
        Elasticsearch es = new Elasticsearch(
                options.url(),
                System.getenv("PERSONALIZE_USER"),
                System.getenv("PERSONALIZE_PASSWORD"),
                options.readTimeoutMillis());
        ModelSettings settings;
        CatalogSettings catalog;
        try (Elasticsearch.Client client = es.open()) {
            JsonNode status = client.get("/_recommend/models/" + encode(options.model()));
            settings = ModelSettings.parse(options.model(), status.path("config"));
            catalog = CatalogSettings.parse(status.path("config"));
        }
        settings.trainingConfig(); // an algorithm the job does not train fails here, before any reading
        int parallelism = spark.sparkContext().defaultParallelism();
        EventIndex.PointInTime pit = null;
        try {
            int partitions = options.partitions() != null ? options.partitions() : 0;
            int blocks = options.blocks() != null ? options.blocks() : parallelism;
            SparkTrainer trainer = new SparkTrainer(spark, partitions, blocks)
                    .easeMode(options.ease())
                    .alsSeed(options.seed())
                    .regParamScale(options.regParamScale());
            SparkTrainer.Result result;
            if (options.events() != null) {
                String source = "events " + options.events();
                var reader = spark.read().format(options.format());
                if (options.format().equals("csv")) {
                    reader = reader.option("header", "true").option("inferSchema", "false");
                }
                Dataset<Row> events =
                        EventColumns.of(reader.load(options.events().toArray(new String[0])), settings, source);
                result = trainer.train(events, settings, started);
            } else {
                int slices = options.slices() != null ? options.slices() : parallelism;
                // the training reads every event in its first step: a shard copy lost meanwhile means reading them
                // all again from a new point in time (one point in time's events, never pages of two)
                EventIndex.Read<SparkTrainer.Result> read = EventIndex.readWithRetries(
                        es,
                        settings.eventsIndex(),
                        options.pageSize(),
                        options.readAttempts(),
                        "in " + slices + " slices",
                        p -> trainer.train(EventIndex.read(spark, p, settings, slices), settings, started),
                        log);
                pit = read.pit();
                result = read.value();
            }
            log.accept(String.format(
                    Locale.ROOT,
                    "trained [%s] (%s): %,d events, %,d users, %,d items; skipped %s; phases (ms) %s",
                    settings.model(),
                    result.config().similarity().describe(),
                    result.events(),
                    result.users(),
                    result.itemNames().length,
                    result.skipped(),
                    result.phasesMillis()));
            if (result.factors() != null) {
                log.accept(String.format(
                        Locale.ROOT,
                        "[als] Spark MLlib's ALS, regParam %s per rating: %s",
                        result.factors().regParam(),
                        result.config().alsSolver() == io.personalize.training.ImplicitAls.Solver.EXACT
                                ? "the factorisation of the node's [exact] variant (the model's)"
                                : "the model's variant is [cg] (the node's conjugate-gradient steps), another"
                                        + " factorisation; [similarity.variant] exact trains MLlib's on the node"));
            }
            AttributeAffinities affinities = affinities(spark, es, catalog, options, result, parallelism, log);
            if (options.output() == null && options.doImport()) {
                // no file: each user partition sends its own parts to an import session
                try (Elasticsearch.Client client = es.open()) {
                    long partBytes = partBytes(client, options.partBytes());
                    JsonNode answer = ExecutorImport.run(es, result, affinities, partBytes, log);
                    result.parts().unpersist();
                    return answer;
                }
            }
            Path file = options.output() != null ? options.output() : Files.createTempFile("personalize-", ".ndjson");
            long t = System.nanoTime();
            long lines;
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
                lines = ModelLinesWriter.write(result, affinities, out);
            }
            result.parts().unpersist();
            log.accept(String.format(
                    Locale.ROOT,
                    "wrote %,d lines (%,d bytes) to %s in %d ms",
                    lines,
                    Files.size(file),
                    file,
                    (System.nanoTime() - t) / 1_000_000));
            if (options.doImport() == false) {
                return Elasticsearch.JSON.createObjectNode().put("lines", lines).put("file", file.toString());
            }
            return importFile(
                    es,
                    settings.model(),
                    file,
                    result.newestMillis(),
                    options.partBytes(),
                    options.output() == null,
                    log);
        } finally {
            if (pit != null) {
                pit.release(log);
            }
        }
    }

    /**
     * The users' attribute affinities' index: the catalogue's values of the trained items, read from the catalogue
     * files ({@code --catalog}) or the catalogue index (a point in time, sliced as the events); none when the model
     * has no {@code catalog.attributes}.
     */
    static AttributeAffinities affinities(
            SparkSession spark,
            Elasticsearch es,
            CatalogSettings catalog,
            Options options,
            SparkTrainer.Result result,
            int parallelism,
            java.util.function.Consumer<String> log) {
        if (catalog.hasAttributes() == false) {
            return AttributeAffinities.none();
        }
        long t = System.nanoTime();
        if (options.catalog() != null) {
            var reader = spark.read().format(options.catalogFormat());
            if (options.catalogFormat().equals("csv")) {
                reader = reader.option("header", "true").option("inferSchema", "false");
            }
            Dataset<Row> table = reader.load(options.catalog().toArray(new String[0]));
            return read(CatalogIndex.of(table, catalog, "catalog " + options.catalog()), catalog, result, t, log);
        }
        int slices = options.slices() != null ? options.slices() : parallelism;
        EventIndex.Read<AttributeAffinities> read = EventIndex.readWithRetries(
                es,
                catalog.index(),
                options.pageSize(),
                options.readAttempts(),
                "(the catalogue) in " + slices + " slices",
                pit -> read(CatalogIndex.read(spark, pit, catalog, slices), catalog, result, t, log),
                log);
        read.pit().release(log);
        return read.value();
    }

    private static AttributeAffinities read(
            Dataset<Row> rows,
            CatalogSettings catalog,
            SparkTrainer.Result result,
            long started,
            java.util.function.Consumer<String> log) {
        AttributeAffinities affinities = ItemAttributes.of(rows, catalog, result.itemNames());
        log.accept(String.format(
                Locale.ROOT,
                "read the attributes %s of the items in %d ms",
                catalog.attributes(),
                (System.nanoTime() - started) / 1_000_000));
        return affinities;
    }

    /** Each part's most bytes: {@code given} ({@code --part-bytes}), else one part's default and half the node's limit. */
    static long partBytes(Elasticsearch.Client client, Long given) {
        if (given != null) {
            return given;
        }
        Long limit = maxContentLength(client);
        return limit == null ? SessionImport.PART_BYTES : Math.min(SessionImport.PART_BYTES, limit / 2);
    }

    /**
     * Imports the file: in one {@code _import} when it fits in one part ({@link SessionImport#PART_BYTES}, and half the
     * node's {@code http.max_content_length}), else through an import session in parts of that size ({@link
     * SessionImport}). Either way the node validates every line and activates the version, or nothing. A {@code
     * temporary} file (the job's own) is deleted afterwards; one that cannot be is said in the log and left: the model
     * is imported by then (or the import's own failure is what the job reports), and a failed clean-up must neither fail
     * an imported model nor hide why an import failed.
     */
    static JsonNode importFile(
            Elasticsearch es,
            String model,
            Path file,
            long newestMillis,
            Long givenPartBytes,
            boolean temporary,
            java.util.function.Consumer<String> log)
            throws IOException {
        try {
            return send(es, model, file, newestMillis, givenPartBytes, log);
        } finally {
            if (temporary) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    log.accept("the temporary file " + file + " was not deleted (" + e + "): delete it by hand");
                }
            }
        }
    }

    /** The import itself: one {@code _import}, or a session of parts. */
    private static JsonNode send(
            Elasticsearch es,
            String model,
            Path file,
            long newestMillis,
            Long givenPartBytes,
            java.util.function.Consumer<String> log)
            throws IOException {
        long t = System.nanoTime();
        long size = file.toFile().length();
        try (Elasticsearch.Client client = es.open()) {
            long partBytes = partBytes(client, givenPartBytes);
            if (size > partBytes) {
                return SessionImport.run(client, model, file, partBytes, newestMillis, log);
            }
            FileEntity body = new FileEntity(file.toFile(), ContentType.create("application/x-ndjson"));
            // the newest event used: serving adds in real time only what a user did after it, as for the node's
            // training; the import's id: the REST client sends the request again to another node when its answer is
            // lost, and the node answers a resend with the version the first made instead of importing it twice
            String importId = UUID.randomUUID().toString();
            JsonNode answer = client.sendWaiting(
                    "POST",
                    "/_recommend/models/" + encode(model) + "/_import?newest_event=" + newestMillis + "&import_id="
                            + importId,
                    body);
            log.accept(String.format(
                    Locale.ROOT, "imported into [%s] in %d ms", model, (System.nanoTime() - t) / 1_000_000));
            return answer;
        }
    }

    /** The node's {@code http.max_content_length}, or null when it cannot be read (a user without monitor rights). */
    static Long maxContentLength(Elasticsearch.Client client) {
        try {
            JsonNode settings =
                    client.get("/_cluster/settings?include_defaults=true&filter_path=*.http.max_content_length");
            for (String scope : List.of("transient", "persistent", "defaults")) {
                JsonNode value = settings.path(scope).path("http").path("max_content_length");
                if (value.isTextual()) {
                    return bytes(value.asText());
                }
            }
            return null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Elasticsearch's byte sizes ({@code 100mb}, {@code 1gb}, {@code 512kb}, {@code 1024b}). */
    static long bytes(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        String[] units = {"pb", "tb", "gb", "mb", "kb", "b"};
        long[] factors = {1L << 50, 1L << 40, 1L << 30, 1L << 20, 1L << 10, 1};
        for (int u = 0; u < units.length; u++) {
            if (t.endsWith(units[u])) {
                return Math.round(Double.parseDouble(t.substring(0, t.length() - units[u].length())) * factors[u]);
            }
        }
        return Long.parseLong(t);
    }

    /** The largest heap in use, sampled every half second (local mode: the executors' memory too). */
    static final class HeapPeak implements Runnable {
        private final java.util.concurrent.atomic.AtomicLong peak = new java.util.concurrent.atomic.AtomicLong();
        private volatile boolean stopped;

        static HeapPeak start() {
            HeapPeak watch = new HeapPeak();
            Thread thread = new Thread(watch, "heap-peak");
            thread.setDaemon(true);
            thread.start();
            return watch;
        }

        @Override
        public void run() {
            while (stopped == false) {
                Runtime r = Runtime.getRuntime();
                peak.accumulateAndGet(r.totalMemory() - r.freeMemory(), Math::max);
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        long stop() {
            stopped = true;
            Runtime r = Runtime.getRuntime();
            return peak.accumulateAndGet(r.totalMemory() - r.freeMemory(), Math::max);
        }
    }

    static String encode(String name) {
        return URLEncoder.encode(name, StandardCharsets.UTF_8);
    }
}
