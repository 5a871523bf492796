package io.personalize.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * Reads the events index as the node's training does: one point in time, so that every slice sees the same events
 * however long the reading takes; sliced ({@code slice: {id, max}}), one slice per Spark partition, each read in pages
 * of 10,000 ({@code --page-size}) with {@code search_after} on {@code _shard_doc}; only the events whose type has a weight and that have a
 * user and an item; doc values only (no {@code _source}), the time as epoch milliseconds. The job is its user: it
 * reads only what its credentials may read. A page the nodes reject for load (429) is asked again, the same page of the
 * same point in time, after growing waits ({@link Elasticsearch.Backoff}); a shard copy lost means reading everything
 * again from a new point in time ({@link #readWithRetries}). The Elasticsearch-Hadoop connector would do the same, but
 * no version of it for Elasticsearch 9 is to be had here.
 */
public final class EventIndex {

    static final int PAGE = 10_000;
    static final String KEEP_ALIVE = "30m";

    /** Reads of a point in time, the first included, before the job gives up: {@code --read-attempts}. */
    static final int READ_ATTEMPTS = 3;

    /** The longest wait, before a new point in time, for the index's primaries to be active again (a copy promoted). */
    static final String PRIMARIES_WAIT = "60s";

    private EventIndex() {}

    /** An open point in time over the index, read in pages of {@code pageSize}; close it once the events are used. */
    public record PointInTime(Elasticsearch es, String id, int pageSize) implements AutoCloseable {
        @Override
        public void close() {
            try (Elasticsearch.Client client = es.open()) {
                ObjectNode body = Elasticsearch.JSON.createObjectNode().put("id", id);
                client.send("DELETE", "/_pit", body.toString());
            }
        }

        /**
         * Closes it when it can, and says so when it cannot: what was read is used already, and a context whose node
         * is gone (killed while the job imported, say: the close answers 404) or that no node reaches any more ends
         * with its keep-alive ({@value #KEEP_ALIVE}). A job whose model is imported must not fail on its clean-up.
         */
        void release(java.util.function.Consumer<String> log) {
            try {
                close();
            } catch (RuntimeException e) {
                log.accept("the point in time over the index was not closed (" + e.getMessage()
                        + "): its keep-alive of " + KEEP_ALIVE + " ends what is left of it");
            }
        }
    }

    public static PointInTime open(Elasticsearch es, String index, int pageSize) {
        try (Elasticsearch.Client client = es.open()) {
            String path = "/" + index + "/_pit?keep_alive=" + KEEP_ALIVE + "&allow_partial_search_results=false";
            return new PointInTime(
                    es, client.send("POST", path, (String) null).path("id").asText(), pageSize);
        }
    }

    /**
     * A page of a point in time failed on the nodes' side (answered 404 or 5xx): the search context of a shard copy it
     * pinned is gone (its node died or restarted, or its keep-alive passed) or no copy it pinned answers. A point in
     * time reads each shard from the copy it opened, so no page of it can be read any more.
     */
    static final class ShardLost extends RuntimeException {
        ShardLost(String message, Throwable cause) {
            super(message, cause);
        }

        /** No node answered the page (within the read timeout, or at all), rather than a node saying the copy is gone. */
        boolean unanswered() {
            return getMessage() != null && getMessage().contains(UNANSWERED);
        }
    }

    /** How {@link SliceReader} names a page no node answered. */
    static final String UNANSWERED = "no node answered the page";

    /**
     * A page of a slice was rejected for load (429) by the nodes as many times as the backoff allows ({@link
     * Elasticsearch.Backoff}): the point in time is intact, the cluster too busy.
     */
    static final class PageRejected extends RuntimeException {
        PageRejected(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** What {@link #readWithRetries} read, and the point in time it read it from (close it once done). */
    record Read<T>(PointInTime pit, T value) {}

    /** The job gave up reading: every attempt's point in time lost a shard copy. */
    static final class ReadFailed extends RuntimeException {
        ReadFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Opens a point in time over {@code index} and reads it whole with {@code read} (which must consume every page:
     * the events' training reads them all in its first step); when a page fails because a shard copy of the point in
     * time is gone ({@link ShardLost}), waits for the index's primaries to be active (a replica promoted; {@code
     * _cluster/health?wait_for_status=yellow}, at most {@link #PRIMARIES_WAIT}), opens a new point in time and reads
     * everything again, so that what is read is one point in time's events, never pages of two; at most {@code
     * attempts} reads, then {@link ReadFailed}. Any other failure is thrown as it is.
     */
    static <T> Read<T> readWithRetries(
            Elasticsearch es,
            String index,
            int pageSize,
            int attempts,
            String what,
            java.util.function.Function<PointInTime, T> read,
            java.util.function.Consumer<String> log) {
        RuntimeException last = null;
        for (int attempt = 1; ; attempt++) {
            PointInTime pit;
            try {
                pit = open(es, index, pageSize);
            } catch (Elasticsearch.ElasticsearchException | java.io.UncheckedIOException e) {
                // the first opening's failure is the job's answer; after a lost or stalled copy the new point in
                // time may still find a copy that does not answer (a stalled node not yet out of the cluster, a
                // primary not yet promoted): that costs an attempt
                boolean retry = last != null
                        && (e instanceof java.io.UncheckedIOException
                                || ((Elasticsearch.ElasticsearchException) e).status() >= 500
                                || ((Elasticsearch.ElasticsearchException) e).status() == 404);
                if (retry == false) {
                    throw e;
                }
                if (attempt >= attempts) {
                    throw failed(index, attempts, e.getMessage(), e);
                }
                log.accept("opening a new point in time over [" + index + "] failed (" + e.getMessage()
                        + "): trying again");
                last = e;
                waitForPrimaries(es, index);
                continue;
            }
            log.accept("reading [" + index + "] " + what + " (point in time"
                    + (attempt > 1 ? ", attempt " + attempt + " of " + attempts : "") + ")");
            try {
                return new Read<>(pit, read.apply(pit));
            } catch (Exception e) { // Spark's job failure (SparkException) is a checked exception thrown unchecked
                pit.release(log);
                PageRejected rejected = cause(e, PageRejected.class, m -> new PageRejected(m, null));
                if (rejected != null) {
                    throw new ReadFailed(
                            "reading [" + index + "] failed: " + rejected.getMessage()
                                    + " (the cluster is too busy: read again later, or with fewer --slices)",
                            e);
                }
                ShardLost lost = shardLost(e);
                if (lost == null) {
                    throw e;
                }
                if (attempt >= attempts) {
                    throw failed(index, attempts, lost.getMessage(), e);
                }
                log.accept((lost.unanswered()
                                ? "a page of the point in time over [" + index + "] was not answered ("
                                : "a shard copy of the point in time over [" + index + "] was lost while it was read (")
                        + lost.getMessage() + "): reading it all again from a new point in time");
                last = lost;
                waitForPrimaries(es, index);
            }
        }
    }

    private static ReadFailed failed(String index, int attempts, String lastMessage, Exception e) {
        return new ReadFailed(
                "reading [" + index + "] failed " + attempts + " times: each point in time lost a shard copy (or"
                        + " a node holding one did not answer) while it was read; the last: " + lastMessage
                        + " (the index needs a copy of every shard on the nodes that answer)",
                e);
    }

    /** The {@link ShardLost} behind a failure (Spark's job failure carries its task's exception as its cause). */
    static ShardLost shardLost(Throwable e) {
        return cause(e, ShardLost.class, m -> new ShardLost(m, null));
    }

    /**
     * The task's exception of {@code type} behind a failure (Spark's job failure carries its task's exception as its
     * cause), or one made by {@code named} from its message when the job's failure only names it.
     */
    static <T extends Throwable> T cause(Throwable e, Class<T> type, java.util.function.Function<String, T> named) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        // a task's exception the driver could not deserialize is still named in the job's failure message
        String name = type.getName() + ": ";
        String message = e.getMessage();
        int at = message == null ? -1 : message.indexOf(name);
        if (at >= 0) {
            String rest = message.substring(at + name.length());
            int end = rest.indexOf('\n');
            return named.apply(end < 0 ? rest : rest.substring(0, end));
        }
        return null;
    }

    /** Waits for the index's primaries to be active; a refusal (no monitor privilege) or a timeout is not an error. */
    static void waitForPrimaries(Elasticsearch es, String index) {
        try (Elasticsearch.Client client = es.open()) {
            client.get("/_cluster/health/" + index + "?wait_for_status=yellow&timeout=" + PRIMARIES_WAIT
                    + "&filter_path=status,timed_out");
        } catch (RuntimeException e) {
            // the new point in time's opening says what is wrong, if anything is
        }
    }

    /** The events of the point in time, in {@code slices} Spark partitions, as {@link EventColumns#SCHEMA} rows. */
    public static Dataset<Row> read(SparkSession spark, PointInTime pit, ModelSettings model, int slices) {
        JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<Integer> ids = IntStream.range(0, slices).boxed().toList();
        Elasticsearch es = pit.es();
        String pitId = pit.id();
        int pageSize = pit.pageSize();
        JavaRDD<Row> rows = context.parallelize(ids, slices)
                .mapPartitions(slice -> new EventSlice(es, pitId, pageSize, model, slice.next(), slices));
        return spark.createDataFrame(rows, EventColumns.SCHEMA);
    }

    /**
     * One slice of a point in time, a page at a time, as rows: the query, the fields read and each hit's row are the
     * subclass's (the events here, the catalogue in {@link CatalogIndex}).
     */
    abstract static class SliceReader implements Iterator<Row> {
        private final Elasticsearch.Client client;
        private final Elasticsearch.Backoff rejections;
        private final int slice;
        private final int slices;
        private final int pageSize;
        private String pitId;
        private JsonNode searchAfter;
        private final List<Row> page = new ArrayList<>();
        private int next;
        private boolean last;

        SliceReader(Elasticsearch es, String pitId, int pageSize, int slice, int slices) {
            this.client = es.open();
            this.rejections = es.rejections();
            this.pitId = pitId;
            this.pageSize = pageSize;
            this.slice = slice;
            this.slices = slices;
            org.apache.spark.TaskContext task = org.apache.spark.TaskContext.get();
            if (task != null) {
                // a failed or cancelled task closes its client too
                task.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) ended -> client.close());
            }
        }

        /** Adds the query and the fields to read to the page's request. */
        abstract void request(ObjectNode body);

        /** The hit's row, or null to skip it. */
        abstract Row row(JsonNode hit);

        /** What the node sends back of each hit (only what is read: half the bytes without _index, _id, _score). */
        String filterPath() {
            return "pit_id,hits.hits.fields,hits.hits.sort";
        }

        @Override
        public boolean hasNext() {
            while (next == page.size() && last == false) {
                fetch();
            }
            if (next == page.size()) {
                client.close();
                return false;
            }
            return true;
        }

        @Override
        public Row next() {
            if (hasNext() == false) {
                throw new NoSuchElementException();
            }
            return page.get(next++);
        }

        private void fetch() {
            page.clear();
            next = 0;
            // a shard that does not answer (its copy's context lost with a node) fails the page, and so the task,
            // rather than giving a page without that shard's events: the driver then reads from a new point in time
            JsonNode response = null;
            for (int retry = 1; response == null; retry++) {
                try {
                    response = client.send(
                            "POST",
                            "/_search?allow_partial_search_results=false&filter_path=" + filterPath(),
                            body().toString());
                } catch (Elasticsearch.ElasticsearchException e) {
                    if (e.status() == 404 || e.status() >= 500) {
                        throw new ShardLost("slice " + slice + " of " + slices + ": " + e.getMessage(), e);
                    }
                    if (e.status() != 429) {
                        throw e;
                    }
                    // rejected for load: the same page (same point in time, same search_after) after a wait, the
                    // point in time's contexts are still alive (each page renews their keep-alive)
                    if (retry > rejections.retries()) {
                        throw new PageRejected(
                                String.format(
                                        java.util.Locale.ROOT,
                                        "slice %d of %d: the nodes rejected a page %d times in %.1f s (429, too many"
                                                + " requests); the last: %s",
                                        slice,
                                        slices,
                                        retry,
                                        rejections.totalMillis() / 1e3,
                                        e.getMessage()),
                                e);
                    }
                    try {
                        Thread.sleep(rejections.waitMillis(retry));
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        throw e;
                    }
                } catch (java.io.UncheckedIOException e) {
                    // every node was tried and none answered within the read timeout (or none took the request): a
                    // node that holds a copy the point in time pinned may be stalled (a paused process, a long pause
                    // of its JVM), and every coordinating node waits for it; the same page would wait again, so the
                    // driver reads again from a new point in time, whose copies answer
                    throw new ShardLost(
                            "slice " + slice + " of " + slices + ": " + UNANSWERED + " (" + e.getMessage() + ")", e);
                }
            }
            if (response.hasNonNull("pit_id")) {
                pitId = response.get("pit_id").asText(); // it may change from one page to the next
            }
            JsonNode hits = response.path("hits").path("hits");
            for (JsonNode hit : hits) {
                Row row = row(hit);
                if (row != null) {
                    page.add(row);
                }
                searchAfter = hit.get("sort");
            }
            last = hits.size() < pageSize;
        }

        private ObjectNode body() {
            ObjectNode body = Elasticsearch.JSON.createObjectNode();
            body.putObject("pit").put("id", pitId).put("keep_alive", EventIndex.KEEP_ALIVE);
            if (slices > 1) {
                body.putObject("slice").put("id", slice).put("max", slices);
            }
            body.put("size", pageSize).put("_source", false).put("track_total_hits", false);
            request(body);
            body.putArray("sort").addObject().put("_shard_doc", "asc");
            if (searchAfter != null) {
                body.set("search_after", searchAfter);
            }
            return body;
        }

        static String first(JsonNode fields, String field) {
            JsonNode values = fields.get(field);
            return values == null || values.isEmpty() || values.get(0).isNull()
                    ? null
                    : values.get(0).asText();
        }
    }

    /** One slice's events. */
    static final class EventSlice extends SliceReader {
        private final ModelSettings model;

        EventSlice(Elasticsearch es, String pitId, int pageSize, ModelSettings model, int slice, int slices) {
            super(es, pitId, pageSize, slice, slices);
            this.model = model;
        }

        @Override
        void request(ObjectNode body) {
            ArrayNode filter = body.putObject("query").putObject("bool").putArray("filter");
            ArrayNode types = filter.addObject().putObject("terms").putArray(model.typeField());
            model.weights().keySet().forEach(types::add);
            filter.addObject().putObject("exists").put("field", model.userField());
            filter.addObject().putObject("exists").put("field", model.itemField());
            ArrayNode fields = body.putArray("docvalue_fields");
            fields.add(model.userField()).add(model.itemField()).add(model.typeField());
            fields.addObject().put("field", model.timeField()).put("format", "epoch_millis");
            if (model.valueField() != null) {
                fields.add(model.valueField());
            }
        }

        @Override
        Row row(JsonNode hit) {
            JsonNode fields = hit.path("fields");
            String time = first(fields, model.timeField());
            int dot = time == null ? -1 : time.indexOf('.'); // date_nanos as epoch_millis has a fraction
            Double value = null; // without a value field; with one, a missing value is NaN (bad_value, as the node)
            if (model.valueField() != null) {
                String text = first(fields, model.valueField());
                value = text == null ? Double.NaN : Double.parseDouble(text);
            }
            return RowFactory.create(
                    first(fields, model.userField()),
                    first(fields, model.itemField()),
                    first(fields, model.typeField()),
                    time == null ? null : Long.parseLong(dot < 0 ? time : time.substring(0, dot)),
                    value);
        }
    }
}
