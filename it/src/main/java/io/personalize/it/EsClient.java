package io.personalize.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/** A small JSON-over-HTTP client for one Elasticsearch node: what a shop's application would send. */
public final class EsClient {

    public static final ObjectMapper JSON = new ObjectMapper();

    private final String baseUrl;
    private final String authorization;
    private final HttpClient http;

    public EsClient(String baseUrl, String user, String password) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.authorization = user == null
                ? null
                : "Basic "
                        + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        this.http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    public String baseUrl() {
        return baseUrl;
    }

    /** The same node as another user. */
    public EsClient as(String user, String password) {
        return new EsClient(baseUrl, user, password);
    }

    /** An HTTP answer: its status and its body, parsed when it is JSON. */
    public record Response(int status, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException("not JSON (status " + status + "): " + body, e);
            }
        }

        /** The JSON body, or an exception with the status and body when the status is not 2xx. */
        public JsonNode ok() {
            if (status < 200 || status >= 300) {
                throw new IllegalStateException("HTTP " + status + ": " + body);
            }
            return json();
        }

        /** The error reason of a 4xx/5xx answer (error.reason). */
        public String reason() {
            JsonNode error = json().path("error");
            return error.isTextual() ? error.asText() : error.path("reason").asText();
        }
    }

    public Response get(String path) {
        return send("GET", path, null, "application/json");
    }

    public Response delete(String path) {
        return send("DELETE", path, null, "application/json");
    }

    public Response put(String path, Object body) {
        return send("PUT", path, body, "application/json");
    }

    public Response post(String path, Object body) {
        return send("POST", path, body, "application/json");
    }

    /** A _bulk (or other NDJSON) request. */
    public Response ndjson(String path, String body) {
        return send("POST", path, body, "application/x-ndjson");
    }

    /** Sends a body that is a JSON string as it is, or any other object serialised with Jackson. */
    public Response send(String method, String path, Object body, String contentType) {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create(baseUrl + (path.startsWith("/") ? path : "/" + path)))
                // a tuned _evaluate or _train (bin/bench models) tries many candidates on a loaded machine
                .timeout(Duration.ofMinutes(30));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", contentType);
            request.method(
                    method,
                    HttpRequest.BodyPublishers.ofString(
                            body instanceof String s ? s : toJson(body), StandardCharsets.UTF_8));
        }
        try {
            HttpResponse<String> response =
                    http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Response(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ObjectNode object() {
        return JSON.createObjectNode();
    }

    /**
     * The query phases the indices' shards have run so far ({@code _stats}' {@code query_total}): how a test tells a
     * read of the shards without a search from a search.
     */
    public long searchQueries(String indices) {
        return get("/" + indices + "/_stats/search")
                .ok()
                .path("_all")
                .path("total")
                .path("search")
                .path("query_total")
                .asLong();
    }

    /** Refreshes the given indices so that what was just written is searchable. */
    public void refresh(String indices) {
        post("/" + indices + "/_refresh", null).ok();
    }
}
