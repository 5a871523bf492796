package io.personalize.it.spark;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A TCP proxy between the Spark job and a real node that forwards every request and answer, except that it loses the
 * first {@code _complete} of an import session, one of two ways: {@link Loss#ANSWER} forwards the request, and when
 * the node answers (it has completed the session: the version is active) closes the job's connection without relaying
 * a byte of the answer, as a connection lost at that moment would; {@link Loss#REQUEST} closes the job's connection
 * instead of forwarding the request, so the node never sees it. Plain sockets, one thread per direction of each
 * connection; it reads the requests' HTTP/1.1 framing (request line, headers, a {@code Content-Length} body: what the
 * job's REST client sends) to know which request is which, and records every request line it forwarded.
 */
final class CompletionLosingProxy implements AutoCloseable {

    enum Loss {
        /** The node completes the session; its answer never reaches the job. */
        ANSWER,
        /** The request never reaches the node. */
        REQUEST
    }

    private final ServerSocket server;
    private final URI node;
    private final Loss loss;
    private final AtomicBoolean lost = new AtomicBoolean();
    private final List<String> forwarded = new ArrayList<>();
    private final List<String> lostRequests = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    CompletionLosingProxy(int port, String nodeUrl, Loss loss) throws IOException {
        this.node = URI.create(nodeUrl);
        this.loss = loss;
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        threads.execute(this::accept);
    }

    String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** The request lines forwarded to the node, in order ({@code PUT /_recommend/models/m/_import/s/3 HTTP/1.1}). */
    synchronized List<String> forwarded() {
        return List.copyOf(forwarded);
    }

    /** The request lines of the {@code _complete} lost (one at most): its answer, or the request itself. */
    synchronized List<String> lost() {
        return List.copyOf(lostRequests);
    }

    private void accept() {
        while (server.isClosed() == false) {
            try {
                Socket client = server.accept();
                threads.execute(() -> connection(client));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void connection(Socket client) {
        try (client;
                Socket upstream = new Socket(node.getHost(), node.getPort())) {
            AtomicBoolean loseTheAnswer = new AtomicBoolean();
            threads.execute(() -> answers(upstream, client, loseTheAnswer));
            requests(client, upstream, loseTheAnswer);
        } catch (IOException e) {
            // a connection closed by either side, or by the loss: both sockets are closed on the way out
        }
    }

    /** Job to node, one request at a time (the REST client does not pipeline: an answer comes before the next request). */
    private void requests(Socket client, Socket upstream, AtomicBoolean loseTheAnswer) throws IOException {
        InputStream in = new BufferedInputStream(client.getInputStream());
        OutputStream out = upstream.getOutputStream();
        for (byte[] head; (head = head(in)) != null; ) {
            String text = new String(head, StandardCharsets.ISO_8859_1);
            String requestLine = text.substring(0, text.indexOf("\r\n"));
            if (text.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")) {
                throw new IllegalStateException("a chunked request, which this proxy does not frame: " + requestLine);
            }
            boolean toLose = requestLine.contains("/_complete") && lost.compareAndSet(false, true);
            synchronized (this) {
                (toLose ? lostRequests : forwarded).add(requestLine);
                if (toLose && loss == Loss.ANSWER) {
                    forwarded.add(requestLine); // forwarded too: only its answer is lost
                }
            }
            if (toLose && loss == Loss.REQUEST) {
                return; // not a byte of it to the node; both connections closed
            }
            if (toLose) {
                loseTheAnswer.set(true);
            }
            out.write(head);
            long length = contentLength(text);
            byte[] buffer = new byte[8192];
            while (length > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, length));
                if (n < 0) {
                    return;
                }
                out.write(buffer, 0, n);
                length -= n;
            }
            out.flush();
        }
    }

    /** Node to job; once a lost {@code _complete}'s answer starts to arrive, closes both connections instead. */
    private void answers(Socket upstream, Socket client, AtomicBoolean loseTheAnswer) {
        try (upstream;
                client) {
            InputStream in = upstream.getInputStream();
            OutputStream out = client.getOutputStream();
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                if (loseTheAnswer.get()) {
                    return; // the node answered: it has done it; the job hears nothing
                }
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // closed
        }
    }

    /** A request's head, up to and including its blank line; null at the end of the stream. */
    private static byte[] head(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        for (int b; (b = in.read()) >= 0; ) {
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1
                    : (b == '\r' ? 1 : 0);
            if (matched == 4) {
                return head.toByteArray();
            }
            if (head.size() > 65_536) {
                throw new IllegalStateException("a request head of more than 64 KB");
            }
        }
        return null;
    }

    private static long contentLength(String head) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                return Long.parseLong(line.substring(colon + 1).trim());
            }
        }
        return 0;
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
    }
}
