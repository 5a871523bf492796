package io.personalize.it.model;

import static io.personalize.it.model.Models.assertError;
import static io.personalize.it.model.Models.path;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.personalize.it.EsClient;
import io.personalize.it.RealCluster;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every bad request of the models API, on small synthetic indices: its status, and a reason that names the problem.
 * A 5xx for any of them would be a bug in the plugin.
 */
class ModelErrorsIT {

    static final String PRODUCTS = "er-products";
    static final String EVENTS = "er-events";
    static final String MODEL = "er-model";
    // every event between 2024-01-01 and 2024-03-01
    static final long FIRST = Instant.parse("2024-01-01T00:00:00Z").toEpochMilli();
    static final long DAY = 86_400_000L;

    private static EsClient es;

    @BeforeAll
    static void createIndices() {
        es = RealCluster.single().any();
        es.delete(path(MODEL));
        es.delete("/" + PRODUCTS);
        es.delete("/" + EVENTS);
        es.put("/" + PRODUCTS, """
            {"settings": {"number_of_replicas": 0},
             "mappings": {"properties": {"sku": {"type": "keyword"}, "title": {"type": "text"}, "price": {"type": "float"},
                                         "category": {"type": "keyword"},
                                         "content_vector": {"type": "dense_vector", "dims": 8, "similarity": "cosine"}}}}""").ok();
        es.put("/" + EVENTS, """
            {"settings": {"number_of_replicas": 0},
             "mappings": {"properties": {"user_id": {"type": "keyword"}, "sku": {"type": "keyword"}, "type": {"type": "keyword"},
                                         "@timestamp": {"type": "date"}, "quantity": {"type": "integer"}, "note": {"type": "text"},
                                         "user_name": {"type": "text"}, "day": {"type": "keyword"}}}}""").ok();
        StringBuilder bulk = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            bulk.append("{\"index\": {\"_index\": \"" + PRODUCTS + "\", \"_id\": \"p" + i + "\"}}\n");
            bulk.append("{\"sku\": \"p" + i + "\", \"title\": \"product " + i + "\", \"category\": \"c" + (i % 3)
                    + "\"}\n");
        }
        // 6 users, 60 days: each buys a few products, views others
        for (int e = 0; e < 120; e++) {
            int user = e % 6;
            String type = e % 4 == 0 ? "purchase" : "view";
            bulk.append("{\"index\": {\"_index\": \"" + EVENTS + "\"}}\n");
            // before 2024-02-01 products p0-p4, from then on p3-p9: the users have new items after that split
            int product = e / 2 < 31 ? (e * 7 + user) % 5 : 3 + (e * 7 + user) % 7;
            bulk.append(EsClient.toJson(Map.of(
                            "user_id",
                            "u" + user,
                            "sku",
                            "p" + product,
                            "type",
                            type,
                            "@timestamp",
                            FIRST + (e / 2) * DAY,
                            "quantity",
                            1 + e % 3,
                            "note",
                            "n",
                            "user_name",
                            "U " + user)))
                    .append('\n');
        }
        assertEquals(
                false,
                es.ndjson("/_bulk?refresh=true", bulk.toString())
                        .ok()
                        .path("errors")
                        .asBoolean());
        assertEquals(201, es.put(path(MODEL), config("")).status());
    }

    @AfterAll
    static void cleanUp() {
        es.delete(path(MODEL));
        es.delete("/" + PRODUCTS);
        es.delete("/" + EVENTS);
    }

    /** A valid configuration of the synthetic shop, with {@code extra} JSON members appended to the top level. */
    static String config(String extra) {
        return config(PRODUCTS, EVENTS, "", "", extra);
    }

    static String config(String products, String events, String catalogExtra, String eventsExtra, String extra) {
        return String.format(Locale.ROOT, """
            {"catalog": {"index": "%s", "id_field": "sku"%s},
             "events": {"index": "%s", "user_field": "user_id", "item_field": "sku"%s}%s}""", products, catalogExtra, events, eventsExtra, extra);
    }

    private static void assertPutFails(String body, int status, String reason, String what) {
        assertError(es.put(path("er-bad"), body), status, reason, what);
        assertEquals(404, es.get(path("er-bad")).status(), what + ": nothing was created");
    }

    @Test
    void unknownIndices() {
        assertPutFails(
                config(PRODUCTS, "er-nope", "", "", ""),
                400,
                "[events.index] no such index [er-nope]",
                "unknown events index");
        assertPutFails(
                config("er-nope", EVENTS, "", "", ""),
                400,
                "[catalog.index] no such index [er-nope]",
                "unknown catalogue index");
        assertPutFails(
                config(PRODUCTS, "er-nothing*", "", "", ""),
                400,
                "[events.index] [er-nothing*] matches no index",
                "a pattern that matches nothing");
    }

    @Test
    void unknownFields() {
        assertPutFails(
                config(PRODUCTS, EVENTS, "", ", \"type_field\": \"kind\"", ""),
                400,
                "[events] field [kind] is not mapped in [er-events]",
                "unknown type field");
        assertPutFails(
                config(PRODUCTS, EVENTS, "", ", \"time_field\": \"when\"", ""),
                400,
                "[events] field [when] is not mapped",
                "unknown time field");
        assertPutFails(
                config(PRODUCTS, EVENTS, ", \"attributes\": [\"brand\"]", "", ""),
                400,
                "[catalog] field [brand] is not mapped in [er-products]",
                "unknown attribute");
        assertPutFails(
                config(PRODUCTS, EVENTS, ", \"vector_field\": \"vec\"", "", ""),
                400,
                "[catalog] field [vec] is not mapped",
                "unknown vector field");
        assertPutFails(
                config(PRODUCTS, EVENTS, ", \"id_field\": \"ref\"", "", "").replace("\"id_field\": \"sku\", ", ""),
                400,
                "[catalog] field [ref] is not mapped",
                "unknown id field");
    }

    @Test
    void fieldsOfTheWrongType() {
        assertPutFails(
                config(PRODUCTS, EVENTS, "", ", \"user_field\": \"user_name\"", "")
                        .replace("\"user_field\": \"user_id\", ", ""),
                400,
                "[events] field [user_name] is of type [text], expected one of",
                "a text user field");
        assertPutFails(
                config(PRODUCTS, EVENTS, "", ", \"time_field\": \"day\"", ""),
                400,
                "[events] field [day] is of type [keyword], expected one of [date, date_nanos]",
                "a keyword time field");
        assertPutFails(
                config(PRODUCTS, EVENTS, "", ", \"type_field\": \"quantity\"", ""),
                400,
                "[events] field [quantity] is of type [integer]",
                "a numeric type field");
        assertPutFails(
                config(PRODUCTS, EVENTS, "", ", \"value_field\": \"note\"", ""),
                400,
                "[events] field [note] is of type [text]",
                "a text value field");
        assertPutFails(
                config(PRODUCTS, EVENTS, ", \"attributes\": [\"title\"]", "", ""),
                400,
                "[catalog] field [title] is of type [text], expected one of [constant_keyword, keyword]",
                "a text attribute");
        assertPutFails(
                config(PRODUCTS, EVENTS, ", \"vector_field\": \"price\"", "", ""),
                400,
                "[catalog] field [price] is of type [float], expected one of [dense_vector]",
                "a float vector field");
        assertPutFails(
                config(PRODUCTS, EVENTS, "", ", \"item_field\": \"@timestamp\"", "")
                        .replace("\"item_field\": \"sku\", ", "")
                        .replace("\"item_field\": \"sku\"", "\"item_field\": \"@timestamp\""),
                400,
                "[events] field [@timestamp] is of type [date]",
                "the time field as the item field");
        // several problems at once: all of them
        String reason = assertError(
                es.put(
                        path("er-bad"),
                        config(PRODUCTS, EVENTS, "", ", \"time_field\": \"day\", \"type_field\": \"when\"", "")),
                400,
                "[events] field [day] is of type [keyword]",
                "two problems");
        assertTrue(reason.contains("[events] field [when] is not mapped"), reason);
    }

    @Test
    void badSettings() {
        assertPutFails(
                config(", \"similarity\": {\"algorithm\": \"svd\"}"),
                400,
                "[similarity.algorithm] unknown algorithm [svd], expected one of [cosine, rp3beta, ease, als, user_knn]",
                "unknown algorithm");
        assertPutFails(
                config(PRODUCTS, EVENTS, "", ", \"weights\": {\"view\": 1, \"purchase\": -5}", ""),
                400,
                "[events.weights] the weight of [purchase] must be a positive number, got [-5]",
                "negative weight");
        assertPutFails(
                config(PRODUCTS, EVENTS, "", ", \"weights\": {\"view\": 0}", ""),
                400,
                "the weight of [view] must be a positive number",
                "zero weight");
        assertPutFails(
                config(PRODUCTS, EVENTS, "", ", \"weights\": {\"view\": \"high\"}", ""),
                400,
                "the weight of [view] must be a positive number",
                "text weight");
        assertPutFails(
                config(PRODUCTS, EVENTS, "", ", \"weights\": {}", ""),
                400,
                "[events.weights] must give the weight of at least one event type",
                "no weights");
        assertPutFails(
                config(PRODUCTS, EVENTS, "", ", \"half_life\": \"soon\"", ""),
                400,
                "[events.half_life]",
                "a half-life that is not a time");
        assertPutFails(
                config(PRODUCTS, EVENTS, "", ", \"half_life\": \"0d\"", ""),
                400,
                "[events.half_life] must be positive",
                "a zero half-life");
        assertPutFails(
                config(", \"similarity\": {\"neighbors\": 0}"),
                400,
                "[similarity.neighbors] must be between 1 and 1000, got [0]",
                "zero neighbours");
        assertPutFails(
                config(", \"similarity\": {\"neighbors\": \"many\"}"),
                400,
                "[neighbors]",
                "neighbours that are not a number");
        assertPutFails(
                config(", \"similarity\": {\"shrinkage\": -1}"),
                400,
                "[similarity.shrinkage] must be a non-negative number",
                "negative shrinkage");
        assertPutFails(
                config(", \"training\": {\"max_history\": 0}"),
                400,
                "[training.max_history] must be between 1 and 10000",
                "zero history");
        assertPutFails(
                config(", \"training\": {\"user_items\": 5000}"),
                400,
                "[training.user_items] must be between 1 and 1000",
                "too many user items");
        assertPutFails(
                config(", \"training\": {\"popularity_weight\": -0.1}"),
                400,
                "[training.popularity_weight] must be a non-negative number",
                "negative popularity weight");
        assertPutFails(
                config(", \"training\": {\"value_exponent\": 1.5}"),
                400,
                "[training.value_exponent] must be between 0 and 1, got [1.5]",
                "a value exponent above 1");
        assertPutFails(config(", \"extra\": 1"), 400, "unknown field [extra]", "an unknown member");
        assertPutFails(
                config(PRODUCTS, EVENTS, "", ", \"user\": \"x\"", ""),
                400,
                "unknown field [user]",
                "an unknown events member");
        assertPutFails("{\"events\": {\"index\": \"" + EVENTS + "\"}}", 400, "Required [catalog]", "no catalogue");
        assertPutFails(
                "{\"catalog\": {}, \"events\": {\"index\": \"" + EVENTS + "\"}}", 400, "[index]", "no catalogue index");
        assertPutFails(
                config(PRODUCTS, EVENTS, "", "", "").replace("\"index\": \"" + PRODUCTS + "\"", "\"index\": \"\""),
                400,
                "[catalog.index] must not be empty",
                "an empty index name");
    }

    @Test
    void malformedBodies() {
        assertPutFails(config("").substring(0, 60), 400, "", "truncated JSON");
        assertPutFails("not json at all", 400, "Unrecognized token 'not'", "not JSON");
        assertPutFails("[1, 2]", 400, "Expected START_OBJECT but was: START_ARRAY", "an array");
        assertError(es.put(path("er-bad"), null), 400, "request body is required", "no body");
        assertError(es.post(path(MODEL) + "/_evaluate", "{\"split\": "), 400, "", "truncated evaluate body");
        assertError(
                es.post(path(MODEL) + "/_train", "{\"tunes\": true}"),
                400,
                "unknown field [tunes]",
                "a _train body with a field it does not take");
        assertError(es.post(path(MODEL) + "/_train", "{\"tune\": "), 400, "", "a truncated _train body");
        assertError(
                es.post(path(MODEL) + "/_train?wait=1", null),
                400,
                "unrecognized parameter: [wait]",
                "an unknown parameter");
        assertError(
                es.post(path(MODEL) + "/_train?wait_for_completion=maybe", null),
                400,
                "only [true] or [false]",
                "a bad boolean");
    }

    @Test
    void missingModels() {
        assertError(es.get(path("er-nosuch")), 404, "model [er-nosuch] not found", "GET");
        assertError(es.delete(path("er-nosuch")), 404, "model [er-nosuch] not found", "DELETE");
        assertError(es.post(path("er-nosuch") + "/_train", null), 404, "model [er-nosuch] not found", "train");
        assertError(
                es.post(path("er-nosuch") + "/_train?wait_for_completion=false", null),
                404,
                "model [er-nosuch] not found",
                "train as a task");
        assertError(
                es.post(path("er-nosuch") + "/_evaluate", "{\"split\": \"2024-02-01\"}"),
                404,
                "model [er-nosuch] not found",
                "evaluate");
        assertError(
                es.ndjson(path("er-nosuch") + "/_import", "{\"item\": \"a\", \"neighbors\": [], \"scores\": []}\n"),
                404,
                "model [er-nosuch] not found",
                "import");
    }

    @Test
    void badModelNames() {
        List<String> names =
                new ArrayList<>(List.of("Shop", "_shop", "-shop", "sh.op", "sh%20op", "sh*p", "a".repeat(101)));
        for (String name : names) {
            String what = "model name [" + name + "]";
            assertError(es.put(path(name), config("")), 400, "invalid model name [", what);
            assertError(es.get(path(name)), 400, "invalid model name [", what);
            assertError(es.post(path(name) + "/_train", null), 400, "invalid model name [", what);
            assertError(es.delete(path(name)), 400, "invalid model name [", what);
        }
        assertEquals(201, es.put(path("a".repeat(100)), config("")).status(), "100 characters is the limit");
        es.delete(path("a".repeat(100))).ok();
    }

    @Test
    void badEvaluations() {
        String evaluate = path(MODEL) + "/_evaluate";
        assertError(
                es.post(evaluate, "{\"split\": \"yesterday\"}"),
                400,
                "[split] must be a date such as 2011-11-01 or epoch milliseconds, got [yesterday]",
                "a split that is not a date");
        assertError(es.post(evaluate, "{\"split\": null}"), 400, "[split]", "a null split");
        assertError(es.post(evaluate, "{\"k\": 10}"), 400, "[split] is required by protocol [time]", "no split");
        assertError(es.post(evaluate, null), 400, "request body is required", "no body");
        assertError(
                es.post(evaluate, "{\"split\": \"2024-02-01\", \"k\": 0}"),
                400,
                "[k] must be between 1 and 100, got [0]",
                "k = 0");
        assertError(
                es.post(evaluate, "{\"split\": \"2024-02-01\", \"k\": 101}"),
                400,
                "[k] must be between 1 and 100, got [101]",
                "k = 101");
        assertError(es.post(evaluate, "{\"split\": \"2024-02-01\", \"k\": \"ten\"}"), 400, "[k]", "k not a number");
        assertError(
                es.post(evaluate, "{\"split\": \"2024-02-01\", \"depth\": 3}"),
                400,
                "unknown field [depth]",
                "an unknown member");
        assertError(
                es.post(evaluate, "{\"split\": \"2024-02-01\", \"similarity\": {\"algorithm\": \"svd\"}}"),
                400,
                "unknown algorithm [svd]",
                "a bad algorithm to try");
        assertError(
                es.post(evaluate, "{\"split\": \"2020-01-01\"}"),
                400,
                "no events before the split [2020-01-01",
                "a split before every event");
        assertError(
                es.post(evaluate, "{\"split\": \"2025-01-01\"}"),
                400,
                "after the split [2025-01-01",
                "a split after every event");
        EsClient.Response good = es.post(evaluate, "{\"split\": \"2024-02-01\", \"k\": 5}");
        assertEquals(200, good.status(), good.body());
    }

    @Test
    void badImports() {
        String imports = path(MODEL) + "/_import";
        assertError(es.ndjson(imports, null), 400, "the import needs a body", "no body");
        assertError(es.ndjson(imports, ""), 400, "the import needs a body", "an empty body");
        assertError(es.ndjson(imports, "\n  \n\n"), 400, "the import needs a body", "blank lines only");
        assertError(
                es.ndjson(imports, "{\"item\": \"a\", \"user\": \"b\"}\n"),
                400,
                "line 1: a model line has exactly one of the fields [item], [user] or [popular]",
                "two kinds");
        assertError(
                es.ndjson(
                        imports, "{\"item\": \"a\"}\n{\"popular\": [\"a\"], \"scores\": [1], \"history\": [\"a\"]}\n"),
                400,
                "line 2: [history] does not belong in a [popular] line",
                "a field of another kind");
        assertError(
                es.ndjson(imports, "{\"item\": \"a\", \"neighbors\": [\"b\"], \"scores\": [1e999]}\n"),
                400,
                "line 1",
                "an infinite score");
        assertError(es.ndjson(imports, "[1]\n"), 400, "line 1", "an array line");
        assertEquals(0, Models.status(es, MODEL).path("versions").size(), "no bad import made a version");
        assertEquals(Map.of(), Models.dataIndices(es, MODEL), "and none left an index");
    }
}
