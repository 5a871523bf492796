package io.personalize.model;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.core.TimeValue;
import org.elasticsearch.threadpool.ThreadPool;

/**
 * A takeover's read-back of an import session's version index ({@link ImportSessions}): which part and line wrote
 * each document, into a fresh {@link ImportParts}.
 *
 * <p>A part the record says is written was flushed on every in-sync copy before it was recorded, so a read that finds
 * fewer of its documents than its lines saw a copy that does not show them yet (right after the holder died a
 * replica is promoted and the others roll back to the global checkpoint and are resynced; the version index is never
 * refreshed on its own): read again (the reader refreshes first), {@link #ATTEMPTS} times in all, {@link #RETRY_DELAY}
 * apart, before what is missing counts as not written (the part is then failed: it must be sent again).
 *
 * <p>A shard copy lost while the version is read (a second node gone, or a copy relocated after the holder died) is the
 * reader's to get over as every other whole read does ({@link IndexScan}'s {@code restart}): it reads everything again
 * from a new point in time, at most {@value IndexScan#READS} points in time, after the read-back dropped what the lost
 * one handed on, so that a document is counted once and the parts are one point in time's.
 */
final class ImportReadBack {

    private static final Logger logger = LogManager.getLogger(ImportReadBack.class);

    /** Reads of the version in all when it shows fewer documents than the record's written parts hold. */
    static final int ATTEMPTS = 10;

    static final TimeValue RETRY_DELAY = TimeValue.timeValueMillis(500);

    /** Receives each document read: its id, and the part and line that wrote it (null when it has none). */
    interface Documents {
        void accept(String id, Integer part, Integer line);
    }

    /**
     * One whole read of the version index, refreshed first; {@code restart} drops what {@code documents} received so
     * far, and is run before the reader hands on a new point in time's documents from the first one.
     */
    interface Reader {
        void read(String index, Documents documents, Runnable restart, ActionListener<Void> listener);
    }

    /** What the last read found: the parts, and how many documents it read. */
    record Result(ImportParts parts, long documents) {}

    private final Reader reader;
    private final ThreadPool threadPool;
    private final Executor executor;

    ImportReadBack(Reader reader, ThreadPool threadPool, Executor executor) {
        this.reader = reader;
        this.threadPool = threadPool;
        this.executor = executor;
    }

    /**
     * Reads {@code index} back against the parts {@code written} (as the session's record says); {@code what} names the
     * session in the log.
     */
    void read(
            String index,
            Map<Integer, ImportSessionRecords.Written> written,
            String what,
            ActionListener<Result> listener) {
        read(index, written, what, 1, listener);
    }

    private void read(
            String index,
            Map<Integer, ImportSessionRecords.Written> written,
            String what,
            int attempt,
            ActionListener<Result> listener) {
        long[] documents = new long[1];
        ImportParts[] restoring = {new ImportParts()};
        reader.read(
                index,
                (id, part, line) -> {
                    documents[0]++;
                    if (part != null && line != null) {
                        restoring[0].restore(part, id, line);
                    }
                },
                () -> {
                    documents[0] = 0;
                    restoring[0] = new ImportParts();
                },
                listener.delegateFailureAndWrap((l, read) -> {
                    // per part: documents of an attempt the record does not hold must not make up for missing ones
                    List<Integer> lacking = restoring[0].lacking(written);
                    if (lacking.isEmpty() == false && attempt < ATTEMPTS) {
                        logger.info(
                                "{}: {} documents read back (attempt {}), written parts {} lack some: reading again",
                                what,
                                documents[0],
                                attempt,
                                lacking);
                        threadPool.schedule(
                                () -> ActionListener.run(l, again -> read(index, written, what, attempt + 1, again)),
                                RETRY_DELAY,
                                executor);
                        return;
                    }
                    restoring[0].restored(written);
                    l.onResponse(new Result(restoring[0], documents[0]));
                }));
    }
}
