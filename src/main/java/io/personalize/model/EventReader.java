package io.personalize.model;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.common.document.DocumentField;
import org.elasticsearch.index.query.BoolQueryBuilder;
import org.elasticsearch.index.query.QueryBuilders;
import org.elasticsearch.search.SearchHit;
import org.elasticsearch.search.builder.SearchSourceBuilder;

/**
 * Reads a model's interaction events from the shop's events index ({@link IndexScan}) and hands each one on as
 * dense ids: {@code (user, item, weight, time)}, weight = the event type's weight (times the value field when one is
 * configured). Bad events ({@link EventRules}: types without a weight, a missing or empty user or item, an id too long
 * to be a document id, a date in the future or a century ago) are skipped and counted per reason, with their document
 * ids ({@link SkippedEvents}).
 *
 * <p>The index is read in two parallel slices, whose pages may be handled at the same time on a training pool of more
 * than one thread: the hits of a page are checked without a lock, then the dictionaries, the counts and the sink, none
 * of which is thread-safe, are updated under one lock per page (10,000 events), which costs nothing next to the search.
 */
public final class EventReader {

    /** Receives the events, in no particular order, one at a time (never concurrently). */
    public interface Sink {
        void accept(int user, int item, float weight, long epochMillis);
    }

    /** What was read: the dictionaries that give the ids, and the counts. */
    public record Result(
            IdDictionary users, IdDictionary items, long events, SkippedEvents skippedEvents, long newestMillis) {
        public long skipped() {
            return skippedEvents.count();
        }
    }

    /** Scans an index in pages ({@link IndexScan}); an interface so that tests can hand pages from several threads. */
    public interface Scan {
        void scan(
                String index,
                int slices,
                Supplier<SearchSourceBuilder> source,
                IndexScan.SlicePageHandler onPage,
                IndexScan.BeforeClose beforeClose,
                Runnable restart,
                ActionListener<Void> listener);

        /** See {@link IndexScan#ids}. */
        void ids(
                BytesReference pit,
                int slices,
                Supplier<SearchSourceBuilder> source,
                List<IndexScan.Position> positions,
                ActionListener<Map<IndexScan.Position, String>> listener);
    }

    private static final int SLICES = 2;

    private final ModelConfig.Events config;
    private final Scan scan;
    private final long nowMillis;

    public EventReader(ModelConfig.Events config, IndexScan scan) {
        this(
                config,
                new Scan() {
                    @Override
                    public void scan(
                            String index,
                            int slices,
                            Supplier<SearchSourceBuilder> source,
                            IndexScan.SlicePageHandler onPage,
                            IndexScan.BeforeClose beforeClose,
                            Runnable restart,
                            ActionListener<Void> listener) {
                        scan.scan(index, slices, source, onPage, beforeClose, restart, listener);
                    }

                    @Override
                    public void ids(
                            BytesReference pit,
                            int slices,
                            Supplier<SearchSourceBuilder> source,
                            List<IndexScan.Position> positions,
                            ActionListener<Map<IndexScan.Position, String>> l) {
                        scan.ids(pit, slices, source, positions, l);
                    }
                },
                System.currentTimeMillis());
    }

    /** A reader whose rules ({@link EventRules}) take {@code nowMillis} as the training's start. */
    public EventReader(ModelConfig.Events config, Scan scan, long nowMillis) {
        this.config = config;
        this.scan = scan;
        this.nowMillis = nowMillis;
    }

    /** When the reading started: events later than this (plus a day) are in the future. */
    public long nowMillis() {
        return nowMillis;
    }

    /**
     * Reads every event, in parallel slices, once: a shard lost while it is read fails the reading (see
     * {@link #read(Sink, Runnable, ProgressListener, ActionListener)} for one that reads again). {@code progress} gets
     * the number of events read after each page.
     */
    public void read(Sink sink, ProgressListener progress, ActionListener<Result> listener) {
        read(sink, null, progress, listener);
    }

    /**
     * Reads every event, in parallel slices; with {@code restart} (not null), a reading whose point in time lost a shard
     * copy reads every event again from a new one ({@link IndexScan#scan(String, int, Supplier,
     * IndexScan.SlicePageHandler, IndexScan.BeforeClose, Runnable, ActionListener)}): {@code restart} must then drop
     * everything {@code sink} got (it is called with no page being handled, before the first page of the new reading),
     * and the dictionaries, counts and skipped events start again here, so no event counts twice. {@code progress}
     * gets the number of events read after each page.
     */
    public void read(Sink sink, Runnable restart, ProgressListener progress, ActionListener<Result> listener) {
        Object lock = new Object();
        AtomicReference<Reading> reading = new AtomicReference<>(new Reading());
        EventRules rules = new EventRules(nowMillis);
        Map<String, Double> weights = config.weights();
        scan.scan(
                config.index(),
                SLICES,
                this::source,
                (slice, hits) -> {
                    SearchHit[] page = hits.getHits();
                    // checked outside the lock: reading doc values and the rules are the costly part
                    String[] pageUsers = new String[page.length];
                    String[] pageItems = new String[page.length];
                    float[] pageWeights = new float[page.length];
                    long[] pageTimes = new long[page.length];
                    EventRules.Reason[] reasons = new EventRules.Reason[page.length];
                    for (int h = 0; h < page.length; h++) {
                        SearchHit hit = page[h];
                        String user = text(hit.field(config.userField()));
                        String item = text(hit.field(config.itemField()));
                        Double weight = weights.get(text(hit.field(config.typeField())));
                        long time = millis(hit.field(config.timeField()));
                        double value = config.valueField() == null ? 1.0 : number(hit.field(config.valueField()));
                        reasons[h] = rules.check(user, item, weight, time, value);
                        if (reasons[h] == null) {
                            pageUsers[h] = user;
                            pageItems[h] = item;
                            pageWeights[h] = (float) (weight * value);
                            pageTimes[h] = time;
                        }
                    }
                    synchronized (lock) {
                        Reading r = reading.get();
                        for (int h = 0; h < page.length; h++) {
                            if (reasons[h] != null) {
                                long position = IndexScan.position(page[h]);
                                r.skipped.skip(
                                        reasons[h],
                                        page[h].getId(),
                                        position < 0 ? null : new IndexScan.Position(slice, position));
                                continue;
                            }
                            sink.accept(
                                    r.users.add(pageUsers[h]), r.items.add(pageItems[h]), pageWeights[h], pageTimes[h]);
                            r.events++;
                            r.newest = Math.max(r.newest, pageTimes[h]);
                        }
                        progress.onProgress(r.events + r.skipped.total(), -1);
                    }
                },
                (pit, done) -> {
                    // the pages were read without _id (a stored-fields read per hit): name the few skipped events kept
                    // now
                    List<IndexScan.Position> positions;
                    synchronized (lock) {
                        positions = reading.get().skipped.unresolved();
                    }
                    scan.ids(
                            pit,
                            SLICES,
                            this::source,
                            positions,
                            ActionListener.wrap(
                                    found -> {
                                        synchronized (lock) {
                                            reading.get().skipped.resolve(found);
                                        }
                                        done.onResponse(null);
                                    },
                                    e -> {
                                        // the ids only help to find the events: never fail a training for them
                                        synchronized (lock) {
                                            reading.get().skipped.resolve(Map.of());
                                        }
                                        done.onResponse(null);
                                    }));
                },
                restart == null
                        ? null
                        : () -> {
                            synchronized (lock) {
                                restart.run();
                                reading.set(new Reading());
                                progress.onProgress(0, -1);
                            }
                        },
                listener.map(done -> {
                    synchronized (lock) {
                        Reading r = reading.get();
                        return new Result(r.users, r.items, r.events, r.skipped.build(), r.events == 0 ? 0 : r.newest);
                    }
                }));
    }

    /** What one reading (one point in time) has read so far. */
    private static final class Reading {
        final IdDictionary users = new IdDictionary();
        final IdDictionary items = new IdDictionary();
        final SkippedEvents.Counter skipped = new SkippedEvents.Counter();
        long events;
        long newest = Long.MIN_VALUE;
    }

    /** Called after each page with what has been read and, when known, how much there is. */
    public interface ProgressListener {
        void onProgress(long read, long total);
    }

    private SearchSourceBuilder source() {
        BoolQueryBuilder query = QueryBuilders.boolQuery()
                .filter(QueryBuilders.termsQuery(
                        config.typeField(), config.weights().keySet()))
                .filter(QueryBuilders.existsQuery(config.userField()))
                .filter(QueryBuilders.existsQuery(config.itemField()));
        SearchSourceBuilder source = new SearchSourceBuilder()
                .query(query)
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
