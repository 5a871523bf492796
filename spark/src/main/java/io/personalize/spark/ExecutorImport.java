package io.personalize.spark;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.serving.AttributeAffinities;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;

/**
 * Imports the trained model through an import session whose parts the executors send themselves, so that no single
 * machine streams the whole model: the driver opens the session and sends the items' lines and the popular line
 * (parts 1 to I); each user partition cuts its own lines into parts of at most {@code partBytes} (at line ends) and
 * sends them, numbered after the parts of the partitions before it; the driver then completes the session with the
 * number of parts, or aborts it on any failure (nothing is left behind).
 *
 * <p>A part's number must not depend on which attempt of a task sends it, since {@code _complete} wants parts 1 to N
 * and a task that fails is run again: the users' lines are computed once and kept (serialized, spilling to disk), a
 * first pass counts each partition's parts, and the second sends them. A part whose request fails without an answer is
 * sent again by its task ({@link SessionImport#sendPart}); a task that fails anyway is run again by Spark and sends its
 * parts again, each replacing what the earlier attempt wrote.
 */
final class ExecutorImport {

    private ExecutorImport() {}

    /** What a partition sent: its parts, lines and bytes. */
    record Sent(long parts, long lines, long bytes) implements java.io.Serializable {
        Sent add(Sent other) {
            return new Sent(parts + other.parts, lines + other.lines, bytes + other.bytes);
        }
    }

    static JsonNode run(
            Elasticsearch es,
            SparkTrainer.Result model,
            AttributeAffinities affinities,
            long partBytes,
            Consumer<String> log) {
        return run(es, model, affinities, partBytes, SessionCompletion.Wait.DEFAULT, log);
    }

    /** The same, looking for the outcome of an unanswered completion as long as {@code wait} says. */
    static JsonNode run(
            Elasticsearch es,
            SparkTrainer.Result model,
            AttributeAffinities affinities,
            long partBytes,
            SessionCompletion.Wait wait,
            Consumer<String> log) {
        long t = System.nanoTime();
        String base = "/_recommend/models/" + SparkTrain.encode(model.settings().model()) + "/_import/";
        JavaRDD<String> userLines =
                ModelLinesWriter.userLines(model, affinities).persist(StorageLevel.MEMORY_AND_DISK_SER());
        try (Elasticsearch.Client client = es.open()) {
            // first pass: each partition's lines computed (and kept) and its parts counted
            List<Long> counts = userLines
                    .mapPartitions(lines -> {
                        long parts = 0;
                        for (Parts cut = new Parts(lines, partBytes); cut.hasNext(); cut.next()) {
                            parts++;
                        }
                        return List.of(parts).iterator();
                    })
                    .collect();
            long computed = System.nanoTime();
            JsonNode opened = SessionImport.open(client, base);
            String session = opened.path("session").asText();
            String sessionPath = base + session;
            boolean completed = false;
            try {
                List<String> driverLines = new ArrayList<>(model.itemNames().length + 1);
                for (int i = 0; i < model.itemNames().length; i++) {
                    driverLines.add(ModelLinesWriter.itemLine(model, i));
                }
                driverLines.add(ModelLinesWriter.popularLine(model));
                long driverParts = 0;
                long driverBytes = 0;
                for (Parts cut = new Parts(driverLines.iterator(), partBytes); cut.hasNext(); ) {
                    byte[] part = cut.next();
                    SessionImport.sendPart(client, sessionPath + "/" + (++driverParts), part, driverParts);
                    driverBytes += part.length;
                }
                long[] first = new long[counts.size()];
                long next = driverParts + 1;
                for (int p = 0; p < counts.size(); p++) {
                    first[p] = next;
                    next += counts.get(p);
                }
                long parts = next - 1;
                Broadcast<long[]> firsts =
                        JavaSparkContext.fromSparkContext(userLines.context()).broadcast(first);
                // second pass: each partition sends its parts, numbered after the partitions before it
                Sent sent = userLines
                        .mapPartitionsWithIndex(
                                (index, lines) -> List.of(
                                                send(es, sessionPath, lines, partBytes, firsts.value()[index]))
                                        .iterator(),
                                true)
                        .reduce(Sent::add);
                firsts.destroy();
                if (sent.parts() + driverParts != parts) {
                    throw new IllegalStateException("the executors sent " + sent.parts() + " parts, not the "
                            + (parts - driverParts) + " they counted");
                }
                JsonNode answer = SessionCompletion.complete(
                        client,
                        model.settings().model(),
                        session,
                        opened.path("pending_version").asLong(),
                        "parts=" + parts + "&newest_event=" + model.newestMillis(),
                        wait,
                        log);
                completed = true;
                double seconds = (System.nanoTime() - computed) / 1e9;
                long documents = answer.path("lines").asLong();
                log.accept(String.format(
                        Locale.ROOT,
                        "imported into [%s] in %d parts of at most %,d bytes (session %s), %d sent by the driver and %d"
                                + " by the executors (%d partitions): %,d documents, %,d bytes in %.1f s, %.1f s per"
                                + " million documents (the users' lines computed before in %.1f s)",
                        model.settings().model(),
                        parts,
                        partBytes,
                        session,
                        driverParts,
                        sent.parts(),
                        counts.size(),
                        documents,
                        driverBytes + sent.bytes(),
                        seconds,
                        documents == 0 ? 0.0 : seconds * 1e6 / documents,
                        (computed - t) / 1e9));
                return answer;
            } finally {
                if (completed == false) {
                    SessionImport.abort(client, sessionPath);
                }
            }
        } finally {
            userLines.unpersist();
        }
    }

    /** A partition's parts, sent in order from {@code first}: what it sent. */
    static Sent send(Elasticsearch es, String sessionPath, Iterator<String> lines, long partBytes, long first) {
        long number = first;
        long bytes = 0;
        try (Elasticsearch.Client client = es.open()) {
            Parts cut = new Parts(lines, partBytes);
            while (cut.hasNext()) {
                byte[] part = cut.next();
                SessionImport.sendPart(client, sessionPath + "/" + number, part, number);
                number++;
                bytes += part.length;
            }
            return new Sent(number - first, cut.lineCount, bytes);
        }
    }

    /**
     * Lines cut into parts of at most {@code maxBytes} (UTF-8, each line ended by a newline), at line ends; a line
     * longer than that is a part of its own. The same lines always give the same parts.
     */
    static final class Parts implements Iterator<byte[]> {
        private final Iterator<String> lines;
        private final long maxBytes;
        private byte[] pending;
        long lineCount;

        Parts(Iterator<String> lines, long maxBytes) {
            this.lines = lines;
            this.maxBytes = maxBytes;
        }

        @Override
        public boolean hasNext() {
            return pending != null || lines.hasNext();
        }

        @Override
        public byte[] next() {
            if (hasNext() == false) {
                throw new java.util.NoSuchElementException();
            }
            ByteArrayOutputStream part = new ByteArrayOutputStream();
            while (pending != null || lines.hasNext()) {
                byte[] line = pending;
                if (line == null) {
                    line = (lines.next() + "\n").getBytes(StandardCharsets.UTF_8);
                    lineCount++;
                }
                if (part.size() > 0 && part.size() + line.length > maxBytes) {
                    pending = line;
                    break;
                }
                pending = null;
                part.writeBytes(line);
            }
            return part.toByteArray();
        }
    }
}
