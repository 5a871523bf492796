package io.personalize.spark;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The nodes of a cluster, faked for the job's import tests: small HTTP servers that answer the import session API
 * ({@code _session}, parts, {@code _complete}, abort) and share one session, as a cluster's nodes do (a session
 * outlives the node that opened it). They keep what each part holds (a part sent again replaces it), count each part's
 * arrivals and each node's requests, and record the completions and aborts; one part may be refused once
 * ({@link #refuseOnce}, a 400), and a node may stop listening after some parts (a node lost mid-import).
 */
final class FakeNodes implements AutoCloseable {

    final Map<Integer, String> parts = new ConcurrentHashMap<>();
    final Map<Integer, AtomicInteger> received = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> served = new ConcurrentHashMap<>();
    final List<String> completions = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger aborts = new AtomicInteger();
    /** A part refused once (400), then taken when sent again; -1: none. */
    volatile int refuseOnce = -1;

    /**
     * What the first {@code _complete} does: {@link Completion#ANSWERED} at once (the default), or its node dies before
     * it answers (the client then sends it to the next node) while the completion goes on and ends as the value says.
     */
    volatile Completion completion = Completion.ANSWERED;

    /** How long a completion whose node died goes on before it ends (activated, failed or open again). */
    volatile long completingMillis = 1_500;

    enum Completion {
        ANSWERED,
        DIES_THEN_ACTIVATED,
        DIES_THEN_FAILED,
        DIES_THEN_OPEN,
        DIES_STILL_COMPLETING
    }

    /** The one session's state: open, completing, then gone (its import ended: see {@link #importState}). */
    volatile String sessionState = "open";

    /** The model's {@code status.import.state} of the session's import; its reason when it failed. */
    volatile String importState = "running";

    volatile String importReason;

    /** The model's active version: 7, then the session's version 8 once activated. */
    volatile long activeVersion = 7;

    /** Requests per method and path (without the query), in order of arrival. */
    final List<String> requests = Collections.synchronizedList(new ArrayList<>());

    private final List<HttpServer> servers = Collections.synchronizedList(new ArrayList<>());

    /** A node that answers every request. */
    HttpServer node(String name) throws IOException {
        return node(name, Integer.MAX_VALUE);
    }

    /** A node that answers {@code partsBeforeDying} parts, then stops listening and drops its connections. */
    HttpServer node(String name, int partsBeforeDying) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        AtomicInteger taken = new AtomicInteger();
        server.createContext("/_recommend/models/m", exchange -> {
            served.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet();
            boolean part = exchange.getRequestMethod().equals("PUT");
            requests.add(
                    exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
            if (exchange.getRequestURI().getPath().endsWith("/_complete")
                    && completion != Completion.ANSWERED
                    && sessionState.equals("open")) {
                completeAndDie(server, exchange);
                return;
            }
            handle(exchange);
            if (part && taken.incrementAndGet() == partsBeforeDying) {
                new Thread(() -> server.stop(0)).start();
            }
        });
        server.start();
        servers.add(server);
        return server;
    }

    static String url(HttpServer server) {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /**
     * The completion begins (the session is completing), and the node dies before it answers: it stops listening and
     * drops its connections, this one included. The completion ends {@link #completingMillis} later as {@link
     * #completion} says.
     */
    private void completeAndDie(HttpServer server, HttpExchange exchange) throws IOException {
        Completion script = completion;
        completion = Completion.ANSWERED;
        exchange.getRequestBody().readAllBytes();
        completions.add(exchange.getRequestURI().getQuery());
        sessionState = "completing";
        Thread ending = new Thread(() -> {
            try {
                Thread.sleep(completingMillis);
            } catch (InterruptedException e) {
                return;
            }
            switch (script) {
                case DIES_THEN_ACTIVATED -> {
                    activeVersion = 8;
                    importState = "succeeded";
                    sessionState = "gone";
                }
                case DIES_THEN_FAILED -> {
                    importState = "failed";
                    importReason = "the version's index could not be flushed, as a test";
                    sessionState = "gone";
                }
                case DIES_THEN_OPEN -> sessionState = "open";
                default -> {} // still completing
            }
        });
        ending.setDaemon(true);
        ending.start();
        // stopped from another thread (stop waits for this handler's thread): it closes the connections, this
        // exchange's included, so the client gets no answer
        new Thread(() -> server.stop(0)).start();
    }

    private String sessionStatus() {
        long lines = parts.values().stream().mapToLong(p -> p.lines().count()).sum();
        return "{\"session\": \"n1:7\", \"model\": \"m\", \"state\": \"" + sessionState
                + "\", \"pending_version\": 8, \"lines\": " + lines + "}";
    }

    private String model() {
        return "{\"name\": \"m\", \"config\": {}, \"status\": {\"active_version\": " + activeVersion
                + ", \"versions\": [{\"version\": 7, \"users\": 1}"
                + (activeVersion == 8 ? ", {\"version\": 8, \"users\": 2}" : "")
                + "], \"import\": {\"state\": \"" + importState + "\", \"task_id\": \"n1:7\", \"version\": 8"
                + (importReason == null ? "" : ", \"reason\": \"" + importReason + "\"") + "}}}";
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String method = exchange.getRequestMethod();
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String answer = "{}";
        int status = 200;
        boolean over = sessionState.equals("gone");
        if (method.equals("GET") && path.equals("/_recommend/models/m")) {
            answer = model();
        } else if (over && path.startsWith("/_recommend/models/m/_import/n1:7")) {
            status = 404;
            answer = "{\"error\": \"import session [n1:7] of model [m] not found: it was completed, aborted or"
                    + " abandoned\", \"status\": 404}";
        } else if (method.equals("GET")) {
            answer = sessionStatus();
        } else if (sessionState.equals("completing") && path.startsWith("/_recommend/models/m/_import/n1:7")) {
            status = 409;
            answer = "{\"error\": \"import session [n1:7] is completing: it takes no more requests\","
                    + " \"status\": 409}";
        } else if (method.equals("POST") && path.endsWith("/_session")) {
            answer = "{\"session\": \"n1:7\", \"state\": \"open\", \"pending_version\": 8}";
        } else if (method.equals("PUT")) {
            int part = Integer.parseInt(path.substring(path.lastIndexOf('/') + 1));
            received.computeIfAbsent(part, p -> new AtomicInteger()).incrementAndGet();
            synchronized (this) {
                if (part == refuseOnce) {
                    refuseOnce = -1;
                    status = 400;
                    answer = "{\"error\": \"refused once, as a test\"}";
                } else {
                    parts.put(part, body); // sending a part again replaces it
                }
            }
        } else if (method.equals("POST") && path.endsWith("/_complete")) {
            completions.add(exchange.getRequestURI().getQuery());
            long lines =
                    parts.values().stream().mapToLong(p -> p.lines().count()).sum();
            activeVersion = 8;
            importState = "succeeded";
            sessionState = "gone";
            answer = "{\"acknowledged\": true, \"lines\": " + lines + "}";
        } else if (method.equals("DELETE")) {
            aborts.incrementAndGet();
        }
        answer(exchange, status, answer);
    }

    /** Answers the request with {@code status} and a JSON body. */
    static void answer(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    /** A port nothing listens on: bound, then closed (a node down from the start). */
    static int deadPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    /**
     * A stalled node: a socket that listens but is never accepted from, so that connections are made (the kernel
     * takes them, as it does for a paused process) and requests are sent, but no answer ever comes. Close it after.
     */
    static ServerSocket stalledNode() throws IOException {
        return new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    }

    @Override
    public void close() {
        servers.forEach(server -> server.stop(0));
    }
}
