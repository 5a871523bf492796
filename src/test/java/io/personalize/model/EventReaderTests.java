package io.personalize.model;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.support.PlainActionFuture;
import org.elasticsearch.common.bytes.BytesArray;
import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.common.document.DocumentField;
import org.elasticsearch.search.DocValueFormat;
import org.elasticsearch.search.SearchHit;
import org.elasticsearch.search.SearchHits;
import org.elasticsearch.search.SearchSortValues;
import org.elasticsearch.search.builder.SearchSourceBuilder;
import org.elasticsearch.test.ESTestCase;

public class EventReaderTests extends ESTestCase {

    private static final long NOW = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    private static final long IN_2011 = Instant.parse("2011-06-01T00:00:00Z").toEpochMilli();
    private static final ModelConfig.Events CONFIG = new ModelConfig.Events(
            "events", "user_id", "sku", "type", "@timestamp", Map.of("purchase", 5.0, "view", 1.0), null, null);

    /** One event of a page: its document id and field values (null: the field is missing). */
    private record Event(String id, String user, String item, String type, Long time) {
        /** Its position in the scan (as a _shard_doc sort value): the number in its id. */
        long position() {
            return Long.parseLong(id.replaceAll("[^0-9]", ""));
        }
    }

    /** The pages of each slice. */
    private static List<List<List<Event>>> slices(int slices, int pages, int perPage) {
        List<List<List<Event>>> all = new ArrayList<>();
        int n = 0;
        for (int s = 0; s < slices; s++) {
            List<List<Event>> slice = new ArrayList<>();
            for (int p = 0; p < pages; p++) {
                List<Event> page = new ArrayList<>();
                for (int h = 0; h < perPage; h++, n++) {
                    // many distinct ids, so that the dictionaries grow (and rehash) while both slices add to them
                    String user = "u" + randomIntBetween(0, 20_000);
                    String item = "i" + randomIntBetween(0, 10_000);
                    String type = randomBoolean() ? "purchase" : "view";
                    long time = IN_2011 + randomIntBetween(0, 86_400_000);
                    switch (n % 997) {
                        case 1 -> user = "";
                        case 2 -> item = "x".repeat(600);
                        case 3 -> time = Instant.parse("2030-01-01T00:00:00Z").toEpochMilli();
                        case 4 -> time = Instant.parse("1900-01-01T00:00:00Z").toEpochMilli();
                        default -> {}
                    }
                    page.add(new Event("e" + n, user, item, type, time));
                }
                slice.add(page);
            }
            all.add(slice);
        }
        return all;
    }

    /** The page as a search answers it: without _id (as the reader asks), with each hit's position. */
    private static SearchHits hits(List<Event> page) {
        SearchHit[] hits = new SearchHit[page.size()];
        for (int h = 0; h < hits.length; h++) {
            Event e = page.get(h);
            SearchHit hit = SearchHit.unpooled(h, null);
            hit.sortValues(
                    new SearchSortValues(new Object[] {e.position()}, new DocValueFormat[] {DocValueFormat.RAW}));
            hit.setDocumentField(new DocumentField("user_id", List.of(e.user())));
            hit.setDocumentField(new DocumentField("sku", List.of(e.item())));
            hit.setDocumentField(new DocumentField("type", List.of(e.type())));
            hit.setDocumentField(new DocumentField("@timestamp", List.of(Long.toString(e.time()))));
            hits[h] = hit;
        }
        return new SearchHits(hits, null, Float.NaN);
    }

    /** A scan of these slices: {@code pages} hands them on; ids are looked up by position. */
    private static EventReader.Scan scan(List<List<List<Event>>> slices, Pages pages) {
        return new EventReader.Scan() {
            @Override
            public void scan(
                    String index,
                    int n,
                    Supplier<SearchSourceBuilder> source,
                    IndexScan.SlicePageHandler onPage,
                    IndexScan.BeforeClose beforeClose,
                    Runnable restart,
                    ActionListener<Void> listener) {
                pages.scan(
                        onPage,
                        listener.delegateFailureAndWrap((l, done) -> beforeClose.run(new BytesArray("pit"), l)));
            }

            @Override
            public void ids(
                    BytesReference pit,
                    int n,
                    Supplier<SearchSourceBuilder> source,
                    List<IndexScan.Position> positions,
                    ActionListener<Map<IndexScan.Position, String>> listener) {
                assertThat(
                        positions.size(),
                        lessThanOrEqualTo(EventRules.Reason.values().length * SkippedEvents.IDS_PER_REASON));
                Map<IndexScan.Position, String> ids = new HashMap<>();
                for (int s = 0; s < slices.size(); s++) {
                    for (List<Event> page : slices.get(s)) {
                        for (Event e : page) {
                            IndexScan.Position position = new IndexScan.Position(s, e.position());
                            if (positions.contains(position)) {
                                ids.put(position, e.id());
                            }
                        }
                    }
                }
                listener.onResponse(ids);
            }
        };
    }

    private interface Pages {
        void scan(IndexScan.SlicePageHandler onPage, ActionListener<Void> listener);
    }

    /** Hands every slice's pages from its own thread, all at once, as a training pool of several threads may. */
    private static EventReader.Scan parallel(List<List<List<Event>>> slices) {
        return handing(slices, true);
    }

    /** Hands the pages one at a time, slice after slice. */
    private static EventReader.Scan sequential(List<List<List<Event>>> slices) {
        return handing(slices, false);
    }

    /** Hands each slice's pages in order, the slices each from its own thread ({@code parallel}) or one after another. */
    private static EventReader.Scan handing(List<List<List<Event>>> slices, boolean parallel) {
        return scan(slices, (onPage, listener) -> {
            CountDownLatch start = new CountDownLatch(parallel ? 1 : 0);
            AtomicReference<Exception> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int s = 0; s < slices.size() && failure.get() == null; s++) {
                int number = s;
                Runnable slice = () -> {
                    try {
                        start.await();
                        for (List<Event> page : slices.get(number)) {
                            handle(onPage, number, page);
                        }
                    } catch (Exception e) {
                        failure.compareAndSet(null, e);
                    }
                };
                if (parallel) {
                    Thread thread = new Thread(slice);
                    thread.start();
                    threads.add(thread);
                } else {
                    slice.run();
                }
            }
            start.countDown();
            for (Thread thread : threads) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
            if (failure.get() != null) {
                listener.onFailure(failure.get());
            } else {
                listener.onResponse(null);
            }
        });
    }

    private static void handle(IndexScan.SlicePageHandler onPage, int slice, List<Event> page) throws Exception {
        SearchHits hits = hits(page);
        try {
            onPage.accept(slice, hits);
        } finally {
            hits.decRef();
        }
    }

    /** What a read produced, by name: the events sorted, the counts, the skipped events. */
    private record Read(
            List<String> events, long count, long newest, int users, int items, Map<String, Long> skipped) {}

    private static Read read(EventReader.Scan scan) {
        List<String> events = new ArrayList<>();
        AtomicReference<EventReader.Result> names = new AtomicReference<>();
        List<int[]> ids = new ArrayList<>();
        List<float[]> weights = new ArrayList<>();
        List<Long> times = new ArrayList<>();
        PlainActionFuture<EventReader.Result> future = new PlainActionFuture<>();
        // the sink is an unsynchronized list: the reader promises never to call it concurrently
        new EventReader(CONFIG, scan, NOW)
                .read(
                        (user, item, weight, millis) -> {
                            ids.add(new int[] {user, item});
                            weights.add(new float[] {weight});
                            times.add(millis);
                        },
                        () -> {
                            ids.clear();
                            weights.clear();
                            times.clear();
                        },
                        (read, total) -> {},
                        future);
        EventReader.Result result = future.actionGet();
        names.set(result);
        for (int e = 0; e < ids.size(); e++) {
            events.add(result.users().get(ids.get(e)[0]) + "/" + result.items().get(ids.get(e)[1]) + "/"
                    + weights.get(e)[0] + "/" + times.get(e));
        }
        events.sort(null);
        Map<String, Long> skipped = new java.util.TreeMap<>();
        result.skippedEvents().reasons().forEach((reason, r) -> {
            skipped.put(reason, r.count());
            assertThat("the first ids are named: " + r, r.firstIds().size(), equalTo((int)
                    Math.min(r.count(), SkippedEvents.IDS_PER_REASON)));
        });
        return new Read(
                events,
                result.events(),
                result.newestMillis(),
                result.users().size(),
                result.items().size(),
                skipped);
    }

    /** The same events, counts, dictionaries' sizes, newest event and skipped events (each compared on its own). */
    private static void assertSameRead(Read expected, Read actual) {
        assertThat(actual.count(), equalTo(expected.count()));
        assertThat(actual.skipped(), equalTo(expected.skipped()));
        assertThat(actual.users(), equalTo(expected.users()));
        assertThat(actual.items(), equalTo(expected.items()));
        assertThat(actual.newest(), equalTo(expected.newest()));
        assertThat(actual.events(), equalTo(expected.events()));
    }

    public void testTwoParallelSlicesReadWhatOneThreadReads() {
        List<List<List<Event>>> slices = slices(2, 40, 2000);
        Read single = read(sequential(slices));
        assertThat(
                single.count()
                        + single.skipped().values().stream()
                                .mapToLong(Long::longValue)
                                .sum(),
                equalTo(160_000L));
        for (int attempt = 0; attempt < 3; attempt++) {
            assertSameRead(single, read(parallel(slices)));
        }
    }

    /**
     * A point in time that lost a shard copy after some pages of each slice (handled in parallel), then a new one read
     * from the first page ({@link IndexScan} calls {@code restart} in between): the events, counts, dictionaries and
     * skipped events are those of one reading, none counted twice.
     */
    public void testAReadingThatStartsAgainFromANewPointInTimeCountsEveryEventOnce() {
        List<List<List<Event>>> slices = slices(2, 20, 1000);
        Read once = read(sequential(slices));
        EventReader.Scan lost =
                parallel(slices.stream().map(slice -> slice.subList(0, 7)).toList());
        EventReader.Scan whole = parallel(slices);
        EventReader.Scan again = new EventReader.Scan() {
            @Override
            public void scan(
                    String index,
                    int n,
                    Supplier<SearchSourceBuilder> source,
                    IndexScan.SlicePageHandler onPage,
                    IndexScan.BeforeClose beforeClose,
                    Runnable restart,
                    ActionListener<Void> listener) {
                assertNotNull("the reader can start again", restart);
                // the lost point in time's pages were handled, then it failed: no beforeClose for it
                lost.scan(
                        index,
                        n,
                        source,
                        onPage,
                        (pit, done) -> done.onResponse(null),
                        null,
                        listener.delegateFailureAndWrap((l, failed) -> {
                            restart.run();
                            whole.scan(index, n, source, onPage, beforeClose, null, l);
                        }));
            }

            @Override
            public void ids(
                    BytesReference pit,
                    int n,
                    Supplier<SearchSourceBuilder> source,
                    List<IndexScan.Position> positions,
                    ActionListener<Map<IndexScan.Position, String>> listener) {
                whole.ids(pit, n, source, positions, listener);
            }
        };
        assertSameRead(once, read(again));
    }

    public void testBadEventsAreSkippedPerReasonWithTheirIds() {
        List<Event> page = List.of(
                new Event("ok0", "u1", "i1", "purchase", IN_2011),
                new Event("empty1", "", "i1", "purchase", IN_2011),
                new Event("long2", "u1", "é".repeat(256), "purchase", IN_2011),
                new Event(
                        "future3",
                        "u1",
                        "i1",
                        "purchase",
                        Instant.parse("2030-01-01T00:00:00Z").toEpochMilli()),
                new Event(
                        "old4",
                        "u1",
                        "i1",
                        "purchase",
                        Instant.parse("1900-01-01T00:00:00Z").toEpochMilli()),
                new Event("click5", "u1", "i1", "click", IN_2011));
        PlainActionFuture<EventReader.Result> future = new PlainActionFuture<>();
        List<Long> times = new ArrayList<>();
        new EventReader(CONFIG, sequential(List.of(List.of(page))), NOW)
                .read((u, i, w, t) -> times.add(t), (r, t) -> {}, future);
        EventReader.Result result = future.actionGet();
        assertThat(result.events(), equalTo(1L));
        assertThat(times, equalTo(List.of(IN_2011)));
        assertThat(result.newestMillis(), equalTo(IN_2011));
        SkippedEvents skipped = result.skippedEvents();
        assertThat(skipped.count(), equalTo(5L));
        assertThat(skipped.reasons().get("empty_id").firstIds(), equalTo(List.of("empty1")));
        assertThat(skipped.reasons().get("id_too_long").firstIds(), equalTo(List.of("long2")));
        assertThat(skipped.reasons().get("in_the_future").firstIds(), equalTo(List.of("future3")));
        assertThat(skipped.reasons().get("too_old").firstIds(), equalTo(List.of("old4")));
        assertThat(skipped.reasons().get("missing_field").firstIds(), equalTo(List.of("click5")));
    }

    public void testOnlyTheFirstFewIdsOfAReasonAreKept() {
        List<Event> page = new ArrayList<>();
        for (int e = 0; e < 50; e++) {
            page.add(new Event(
                    "f" + e,
                    "u1",
                    "i1",
                    "purchase",
                    Instant.parse("2090-01-01T00:00:00Z").toEpochMilli()));
        }
        PlainActionFuture<EventReader.Result> future = new PlainActionFuture<>();
        new EventReader(CONFIG, sequential(List.of(List.of(page))), NOW).read((u, i, w, t) -> {}, (r, t) -> {}, future);
        SkippedEvents.Reason future2090 =
                future.actionGet().skippedEvents().reasons().get("in_the_future");
        assertThat(future2090.count(), equalTo(50L));
        assertThat(future2090.firstIds(), equalTo(List.of("f0", "f1", "f2", "f3", "f4")));
    }
}
