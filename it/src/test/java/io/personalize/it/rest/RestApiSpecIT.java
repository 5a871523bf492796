package io.personalize.it.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import io.personalize.it.RealCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The published rest-api-spec/api/*.json against a real node: every path of every spec, with each of its methods,
 * reaches a handler of the plugin (Elasticsearch answers "no handler found" with 400 for an unknown path, and 405 for a
 * known path with another method), and every documented URL parameter is one the handler reads (Elasticsearch answers
 * "unrecognized parameter" for one it does not). The requests name a model that does not exist, so they change
 * nothing. (The plugin's RestApiSpecTests checks that every route the plugin registers has a spec.)
 */
class RestApiSpecIT {

    /** A path part's value in the requests: a model that does not exist, any user, the local node. */
    private static final Map<String, String> PART_VALUES = Map.of(
            "name",
            "spec-check-no-such-model",
            "user_id",
            "spec-check-user",
            "node_id",
            "_local",
            // an import session of a node that does not exist (404), and a part number
            "session",
            "spec-check-node:1",
            "part",
            "1");

    private static EsClient es;

    @BeforeAll
    static void node() {
        es = RealCluster.single().any();
    }

    record Endpoint(String api, String method, String path, JsonNode spec) {}

    static List<Endpoint> endpoints() {
        Path dir = RealCluster.root().resolve("rest-api-spec/api");
        List<Endpoint> endpoints = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file :
                    files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                JsonNode root = EsClient.JSON.readTree(file.toFile());
                Iterator<Map.Entry<String, JsonNode>> apis = root.fields();
                Map.Entry<String, JsonNode> api = apis.next();
                for (JsonNode path : api.getValue().path("url").path("paths")) {
                    String concrete = path.path("path").asText();
                    for (Map.Entry<String, String> part : PART_VALUES.entrySet()) {
                        concrete = concrete.replace("{" + part.getKey() + "}", part.getValue());
                    }
                    assertFalse(concrete.contains("{"), "a path part without a value in the test: " + concrete);
                    for (JsonNode method : path.path("methods")) {
                        endpoints.add(new Endpoint(api.getKey(), method.asText(), concrete, api.getValue()));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return endpoints;
    }

    static EsClient.Response call(Endpoint endpoint, String query) {
        String body = endpoint.spec().has("body") ? "{}" : null;
        String type =
                endpoint.spec().path("headers").path("content_type").path(0).asText("application/json");
        return es.send(endpoint.method(), endpoint.path() + query, body, type);
    }

    static boolean noHandler(EsClient.Response response) {
        return response.status() == 405 || response.body().contains("no handler found for uri");
    }

    @Test
    void theCheckSeesAPathWithoutAHandler() {
        // the negative control: what the node answers when nothing handles a path or a method
        assertTrue(noHandler(es.get("/_recommend/no_such_endpoint/x")));
        assertTrue(noHandler(es.send("PATCH", "/_recommend", "{}", "application/json")));
        assertTrue(es.get("/_recommend?model=m&spec_check_unknown=1").body().contains("unrecognized parameter"));
    }

    @Test
    void everySpecifiedPathAndMethodReachesAHandler() {
        List<Endpoint> endpoints = endpoints();
        assertTrue(endpoints.size() >= 12, "the specs' paths and methods: " + endpoints.size());
        for (Endpoint endpoint : endpoints) {
            EsClient.Response response = call(endpoint, "");
            assertFalse(
                    noHandler(response),
                    endpoint.api() + ": " + endpoint.method() + " " + endpoint.path() + " answered " + response.status()
                            + " " + response.body());
            assertNotEquals(500, response.status(), endpoint + ": " + response.body());
        }
    }

    @Test
    void everyDocumentedParameterIsRead() {
        int checked = 0;
        for (Endpoint endpoint : endpoints()) {
            Iterator<Map.Entry<String, JsonNode>> params =
                    endpoint.spec().path("params").fields();
            while (params.hasNext()) {
                Map.Entry<String, JsonNode> param = params.next();
                String value =
                        switch (param.getValue().path("type").asText()) {
                            case "boolean" -> "true";
                            case "int", "long" -> "5";
                            case "number" -> "0.5";
                            case "time" -> "1s";
                            default -> "title";
                        };
                String query = "?" + param.getKey() + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8);
                // a _recommend without a model is refused before its other parameters are looked at
                if (endpoint.path().equals("/_recommend") && param.getKey().equals("model") == false) {
                    query += "&model=spec-check-no-such-model";
                }
                EsClient.Response response =
                        es.send(endpoint.method(), endpoint.path() + query, null, "application/json");
                assertFalse(
                        response.body().contains("unrecognized parameter"),
                        endpoint.api() + " documents [" + param.getKey() + "]: " + response.body());
                assertFalse(noHandler(response), endpoint + ": " + response.body());
                checked++;
            }
        }
        assertEquals(26, checked, "the documented parameters, once per path and method");
    }
}
