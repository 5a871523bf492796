package io.personalize.it.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import io.personalize.it.ProductAttributes;
import io.personalize.it.RealCluster;
import io.personalize.it.Shop;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark job ({@code bin/spark-train}, local mode) against a real node: it reads the model's configuration and its
 * events index, trains, imports, and the node serves the imported version through {@code _recommend} with the same
 * shelves the node's own training gives; a bad events file is refused by column, and nothing is imported.
 */
class SparkTrainIT {

    static final String PRODUCTS = "sp-products";
    static final String EVENTS = "sp-events";
    static final String MODEL = "sp-shop";

    private static EsClient es;
    private static List<OnlineRetail.Purchase> purchases;
    private static List<String> shoppers;

    @TempDir
    Path dir;

    @BeforeAll
    static void loadShop() {
        es = RealCluster.single().any();
        OnlineRetail data = OnlineRetail.load();
        purchases = data.purchases().subList(0, 5_000);
        es.delete("/_recommend/models/" + MODEL);
        // _recommend serves only items the catalogue shows
        Shop.createProductsIndex(es, PRODUCTS, null, 1, 0);
        // attributes: users' attribute affinities are computed by the job from the catalogue, as by the node
        es.put("/" + PRODUCTS + "/_mapping", ProductAttributes.mapping()).ok();
        Shop.bulk(es, PRODUCTS, data.products(), OnlineRetail.Product::sku, ProductAttributes::document, 1000);
        es.refresh(PRODUCTS);
        Shop.createEventsIndex(es, EVENTS, 2, 0);
        Shop.loadEvents(es, EVENTS, purchases);
        Map<String, Long> bought = new HashMap<>();
        purchases.forEach(p -> bought.merge(p.user(), 1L, Long::sum));
        shoppers = bought.entrySet().stream()
                .filter(e -> e.getValue() >= 20)
                .map(Map.Entry::getKey)
                .sorted()
                .limit(5)
                .toList();
        assertEquals(5, shoppers.size(), "enough shoppers with a history in the sample");
        es.put("/_recommend/models/" + MODEL, String.format(Locale.ROOT, """
                {"catalog": {"index": "%s", "id_field": "sku", "attributes": ["price_band", "words"]},
                 "events": {"index": "%s", "user_field": "user_id", "item_field": "sku", "type_field": "type",
                            "time_field": "@timestamp", "weights": {"purchase": 5}},
                 "similarity": {"neighbors": 20}, "training": {"user_items": 20}}""", PRODUCTS, EVENTS))
                .ok();
    }

    @AfterAll
    static void cleanUp() {
        es.delete("/_recommend/models/" + MODEL);
        es.delete("/" + PRODUCTS);
        es.delete("/" + EVENTS);
    }

    @Test
    void trainsFromTheEventsIndexImportsAndServesTheNodesShelves() throws Exception {
        JsonNode trained =
                es.post("/_recommend/models/" + MODEL + "/_train", null).ok().path("version");
        Map<String, List<String>> nodeShelves = shelves();
        nodeShelves.forEach((user, shelf) -> assertEquals(10, shelf.size(), "the node's shelf of " + user));

        // parts of 64 KB: each of the 2 user partitions sends several of its own
        Run run = sparkTrain(
                "--url",
                es.baseUrl(),
                "--model",
                MODEL,
                "--master",
                "local[2]",
                "--slices",
                "2",
                "--partitions",
                "2",
                "--part-bytes",
                "65536");
        assertEquals(0, run.code, run.output);
        assertTrue(run.output.contains("reading [" + EVENTS + "] in 2 slices (point in time)"), run.output);
        assertTrue(
                run.output.contains("reading [" + PRODUCTS + "] (the catalogue) in 2 slices (point in time)"),
                run.output);
        java.util.regex.Matcher sent = java.util.regex.Pattern.compile(
                        "imported into \\[" + MODEL + "\\] in (\\d+) parts of at most 65,536 bytes \\(session [^)]+\\),"
                                + " (\\d+) sent by the driver and (\\d+) by the executors \\(2 partitions\\)")
                .matcher(run.output);
        assertTrue(sent.find(), run.output);
        assertTrue(Integer.parseInt(sent.group(3)) > 2, "several parts per partition: " + sent.group());

        JsonNode status = es.get("/_recommend/models/" + MODEL).ok().path("status");
        JsonNode active = status.path("versions").get(0);
        assertEquals(
                trained.path("version").asLong() + 1,
                status.path("active_version").asLong(),
                status.toString());
        assertEquals("import", active.path("source").asText());
        assertEquals(trained.path("users").asLong(), active.path("users").asLong(), "the same users");
        assertEquals(trained.path("items").asLong(), active.path("items").asLong(), "the same items");
        assertEquals("succeeded", status.path("import").path("state").asText());
        // the job says which events the model holds: serving adds in real time only what came after, as for a training
        assertEquals(
                trained.path("newest_event").asLong(),
                active.path("newest_event").asLong(),
                active.toString());

        Map<String, List<String>> sparkShelves = shelves();
        for (String user : shoppers) {
            assertEquals(nodeShelves.get(user), sparkShelves.get(user), "the shelf of " + user);
        }

        // every user's attribute affinities: the job's equal the node's (the versions' documents, side by side)
        Map<String, JsonNode> nodeUsers = userDocuments(trained.path("index").asText());
        Map<String, JsonNode> sparkUsers = userDocuments(active.path("index").asText());
        assertEquals(nodeUsers.keySet(), sparkUsers.keySet());
        int withAffinities = 0;
        for (Map.Entry<String, JsonNode> user : nodeUsers.entrySet()) {
            JsonNode expected = user.getValue().path("attributes");
            JsonNode got = sparkUsers.get(user.getKey()).path("attributes");
            assertEquals(expected, got, "the attribute affinities of " + user.getKey());
            assertEquals(
                    fieldNames(expected.path("words")),
                    fieldNames(got.path("words")),
                    "the order of " + user.getKey() + "'s words");
            withAffinities += expected.path("words").size() > 0 ? 1 : 0;
        }
        assertTrue(withAffinities > nodeUsers.size() / 2, "users with affinities: " + withAffinities);
    }

    /**
     * {@code ease} and {@code user_knn} trained by the job: the node's model (every user's stored list and every
     * item's neighbours equal, the same shelves through {@code _recommend}). EASE is dense on both sides here (the
     * sample's catalogue fits both heaps' budgets); the job's sparse EASE by item blocks imports and serves too.
     */
    @Test
    void easeAndUserKnnTrainedByTheJobServeTheNodesShelves() throws Exception {
        for (String algorithm : List.of("ease", "user_knn")) {
            String model = "sp-" + algorithm.replace('_', '-');
            es.delete("/_recommend/models/" + model);
            es.put("/_recommend/models/" + model, String.format(Locale.ROOT, """
                    {"catalog": {"index": "%s", "id_field": "sku"},
                     "events": {"index": "%s", "user_field": "user_id", "item_field": "sku", "type_field": "type",
                                "time_field": "@timestamp", "weights": {"purchase": 5}},
                     "similarity": {"algorithm": "%s", "neighbors": 20}, "training": {"user_items": 20}}""", PRODUCTS, EVENTS, algorithm))
                    .ok();
            try {
                JsonNode trained = es.post("/_recommend/models/" + model + "/_train", null)
                        .ok()
                        .path("version");
                Map<String, List<String>> nodeShelves = shelves(model);
                nodeShelves.forEach(
                        (user, shelf) -> assertEquals(10, shelf.size(), algorithm + ": the node's shelf of " + user));
                Run run = sparkTrain("--url", es.baseUrl(), "--model", model, "--master", "local[2]");
                assertEquals(0, run.code, run.output);
                assertTrue(
                        run.output.contains(algorithm.equals("ease") ? "ease_dense=" : "user_knn_matrix="), run.output);
                JsonNode active = es.get("/_recommend/models/" + model)
                        .ok()
                        .path("status")
                        .path("versions")
                        .get(0);
                assertEquals("import", active.path("source").asText(), active.toString());
                assertEquals(
                        trained.path("users").asLong(), active.path("users").asLong());
                assertEquals(
                        trained.path("items").asLong(), active.path("items").asLong());
                assertEquals(nodeShelves, shelves(model), algorithm + ": the shelves");
                Map<String, JsonNode> nodeDocs = documents(trained.path("index").asText());
                Map<String, JsonNode> sparkDocs = documents(active.path("index").asText());
                assertEquals(nodeDocs.keySet(), sparkDocs.keySet());
                for (Map.Entry<String, JsonNode> doc : nodeDocs.entrySet()) {
                    for (String field : List.of("items", "because", "neighbors")) {
                        assertEquals(
                                doc.getValue().path(field),
                                sparkDocs.get(doc.getKey()).path(field),
                                algorithm + ": " + field + " of " + doc.getKey());
                    }
                }
                if (algorithm.equals("ease")) {
                    Run sparse = sparkTrain(
                            "--url", es.baseUrl(), "--model", model, "--master", "local[2]", "--ease", "sparse");
                    assertEquals(0, sparse.code, sparse.output);
                    assertTrue(sparse.output.contains("ease_sparse="), sparse.output);
                    shelves(model)
                            .forEach((user, shelf) ->
                                    assertEquals(10, shelf.size(), "sparse ease: the shelf of " + user));
                }
            } finally {
                es.delete("/_recommend/models/" + model);
            }
        }
    }

    /** A version's documents by user ({@code u:} id) and by item ({@code i:} id). */
    private static Map<String, JsonNode> documents(String index) {
        Map<String, JsonNode> docs = new HashMap<>();
        JsonNode hits = es.post("/" + index + "/_search", "{\"size\": 10000, \"track_total_hits\": true}")
                .ok()
                .path("hits");
        assertTrue(hits.path("total").path("value").asLong() < 10_000, "one page holds the version");
        hits.path("hits").forEach(hit -> {
            JsonNode source = hit.path("_source");
            if (source.has("user")) {
                docs.put("u:" + source.path("user").asText(), source);
            } else if (source.has("item")) {
                docs.put("i:" + source.path("item").asText(), source);
            }
        });
        return docs;
    }

    private static List<String> fieldNames(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** A version's users' documents, by user. */
    private static Map<String, JsonNode> userDocuments(String index) {
        Map<String, JsonNode> users = new HashMap<>();
        JsonNode hits = es.post("/" + index + "/_search", "{\"size\": 10000, \"track_total_hits\": true}")
                .ok()
                .path("hits");
        assertTrue(hits.path("total").path("value").asLong() < 10_000, "one page holds the version");
        hits.path("hits").forEach(hit -> {
            if (hit.path("_source").has("user")) {
                users.put(hit.path("_source").path("user").asText(), hit.path("_source"));
            }
        });
        assertTrue(users.size() > 100, "users in " + index + ": " + users.size());
        return users;
    }

    @Test
    void aBadEventsFileIsRefusedByColumnAndNothingIsImported() throws Exception {
        long before = es.get("/_recommend/models/" + MODEL)
                .ok()
                .path("status")
                .path("last_version")
                .asLong();
        Path file = dir.resolve("events.csv");
        // the time column is named "when", not the model's "@timestamp"
        Files.writeString(file, "user_id,sku,type,when\n17850,85123A,purchase,2011-12-01T08:26:00Z\n");
        Run missing = sparkTrain("--url", es.baseUrl(), "--model", MODEL, "--events", file.toString());
        assertEquals(1, missing.code, missing.output);
        assertTrue(
                missing.output.contains("error: events [" + file + "]: no column [@timestamp] (the model's"
                        + " events.time_field); the columns are [user_id, sku, type, when]"),
                missing.output);

        Path typed = dir.resolve("events.json");
        Files.writeString(
                typed,
                "{\"user_id\": \"17850\", \"sku\": [\"85123A\"], \"type\": \"purchase\","
                        + " \"@timestamp\": \"2011-12-01T08:26:00Z\"}\n");
        Run wrongType = sparkTrain("--url", es.baseUrl(), "--model", MODEL, "--events", typed.toString());
        assertEquals(1, wrongType.code, wrongType.output);
        assertTrue(
                wrongType.output.contains("column [sku] is array<string>, it must be a string or an integer (an id)"),
                wrongType.output);

        JsonNode status = es.get("/_recommend/models/" + MODEL).ok().path("status");
        assertEquals(before, status.path("last_version").asLong(), "nothing imported: " + status);
    }

    @Test
    void aNegativeNewestEventIsRefused() {
        EsClient.Response response = es.ndjson(
                "/_recommend/models/" + MODEL + "/_import?newest_event=-1", "{\"popular\": [], \"scores\": []}\n");
        assertEquals(400, response.status(), response.body());
        assertTrue(
                response.body().contains("[newest_event] must be epoch milliseconds >= 0, got [-1]"), response.body());
    }

    private static Map<String, List<String>> shelves() {
        return shelves(MODEL);
    }

    private static Map<String, List<String>> shelves(String model) {
        Map<String, List<String>> shelves = new HashMap<>();
        for (String user : shoppers) {
            List<String> items = new ArrayList<>();
            es.post("/_recommend", "{\"model\": \"" + model + "\", \"user_id\": \"" + user + "\", \"size\": 10}")
                    .ok()
                    .path("recommendations")
                    .forEach(r -> items.add(r.path("item_id").asText()));
            shelves.put(user, items);
        }
        return shelves;
    }

    record Run(int code, String output) {}

    private static Run sparkTrain(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(RealCluster.root().resolve("bin/spark-train").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "bin/spark-train finished");
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
