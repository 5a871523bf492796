package io.personalize.it.versions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import io.personalize.it.RealCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The plugin on one real node of the Elasticsearch release under test: the zip built for that release installed with
 * {@code bin/elasticsearch-plugin}, then every endpoint once, the rescorer in a search and the {@code item_vector}
 * ingest processor, on a small shop made here. The release is the system property {@code es.version} (bin/test passes
 * the one it built for; {@code ES_VERSION=9.5.4 bin/test --it -- -Dtest=VersionSmokeIT} runs it on 9.5.4). The deep
 * behaviour is the full suite's job on the default release; this proves that the build for each release installs,
 * loads and answers.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VersionSmokeIT {

    static final String PRODUCTS = "vs-products";
    static final String EVENTS = "vs-events";
    static final String PIPELINE = "vs-vectors";
    static final String MODEL = "vs-shop";
    /** Events before this time train the model; the later ones are what _evaluate checks it against. */
    static final String SPLIT = "2024-03-01T00:00:00Z";

    static final List<String> BAGS = List.of(
            "red bag",
            "blue bag",
            "green bag",
            "jumbo bag",
            "lunch bag",
            "tote bag",
            "paper bag",
            "gift bag",
            "beach bag",
            "school bag");
    static final List<String> CANDLES = List.of(
            "candle holder",
            "tea light candle",
            "scented candle",
            "candle lantern",
            "glass candle holder",
            "pillar candle",
            "floating candle",
            "candle set",
            "vanilla candle",
            "candle jar");

    private static EsClient es;

    @BeforeAll
    static void shop() {
        es = RealCluster.single().any();
        es.delete("/_recommend/models/" + MODEL);
        es.delete("/" + PRODUCTS);
        es.delete("/" + EVENTS);
        es.put("/_ingest/pipeline/" + PIPELINE, """
            {"processors": [{"item_vector": {"fields": {"title": 1.0}, "target_field": "content_vector", "dims": 64}}]}""").ok();
        es.put("/" + PRODUCTS, String.format(Locale.ROOT, """
            {"settings": {"default_pipeline": "%s", "number_of_shards": 1, "number_of_replicas": 0},
             "mappings": {"properties": {"sku": {"type": "keyword"}, "title": {"type": "text"},
               "content_vector": {"type": "dense_vector", "dims": 64, "similarity": "cosine"}}}}""", PIPELINE)).ok();
        StringBuilder bulk = new StringBuilder();
        for (String title : products()) {
            bulk.append(String.format(Locale.ROOT, "{\"index\": {\"_id\": \"%s\"}}%n", sku(title)));
            bulk.append(String.format(Locale.ROOT, "{\"sku\": \"%s\", \"title\": \"%s\"}%n", sku(title), title));
        }
        assertFalse(
                es.ndjson("/" + PRODUCTS + "/_bulk?refresh=true", bulk.toString())
                        .ok()
                        .path("errors")
                        .asBoolean(),
                "the catalogue loads");
        es.put("/" + EVENTS, """
            {"settings": {"number_of_shards": 1, "number_of_replicas": 0},
             "mappings": {"properties": {"user_id": {"type": "keyword"}, "sku": {"type": "keyword"},
               "type": {"type": "keyword"}, "@timestamp": {"type": "date"}}}}""").ok();
        // bag shoppers b0..b5 and candle shoppers c0..c5: each touches 4 of the 10 items of their kind (overlapping
        // runs, so that every item has neighbours of its kind), 3 in January and February (the part _evaluate trains
        // on) and the 4th in March (the part it holds out); each has unseen items of their kind left to be shown
        StringBuilder events = new StringBuilder();
        for (int u = 0; u < 6; u++) {
            addEvents(events, "b" + u, BAGS, u);
            addEvents(events, "c" + u, CANDLES, u);
        }
        assertFalse(
                es.ndjson("/" + EVENTS + "/_bulk?refresh=true", events.toString())
                        .ok()
                        .path("errors")
                        .asBoolean(),
                "the events load");
    }

    static List<String> products() {
        List<String> all = new ArrayList<>(BAGS);
        all.addAll(CANDLES);
        return all;
    }

    static String sku(String title) {
        return title.replace(' ', '-');
    }

    private static void addEvents(StringBuilder out, String user, List<String> kind, int shift) {
        for (int i = 0; i < 4; i++) {
            String title = kind.get((i + 2 * shift) % kind.size());
            String time = i == 3
                    ? "2024-03-15T10:00:00Z"
                    : String.format(Locale.ROOT, "2024-0%d-%02dT10:00:00Z", 1 + i % 2, 1 + i);
            out.append("{\"index\": {}}\n");
            out.append(String.format(
                    Locale.ROOT,
                    "{\"user_id\": \"%s\", \"sku\": \"%s\", \"type\": \"%s\", \"@timestamp\": \"%s\"}%n",
                    user,
                    sku(title),
                    i % 2 == 0 ? "purchase" : "view",
                    time));
        }
    }

    /** The release under test: -Des.version (bin/test passes it), else the default in the plugin's pom.xml. */
    static String expectedVersion() {
        String version = System.getProperty("es.version", "");
        if (version.isBlank() == false && version.startsWith("${") == false) {
            return version;
        }
        try {
            String pom = Files.readString(RealCluster.root().resolve("pom.xml"), StandardCharsets.UTF_8);
            Matcher m = Pattern.compile("<es.version>([^<]+)</es.version>").matcher(pom);
            assertTrue(m.find(), "es.version in pom.xml");
            return m.group(1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    @Order(1)
    void theNodeRunsTheReleaseWithThePluginBuiltForIt() {
        String version = expectedVersion();
        // (GET / is in a module the test distribution lacks: the node's version from the nodes info instead)
        JsonNode plugins = es.get("/_nodes/plugins").ok().path("nodes");
        assertEquals(1, plugins.size(), plugins.toString());
        JsonNode node = plugins.elements().next();
        assertEquals(version, node.path("version").asText(), "the node's release");
        JsonNode personalize = null;
        for (JsonNode plugin : node.path("plugins")) {
            if (plugin.path("name").asText().equals("personalize")) {
                personalize = plugin;
            }
        }
        assertTrue(personalize != null, "personalize is installed: " + plugins);
        assertEquals(version, personalize.path("elasticsearch_version").asText(), personalize.toString());
    }

    @Test
    @Order(2)
    void theProcessorWritesAUnitContentVector() {
        // 9.2 and later leave vectors out of _source unless asked; 9.1 has no such parameter (and keeps them)
        String[] release = expectedVersion().split("\\.");
        boolean asks =
                Integer.parseInt(release[0]) > 9 || (release[0].equals("9") && Integer.parseInt(release[1]) >= 2);
        JsonNode source = es.get("/" + PRODUCTS + "/_doc/red-bag" + (asks ? "?_source_exclude_vectors=false" : ""))
                .ok()
                .path("_source");
        JsonNode vector = source.path("content_vector");
        assertEquals(64, vector.size(), source.toString());
        double norm = 0;
        for (JsonNode x : vector) {
            norm += x.asDouble() * x.asDouble();
        }
        assertEquals(1.0, Math.sqrt(norm), 1e-3, "the vector is normalised: " + vector);
    }

    @Test
    @Order(3)
    void aModelIsCreatedListedAndTrained() {
        es.put("/_recommend/models/" + MODEL, String.format(Locale.ROOT, """
            {"catalog": {"index": "%s", "id_field": "sku", "vector_field": "content_vector"},
             "events": {"index": "%s", "user_field": "user_id", "item_field": "sku", "type_field": "type",
                        "time_field": "@timestamp", "weights": {"view": 1, "purchase": 5}}}""", PRODUCTS, EVENTS))
                .ok();
        JsonNode listed = es.get("/_recommend/models").ok();
        assertTrue(listed.toString().contains(MODEL), "GET _recommend/models lists it: " + listed);

        JsonNode version =
                es.post("/_recommend/models/" + MODEL + "/_train", null).ok().path("version");
        assertEquals("training", version.path("source").asText(), version.toString());
        assertEquals(12, version.path("users").asLong(), version.toString());
        assertEquals(products().size(), version.path("items").asLong(), version.toString());
        assertEquals(
                version.path("version").asLong(),
                es.get("/_recommend/models/" + MODEL)
                        .ok()
                        .path("status")
                        .path("active_version")
                        .asLong(),
                "the training's version is active");
    }

    @Test
    @Order(4)
    void recommendsUnseenItemsOfTheShoppersKind() {
        JsonNode response =
                es.post("/_recommend", String.format(Locale.ROOT, """
            {"model": "%s", "user_id": "b0", "size": 3}""", MODEL)).ok();
        JsonNode recommendations = response.path("recommendations");
        assertFalse(recommendations.isEmpty(), response.toString());
        for (JsonNode r : recommendations) {
            assertTrue(products().contains(r.path("item_id").asText().replace('-', ' ')), r.toString());
            assertTrue(r.path("reasons").size() >= 1, "each shelf item says why: " + r);
        }
        // the GET form
        assertEquals(
                200,
                es.get("/_recommend?model=" + MODEL + "&user_id=c0&size=3").status(),
                "GET _recommend answers too");
    }

    @Test
    @Order(5)
    void theRescorerReordersByShopper() {
        String query = """
            {"size": 20, "query": {"match": {"title": "bag candle"}},
             "rescore": {"window_size": 50, "personalize": {"model": "%s", "user_id": "%s"}}}""";
        List<String> forBags = ids(es.post("/" + PRODUCTS + "/_search", String.format(Locale.ROOT, query, MODEL, "b1"))
                .ok());
        List<String> forCandles =
                ids(es.post("/" + PRODUCTS + "/_search", String.format(Locale.ROOT, query, MODEL, "c1"))
                        .ok());
        assertEquals(new HashSet<>(forBags), new HashSet<>(forCandles), "the rescorer keeps every hit");
        assertTrue(forBags.get(0).contains("bag"), "a bag first for a bag shopper: " + forBags);
        assertTrue(forCandles.get(0).contains("candle"), "a candle first for a candle shopper: " + forCandles);
        List<String> firstPass = ids(es.post("/" + PRODUCTS + "/_search", """
            {"size": 20, "query": {"match": {"title": "bag candle"}}}""").ok());
        assertEquals(
                firstPass,
                ids(es.post("/" + PRODUCTS + "/_search", String.format(Locale.ROOT, query, MODEL, "a-stranger"))
                        .ok()),
                "a shopper the model does not know keeps the first-pass order");
    }

    /**
     * The personalize query on every release built with it (all but 8.19, whose Lucene lacks the scorer API it uses):
     * a two-word search (a disjunction, through its own bulk scorer) puts the shopper's kind first; a one-word one (a
     * term query, scored in batches where Lucene has them, from 9.2) keeps the matches and scores them by the formula,
     * not by BM25. 8.19 refuses the query by name.
     */
    @Test
    @Order(6)
    void theQueryRanksByShopper() {
        if (expectedVersion().startsWith("8.")) {
            EsClient.Response refused = personalizedSearch("bag", "b1");
            assertEquals(400, refused.status(), refused.body());
            assertTrue(refused.reason().contains("[personalize]"), "the error names the query: " + refused.body());
            return;
        }
        List<String> forBags = ids(personalizedSearch("bag candle", "b1").ok());
        List<String> forCandles = ids(personalizedSearch("bag candle", "c1").ok());
        assertEquals(products().size(), forBags.size(), "every bag and candle matches: " + forBags);
        assertEquals(new HashSet<>(forBags), new HashSet<>(forCandles), "the query keeps every match");
        assertTrue(forBags.get(0).contains("bag"), "a bag first for a bag shopper: " + forBags);
        assertTrue(forCandles.get(0).contains("candle"), "a candle first for a candle shopper: " + forCandles);

        Map<String, Double> bm25 =
                scores(es.post("/" + PRODUCTS + "/_search", """
            {"size": 20, "query": {"match": {"title": "candle"}}}""").ok());
        Map<String, Double> personalized =
                scores(personalizedSearch("candle", "c1").ok());
        assertEquals(bm25.keySet(), personalized.keySet(), "the one-word query keeps its matches");
        bm25.forEach((id, score) -> assertNotEquals(score, personalized.get(id), "scored by the formula: " + id));
    }

    /** The first 20 products matching {@code words}, ranked by the personalize query for {@code user}. */
    private static EsClient.Response personalizedSearch(String words, String user) {
        return es.post("/" + PRODUCTS + "/_search", String.format(Locale.ROOT, """
            {"size": 20, "query": {"personalize": {"query": {"match": {"title": "%s"}}, "model": "%s", "user_id": "%s"}}}""", words, MODEL, user));
    }

    private static Map<String, Double> scores(JsonNode response) {
        Map<String, Double> scores = new HashMap<>();
        response.path("hits")
                .path("hits")
                .forEach(hit ->
                        scores.put(hit.path("_id").asText(), hit.path("_score").asDouble()));
        return scores;
    }

    private static List<String> ids(JsonNode response) {
        List<String> ids = new ArrayList<>();
        response.path("hits")
                .path("hits")
                .forEach(hit -> ids.add(hit.path("_id").asText()));
        return ids;
    }

    @Test
    @Order(7)
    void evaluatesOnTheHeldOutMonth() {
        JsonNode evaluation = es.post(
                        "/_recommend/models/" + MODEL + "/_evaluate", "{\"split\": \"" + SPLIT + "\", \"k\": 3}")
                .ok()
                .path("evaluation");
        assertEquals(3, evaluation.path("k").asInt(), evaluation.toString());
        assertEquals(12, evaluation.path("test_users").asLong(), evaluation.toString());
        assertTrue(evaluation.path("model").has("ndcg"), evaluation.toString());
    }

    @Test
    @Order(8)
    void importsAVersionComputedElsewhere() {
        long before = es.get("/_recommend/models/" + MODEL)
                .ok()
                .path("status")
                .path("active_version")
                .asLong();
        String lines = """
            {"item": "red-bag", "neighbors": ["blue-bag"], "scores": [0.5], "popularity": 3}
            {"item": "blue-bag", "neighbors": ["red-bag"], "scores": [0.5], "popularity": 2}
            {"user": "b0", "history": ["red-bag"], "history_weights": [1.0], "items": ["blue-bag"], "scores": [0.9]}
            """;
        JsonNode version = es.ndjson("/_recommend/models/" + MODEL + "/_import", lines)
                .ok()
                .path("version");
        assertEquals(before + 1, version.path("version").asLong(), version.toString());
        assertEquals("import", version.path("source").asText(), version.toString());
    }

    @Test
    @Order(9)
    void statsCountTheRequests() {
        JsonNode nodes = es.get("/_recommend/_stats").ok().path("nodes");
        assertEquals(1, nodes.size(), nodes.toString());
        JsonNode node = nodes.elements().next();
        assertTrue(
                node.path("serving")
                                .path("requests")
                                .path("recommend")
                                .path("count")
                                .asLong()
                        >= 2,
                "the two _recommend calls are counted: " + node);
    }

    /**
     * The plugin's own part of the cluster state (every node has it): a custom of the default project from 9.1 on, a
     * cluster-wide metadata custom on 9.0 and 8.19; {@code GET _cluster/state} shows either under {@code metadata}.
     */
    private static JsonNode pluginMetadata() {
        return es.get("/_cluster/state/metadata?filter_path=metadata.personalize_*")
                .ok()
                .path("metadata");
    }

    @Test
    @Order(10)
    void theClusterStateKnowsTheActiveVersion() {
        long active = es.get("/_recommend/models/" + MODEL)
                .ok()
                .path("status")
                .path("active_version")
                .asLong();
        JsonNode entry = pluginMetadata()
                .path("personalize_active_versions")
                .path("models")
                .path(MODEL);
        assertEquals(active, entry.path("active").path("version").asLong(), "the active version: " + entry);
    }

    @Test
    @Order(11)
    void forgetsAShopperThenDeletesTheModel() {
        es.delete("/_recommend/models/" + MODEL + "/users/b0").ok();
        JsonNode forgotten = pluginMetadata().path("personalize_forgotten_users");
        assertTrue(
                forgotten.path("models").path(MODEL).path("b0").asLong() > 0,
                "the cluster state says when b0 was forgotten: " + forgotten);
        JsonNode after =
                es.post("/_recommend", String.format(Locale.ROOT, """
            {"model": "%s", "user_id": "b0", "size": 3}""", MODEL)).ok();
        Set<String> reasons = new HashSet<>();
        after.path("recommendations").forEach(r -> r.path("reasons")
                .forEach(x -> reasons.add(x.path("type").asText())));
        assertFalse(reasons.contains("because_you_viewed"), "nothing from the forgotten history: " + after);

        es.delete("/_recommend/models/" + MODEL).ok();
        assertEquals(404, es.get("/_recommend/models/" + MODEL).status(), "the model is gone");
        assertTrue(
                pluginMetadata()
                        .path("personalize_active_versions")
                        .path("models")
                        .path(MODEL)
                        .isMissingNode(),
                "the cluster state forgets the model too: " + pluginMetadata());
    }
}
