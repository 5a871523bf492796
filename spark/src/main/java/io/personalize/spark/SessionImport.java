package io.personalize.spark;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.IntPredicate;
import java.util.function.Supplier;
import org.apache.http.entity.ByteArrayEntity;
import org.apache.http.entity.ContentType;

/**
 * Imports a model's lines in parts through an import session ({@code POST _recommend/models/{m}/_import/_session}, then
 * {@code PUT .../_import/{session}/{n}} per part, then {@code POST .../_complete}): a model of any size, each request
 * at most {@code partBytes}, cut at line ends. A part whose request fails without an answer (a connection lost, a node
 * busy: 429, 5xx, or 409 while its earlier attempt is still written) is sent again, which replaces it; a refused part
 * (a bad line: 400) fails the import, and any failure aborts the session, so nothing is left behind.
 */
final class SessionImport {

    /** Each part's most bytes, by default: the node holds one part in its heap while it writes it. */
    static final long PART_BYTES = 32L << 20;

    static final int ATTEMPTS = 4;

    private SessionImport() {}

    /** The byte ranges {@code [start, end)} of the file's parts: at most {@code maxBytes} each, cut after a newline. */
    static List<long[]> ranges(Path file, long maxBytes) throws IOException {
        List<long[]> ranges = new ArrayList<>();
        long partStart = 0;
        long lastLineEnd = 0;
        long position = 0;
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                for (int i = 0; i < n; i++) {
                    position++;
                    if (buffer[i] == '\n') {
                        if (position - partStart > maxBytes && lastLineEnd > partStart) {
                            ranges.add(new long[] {partStart, lastLineEnd});
                            partStart = lastLineEnd;
                        }
                        lastLineEnd = position;
                    }
                }
            }
        }
        if (position - partStart > maxBytes && lastLineEnd > partStart && lastLineEnd < position) {
            ranges.add(new long[] {partStart, lastLineEnd});
            partStart = lastLineEnd;
        }
        if (position > partStart) {
            ranges.add(new long[] {partStart, position});
        }
        return ranges;
    }

    /** Imports the file in parts; answers the completion's answer (the version, as {@code _import} answers it). */
    static JsonNode run(
            Elasticsearch.Client client,
            String model,
            Path file,
            long partBytes,
            long newestMillis,
            Consumer<String> log)
            throws IOException {
        long t = System.nanoTime();
        long size = Files.size(file); // read before: nothing after the completion may fail the import
        List<long[]> ranges = ranges(file, partBytes);
        String base = "/_recommend/models/" + SparkTrain.encode(model) + "/_import/";
        JsonNode opened = open(client, base);
        String session = opened.path("session").asText();
        String sessionPath = base + session;
        boolean completed = false;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            for (int p = 0; p < ranges.size(); p++) {
                long[] range = ranges.get(p);
                byte[] bytes = new byte[Math.toIntExact(range[1] - range[0])];
                ByteBuffer target = ByteBuffer.wrap(bytes);
                while (target.hasRemaining()) {
                    if (channel.read(target, range[0] + target.position()) < 0) {
                        throw new IOException("the file " + file + " ended before byte " + range[1]);
                    }
                }
                sendPart(client, sessionPath + "/" + (p + 1), bytes, p + 1);
            }
            JsonNode answer = SessionCompletion.complete(
                    client,
                    model,
                    session,
                    opened.path("pending_version").asLong(),
                    "parts=" + ranges.size() + "&newest_event=" + newestMillis,
                    SessionCompletion.Wait.DEFAULT,
                    log);
            completed = true;
            double seconds = (System.nanoTime() - t) / 1e9;
            long documents = answer.path("lines").asLong();
            log.accept(String.format(
                    Locale.ROOT,
                    "imported into [%s] in %d parts of at most %,d bytes (session %s): %,d documents, %,d bytes in"
                            + " %.1f s, %.1f s per million documents",
                    model,
                    ranges.size(),
                    partBytes,
                    session,
                    documents,
                    size,
                    seconds,
                    documents == 0 ? 0.0 : seconds * 1e6 / documents));
            return answer;
        } finally {
            if (completed == false) {
                abort(client, sessionPath);
            }
        }
    }

    /**
     * Opens the session under a fresh random {@code import_id}, sent again with the same id (on the next node, the
     * client's turn) when the opening gets no answer (a timeout, a connection lost) or a 429 or 5xx: a node that opened
     * it answers the same session, rather than 409 for an import already running (its own). At most {@link #ATTEMPTS}
     * times. When a node answers that the import this id names is over and did not succeed (its opening failed after
     * it reserved the version: a node died meanwhile), no answer ever gave this job its session, so no part of it was
     * sent: the job opens again under a new id, at most {@link #ATTEMPTS} ids.
     */
    static JsonNode open(Elasticsearch.Client client, String base) {
        for (int opening = 1; ; opening++) {
            String importId = UUID.randomUUID().toString();
            String path = base + "_session?import_id=" + importId;
            try {
                return sendAgain(
                        () -> client.send("POST", path, (String) null),
                        status -> status == 429 || status >= 500,
                        "opening the import session");
            } catch (Elasticsearch.ElasticsearchException e) {
                if (opening >= ATTEMPTS || endedUnanswered(e, importId) == false) {
                    throw e;
                }
            }
        }
    }

    /** Whether {@code e} says that the import {@code importId} names is over, failed or cancelled. */
    static boolean endedUnanswered(Elasticsearch.ElasticsearchException e, String importId) {
        return e.status() == 409
                && importId.equals(e.errorField("import_id"))
                && "succeeded".equals(e.errorField("import_state")) == false;
    }

    /**
     * {@code request}'s answer, sent again (1, 2, 4 s apart, at most {@link #ATTEMPTS} times) when it got no answer or
     * an error whose status {@code sendAgain} accepts.
     */
    private static <T> T sendAgain(Supplier<T> request, IntPredicate sendAgain, String what) {
        for (int attempt = 1; ; attempt++) {
            try {
                return request.get();
            } catch (Elasticsearch.ElasticsearchException e) {
                if (sendAgain.test(e.status()) == false || attempt >= ATTEMPTS) {
                    throw e;
                }
            } catch (UncheckedIOException e) {
                if (attempt >= ATTEMPTS) {
                    throw e;
                }
            }
            try {
                Thread.sleep(1000L << (attempt - 1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while " + what + " again", e);
            }
        }
    }

    static void sendPart(Elasticsearch.Client client, String path, byte[] bytes, long part) {
        // sending the part again replaces what its failed attempt wrote
        sendAgain(
                () -> client.send("PUT", path, new ByteArrayEntity(bytes, ContentType.create("application/x-ndjson"))),
                status -> status == 429 || status >= 500 || status == 409,
                "sending part [" + part + "]");
    }

    /** Aborts the session after a failure; the node deletes its version (if it has not already, for a bad line). */
    static void abort(Elasticsearch.Client client, String sessionPath) {
        try {
            client.send("DELETE", sessionPath, (String) null);
        } catch (RuntimeException e) {
            // already over (a bad line aborts it on the node) or the node is gone: the node cleans up either way
        }
    }
}
