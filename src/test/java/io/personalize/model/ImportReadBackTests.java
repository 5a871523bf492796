package io.personalize.model;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.nullValue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.elasticsearch.action.support.PlainActionFuture;
import org.elasticsearch.test.ESTestCase;
import org.elasticsearch.threadpool.TestThreadPool;
import org.elasticsearch.threadpool.ThreadPool;

/**
 * A takeover's read-back of an import session ({@link ImportReadBack}) with a reader that stands for the version index
 * as one copy shows it: a copy that shows the written parts' documents only after a while is read again until it
 * does, and the parts are whole; documents that never show make their part failed (to be sent again), so the session
 * cannot complete with them missing.
 */
public class ImportReadBackTests extends ESTestCase {

    /** A document as the version index holds it: its id, and the part and line that wrote it. */
    private record Doc(String id, int part, int line) {}

    /** Part 1: two items and a user; part 2: a user and the popular line. */
    private static final List<Doc> PART_1 = List.of(
            new Doc(ModelDocuments.itemDocId("a"), 1, 1),
            new Doc(ModelDocuments.itemDocId("b"), 1, 2),
            new Doc(ModelDocuments.userDocId("u1"), 1, 3));

    private static final List<Doc> PART_2 =
            List.of(new Doc(ModelDocuments.userDocId("u2"), 2, 1), new Doc(ModelDocuments.POPULAR_ID, 2, 2));

    /** What the session's record says is written: both parts, 3 and 2 lines. */
    private static final Map<Integer, ImportSessionRecords.Written> WRITTEN = Map.of(
            1, new ImportSessionRecords.Written(2, 1, 0),
            2, new ImportSessionRecords.Written(0, 1, 1));

    private ThreadPool threadPool;

    @Override
    public void setUp() throws Exception {
        super.setUp();
        threadPool = new TestThreadPool(getTestName());
    }

    @Override
    public void tearDown() throws Exception {
        ThreadPool.terminate(threadPool, 10, TimeUnit.SECONDS);
        super.tearDown();
    }

    /** A reader whose {@code n}-th read (from 1) shows {@code shown.apply(n)}; counts the reads. */
    private static ImportReadBack.Reader reader(AtomicInteger reads, IntFunction<List<Doc>> shown) {
        return (index, documents, restart, listener) -> {
            assertThat(index, equalTo(".personalize-data-m.u.v2"));
            for (Doc doc : shown.apply(reads.incrementAndGet())) {
                documents.accept(doc.id(), doc.part(), doc.line());
            }
            listener.onResponse(null);
        };
    }

    private ImportReadBack.Result readBack(ImportReadBack.Reader reader) {
        PlainActionFuture<ImportReadBack.Result> result = new PlainActionFuture<>();
        new ImportReadBack(reader, threadPool, threadPool.generic())
                .read(".personalize-data-m.u.v2", WRITTEN, "test session", result);
        return result.actionGet(60, TimeUnit.SECONDS);
    }

    private static List<Doc> concat(List<Doc> first, List<Doc> second) {
        List<Doc> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    public void testACopyThatShowsTheWrittenPartsLateIsReadAgainUntilTheyAreWhole() {
        AtomicInteger reads = new AtomicInteger();
        // the first two reads see a copy without part 2 (not refreshed yet, or still being resynced), the third all
        ImportReadBack.Result result = readBack(reader(reads, n -> n < 3 ? PART_1 : concat(PART_1, PART_2)));

        assertThat("read until the written parts were whole, no more", reads.get(), equalTo(3));
        assertThat(result.documents(), equalTo(5L));
        ImportParts parts = result.parts();
        assertThat(parts.incomplete(2), nullValue());
        assertThat(
                parts.summaries(),
                equalTo(List.of(
                        new ImportParts.Summary(1, ImportParts.State.WRITTEN, 3, 2, 1, 0),
                        new ImportParts.Summary(2, ImportParts.State.WRITTEN, 2, 0, 1, 1))));
        // the cross-part id check is rebuilt from the last read: part 2's user is known
        parts.begin(3);
        IllegalArgumentException twice = expectThrows(
                IllegalArgumentException.class, () -> parts.claim(3, ModelDocuments.userDocId("u2"), "user [u2]", 1));
        assertThat(twice.getMessage(), containsString("first in part [2] at line 1"));
    }

    public void testWrittenDocumentsThatNeverShowMakeTheirPartFailedAndTheSessionCannotComplete() {
        AtomicInteger reads = new AtomicInteger();
        long start = System.nanoTime();
        // part 2's popular line never shows
        ImportReadBack.Result result = readBack(reader(reads, n -> concat(PART_1, PART_2.subList(0, 1))));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat("every attempt was made", reads.get(), equalTo(ImportReadBack.ATTEMPTS));
        assertThat(
                "the attempts were spaced out",
                millis,
                greaterThanOrEqualTo((ImportReadBack.ATTEMPTS - 1) * ImportReadBack.RETRY_DELAY.millis()));
        ImportParts parts = result.parts();
        assertThat(
                parts.summaries(),
                equalTo(List.of(
                        new ImportParts.Summary(1, ImportParts.State.WRITTEN, 3, 2, 1, 0),
                        new ImportParts.Summary(2, ImportParts.State.FAILED, 0, 0, 0, 0))));
        assertThat(parts.incomplete(2), equalTo("part [2] failed to be written: send it again"));
        assertThat(parts.incomplete(null), equalTo("part [2] failed to be written: send it again"));
        // sent again, the part releases what its attempt left and is whole
        assertThat(parts.begin(2), equalTo(List.of(ModelDocuments.userDocId("u2"))));
        for (Doc doc : PART_2) {
            parts.claim(2, doc.id(), doc.id(), doc.line());
        }
        parts.written(2, 0, 1, 1);
        assertThat(parts.incomplete(2), nullValue());
    }

    public void testDocumentsOfAnUnrecordedAttemptDoNotMakeUpForAWrittenPartsMissingOnes() {
        AtomicInteger reads = new AtomicInteger();
        // part 3 was being written when the holder died (not in the record); part 2's popular line shows on the
        // second read only: as many documents as the written parts' lines on the first read, but not theirs
        List<Doc> stray = List.of(new Doc(ModelDocuments.itemDocId("c"), 3, 1));
        ImportReadBack.Result result = readBack(reader(
                reads,
                n -> n < 2
                        ? concat(concat(PART_1, PART_2.subList(0, 1)), stray)
                        : concat(concat(PART_1, PART_2), stray)));

        assertThat(reads.get(), equalTo(2));
        assertThat(result.documents(), equalTo(6L));
        assertThat(
                result.parts().summaries(),
                equalTo(List.of(
                        new ImportParts.Summary(1, ImportParts.State.WRITTEN, 3, 2, 1, 0),
                        new ImportParts.Summary(2, ImportParts.State.WRITTEN, 2, 0, 1, 1),
                        new ImportParts.Summary(3, ImportParts.State.FAILED, 0, 0, 0, 0))));
        assertThat(result.parts().incomplete(3), equalTo("part [3] failed to be written: send it again"));
    }

    /**
     * The point in time of the read lost a shard copy after part 1 and half of part 2 were handed on: the reader (an
     * {@link IndexScan} with {@code restart}) drops them and hands on a new point in time's documents from the first.
     * Each document counts once, the parts are whole at the first read-back, and part 2's user is not taken for a
     * document written twice.
     */
    public void testAReadThatStartsAgainFromANewPointInTimeCountsEachDocumentOnce() {
        AtomicInteger reads = new AtomicInteger();
        ImportReadBack.Reader losingACopy = (index, documents, restart, listener) -> {
            reads.incrementAndGet();
            for (Doc doc : concat(PART_1, PART_2.subList(0, 1))) {
                documents.accept(doc.id(), doc.part(), doc.line());
            }
            restart.run(); // the lost point in time's pages were all handed on: a new one, from its first page
            for (Doc doc : concat(PART_1, PART_2)) {
                documents.accept(doc.id(), doc.part(), doc.line());
            }
            listener.onResponse(null);
        };
        ImportReadBack.Result result = readBack(losingACopy);

        assertThat("one read-back: the reader read again itself", reads.get(), equalTo(1));
        assertThat(result.documents(), equalTo(5L));
        assertThat(
                result.parts().summaries(),
                equalTo(List.of(
                        new ImportParts.Summary(1, ImportParts.State.WRITTEN, 3, 2, 1, 0),
                        new ImportParts.Summary(2, ImportParts.State.WRITTEN, 2, 0, 1, 1))));
    }

    public void testAReadThatFailsFailsTheTakeoverAtOnce() {
        AtomicInteger reads = new AtomicInteger();
        ImportReadBack.Reader failing = (index, documents, restart, listener) -> {
            reads.incrementAndGet();
            listener.onFailure(new IllegalStateException("shard lost"));
        };
        PlainActionFuture<ImportReadBack.Result> result = new PlainActionFuture<>();
        new ImportReadBack(failing, threadPool, threadPool.generic())
                .read(".personalize-data-m.u.v2", WRITTEN, "test session", result);
        IllegalStateException e =
                expectThrows(IllegalStateException.class, () -> result.actionGet(10, TimeUnit.SECONDS));
        assertThat(e.getMessage(), equalTo("shard lost"));
        assertThat(reads.get(), equalTo(1));
    }

    /** A reader that throws instead of answering (a bug in it) still ends the takeover: never a session left waiting. */
    public void testAReaderThatThrowsOnALaterAttemptEndsTheTakeover() {
        AtomicInteger reads = new AtomicInteger();
        ImportReadBack.Reader throwing = (index, documents, restart, listener) -> {
            if (reads.incrementAndGet() > 1) {
                throw new IllegalStateException("reader broke");
            }
            listener.onResponse(null); // nothing shows: read again
        };
        PlainActionFuture<ImportReadBack.Result> result = new PlainActionFuture<>();
        new ImportReadBack(throwing, threadPool, threadPool.generic())
                .read(".personalize-data-m.u.v2", WRITTEN, "test session", result);
        IllegalStateException e =
                expectThrows(IllegalStateException.class, () -> result.actionGet(10, TimeUnit.SECONDS));
        assertThat(e.getMessage(), equalTo("reader broke"));
        assertThat(reads.get(), equalTo(2));
    }
}
