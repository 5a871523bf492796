package io.personalize.model;

import org.elasticsearch.action.ActionListener;
import org.elasticsearch.common.document.DocumentField;
import org.elasticsearch.index.query.BoolQueryBuilder;
import org.elasticsearch.index.query.QueryBuilders;
import org.elasticsearch.search.SearchHit;
import org.elasticsearch.search.builder.SearchSourceBuilder;

import java.util.Map;

/**
 * Reads a model's interaction events from the shop's events index ({@link IndexScan}) and hands each one on as
 * dense ids: {@code (user, item, weight, time)}, weight = the event type's weight (times the value field when one is
 * configured). Events of types without a weight, or missing a user, item or time, are skipped and counted.
 */
public final class EventReader {

    /** Receives the events, in no particular order. */
    public interface Sink {
        void accept(int user, int item, float weight, long epochMillis);
    }

    /** What was read: the dictionaries that give the ids, and the counts. */
    public record Result(IdDictionary users, IdDictionary items, long events, long skipped, long newestMillis) {}

    private final ModelConfig.Events config;
    private final IndexScan scan;

    public EventReader(ModelConfig.Events config, IndexScan scan) {
        this.config = config;
        this.scan = scan;
    }

    /**
     * Reads every event, in two parallel slices; pages are handed to the sink one at a time (the scan's executor is
     * single-threaded). {@code progress} gets the number of events read after each page.
     */
    public void read(Sink sink, ProgressListener progress, ActionListener<Result> listener) {
        IdDictionary users = new IdDictionary();
        IdDictionary items = new IdDictionary();
        long[] counts = new long[3]; // read, skipped, newest
        Map<String, Double> weights = config.weights();
        scan.scan(config.index(), 2, this::source, hits -> {
            for (SearchHit hit : hits.getHits()) {
                String user = text(hit.field(config.userField()));
                String item = text(hit.field(config.itemField()));
                Double weight = weights.get(text(hit.field(config.typeField())));
                long time = millis(hit.field(config.timeField()));
                double value = config.valueField() == null ? 1.0 : number(hit.field(config.valueField()));
                if (user == null || item == null || weight == null || time == Long.MIN_VALUE || (value > 0) == false) {
                    counts[1]++;
                    continue;
                }
                sink.accept(users.add(user), items.add(item), (float) (weight * value), time);
                counts[0]++;
                counts[2] = Math.max(counts[2], time);
            }
            progress.onProgress(counts[0] + counts[1], -1);
        }, listener.map(done -> new Result(users, items, counts[0], counts[1], counts[2])));
    }

    /** Called after each page with what has been read and, when known, how much there is. */
    public interface ProgressListener {
        void onProgress(long read, long total);
    }

    private SearchSourceBuilder source() {
        BoolQueryBuilder query = QueryBuilders.boolQuery()
            .filter(QueryBuilders.termsQuery(config.typeField(), config.weights().keySet()))
            .filter(QueryBuilders.existsQuery(config.userField()))
            .filter(QueryBuilders.existsQuery(config.itemField()));
        SearchSourceBuilder source = new SearchSourceBuilder().query(query)
            .fetchSource(false)
            .size(IndexScan.PAGE_SIZE)
            .docValueField(config.userField())
            .docValueField(config.itemField())
            .docValueField(config.typeField())
            .docValueField(config.timeField(), "epoch_millis");
        if (config.valueField() != null) {
            source.docValueField(config.valueField());
        }
        return source;
    }

    public static String text(DocumentField field) {
        if (field == null || field.getValues().isEmpty()) {
            return null;
        }
        Object value = field.getValues().get(0);
        return value == null ? null : value.toString();
    }

    public static long millis(DocumentField field) {
        String text = text(field);
        if (text == null) {
            return Long.MIN_VALUE;
        }
        // date_nanos in epoch_millis format has a fraction
        int dot = text.indexOf('.');
        return Long.parseLong(dot < 0 ? text : text.substring(0, dot));
    }

    static double number(DocumentField field) {
        if (field == null || field.getValues().isEmpty() || field.getValues().get(0) instanceof Number == false) {
            return Double.NaN;
        }
        return ((Number) field.getValues().get(0)).doubleValue();
    }
}
