package io.personalize.it.robustness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import io.personalize.it.RealCluster;
import io.personalize.it.Shop;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * A corpus of malformed requests across every endpoint, the rescorer and the processor, against a real node: wrong
 * types, huge arrays, NaN and Infinity, deep nesting, broken unicode, missing and unknown fields, unknown ids, giant
 * sizes. Every one must be answered with a 4xx and a reason, never a 5xx; afterwards the node is healthy and nothing
 * was lost.
 */
class BadInputIT {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static EsClient es;
    private static long products;
    private static long events;
    private static long activeVersion;

    /** One malformed request. */
    record Case(String name, String method, String path, String body, String contentType) {}

    @BeforeAll
    static void shop() {
        es = RealCluster.single().any();
        OnlineRetail data = OnlineRetail.load();
        Shop.putVectorPipeline(es);
        Shop.createProductsIndex(es, "bad-products", Shop.VECTOR_PIPELINE, 1, 0);
        Shop.loadProducts(es, "bad-products", data.products());
        Shop.createEventsIndex(es, "bad-events", 1, 0);
        Shop.loadEvents(es, "bad-events", data.purchases().subList(0, 20_000));
        es.delete("/_recommend/models/bad-model");
        es.put("/_recommend/models/bad-model", Shop.modelConfig("bad-products", "bad-events"))
                .ok();
        activeVersion = es.post("/_recommend/models/bad-model/_train", null)
                .ok()
                .path("version")
                .path("version")
                .asLong();
        es.put(
                        "/_ingest/pipeline/bad-iv",
                        "{\"processors\": [{\"item_vector\": {\"fields\": {\"title\": 1}, \"dims\": 16}}]}")
                .ok();
        products = count("bad-products");
        events = count("bad-events");
    }

    @TestFactory
    Stream<DynamicTest> everyMalformedRequestGetsA4xxWithAReason() {
        List<Case> corpus = corpus();
        assertTrue(corpus.size() >= 200, "the corpus has " + corpus.size() + " requests");
        return corpus.stream()
                .map(c -> DynamicTest.dynamicTest(c.name(), () -> {
                    EsClient.Response response = es.send(c.method(), c.path(), c.body(), c.contentType());
                    assertTrue(
                            response.status() >= 400 && response.status() < 500,
                            c.name() + " -> " + response.status() + " " + response.body());
                    assertFalse(reason(response).isBlank(), c.name() + " has no reason: " + response.body());
                }));
    }

    /** A malformed request whose answer must name what is wrong: the field, the parameter or the line. */
    record Named(Case request, int status, String reasonPart) {}

    @TestFactory
    Stream<DynamicTest> trailingContentConflictsContentTypesAndBadImportsAreNamed() {
        return named().stream()
                .map(n -> DynamicTest.dynamicTest(n.request().name(), () -> {
                    Case c = n.request();
                    EsClient.Response response = es.send(c.method(), c.path(), c.body(), c.contentType());
                    assertEquals(n.status(), response.status(), c.name() + " -> " + response.body());
                    String reason = reason(response);
                    assertTrue(
                            reason.contains(n.reasonPart()),
                            c.name() + ": the reason [" + reason + "] does not name [" + n.reasonPart() + "]");
                }));
    }

    @AfterAll
    static void nodeIsHealthyAndNothingWasLost() {
        JsonNode health = es.get("/_cluster/health").ok();
        assertFalse(health.path("status").asText().equals("red"), health.toString());
        assertEquals(products, count("bad-products"));
        assertEquals(events, count("bad-events"));
        assertEquals(
                activeVersion,
                es.get("/_recommend/models/bad-model")
                        .ok()
                        .path("status")
                        .path("active_version")
                        .asLong());
        assertEquals(
                5,
                es.post("/_recommend", "{\"model\": \"bad-model\", \"user_id\": \"17850\", \"size\": 5}")
                        .ok()
                        .path("recommendations")
                        .size());
    }

    private static long count(String index) {
        es.refresh(index);
        return es.get("/" + index + "/_count").ok().path("count").asLong();
    }

    private static String reason(EsClient.Response response) {
        try {
            return response.reason();
        } catch (IllegalStateException notJson) {
            return response.body();
        }
    }

    // ---- requests whose answer must name the problem ----

    static List<Named> named() {
        List<Named> cases = new ArrayList<>();
        // trailing content after the body's object: a 400, as _search answers
        String evaluateBody = "{\"split\": \"2011-03-01\"}";
        Map<String, Case> valid = Map.of(
                "model",
                        new Case(
                                "PUT model",
                                "PUT",
                                "/_recommend/models/bad-trailing",
                                modelConfig().toString(),
                                "application/json"),
                "evaluate",
                        new Case(
                                "evaluate",
                                "POST",
                                "/_recommend/models/bad-model/_evaluate",
                                evaluateBody,
                                "application/json"),
                "recommend",
                        new Case(
                                "recommend",
                                "POST",
                                "/_recommend",
                                recommendBody().toString(),
                                "application/json"));
        for (Case c : valid.values()) {
            cases.add(new Named(
                    new Case(
                            c.name() + " followed by garbage",
                            c.method(),
                            c.path(),
                            c.body() + "garbage",
                            c.contentType()),
                    400,
                    "garbage"));
            cases.add(new Named(
                    new Case(
                            c.name() + " followed by a second object",
                            c.method(),
                            c.path(),
                            c.body() + "{\"k\": 5}",
                            c.contentType()),
                    400,
                    "found after the main object"));
            cases.add(new Named(
                    new Case(
                            c.name() + " followed by an array",
                            c.method(),
                            c.path(),
                            c.body() + "\n[1]",
                            c.contentType()),
                    400,
                    "found after the main object"));
        }
        // a URL parameter that the body also gives
        for (String parameter : List.of(
                "user_id=12346",
                "model=bad-model",
                "size=3",
                "explain=true",
                "exclude_seen=false",
                "diversity=0.5",
                "item_ids=a")) {
            String field = parameter.substring(0, parameter.indexOf('='));
            ObjectNode body = (ObjectNode) with(
                    recommendBody(),
                    field,
                    field.equals("item_ids")
                            ? List.of("85123A")
                            : parse(
                                    field.equals("diversity")
                                            ? "0.2"
                                            : field.equals("explain") || field.equals("exclude_seen")
                                                    ? "true"
                                                    : field.equals("size") ? "5" : "\"17850\""));
            if (field.equals("model")) {
                body.put("model", "bad-model");
            }
            cases.add(new Named(
                    new Case(
                            "recommend ?" + parameter + " and [" + field + "] in the body",
                            "POST",
                            "/_recommend?" + parameter,
                            body.toString(),
                            "application/json"),
                    400,
                    "[" + field + "]"));
        }
        cases.add(new Named(
                new Case(
                        "recommend ?_source_includes and [_source] in the body",
                        "POST",
                        "/_recommend?_source_includes=title",
                        with(recommendBody(), "_source", List.of("title")).toString(),
                        "application/json"),
                400,
                "[_source_includes]"));
        // _import reads newline-delimited JSON only: a body declared otherwise is refused (406, as Elasticsearch does)
        String importPath = "/_recommend/models/bad-model/_import";
        String line = "{\"popular\": [\"85123A\"], \"scores\": [1]}\n";
        for (String type : List.of("application/cbor", "application/smile", "application/yaml", "text/plain")) {
            cases.add(new Named(
                    new Case("import declared as " + type, "POST", importPath, line, type),
                    406,
                    "Content-Type header [" + type));
        }
        // _import refuses what serving cannot serve, naming the line
        cases.add(new Named(
                importCase("import a user with 100,000 history items", userLine("u1", 100_000)),
                400,
                "line 1: user [u1] has 100000 [history] entries"));
        cases.add(new Named(
                importCase("import a user with 10,001 history items", line + userLine("u1", 10_001)),
                400,
                "line 2: user [u1] has 10001 [history]"));
        cases.add(new Named(
                importCase(
                        "import a user with 1,001 items",
                        "{\"user\": \"u1\", \"items\": " + ids(1001) + ", \"scores\": " + ones(1001) + "}\n"),
                400,
                "line 1: user [u1] has 1001 [items]"));
        cases.add(new Named(
                importCase(
                        "import an item with 1,001 neighbours",
                        "{\"item\": \"a\", \"neighbors\": " + ids(1001) + ", \"scores\": " + ones(1001) + "}\n"),
                400,
                "line 1: item [a] has 1001 [neighbors]"));
        cases.add(new Named(
                importCase(
                        "import 1,001 popular items",
                        "{\"popular\": " + ids(1001) + ", \"scores\": " + ones(1001) + "}\n"),
                400,
                "line 1: the [popular] line has 1001 [popular]"));
        cases.add(new Named(
                importCase("import a 511-byte item id", "{\"item\": \"" + "x".repeat(511) + "\"}\n"),
                400,
                "line 1: [item] must be a non-empty id of at most 510 bytes"));
        // ... and duplicates, naming both lines
        String item = "{\"item\": \"a\", \"neighbors\": [\"b\"], \"scores\": [0.5]}\n";
        String user = "{\"user\": \"u1\", \"history\": [\"a\"], \"history_weights\": [1]}\n";
        cases.add(new Named(
                importCase("import an item twice", item + user + line + item),
                400,
                "line 4: item [a] appears twice (first at line 1)"));
        cases.add(new Named(
                importCase("import a user twice", user + item + "\n" + line + user),
                400,
                "line 5: user [u1] appears twice (first at line 1)"));
        cases.add(new Named(
                importCase("import the popular line twice", line + item + user + line),
                400,
                "line 4: the [popular] line appears twice (first at line 1)"));
        return cases;
    }

    private static Case importCase(String name, String lines) {
        return new Case(name, "POST", "/_recommend/models/bad-model/_import", lines, "application/x-ndjson");
    }

    private static String userLine(String user, int history) {
        return "{\"user\": \"" + user + "\", \"history\": " + ids(history) + ", \"history_weights\": " + ones(history)
                + "}\n";
    }

    private static String ids(int n) {
        return EsClient.toJson(manyIds(n));
    }

    private static String ones(int n) {
        return "[" + String.join(",", java.util.Collections.nCopies(n, "1")) + "]";
    }

    // ---- the corpus ----

    static List<Case> corpus() {
        List<Case> cases = new ArrayList<>();
        modelConfigs(cases);
        recommendBodies(cases);
        recommendParameters(cases);
        modelEndpoints(cases);
        rescorer(cases);
        processor(cases);
        return cases;
    }

    private static final String HUGE_STRING = "x".repeat(100_000);

    /** Values of the wrong kind for a field that takes a string. */
    static List<Object> notAString() {
        return List.of(123, true, Map.of("a", 1), List.of("a", "b"), JSON.nullNode());
    }

    /** Values that are not a usable count. */
    static List<Object> notACount() {
        return List.of("ten", -1, 2147483648L, Map.of(), List.of(1), true, new Raw("1e309"), new Raw("NaN"));
    }

    /** A JSON fragment written as is, for what Jackson would not write (NaN, 1e309). */
    record Raw(String json) {}

    static ObjectNode modelConfig() {
        return (ObjectNode)
                parse(
                        Shop.modelConfig("bad-products", "bad-events")
                                .replace(
                                        "\"weights\": {\"view\": 1, \"cart\": 3, \"purchase\": 5}",
                                        "\"weights\": {\"purchase\": 5}, \"half_life\": \"21d\"")
                                .replace(
                                        "}}",
                                        "}, \"similarity\": {\"algorithm\": \"cosine\", \"neighbors\": 50}, \"training\": {\"max_history\": 500, \"user_items\": 100}}"));
    }

    private static void modelConfigs(List<Case> cases) {
        String path = "/_recommend/models/bad-new-model";
        for (String field : List.of(
                "catalog.index",
                "catalog.id_field",
                "catalog.vector_field",
                "events.index",
                "events.user_field",
                "events.item_field",
                "events.type_field",
                "events.time_field",
                "similarity.algorithm")) {
            for (Object bad : notAString()) {
                cases.add(put(path, "model " + field + " = " + bad, with(modelConfig(), field, bad)));
            }
        }
        for (String field : List.of("similarity.neighbors", "training.max_history", "training.user_items")) {
            for (Object bad : notACount()) {
                cases.add(put(path, "model " + field + " = " + bad, with(modelConfig(), field, bad)));
            }
            cases.add(put(path, "model " + field + " = 0", with(modelConfig(), field, 0)));
            cases.add(put(path, "model " + field + " = 1000000", with(modelConfig(), field, 1_000_000)));
        }
        for (Object bad : List.of(-5, 0, "heavy", List.of(1), new Raw("NaN"), new Raw("-Infinity"), new Raw("1e309"))) {
            cases.add(put(path, "model weight = " + bad, with(modelConfig(), "events.weights.purchase", bad)));
        }
        for (Object bad : List.of("soon", "-3d", 7, "0s", Map.of())) {
            cases.add(put(path, "model half_life = " + bad, with(modelConfig(), "events.half_life", bad)));
        }
        cases.add(put(path, "model attributes a string", with(modelConfig(), "catalog.attributes", "brand")));
        cases.add(put(path, "model attribute not mapped", with(modelConfig(), "catalog.attributes", List.of("brand"))));
        cases.add(put(path, "model user field of type text", with(modelConfig(), "events.user_field", "title")));
        cases.add(put(path, "model unknown events index", with(modelConfig(), "events.index", "no-such-index")));
        cases.add(put(path, "model unknown catalogue index", with(modelConfig(), "catalog.index", "no-such-index")));
        cases.add(put(path, "model vector field not a vector", with(modelConfig(), "catalog.vector_field", "title")));
        cases.add(put(path, "model unknown algorithm", with(modelConfig(), "similarity.algorithm", "magic")));
        cases.add(put(path, "model negative shrinkage", with(modelConfig(), "similarity.shrinkage", -1)));
        cases.add(put(path, "model unknown top-level field", with(modelConfig(), "colour", "red")));
        cases.add(put(path, "model unknown nested field", with(modelConfig(), "events.wieghts", Map.of("view", 1))));
        cases.add(put(path, "model without catalog", without(modelConfig(), "catalog")));
        cases.add(put(path, "model without events", without(modelConfig(), "events")));
        cases.add(put(path, "model without events index", without(modelConfig(), "events.index")));
        cases.add(put(path, "model empty weights", with(modelConfig(), "events.weights", Map.of())));
        cases.add(put(path, "model deep nesting in an unknown field", with(modelConfig(), "nested", deep(200))));
        cases.add(put(path, "model huge string index", with(modelConfig(), "catalog.index", HUGE_STRING)));
        cases.add(raw("PUT", path, "model empty body", ""));
        cases.add(raw("PUT", path, "model body is an array", "[]"));
        cases.add(raw("PUT", path, "model body is null", "null"));
        cases.add(raw("PUT", path, "model body is a string", "\"model\""));
        cases.add(raw("PUT", path, "model body is not JSON", "{{{"));
        cases.add(raw("PUT", path, "model body cut short", "{\"catalog\": {\"index\": \"bad-products\""));
        cases.add(new Case(
                "model body not UTF-8",
                "PUT",
                path,
                "{\"catalog\": {\"index\": \"\u00ff\u00fe\uDC00\"}}",
                "application/json"));
        for (String name : List.of("Bad", "_bad", "-bad", "bad.model", "b%20ad", "%F0%9F%98%80", "x".repeat(101))) {
            cases.add(new Case(
                    "model name " + name,
                    "PUT",
                    "/_recommend/models/" + name,
                    modelConfig().toString(),
                    "application/json"));
        }
    }

    static ObjectNode recommendBody() {
        return (ObjectNode) parse("{\"model\": \"bad-model\", \"user_id\": \"17850\", \"size\": 5}");
    }

    private static void recommendBodies(List<Case> cases) {
        for (Object bad : List.of(5, "", "Bad Name", List.of("bad-model"), Map.of())) {
            cases.add(post("/_recommend", "recommend model = " + bad, with(recommendBody(), "model", bad)));
        }
        cases.add(post("/_recommend", "recommend unknown model", with(recommendBody(), "model", "no-such-model")));
        cases.add(post("/_recommend", "recommend without model", without(recommendBody(), "model")));
        for (Object bad : List.of(5, "", Map.of(), List.of("17850"), HUGE_STRING)) {
            cases.add(post(
                    "/_recommend", "recommend user_id = " + abbreviate(bad), with(recommendBody(), "user_id", bad)));
        }
        cases.add(post("/_recommend", "recommend neither user nor items", without(recommendBody(), "user_id")));
        // a lone string or a number where an array of ids is expected is accepted, as everywhere in Elasticsearch
        for (Object bad :
                List.of(Map.of("id", "a"), List.of(Map.of()), List.of(""), List.of(List.of("a")), manyIds(10_000))) {
            cases.add(post(
                    "/_recommend", "recommend item_ids = " + abbreviate(bad), with(recommendBody(), "item_ids", bad)));
        }
        for (Object bad :
                List.of(0, -1, 101, 2147483648L, "ten", new Raw("NaN"), new Raw("1e309"), List.of(5), Map.of())) {
            cases.add(post("/_recommend", "recommend size = " + bad, with(recommendBody(), "size", bad)));
        }
        for (Object bad : List.of(
                "price < 20",
                List.of(),
                Map.of("bogus", Map.of()),
                Map.of("range", 5),
                Map.of("term", Map.of()),
                deepBool(300))) {
            cases.add(
                    post("/_recommend", "recommend filter = " + abbreviate(bad), with(recommendBody(), "filter", bad)));
        }
        for (Object bad : List.of("yes", 1, Map.of())) {
            cases.add(
                    post("/_recommend", "recommend exclude_seen = " + bad, with(recommendBody(), "exclude_seen", bad)));
            cases.add(post("/_recommend", "recommend explain = " + bad, with(recommendBody(), "explain", bad)));
        }
        for (Object bad : List.of(Map.of("id", "a"), List.of(Map.of()), manyIds(5000))) {
            cases.add(post(
                    "/_recommend", "recommend exclude = " + abbreviate(bad), with(recommendBody(), "exclude", bad)));
        }
        for (Object bad : List.of(-0.1, 1.5, "much", new Raw("NaN"), new Raw("Infinity"))) {
            cases.add(post("/_recommend", "recommend diversity = " + bad, with(recommendBody(), "diversity", bad)));
        }
        for (Object bad : List.of(-1, 1000, "some")) {
            cases.add(
                    post("/_recommend", "recommend recent_items = " + bad, with(recommendBody(), "recent_items", bad)));
        }
        cases.add(post("/_recommend", "recommend _source = 5", with(recommendBody(), "_source", 5)));
        cases.add(post("/_recommend", "recommend unknown field", with(recommendBody(), "colour", "red")));
        cases.add(post("/_recommend", "recommend deep nesting", with(recommendBody(), "nested", deep(500))));
        cases.add(raw("POST", "/_recommend", "recommend body not JSON", "model=bad-model"));
        cases.add(raw("POST", "/_recommend", "recommend body array", "[{\"model\": \"bad-model\"}]"));
        cases.add(
                raw("POST", "/_recommend", "recommend two objects", "{\"model\": \"bad-model\"} {\"user_id\": \"1\"}"));
        cases.add(new Case(
                "recommend body with a lone surrogate",
                "POST",
                "/_recommend",
                "{\"model\": \"bad-model\", \"user_id\": \"\\uD800\", \"size\": -3}",
                "application/json"));
    }

    private static void recommendParameters(List<Case> cases) {
        for (String query : List.of(
                "model=bad-model&user_id=17850&size=abc",
                "model=bad-model&user_id=17850&size=-5",
                "model=bad-model&user_id=17850&size=100000",
                "user_id=17850",
                "model=no-such-model&user_id=1",
                "model=bad-model&user_id=17850&diversity=lots",
                "model=bad-model&user_id=17850&diversity=2",
                "model=bad-model&user_id=17850&colour=red",
                "model=bad-model&user_id=17850&explain=perhaps",
                "model=bad-model&size=3",
                "model=BAD&user_id=1")) {
            cases.add(new Case("GET _recommend?" + query, "GET", "/_recommend?" + query, null, "application/json"));
        }
    }

    private static void modelEndpoints(List<Case> cases) {
        cases.add(new Case(
                "train unknown model", "POST", "/_recommend/models/no-such-model/_train", null, "application/json"));
        cases.add(new Case("train bad name", "POST", "/_recommend/models/Bad/_train", null, "application/json"));
        cases.add(new Case(
                "train unknown parameter",
                "POST",
                "/_recommend/models/bad-model/_train?colour=red",
                null,
                "application/json"));
        cases.add(new Case("get bad name", "GET", "/_recommend/models/Bad", null, "application/json"));
        cases.add(new Case("get unknown model", "GET", "/_recommend/models/no-such-model", null, "application/json"));
        cases.add(new Case(
                "delete unknown model", "DELETE", "/_recommend/models/no-such-model", null, "application/json"));
        cases.add(new Case(
                "forget a user of an unknown model",
                "DELETE",
                "/_recommend/models/no-such-model/users/17850",
                null,
                "application/json"));
        cases.add(new Case(
                "forget a user with a giant id",
                "DELETE",
                "/_recommend/models/bad-model/users/" + "u".repeat(600),
                null,
                "application/json"));
        cases.add(
                new Case("wrong method on models", "PATCH", "/_recommend/models/bad-model", "{}", "application/json"));
        String evaluate = "/_recommend/models/bad-model/_evaluate";
        for (String body : List.of(
                "{}",
                "{\"split\": \"not a date\"}",
                "{\"split\": \"2011-03-01\", \"k\": 0}",
                "{\"split\": \"2011-03-01\", \"k\": 1000}",
                "{\"split\": \"2011-03-01\", \"k\": \"ten\"}",
                "{\"split\": \"2011-03-01\", \"similarity\": {\"algorithm\": \"magic\"}}",
                "{\"split\": \"2011-03-01\", \"colour\": \"red\"}",
                "{\"split\": [1]}",
                "{\"split\": \"2011-03-01\", \"training\": {\"max_history\": -2}}",
                "{\"split\": \"1900-01-01\"}",
                "not json")) {
            cases.add(raw("POST", evaluate, "evaluate " + body, body));
        }
        cases.add(new Case(
                "evaluate unknown model",
                "POST",
                "/_recommend/models/no-such-model/_evaluate",
                "{\"split\": \"2011-03-01\"}",
                "application/json"));
        String importPath = "/_recommend/models/bad-model/_import";
        for (String line : List.of(
                "",
                "not json",
                "{\"item\": 5}",
                "{\"item\": \"a\", \"neighbors\": \"b\"}",
                "{\"item\": \"a\", \"neighbors\": [\"b\"], \"scores\": []}",
                "{\"item\": \"a\", \"neighbors\": [\"b\"], \"scores\": [NaN]}",
                "{\"item\": \"a\", \"user\": \"u\"}",
                "{\"item\": \"a\", \"colour\": 1}",
                "{\"user\": \"u\", \"items\": [\"a\"], \"scores\": [1], \"because\": []}",
                "{\"popular\": \"a\"}",
                "{\"user\": \"u\", \"attributes\": {\"brand\": 5}}",
                "[]",
                "{\"item\": \"a\"} trailing",
                "{\"item\": \"\"}",
                "{\"scores\": [1]}")) {
            cases.add(new Case(
                    "import line " + abbreviate(line),
                    "POST",
                    importPath,
                    line.isEmpty() ? null : line + "\n",
                    "application/x-ndjson"));
        }
        cases.add(new Case(
                "import into an unknown model",
                "POST",
                "/_recommend/models/no-such-model/_import",
                "{\"popular\": [\"a\"], \"scores\": [1]}\n",
                "application/x-ndjson"));
    }

    static ObjectNode searchBody() {
        return (ObjectNode) parse("""
            {"query": {"match": {"title": "heart"}},
             "rescore": {"window_size": 50, "personalize": {"model": "bad-model", "user_id": "17850"}}}""");
    }

    private static void rescorer(List<Case> cases) {
        String path = "/bad-products/_search";
        String p = "rescore.personalize.";
        cases.add(post(path, "rescore without model", without(searchBody(), p + "model")));
        for (Object bad : List.of(5, List.of("bad-model"), "no-such-model", "")) {
            cases.add(post(path, "rescore model = " + bad, with(searchBody(), p + "model", bad)));
        }
        for (Object bad : List.of(5, "", Map.of(), HUGE_STRING)) {
            cases.add(post(path, "rescore user_id = " + abbreviate(bad), with(searchBody(), p + "user_id", bad)));
        }
        for (Object bad : List.of(Map.of("id", "a"), List.of(Map.of()), List.of(""), manyIds(101))) {
            cases.add(post(
                    path, "rescore context_items = " + abbreviate(bad), with(searchBody(), p + "context_items", bad)));
        }
        for (Object bad : List.of(
                "heavy",
                Map.of("query", -1),
                Map.of("query", "x"),
                Map.of("speed", 1),
                Map.of("user_affinity", new Raw("1e309")),
                Map.of("item_similarity", new Raw("NaN")))) {
            cases.add(post(path, "rescore weights = " + bad, with(searchBody(), p + "weights", bad)));
        }
        for (Object bad : List.of(5, "zscore", List.of())) {
            cases.add(post(
                    path, "rescore query_normalization = " + bad, with(searchBody(), p + "query_normalization", bad)));
        }
        for (Object bad : List.of(-1, 1000, "some")) {
            cases.add(post(path, "rescore recent_items = " + bad, with(searchBody(), p + "recent_items", bad)));
        }
        cases.add(post(path, "rescore unknown field", with(searchBody(), p + "colour", "red")));
        cases.add(post(
                path,
                "rescore window smaller than size",
                with(with(searchBody(), "size", 60), "rescore.window_size", 50)));
        cases.add(post(
                path, "rescore window smaller than from + size", with(with(searchBody(), "from", 45), "size", 10)));
        cases.add(post(path, "rescore giant window", with(searchBody(), "rescore.window_size", 50_000)));
        cases.add(post(path, "rescore negative window", with(searchBody(), "rescore.window_size", -1)));
        cases.add(post(path, "rescore personalize is a string", with(searchBody(), "rescore.personalize", "shop")));
        cases.add(post(path, "rescore deep nesting", with(searchBody(), p + "nested", deep(300))));
    }

    private static void processor(List<Case> cases) {
        String path = "/_ingest/pipeline/bad-pipeline";
        for (String config : List.of(
                "{}",
                "{\"fields\": \"title\"}",
                "{\"fields\": 7}",
                "{\"fields\": {}}",
                "{\"fields\": []}",
                "{\"fields\": {\"title\": -1}}",
                "{\"fields\": {\"title\": 0}}",
                "{\"fields\": {\"title\": \"x\"}}",
                "{\"fields\": {\"title\": NaN}}",
                "{\"fields\": {\"title\": 1e309}}",
                "{\"fields\": [5]}",
                "{\"fields\": [\"\"]}",
                "{\"fields\": {\"title\": 1}, \"dims\": \"x\"}",
                "{\"fields\": {\"title\": 1}, \"dims\": -1}",
                "{\"fields\": {\"title\": 1}, \"dims\": 0}",
                "{\"fields\": {\"title\": 1}, \"dims\": 5000}",
                "{\"fields\": {\"title\": 1}, \"dims\": true}",
                "{\"fields\": {\"title\": 1}, \"analyzer\": 5}",
                "{\"fields\": {\"title\": 1}, \"analyzer\": \"klingon\"}",
                "{\"fields\": {\"title\": 1}, \"ignore_missing\": \"maybe\"}",
                "{\"fields\": {\"title\": 1}, \"max_tokens\": 0}",
                "{\"fields\": {\"title\": 1}, \"max_tokens\": \"x\"}",
                "{\"fields\": {\"title\": 1}, \"target_field\": \"title\"}",
                "{\"fields\": {\"title\": 1}, \"wieghts\": 2}",
                "{\"fields\": {\"title\": 1}, \"target_field\": 5}",
                // positive and finite, but vectors weighted so would overflow to NaN or underflow to all zeros
                "{\"fields\": {\"title\": 1e300}}",
                "{\"fields\": {\"title\": 1e-300}}",
                "{\"fields\": {\"title\": 1, \"brand\": 1e-7}}",
                "{\"fields\": {\"title\": 1000001}}")) {
            cases.add(raw("PUT", path, "processor " + config, "{\"processors\": [{\"item_vector\": " + config + "}]}"));
        }
        for (String doc : List.of(
                "{\"title\": 5}",
                "{\"title\": {\"en\": \"lamp\"}}",
                "{\"title\": true}",
                "{\"title\": [1, 2]}",
                "{\"price\": 3}",
                "{\"title\": \"\"}",
                "{\"title\": \"!!! --- ...\"}",
                "{\"title\": [\"ok\", {\"x\": 1}]}")) {
            cases.add(raw("PUT", "/bad-docs/_doc/1?pipeline=bad-iv", "processor document " + doc, doc));
        }
    }

    // ---- helpers ----

    private static Case put(String path, String name, JsonNode body) {
        return new Case(name, "PUT", path, body.toString(), "application/json");
    }

    private static Case post(String path, String name, JsonNode body) {
        return new Case(name, "POST", path, body.toString(), "application/json");
    }

    private static Case raw(String method, String path, String name, String body) {
        return new Case(name, method, path, body, "application/json");
    }

    static JsonNode parse(String json) {
        try {
            return EsClient.JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(json, e);
        }
    }

    /** The body with the field at a dotted path set to a value (objects are created as needed). */
    static JsonNode with(JsonNode body, String path, Object value) {
        ObjectNode copy = (ObjectNode) body.deepCopy();
        String[] parts = path.split("\\.");
        ObjectNode node = copy;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode child = node.get(parts[i]);
            if (child instanceof ObjectNode object) {
                node = object;
            } else {
                node = node.putObject(parts[i]);
            }
        }
        node.set(
                parts[parts.length - 1],
                value instanceof Raw ? new RawValue(((Raw) value).json()) : EsClient.JSON.valueToTree(value));
        return copy;
    }

    static JsonNode without(JsonNode body, String path) {
        ObjectNode copy = (ObjectNode) body.deepCopy();
        String[] parts = path.split("\\.");
        ObjectNode node = copy;
        for (int i = 0; i < parts.length - 1; i++) {
            node = (ObjectNode) node.get(parts[i]);
        }
        node.remove(parts[parts.length - 1]);
        return copy;
    }

    /** Objects nested {@code depth} deep. */
    static JsonNode deep(int depth) {
        ObjectNode root = JSON.objectNode();
        ObjectNode node = root;
        for (int i = 0; i < depth; i++) {
            node = node.putObject("a");
        }
        return root;
    }

    /** A bool query nested {@code depth} deep. */
    static JsonNode deepBool(int depth) {
        JsonNode query = parse("{\"match_all\": {}}");
        for (int i = 0; i < depth; i++) {
            ObjectNode bool = JSON.objectNode();
            ArrayNode filter = bool.putObject("bool").putArray("filter");
            filter.add(query);
            query = bool;
        }
        return query;
    }

    static List<String> manyIds(int n) {
        List<String> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add("id-" + i);
        }
        return ids;
    }

    private static String abbreviate(Object value) {
        String text = String.valueOf(value);
        return text.length() > 60 ? text.substring(0, 60) + "... (" + text.length() + " chars)" : text;
    }

    /** A JSON value Jackson writes verbatim (to send what it would refuse to produce, like NaN). */
    static final class RawValue extends com.fasterxml.jackson.databind.node.POJONode {
        RawValue(String json) {
            super(new com.fasterxml.jackson.databind.util.RawValue(json));
        }
    }
}
