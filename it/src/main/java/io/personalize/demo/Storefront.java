package io.personalize.demo;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.personalize.it.EsClient;
import io.personalize.it.Shop;
import io.personalize.it.SuppressForbidden;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * The demo's shop page: a static page (index.html, app.js, style.css from the classpath, no external assets) and the
 * five calls it makes, which this server turns into Elasticsearch requests. The page never talks to Elasticsearch
 * itself: this server plays the shop's back end, as the README's "recommended deployment" asks (the browser sends no
 * query DSL and holds no credentials), so the cluster keeps CORS off and may have security on.
 *
 * <pre>
 * GET  /api/search?user=U&amp;q=TEXT  a match on title, re-ranked by the personalize rescorer for U, with explain
 * GET  /api/recommend?user=U         "recommended for you": _recommend with user_id
 * GET  /api/similar?item=SKU         "similar items": _recommend with item_ids
 * POST /api/view?user=U&amp;item=SKU   a view event into the events index (refresh=wait_for: the next request sees it)
 * GET  /api/model                    the model's status (its active version)
 * GET  /api/titles?ids=A,B           the titles of the items that reasons name
 * </pre>
 */
@SuppressForbidden(
        reason = "com.sun.net.httpserver is the JDK's supported HTTP server (module jdk.httpserver, exported);"
                + " forbidden-apis' non-portable list names every com.sun class")
public final class Storefront implements AutoCloseable {

    private static final Map<String, String> STATIC =
            Map.of("/", "index.html", "/index.html", "index.html", "/app.js", "app.js", "/style.css", "style.css");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8");

    private final EsClient es;
    private final String products;
    private final String events;
    private final String model;
    private final HttpServer server;

    /** Starts serving on 127.0.0.1:port (0 for any free port). */
    public Storefront(EsClient es, String products, String events, String model, int port) {
        this.es = es;
        this.products = products;
        this.events = events;
        this.model = model;
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on 127.0.0.1:" + port, e);
        }
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            Map<String, String> params = params(exchange.getRequestURI().getRawQuery());
            if (STATIC.containsKey(path)) {
                serveResource(exchange, STATIC.get(path));
                return;
            }
            EsClient.Response answer =
                    switch (exchange.getRequestMethod() + " " + path) {
                        case "GET /api/search" -> search(params.get("user"), params.getOrDefault("q", ""));
                        case "GET /api/recommend" -> recommend("user_id", params.get("user"));
                        case "GET /api/similar" -> recommend("item_ids", params.get("item"));
                        case "POST /api/view" -> view(params.get("user"), params.get("item"));
                        case "GET /api/model" -> es.get("/_recommend/models/" + model);
                        case "GET /api/titles" -> titles(params.getOrDefault("ids", ""));
                        default -> null;
                    };
            if (answer == null) {
                send(exchange, 404, "application/json", "{\"error\": \"no such page\"}");
            } else {
                // Elasticsearch's status and body as they are: the page shows an error's reason
                send(exchange, answer.status(), "application/json", answer.body());
            }
        } catch (RuntimeException e) {
            send(exchange, 502, "application/json", EsClient.toJson(Map.of("error", String.valueOf(e.getMessage()))));
        }
    }

    private EsClient.Response search(String user, String text) {
        ObjectNode body = EsClient.object().put("size", 8).put("explain", true);
        body.putArray("_source").add("title").add("price");
        body.putObject("query").putObject("match").put("title", text);
        ObjectNode personalize = body.putObject("rescore")
                .put("window_size", 200)
                .putObject("personalize")
                .put("model", model);
        if (user != null && user.isBlank() == false) {
            personalize.put("user_id", user);
        }
        return es.post("/" + products + "/_search", body);
    }

    private EsClient.Response recommend(String field, String value) {
        ObjectNode body = EsClient.object().put("model", model).put("size", 6);
        if ("item_ids".equals(field)) {
            body.putArray("item_ids").add(value == null ? "" : value);
        } else {
            body.put("user_id", value == null ? "" : value);
        }
        body.putArray("_source").add("title").add("price");
        return es.post("/_recommend", body);
    }

    /** The titles of the items reasons name (at most 100 ids). */
    private EsClient.Response titles(String ids) {
        ObjectNode body = EsClient.object();
        ArrayNode array = body.putArray("ids");
        Arrays.stream(ids.split(","))
                .filter(id -> id.isBlank() == false)
                .limit(100)
                .forEach(array::add);
        return es.post("/" + products + "/_mget?_source_includes=title", body);
    }

    private EsClient.Response view(String user, String item) {
        if (user == null || user.isBlank() || item == null || item.isBlank()) {
            return new EsClient.Response(400, "{\"error\": \"[user] and [item] are required\"}");
        }
        Map<String, Object> event = Map.of(
                "user_id",
                user,
                "sku",
                item,
                "type",
                "view",
                "@timestamp",
                Instant.now().toString());
        // wait_for: answered once a refresh made the event searchable, so the page's next search and shelf count it
        return es.post("/" + events + "/_doc?refresh=wait_for", event);
    }

    private static void serveResource(HttpExchange exchange, String name) throws IOException {
        try (InputStream in = Storefront.class.getResourceAsStream("/storefront/" + name)) {
            if (in == null) {
                send(exchange, 404, "text/plain", "missing resource " + name);
                return;
            }
            String type = TYPES.get(name.substring(name.lastIndexOf('.') + 1));
            send(exchange, 200, type, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static Map<String, String> params(String rawQuery) {
        Map<String, String> params = new HashMap<>();
        if (rawQuery == null) {
            return params;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            params.put(
                    URLDecoder.decode(key, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
        return params;
    }

    /** Serves the demo shop until the process is stopped: args are the cluster's URL and the page's port. */
    public static void main(String[] args) throws InterruptedException {
        EsClient es = new EsClient(
                args.length > 0 ? args[0] : "http://127.0.0.1:19200",
                System.getenv("PERSONALIZE_USER"),
                System.getenv("PERSONALIZE_PASSWORD"));
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 19280;
        serveForever(es, port);
    }

    static void serveForever(EsClient es, int port) throws InterruptedException {
        Storefront store = new Storefront(es, Shop.PRODUCTS, Shop.EVENTS, "shop", port);
        System.out.printf(
                Locale.ROOT,
                "%nThe shop page: open %s in a browser (two shoppers side by side; a click on a product records a view)."
                        + "%nCtrl-C stops the page; the node keeps running.%n",
                store.url());
        Thread.currentThread().join();
    }
}
