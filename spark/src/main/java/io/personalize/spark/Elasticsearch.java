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
import org.apache.http.entity.ContentType;
import org.apache.http.entity.StringEntity;
import org.apache.http.message.BasicHeader;
import org.apache.http.util.EntityUtils;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.Response;
import org.elasticsearch.client.ResponseException;
import org.elasticsearch.client.RestClient;

/**
 * Where the nodes are and who the job is: serializable, so that every Spark task opens its own client (Elasticsearch's
 * low-level REST client) to read its slice of the events or send its parts. {@code url} is one node's address or
 * several, comma-separated: the client sends each request to the next node in turn and, when a node does not answer
 * (connection refused or lost, a timeout) or answers 502, 503 or 504, sends the same request to the next one, and
 * leaves a failed node aside for a while (the REST client's own failover), so that a node that stays down costs a
 * request nothing as long as another answers.
 */
public record Elasticsearch(String url, String user, String password) implements Serializable {

    static final ObjectMapper JSON = new ObjectMapper();

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
                // an import of a big model, or a page of 10,000 events, outlasts the client's 30 s default
                .setRequestConfigCallback(config -> config.setSocketTimeout(0).setConnectTimeout(30_000));
        if (user != null) {
            String token = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
            builder.setDefaultHeaders(new Header[] {new BasicHeader("Authorization", "Basic " + token)});
        }
        return new Client(builder.build());
    }

    /** A REST client that answers JSON, and names the request in its errors. */
    public static final class Client implements Closeable {
        private final RestClient rest;

        Client(RestClient rest) {
            this.rest = rest;
        }

        public JsonNode get(String path) {
            return send("GET", path, (HttpEntity) null);
        }

        public JsonNode send(String method, String path, String json) {
            return send(method, path, json == null ? null : new StringEntity(json, ContentType.APPLICATION_JSON));
        }

        public JsonNode send(String method, String path, HttpEntity body) {
            Request request = new Request(method, path);
            if (body != null) {
                request.setEntity(body);
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
                throw new ElasticsearchException(
                        method + " " + path + " answered "
                                + e.getResponse().getStatusLine().getStatusCode() + ": " + answer,
                        e.getResponse().getStatusLine().getStatusCode());
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

        ElasticsearchException(String message, int status) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }
}
