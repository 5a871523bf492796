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

    private final List<HttpServer> servers = Collections.synchronizedList(new ArrayList<>());

    /** A node that answers every request. */
    HttpServer node(String name) throws IOException {
        return node(name, Integer.MAX_VALUE);
    }

    /** A node that answers {@code partsBeforeDying} parts, then stops listening and drops its connections. */
    HttpServer node(String name, int partsBeforeDying) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        AtomicInteger taken = new AtomicInteger();
        server.createContext("/_recommend/models/m/_import/", exchange -> {
            served.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet();
            boolean part = exchange.getRequestMethod().equals("PUT");
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

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String method = exchange.getRequestMethod();
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String answer = "{}";
        int status = 200;
        if (method.equals("POST") && path.endsWith("/_session")) {
            answer = "{\"session\": \"n1:7\", \"state\": \"open\"}";
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
