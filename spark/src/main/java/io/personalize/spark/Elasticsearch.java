package io.personalize.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Closeable;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.apache.http.Header;
import org.apache.http.HttpEntity;
import org.apache.http.HttpHost;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.entity.ContentType;
import org.apache.http.entity.StringEntity;
import org.apache.http.message.BasicHeader;
import org.apache.http.util.EntityUtils;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.RequestOptions;
import org.elasticsearch.client.Response;
import org.elasticsearch.client.ResponseException;
import org.elasticsearch.client.RestClient;

/**
 * Where the nodes are and who the job is: serializable, so that every Spark task opens its own client (Elasticsearch's
 * low-level REST client) to read its slice of the events or send its parts. {@code url} is one node's address or
 * several, comma-separated: the client sends each request to the next node in turn and, when a node does not answer
 * (connection refused or lost, a timeout) or answers 502, 503 or 504, sends the same request to the next one, and
 * leaves a failed node aside for a while (the REST client's own failover), so that a node that stays down costs a
 * request nothing as long as another answers. {@code readTimeoutMillis} bounds the wait for an answer (the socket
 * timeout: the longest silence while a request waits for its answer): a node that stalls with the connection open (a
 * paused process, a long pause of its JVM) is then treated as failed, and the request goes to the next node, as for a
 * node that refused it.
 */
public record Elasticsearch(String url, String user, String password, int readTimeoutMillis, Backoff rejections)
        implements Serializable {

    static final ObjectMapper JSON = new ObjectMapper();

    /** The job's read timeout unless {@code --read-timeout} says otherwise: 60 s. */
    static final int DEFAULT_READ_TIMEOUT_MILLIS = 60_000;

    /**
     * The wait for {@code _complete}'s answer, which flushes the whole version before it answers (minutes for a large
     * model on a busy node): 30 minutes, or the read timeout when that is longer.
     */
    static final int COMPLETE_TIMEOUT_MILLIS = 30 * 60_000;

    static final int CONNECT_TIMEOUT_MILLIS = 30_000;

    /** With the default read timeout. */
    public Elasticsearch(String url, String user, String password) {
        this(url, user, password, DEFAULT_READ_TIMEOUT_MILLIS);
    }

    /** With the default backoff for rejected requests. */
    public Elasticsearch(String url, String user, String password, int readTimeoutMillis) {
        this(url, user, password, readTimeoutMillis, Backoff.DEFAULT);
    }

    public Elasticsearch {
        if (readTimeoutMillis < 1) {
            throw new IllegalArgumentException("the read timeout must be positive, got [" + readTimeoutMillis + " ms]");
        }
    }

    /**
     * How a request the nodes rejected for load (429: a search thread pool's queue full, a circuit breaker tripped) is
     * sent again: after {@code firstWaitMillis}, then twice as long each time, at most {@code retries} times (as
     * Elasticsearch-Hadoop sends a rejected bulk again: {@code es.batch.write.retry.count} 3, {@code
     * es.batch.write.retry.wait} 10s, about 30 s in all).
     */
    public record Backoff(long firstWaitMillis, int retries) implements Serializable {
        /** Waits of 1, 2, 4, 8 and 16 s: 31 s in all. */
        static final Backoff DEFAULT = new Backoff(1_000, 5);

        /** The wait before retry {@code retry} (from 1). */
        long waitMillis(int retry) {
            return firstWaitMillis << (retry - 1);
        }

        /** All the waits of the retries. */
        long totalMillis() {
            return firstWaitMillis * ((1L << retries) - 1);
        }
    }

    /** The nodes of {@code url}: comma-separated addresses, each {@code scheme://host[:port]} (port 9200 by default). */
    static HttpHost[] hosts(String url) {
        String[] addresses = url.split(",");
        java.util.List<HttpHost> hosts = new java.util.ArrayList<>(addresses.length);
        for (String address : addresses) {
            if (address.isBlank()) {
                continue;
            }
            URI uri = URI.create(address.strip());
            if (uri.getHost() == null || uri.getScheme() == null) {
                throw new IllegalArgumentException(
                        "[--url] [" + address.strip() + "] is not a node's address (scheme://host[:port])");
            }
            hosts.add(new HttpHost(uri.getHost(), uri.getPort() < 0 ? 9200 : uri.getPort(), uri.getScheme()));
        }
        if (hosts.isEmpty()) {
            throw new IllegalArgumentException("[--url] names no node");
        }
        return hosts.toArray(HttpHost[]::new);
    }

    /** A client for one task or the driver: close it when done. */
    public Client open() {
        var builder = RestClient.builder(hosts(url))
                // a page of events or a part of 32 MB on a busy node may take longer than the client's 30 s default
                .setRequestConfigCallback(
                        config -> config.setSocketTimeout(readTimeoutMillis).setConnectTimeout(CONNECT_TIMEOUT_MILLIS));
        if (user != null) {
            String token = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
            builder.setDefaultHeaders(new Header[] {new BasicHeader("Authorization", "Basic " + token)});
        }
        return new Client(builder.build(), Math.max(readTimeoutMillis, COMPLETE_TIMEOUT_MILLIS));
    }

    /** A REST client that answers JSON, and names the request in its errors. */
    public static final class Client implements Closeable {
        private final RestClient rest;
        private final int longTimeoutMillis;

        Client(RestClient rest, int longTimeoutMillis) {
            this.rest = rest;
            this.longTimeoutMillis = longTimeoutMillis;
        }

        /**
         * A request whose answer may take long to come (an import's {@code _complete}): it waits for it up to {@link
         * #COMPLETE_TIMEOUT_MILLIS} (or the read timeout when longer) instead of the read timeout.
         */
        public JsonNode sendWaiting(String method, String path, String json) {
            return sendWaiting(
                    method, path, json == null ? null : new StringEntity(json, ContentType.APPLICATION_JSON));
        }

        /** The same with a body (a one-request {@code _import}, which activates the version before it answers). */
        public JsonNode sendWaiting(String method, String path, HttpEntity body) {
            RequestOptions.Builder options = RequestOptions.DEFAULT.toBuilder();
            options.setRequestConfig(RequestConfig.custom()
                    .setSocketTimeout(longTimeoutMillis)
                    .setConnectTimeout(CONNECT_TIMEOUT_MILLIS)
                    .build());
            return send(method, path, body, options);
        }

        public JsonNode get(String path) {
            return send("GET", path, (HttpEntity) null);
        }

        public JsonNode send(String method, String path, String json) {
            return send(method, path, json == null ? null : new StringEntity(json, ContentType.APPLICATION_JSON));
        }

        public JsonNode send(String method, String path, HttpEntity body) {
            return send(method, path, body, null);
        }

        private JsonNode send(String method, String path, HttpEntity body, RequestOptions.Builder options) {
            Request request = new Request(method, path);
            if (body != null) {
                request.setEntity(body);
            }
            if (options != null) {
                request.setOptions(options);
            }
            try {
                Response response = rest.performRequest(request);
                HttpEntity entity = response.getEntity();
                return entity == null ? JSON.nullNode() : JSON.readTree(EntityUtils.toString(entity));
            } catch (ResponseException e) {
                String answer;
                try {
                    answer = EntityUtils.toString(e.getResponse().getEntity());
                } catch (IOException | RuntimeException unreadable) {
                    answer = e.getMessage();
                }
                JsonNode error;
                try {
                    error = JSON.readTree(answer).path("error");
                } catch (IOException | RuntimeException notJson) {
                    error = JSON.missingNode();
                }
                throw new ElasticsearchException(
                        method + " " + path + " answered "
                                + e.getResponse().getStatusLine().getStatusCode() + ": " + answer,
                        e.getResponse().getStatusLine().getStatusCode(),
                        error);
            } catch (IOException e) {
                throw new UncheckedIOException(method + " " + path + " failed: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            try {
                rest.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** An error answer of the node, with its HTTP status. */
    public static final class ElasticsearchException extends RuntimeException {
        private final int status;
        private final transient JsonNode error;

        ElasticsearchException(String message, int status) {
            this(message, status, JSON.missingNode());
        }

        ElasticsearchException(String message, int status, JsonNode error) {
            super(message);
            this.status = status;
            this.error = error;
        }

        public int status() {
            return status;
        }

        /** A field of the answer's {@code error} object (Elasticsearch puts an exception's metadata there), or null. */
        public String errorField(String name) {
            JsonNode field = error.get(name);
            return field == null || field.isNull() ? null : field.asText();
        }
    }
}
