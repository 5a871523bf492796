package io.personalize.model;

import java.util.Set;
import java.util.function.Predicate;
import org.elasticsearch.ElasticsearchStatusException;
import org.elasticsearch.ResourceNotFoundException;
import org.elasticsearch.common.io.stream.BytesStreamOutput;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.test.ESTestCase;

/** The transitions of an import session's record, as the elected master applies them. */
public class ImportSessionRecordsTests extends ESTestCase {

    private static final String SESSION = "nodeA:17";
    private static final long TIMEOUT = 60_000;

    private static ImportSessionRecords opened(long at) {
        ModelVersions.Pending pending = new ModelVersions.Pending("shop", 8, ".personalize-shop-u-8", "u", 7, null);
        return ImportSessionRecords.EMPTY.with(
                ImportSessionRecords.Record.opened(SESSION, pending, at, "nodeA", "ephA"));
    }

    private static Predicate<String> alive(String... ephemeralIds) {
        return Set.of(ephemeralIds)::contains;
    }

    private static ImportSessionRecords apply(
            ImportSessionRecords records, ImportSessionRecords.Update update, long now, Predicate<String> alive)
            throws Exception {
        // what the master applies is what crossed the wire
        try (BytesStreamOutput out = new BytesStreamOutput()) {
            update.writeTo(out);
            try (StreamInput in = out.bytes().streamInput()) {
                ImportSessionRecords.Update read = new ImportSessionRecords.Update(in);
                assertEquals(update, read);
                return read.apply(records, now, alive);
            }
        }
    }

    public void testPartsAreRecordedWithTheMastersClock() throws Exception {
        ImportSessionRecords records = opened(1000);
        records = apply(records, ImportSessionRecords.Update.beginPart(SESSION, "ephA", 2), 2000, alive("ephA"));
        assertEquals(Set.of(2), records.get(SESSION).writing());
        assertEquals(2000, records.get(SESSION).lastActivity());
        ImportSessionRecords.Written written = new ImportSessionRecords.Written(3, 4, 1);
        records = apply(records, ImportSessionRecords.Update.endPart(SESSION, "ephA", 2, written), 3000, alive("ephA"));
        assertTrue(records.get(SESSION).writing().isEmpty());
        assertEquals(written, records.get(SESSION).parts().get(2));
        assertEquals(8, records.get(SESSION).parts().get(2).lines());
        assertEquals(3000, records.get(SESSION).lastActivity());
        // sent again: not written until this attempt is; failed: to be sent again
        records = apply(records, ImportSessionRecords.Update.beginPart(SESSION, "ephA", 2), 4000, alive("ephA"));
        assertFalse(records.get(SESSION).parts().containsKey(2));
        records = apply(records, ImportSessionRecords.Update.endPart(SESSION, "ephA", 2, null), 5000, alive("ephA"));
        assertTrue(records.get(SESSION).parts().isEmpty());
        assertTrue(records.holds("shop", "u", 8));
        assertFalse(records.holds("shop", "other-incarnation", 8));
        assertFalse(records.holds("shop", "u", 9));
    }

    public void testOnlyTheHolderWritesAndATakeOverNeedsTheHolderGone() throws Exception {
        ImportSessionRecords records = opened(1000);
        ElasticsearchStatusException notHolder = expectThrows(
                ElasticsearchStatusException.class,
                () -> apply(records, ImportSessionRecords.Update.beginPart(SESSION, "ephB", 1), 2000, alive("ephA")));
        assertEquals(RestStatus.CONFLICT, notHolder.status());
        ElasticsearchStatusException holderAlive = expectThrows(
                ElasticsearchStatusException.class,
                () -> apply(
                        records,
                        ImportSessionRecords.Update.takeOver(SESSION, "nodeB", "ephB"),
                        2000,
                        alive("ephA", "ephB")));
        assertEquals(RestStatus.CONFLICT, holderAlive.status());
        ImportSessionRecords writing =
                apply(records, ImportSessionRecords.Update.beginPart(SESSION, "ephA", 1), 2000, alive("ephA"));
        // node A dies (or restarts: a new ephemeral id): B takes over, A's part in flight is to be sent again
        ImportSessionRecords taken =
                apply(writing, ImportSessionRecords.Update.takeOver(SESSION, "nodeB", "ephB"), 3000, alive("ephB"));
        ImportSessionRecords.Record record = taken.get(SESSION);
        assertEquals("nodeB", record.node());
        assertEquals("ephB", record.ephemeralId());
        assertTrue(record.writing().isEmpty());
        assertEquals(3000, record.lastActivity());
        // a second takeover by the holder changes nothing; the old holder can no longer write nor remove
        assertEquals(
                taken,
                apply(taken, ImportSessionRecords.Update.takeOver(SESSION, "nodeB", "ephB"), 4000, alive("ephB")));
        expectThrows(
                ElasticsearchStatusException.class,
                () -> apply(
                        taken,
                        ImportSessionRecords.Update.endPart(
                                SESSION, "ephA", 1, new ImportSessionRecords.Written(1, 0, 0)),
                        4000,
                        alive("ephA", "ephB")));
        expectThrows(
                ElasticsearchStatusException.class,
                () -> apply(taken, ImportSessionRecords.Update.remove(SESSION, "ephA"), 4000, alive("ephB")));
        assertNull(apply(taken, ImportSessionRecords.Update.remove(SESSION, "ephB"), 4000, alive("ephB"))
                .get(SESSION));
    }

    public void testACompletingSessionTakesNoPart() throws Exception {
        ImportSessionRecords records =
                apply(opened(1000), ImportSessionRecords.Update.complete(SESSION, "ephA"), 2000, alive("ephA"));
        assertTrue(records.get(SESSION).completing());
        expectThrows(
                ElasticsearchStatusException.class,
                () -> apply(records, ImportSessionRecords.Update.beginPart(SESSION, "ephA", 3), 2000, alive("ephA")));
        // the holder's completion again (its master died before it answered, the update was sent to the next one):
        // no change, where it was a 409 that left the session completing for good, its version kept and never active
        assertEquals(
                records, apply(records, ImportSessionRecords.Update.complete(SESSION, "ephA"), 2500, alive("ephA")));
        expectThrows(
                ElasticsearchStatusException.class,
                () -> apply(records, ImportSessionRecords.Update.complete(SESSION, "ephB"), 2500, alive("ephA")));
        // its holder died mid-completion: the new holder finds out from the model whether it activated
        ImportSessionRecords taken =
                apply(records, ImportSessionRecords.Update.takeOver(SESSION, "nodeB", "ephB"), 3000, alive("ephB"));
        assertFalse(taken.get(SESSION).completing());
    }

    public void testAnOpeningAppliedTwiceIsOneOpening() throws Exception {
        ModelVersions.Pending pending = new ModelVersions.Pending("shop", 8, ".personalize-shop-u-8", "u", 7, null);
        ImportSessionRecords.Update open = ImportSessionRecords.Update.open(
                ImportSessionRecords.Record.opened(SESSION, pending, 1000, "nodeA", "ephA"));
        ImportSessionRecords records = apply(ImportSessionRecords.EMPTY, open, 1000, alive("ephA"));
        // sent again to the next master, the first one having died before it answered
        assertEquals(records, apply(records, open, 2000, alive("ephA")));
        ImportSessionRecords.Update other = ImportSessionRecords.Update.open(
                ImportSessionRecords.Record.opened(SESSION, pending, 1000, "nodeB", "ephB"));
        expectThrows(IllegalStateException.class, () -> apply(records, other, 2000, alive("ephA", "ephB")));
    }

    public void testIdleOnlyAfterTheTimeoutAndNotWhileALiveHolderWrites() throws Exception {
        ImportSessionRecords records = opened(1000);
        assertFalse(records.get(SESSION).idle(1000 + TIMEOUT, TIMEOUT, alive("ephA")));
        assertTrue(records.get(SESSION).idle(1001 + TIMEOUT, TIMEOUT, alive("ephA")));
        ImportSessionRecords writing =
                apply(records, ImportSessionRecords.Update.beginPart(SESSION, "ephA", 1), 1000, alive("ephA"));
        assertFalse(
                "a long part on a live holder", writing.get(SESSION).idle(1000 + 10 * TIMEOUT, TIMEOUT, alive("ephA")));
        assertTrue("its holder died", writing.get(SESSION).idle(1001 + TIMEOUT, TIMEOUT, alive("ephB")));
        // the master's abandonment checks again in its task: a session used meanwhile stays
        ImportSessionRecords used =
                apply(records, ImportSessionRecords.Update.beginPart(SESSION, "ephA", 1), 5000, alive("ephA"));
        assertSame(used, apply(used, ImportSessionRecords.Update.abandon(SESSION, TIMEOUT), 1001 + TIMEOUT, alive()));
        ImportSessionRecords abandoned =
                apply(records, ImportSessionRecords.Update.abandon(SESSION, TIMEOUT), 1001 + TIMEOUT, alive());
        // marked, not removed: its import stays alive for the orphan check while the master records the outcome
        assertTrue(abandoned.get(SESSION).abandoned());
        assertTrue(abandoned.holds("shop", "u", 8));
        assertTrue("a master taking over finishes it", abandoned.get(SESSION).idle(0, TIMEOUT, alive("ephA")));
        assertSame(abandoned, apply(abandoned, ImportSessionRecords.Update.abandon(SESSION, TIMEOUT), 0, alive()));
        // from then on it takes no request, on its holder or another node
        expectThrows(
                ResourceNotFoundException.class,
                () -> apply(abandoned, ImportSessionRecords.Update.beginPart(SESSION, "ephA", 2), 0, alive("ephA")));
        expectThrows(
                ResourceNotFoundException.class,
                () -> apply(abandoned, ImportSessionRecords.Update.takeOver(SESSION, "nodeB", "ephB"), 0, alive()));
        expectThrows(
                ResourceNotFoundException.class,
                () -> apply(abandoned, ImportSessionRecords.Update.complete(SESSION, "ephA"), 0, alive("ephA")));
        // the master removes it once the version is deleted and the status says why
        assertNull(apply(abandoned, ImportSessionRecords.Update.remove(SESSION, null), 0, alive())
                .get(SESSION));
        // abandoning a session that is gone (completed meanwhile) is refused: nothing of it may be deleted
        expectThrows(
                ResourceNotFoundException.class,
                () -> apply(
                        ImportSessionRecords.EMPTY,
                        ImportSessionRecords.Update.abandon(SESSION, TIMEOUT),
                        1001 + TIMEOUT,
                        alive()));
    }

    public void testAPartOfASessionThatIsGoneIsNotFound() {
        expectThrows(
                ResourceNotFoundException.class,
                () -> apply(
                        ImportSessionRecords.EMPTY,
                        ImportSessionRecords.Update.beginPart(SESSION, "ephA", 1),
                        1000,
                        alive("ephA")));
    }
}
