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
 * of 10,000 with {@code search_after} on {@code _shard_doc}; only the events whose type has a weight and that have a
 * user and an item; doc values only (no {@code _source}), the time as epoch milliseconds. The job is its user: it
 * reads only what its credentials may read. The Elasticsearch-Hadoop connector would do the same, but no version of
 * it for Elasticsearch 9 is to be had here.
 */
public final class EventIndex {

    static final int PAGE = 10_000;
    static final String KEEP_ALIVE = "30m";

    private EventIndex() {}

    /** An open point in time over the index; close it once the events have been used. */
    public record PointInTime(Elasticsearch es, String id) implements AutoCloseable {
        @Override
        public void close() {
            try (Elasticsearch.Client client = es.open()) {
                ObjectNode body = Elasticsearch.JSON.createObjectNode().put("id", id);
                client.send("DELETE", "/_pit", body.toString());
            }
        }
    }

    public static PointInTime open(Elasticsearch es, String index) {
        try (Elasticsearch.Client client = es.open()) {
            String path = "/" + index + "/_pit?keep_alive=" + KEEP_ALIVE + "&allow_partial_search_results=false";
            return new PointInTime(
                    es, client.send("POST", path, (String) null).path("id").asText());
        }
    }

    /** The events of the point in time, in {@code slices} Spark partitions, as {@link EventColumns#SCHEMA} rows. */
    public static Dataset<Row> read(SparkSession spark, PointInTime pit, ModelSettings model, int slices) {
        JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<Integer> ids = IntStream.range(0, slices).boxed().toList();
        Elasticsearch es = pit.es();
        String pitId = pit.id();
        JavaRDD<Row> rows = context.parallelize(ids, slices)
                .mapPartitions(slice -> new EventSlice(es, pitId, model, slice.next(), slices));
        return spark.createDataFrame(rows, EventColumns.SCHEMA);
    }

    /**
     * One slice of a point in time, a page at a time, as rows: the query, the fields read and each hit's row are the
     * subclass's (the events here, the catalogue in {@link CatalogIndex}).
     */
    abstract static class SliceReader implements Iterator<Row> {
        private final Elasticsearch.Client client;
        private final int slice;
        private final int slices;
        private String pitId;
        private JsonNode searchAfter;
        private final List<Row> page = new ArrayList<>();
        private int next;
        private boolean last;

        SliceReader(Elasticsearch es, String pitId, int slice, int slices) {
            this.client = es.open();
            this.pitId = pitId;
            this.slice = slice;
            this.slices = slices;
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
            // rather than giving a page without that shard's events
            JsonNode response = client.send(
                    "POST",
                    "/_search?allow_partial_search_results=false&filter_path=" + filterPath(),
                    body().toString());
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
            last = hits.size() < PAGE;
        }

        private ObjectNode body() {
            ObjectNode body = Elasticsearch.JSON.createObjectNode();
            body.putObject("pit").put("id", pitId).put("keep_alive", EventIndex.KEEP_ALIVE);
            if (slices > 1) {
                body.putObject("slice").put("id", slice).put("max", slices);
            }
            body.put("size", PAGE).put("_source", false).put("track_total_hits", false);
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

        EventSlice(Elasticsearch es, String pitId, ModelSettings model, int slice, int slices) {
            super(es, pitId, slice, slices);
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
