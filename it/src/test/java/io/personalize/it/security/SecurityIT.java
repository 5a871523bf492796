package io.personalize.it.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import io.personalize.it.Shop;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real node with security on and users of different roles (it/src/test/resources/security/roles.yml): each gets
 * exactly what its role allows, nobody reads the model's system indices directly, and {@code _recommend} shows
 * {@code _source} only as the caller may read it.
 */
class SecurityIT {

    private static final String PASSWORD = SecureNode.PASSWORD;
    private static EsClient admin;
    private static EsClient manager;
    private static EsClient shopper;
    private static EsClient noPrice;
    private static EsClient eventsReader;
    private static EsClient dlsShopper;
    private static EsClient nobody;
    private static EsClient eventsWriter;
    private static EsClient eventsApiOnly;
    private static EsClient anonymous;
    private static EsClient noCategory;
    private static EsClient noSku;
    private static EsClient dlsNoCategory;

    @BeforeAll
    static void secureCluster() {
        admin = SecureNode.admin();
        manager = admin.as("manager", PASSWORD);
        shopper = admin.as("shopper", PASSWORD);
        noPrice = admin.as("noprice", PASSWORD);
        eventsReader = admin.as("eventsreader", PASSWORD);
        dlsShopper = admin.as("dlsshopper", PASSWORD);
        nobody = admin.as("nobody", PASSWORD);
        eventsWriter = admin.as("eventswriter", PASSWORD);
        eventsApiOnly = admin.as("eventsapionly", PASSWORD);
        anonymous = admin.as(null, null);
        noCategory = admin.as("nocategory", PASSWORD);
        noSku = admin.as("nosku", PASSWORD);
        dlsNoCategory = admin.as("dlsnocategory", PASSWORD);

        // the shop's data, written by the admin: a part of the Online Retail log is enough here
        OnlineRetail data = OnlineRetail.load();
        Shop.putVectorPipeline(admin);
        Shop.createProductsIndex(admin, "sec-products", Shop.VECTOR_PIPELINE, 1, 0);
        Shop.loadProducts(admin, "sec-products", data.products());
        Shop.createEventsIndex(admin, "sec-events", 1, 0);
        Shop.loadEvents(admin, "sec-events", data.purchases().subList(0, 60_000));

        // the manager creates and trains the model
        assertEquals(
                201,
                manager.put("/_recommend/models/shop", Shop.modelConfig("sec-products", "sec-events"))
                        .status());
        assertEquals(200, manager.post("/_recommend/models/shop/_train", null).status());

        // a second model, on a catalogue that the search users may not read, with a version imported by the admin
        Shop.createProductsIndex(admin, "sec-private", null, 1, 0);
        assertEquals(
                201,
                admin.put("/_recommend/models/private", Shop.modelConfig("sec-private", "sec-events"))
                        .status());
        admin.ndjson("/_recommend/models/private/_import", """
            {"item": "85123A", "neighbors": ["84029G", "22423"], "scores": [0.5, 0.4], "popularity": 3.0}
            {"user": "17850", "history": ["85123A"], "history_weights": [1.0], "items": ["84029G"], "scores": [0.9], "because": ["85123A"]}
            {"popular": ["85123A", "84029G"], "scores": [2.0, 1.0]}
            """).ok();

        // a model that keeps the shoppers' newest items from the events API (every node's copy of them, and the
        // signals cache, serve from the second request on), whose hidden item 22423 has two readable neighbours
        assertEquals(201, admin.put("/_recommend/models/apishop", """
                    {"catalog": {"index": "sec-products", "id_field": "sku"},
                     "events": {"index": "sec-events", "user_field": "user_id", "item_field": "sku", "type_field": "type",
                                "time_field": "@timestamp", "weights": {"view": 1, "cart": 3, "purchase": 5},
                                "recent_events": "api"}}""").status());
        admin.ndjson("/_recommend/models/apishop/_import", """
            {"item": "22423", "neighbors": ["85123A", "84029G"], "scores": [0.5, 0.4], "popularity": 3.0}
            {"popular": ["22423", "85123A", "84029G"], "scores": [3.0, 2.0, 1.0]}
            """).ok();

        // a model on the catalogue's vectors that knows three items only: every other product is new to it, so a "for
        // you" shelf's content term brings the nearest products of the shopper's items; one shopper bought a product
        // every caller reads, the other one the DLS role hides
        assertEquals(
                201,
                admin.put("/_recommend/models/contentshop", Shop.modelConfig("sec-products", "sec-events"))
                        .status());
        admin.ndjson("/_recommend/models/contentshop/_import", """
            {"item": "85123A", "neighbors": ["84029G"], "scores": [0.5], "popularity": 3.0}
            {"item": "22423", "neighbors": ["84029G"], "scores": [0.5], "popularity": 2.0}
            {"item": "84029G", "neighbors": ["85123A"], "scores": [0.5], "popularity": 1.0}
            {"user": "sec-content-open", "history": ["85123A"], "history_weights": [1.0], "items": ["84029G"], "scores": [0.9], "because": ["85123A"]}
            {"user": "sec-content-hidden", "history": ["22423"], "history_weights": [1.0], "items": ["84029G"], "scores": [0.9], "because": ["22423"]}
            {"popular": ["85123A", "84029G", "22423"], "scores": [3.0, 2.0, 1.0]}
            """).ok();

        flsCatalogue(data);
    }

    private static String searchWithRescore(String user) {
        return String.format(Locale.ROOT, """
            {"size": 5, "query": {"match": {"title": "heart holder"}}, "_source": false,
             "rescore": {"window_size": 50, "personalize": {"model": "shop", "user_id": "%s"}}}""", user);
    }

    @Test
    void theEventsApiWritesAsTheCaller() {
        String event = "{\"user_id\": \"sec-u1\", \"sku\": \"85123A\", \"type\": \"view\", \"@timestamp\": "
                + System.currentTimeMillis() + "}";
        // the tracker's role: the events API's action and create_doc on the events index, nothing else
        JsonNode written =
                eventsWriter.post("/_recommend/models/shop/_events", event).ok();
        assertEquals(201, written.path("items").get(0).path("status").asInt(), written.toString());
        String id = written.path("items").get(0).path("_id").asText();
        assertEquals(
                "sec-u1",
                admin.get("/sec-events/_doc/" + id)
                        .ok()
                        .path("_source")
                        .path("user_id")
                        .asText());
        // no right to write the events index: 403, whatever else the caller may do
        assertForbidden(eventsReader.post("/_recommend/models/shop/_events", event));
        assertForbidden(shopper.post("/_recommend/models/shop/_events", event));
        assertForbidden(manager.post("/_recommend/models/shop/_events", event));
        assertEquals(
                401, anonymous.post("/_recommend/models/shop/_events", event).status());
        // a tracker of another shop's events index (another model's privileges) writes nothing into this one's
        EsClient otherTracker = admin.as("othertracker", PASSWORD);
        assertForbidden(otherTracker.post("/_recommend/models/shop/_events", event));
        assertForbidden(otherTracker.post("/_recommend/models/apishop/_events", event));
        // an event with its own _id, sent twice: create_doc writes it once, the second send is a 409 for it (the
        // tracker cannot overwrite what is there)
        String withId = "{\"_id\": \"sec-e1\", " + event.substring(1);
        JsonNode first =
                eventsWriter.post("/_recommend/models/shop/_events", withId).ok();
        assertEquals(201, first.path("items").get(0).path("status").asInt(), first.toString());
        JsonNode again =
                eventsWriter.post("/_recommend/models/shop/_events", withId).ok();
        assertEquals(409, again.path("items").get(0).path("status").asInt(), again.toString());
        assertEquals(
                "sec-u1",
                admin.get("/sec-events/_doc/sec-e1")
                        .ok()
                        .path("_source")
                        .path("user_id")
                        .asText());
        // and the tracker cannot read what it wrote, nor use the model
        assertForbidden(eventsWriter.get("/sec-events/_doc/" + id));
        assertForbidden(eventsWriter.post("/_recommend", "{\"model\": \"shop\", \"user_id\": \"sec-u1\"}"));
    }

    @Test
    void theManagerManagesModelsButCannotTouchSystemIndicesDirectly() {
        assertEquals(200, manager.get("/_recommend/models/shop").status());
        assertEquals(200, manager.get("/_recommend/models").status());
        assertEquals(
                200,
                manager.post("/_recommend/models/shop/_evaluate", "{\"split\": \"2011-02-01\", \"k\": 10}")
                        .status());
        JsonNode started = manager.post("/_recommend/models/shop/_train?wait_for_completion=false", null)
                .ok();
        String task = started.path("task").asText();
        JsonNode status = waitForTask(manager, task);
        assertTrue(status.path("completed").asBoolean(), status.toString());
        assertTrue(status.path("response").path("version").path("version").asLong() >= 2, status.toString());
        assertEquals(403, manager.get("/.personalize-models/_search").status());
        String activeIndex = activeIndex();
        assertEquals(403, manager.get("/" + activeIndex + "/_search").status(), activeIndex);
    }

    /** The index of the model's active version, as its status names it (the name carries the model's uuid). */
    private static String activeIndex() {
        JsonNode status = admin.get("/_recommend/models/shop").ok().path("status");
        for (JsonNode version : status.path("versions")) {
            if (version.path("version").asLong()
                    == status.path("active_version").asLong()) {
                return version.path("index").asText();
            }
        }
        throw new AssertionError("no active version: " + status);
    }

    @Test
    void theShopperSearchesAndRecommendsButManagesNothing() {
        EsClient.Response plain = shopper.post(
                "/sec-products/_search",
                "{\"size\": 5, \"query\": {\"match\": {\"title\": \"heart holder\"}}, \"_source\": false}");
        EsClient.Response personalized = shopper.post("/sec-products/_search", searchWithRescore("17850"));
        assertEquals(200, personalized.status(), personalized.body());
        assertNotEquals(
                ids(plain.ok()),
                ids(personalized.ok()),
                "the rescorer reads the model for a shopper who cannot read it");
        EsClient.Response shelf = shopper.post(
                "/_recommend",
                "{\"model\": \"shop\", \"user_id\": \"17850\", \"size\": 5, \"_source\": [\"title\", \"price\"]}");
        assertEquals(200, shelf.status(), shelf.body());
        assertEquals(5, shelf.json().path("recommendations").size());
        assertTrue(shelf.json().path("recommendations").get(0).path("_source").has("price"));

        assertForbidden(shopper.put("/_recommend/models/other", Shop.modelConfig("sec-products", "sec-events")));
        assertForbidden(shopper.post("/_recommend/models/shop/_train", null));
        assertForbidden(shopper.get("/_recommend/models/shop"));
        assertForbidden(shopper.delete("/_recommend/models/shop"));
        assertForbidden(shopper.delete("/_recommend/models/shop/users/17850"));
        assertForbidden(shopper.post("/_recommend/models/shop/_import", "{\"popular\": [\"a\"], \"scores\": [1]}\n"));
        assertForbidden(shopper.get("/.personalize-models/_search"));
        assertForbidden(shopper.get("/" + activeIndex() + "/_doc/u:17850"));
        assertForbidden(shopper.get("/sec-events/_search"));
    }

    @Test
    void importSessionsNeedTheImportPrivilege() {
        // a model of its own, so that the other tests' models keep their versions
        assertEquals(
                201,
                admin.put("/_recommend/models/sessions", Shop.modelConfig("sec-private", "sec-events"))
                        .status());
        try {
            String lines = """
                {"item": "85123A", "neighbors": ["84029G"], "scores": [0.5], "popularity": 3.0}
                {"popular": ["85123A", "84029G"], "scores": [2.0, 1.0]}
                """;
            // callers without the plugin's cluster privileges may not open a session
            assertForbidden(shopper.post("/_recommend/models/sessions/_import/_session", null));
            assertForbidden(nobody.post("/_recommend/models/sessions/_import/_session", null));
            // the manager (cluster:admin/personalize/*) may; the others may not touch its session either
            String opening = "/_recommend/models/sessions/_import/_session?import_id=sec-k1";
            String session = manager.post(opening, null).ok().path("session").asText();
            String path = "/_recommend/models/sessions/_import/" + session;
            // the import id is no secret (a reader of the model sees it in status.import), but the opening sent again
            // with it is the session action: only the import privilege resumes the session
            EsClient modelMonitor = admin.as("modelmonitor", PASSWORD);
            JsonNode importing = modelMonitor
                    .get("/_recommend/models/sessions")
                    .ok()
                    .path("status")
                    .path("import");
            assertEquals("sec-k1", importing.path("import_id").asText(), importing.toString());
            assertEquals(session, importing.path("task_id").asText(), importing.toString());
            for (EsClient other : List.of(modelMonitor, shopper, eventsWriter, nobody)) {
                assertForbidden(other.post(opening, null));
                assertForbidden(other.get(path));
                assertForbidden(other.delete(path));
            }
            assertEquals(401, anonymous.post(opening, null).status());
            // the manager's own opening sent again answers its session, untouched by the refused callers
            JsonNode again = manager.post(opening, null).ok();
            assertEquals(session, again.path("session").asText(), again.toString());
            assertEquals("open", again.path("state").asText(), again.toString());
            // the id names an import of this model only: another model opening with it gets a session of its own
            assertEquals(
                    201,
                    admin.put("/_recommend/models/sessions2", Shop.modelConfig("sec-private", "sec-events"))
                            .status());
            try {
                String other = manager.post("/_recommend/models/sessions2/_import/_session?import_id=sec-k1", null)
                        .ok()
                        .path("session")
                        .asText();
                assertNotEquals(session, other);
                manager.delete("/_recommend/models/sessions2/_import/" + other).ok();
            } finally {
                admin.delete("/_recommend/models/sessions2");
            }
            assertForbidden(shopper.send("PUT", path + "/1", lines, "application/x-ndjson"));
            assertForbidden(shopper.get(path));
            assertForbidden(shopper.post(path + "/_complete", null));
            assertForbidden(shopper.delete(path));
            manager.send("PUT", path + "/1", lines, "application/x-ndjson").ok();
            JsonNode completed = manager.post(path + "/_complete", null).ok();
            assertEquals(1, completed.path("version").path("items").asLong(), completed.toString());
        } finally {
            admin.delete("/_recommend/models/sessions");
        }
    }

    @Test
    void forgettingAUserClearsTheCachesWithSecurityOn() {
        // the plugin clears every node's cache with its internal origin: security must let it, or a forgotten
        // shopper's profile would keep serving from the cache
        String shelf = "{\"model\": \"shop\", \"user_id\": \"13047\", \"size\": 5}";
        assertNotEquals(
                Set.of("popular"),
                mainReasons(shopper.post("/_recommend", shelf).ok()),
                "a known shopper's own shelf");
        assertEquals(200, manager.delete("/_recommend/models/shop/users/13047").status());
        assertEquals(
                Set.of("popular"),
                mainReasons(shopper.post("/_recommend", shelf).ok()),
                "nothing of the forgotten shopper is left");

        JsonNode stats = manager.get("/_recommend/_stats").ok();
        assertTrue(
                stats.path("nodes")
                                .elements()
                                .next()
                                .path("cache")
                                .path("entries")
                                .asLong()
                        > 0,
                stats.toString());
        assertForbidden(shopper.get("/_recommend/_stats"));
    }

    private static Set<String> mainReasons(JsonNode shelf) {
        Set<String> reasons = new HashSet<>();
        shelf.path("recommendations")
                .forEach(r -> reasons.add(r.path("reasons").get(0).path("type").asText()));
        return reasons;
    }

    @Test
    void recommendationsShowOnlyTheFieldsTheCallerMayRead() {
        JsonNode shelf = noPrice.post(
                        "/_recommend",
                        "{\"model\": \"shop\", \"user_id\": \"17850\", \"size\": 5, \"_source\": [\"title\", \"price\"]}")
                .ok();
        assertEquals(5, shelf.path("recommendations").size());
        for (JsonNode r : shelf.path("recommendations")) {
            assertTrue(r.path("_source").has("title"), r.toString());
            assertFalse(r.path("_source").has("price"), "field-level security applies to _recommend: " + r);
        }
    }

    @Test
    void withoutTheCatalogueThereAreNoRecommendations() {
        EsClient.Response shelf = eventsReader.post("/_recommend", "{\"model\": \"shop\", \"user_id\": \"17850\"}");
        assertForbidden(shelf);
        assertTrue(shelf.body().contains("indices:data/read/personalize/recommend"), shelf.body());
    }

    @Test
    void nobodyGetsAnything() {
        assertForbidden(nobody.post("/_recommend", "{\"model\": \"shop\", \"user_id\": \"17850\"}"));
        assertForbidden(nobody.post("/sec-products/_search", searchWithRescore("17850")));
        assertForbidden(nobody.get("/_recommend/models"));
        assertForbidden(nobody.put("/_recommend/models/x", Shop.modelConfig("sec-products", "sec-events")));
        assertEquals(
                401,
                anonymous
                        .post("/_recommend", "{\"model\": \"shop\", \"user_id\": \"17850\"}")
                        .status());
        assertEquals(401, anonymous.get("/_recommend/models").status());
    }

    // ---- the rescorer is authorized against the model's catalogue, as _recommend is (issue 10, case 8)

    private static String explainedRescore(String model, String user, String query) {
        return String.format(Locale.ROOT, """
            {"size": 20, "explain": true, "_source": false, "query": %s,
             "rescore": {"window_size": 50, "personalize": {"model": "%s", "user_id": "%s"}}}""", query, model, user);
    }

    @Test
    void theRescorerNeedsReadOnTheModelsCatalogue() {
        // the shopper may search sec-products, but not read sec-private, the catalogue of the model "private"
        EsClient.Response otherModel = shopper.post(
                "/sec-products/_search", explainedRescore("private", "17850", "{\"match\": {\"title\": \"heart\"}}"));
        assertForbidden(otherModel);
        assertTrue(otherModel.body().contains("indices:data/read/personalize/signals"), otherModel.body());
        assertTrue(otherModel.body().contains("sec-private"), otherModel.body());
        // a user who reads only the events may search them, but not with a model of a catalogue they cannot read
        EsClient.Response eventsOnly =
                eventsReader.post("/sec-events/_search", explainedRescore("shop", "17850", "{\"match_all\": {}}"));
        assertForbidden(eventsOnly);
        assertTrue(eventsOnly.body().contains("sec-products"), eventsOnly.body());
        assertEquals(
                200,
                eventsReader.post("/sec-events/_search", "{\"size\": 1}").status(),
                "the events reader reads the events");
        // read on the catalogue is what it takes
        assertEquals(
                200,
                shopper.post(
                                "/sec-products/_search",
                                explainedRescore("shop", "17850", "{\"match\": {\"title\": \"heart\"}}"))
                        .status());
    }

    private static String personalizeQuery(String model, String user, String query) {
        return String.format(Locale.ROOT, """
            {"size": 20, "explain": true, "_source": false,
             "query": {"personalize": {"query": %s, "model": "%s", "user_id": "%s"}}}""", query, model, user);
    }

    @Test
    void thePersonalizeQueryIsAuthorizedAsTheRescorerIs() {
        // the same load as the rescorer's, as the caller: read on the model's catalogue is what it takes
        EsClient.Response otherModel = shopper.post(
                "/sec-products/_search", personalizeQuery("private", "17850", "{\"match\": {\"title\": \"heart\"}}"));
        assertForbidden(otherModel);
        assertTrue(otherModel.body().contains("indices:data/read/personalize/signals"), otherModel.body());
        assertTrue(otherModel.body().contains("sec-private"), otherModel.body());
        EsClient.Response eventsOnly =
                eventsReader.post("/sec-events/_search", personalizeQuery("shop", "17850", "{\"match_all\": {}}"));
        assertForbidden(eventsOnly);
        assertForbidden(nobody.post("/sec-products/_search", personalizeQuery("shop", "17850", "{\"match_all\": {}}")));
        JsonNode allowed = shopper.post(
                        "/sec-products/_search",
                        personalizeQuery("shop", "17850", "{\"match\": {\"title\": \"heart\"}}"))
                .ok();
        assertTrue(
                allowed.path("hits")
                        .path("hits")
                        .get(0)
                        .path("_explanation")
                        .path("description")
                        .asText()
                        .startsWith("personalize"),
                allowed.toString());
        // and only over the model's own catalogue, even for a superuser
        EsClient.Response other =
                admin.post("/sec-private/_search", personalizeQuery("shop", "17850", "{\"match_all\": {}}"));
        assertEquals(400, other.status(), other.body());
        assertTrue(
                other.body()
                        .contains("model [shop] personalizes searches of [sec-products] only, not of [sec-private]"),
                other.body());
    }

    @Test
    void aModelPersonalizesSearchesOfItsOwnCatalogueOnly() {
        // even for a superuser: another index's documents would get scores from items of the catalogue by their ids
        EsClient.Response other =
                admin.post("/sec-private/_search", explainedRescore("shop", "17850", "{\"match_all\": {}}"));
        assertEquals(400, other.status(), other.body());
        assertTrue(
                other.body()
                        .contains("model [shop] personalizes searches of [sec-products] only, not of [sec-private]"),
                other.body());
        EsClient.Response both = admin.post(
                "/sec-products,sec-events/_search", explainedRescore("shop", "17850", "{\"match_all\": {}}"));
        assertEquals(400, both.status(), both.body());
    }

    // ---- under document-level security no response names an item the caller cannot read (issue 10, case 9)

    /** Those of {@code ids} that {@code client} can read in the catalogue (products have their sku as _id). */
    static Set<String> visibleTo(EsClient client, Set<String> ids) {
        return visibleTo(client, "sec-products", ids);
    }

    /** Those of {@code ids} that {@code client} can read in {@code index}, whose documents have their item id as _id. */
    static Set<String> visibleTo(EsClient client, String index, Set<String> ids) {
        ObjectNode body = EsClient.object();
        body.put("size", Math.max(1, ids.size())).put("_source", false);
        body.putObject("query").putObject("ids").set("values", EsClient.JSON.valueToTree(ids));
        return new HashSet<>(ids(client.post("/" + index + "/_search", body).ok()));
    }

    /** Every item id a _recommend answer names: the recommendations and the items their reasons name. */
    static Set<String> namedIds(JsonNode shelf) {
        Set<String> named = new HashSet<>();
        for (JsonNode r : shelf.path("recommendations")) {
            named.add(r.path("item_id").asText());
            r.path("reasons").forEach(reason -> {
                if (reason.has("item_id")) {
                    named.add(reason.path("item_id").asText());
                }
            });
        }
        return named;
    }

    private static final Pattern EXPLAINED_ITEM = Pattern.compile("(?:mostly|because of) \\[([^\\]]+)\\]");

    /** Every item id the rescorer's explanations name (the item behind a similarity, the history item behind an affinity). */
    private static Set<String> explainedIds(JsonNode search) {
        Set<String> named = new HashSet<>();
        for (JsonNode description : search.path("hits").path("hits").findValues("description")) {
            Matcher m = EXPLAINED_ITEM.matcher(description.asText());
            while (m.find()) {
                named.add(m.group(1));
            }
        }
        return named;
    }

    @Test
    void underDocumentLevelSecurityRecommendationsNameOnlyReadableItems() {
        boolean hiddenNamedWithoutDls = false;
        for (String user : List.of("17850", "12583", "14911")) {
            String body = "{\"model\": \"shop\", \"user_id\": \"" + user + "\", \"size\": 20, \"explain\": true}";
            Set<String> named = namedIds(dlsShopper.post("/_recommend", body).ok());
            assertFalse(named.isEmpty(), user);
            assertEquals(
                    named,
                    visibleTo(dlsShopper, named),
                    "user " + user + ": the shelf names items hidden from the caller");
            // the same shelf for a shopper who reads the whole catalogue does name items the DLS role hides
            Set<String> open = namedIds(shopper.post("/_recommend", body).ok());
            hiddenNamedWithoutDls |= visibleTo(dlsShopper, open).equals(open) == false;
        }
        assertTrue(
                hiddenNamedWithoutDls,
                "these shelves name hidden items to a caller who may read them: the test would prove nothing");
    }

    private static final String HIDDEN_ITEM =
            "22423"; // the shop's best seller; the DLS role hides skus starting with 2

    private static JsonNode similarItems(EsClient client, String item) {
        return client.post(
                        "/_recommend",
                        "{\"model\": \"shop\", \"item_ids\": [\"" + item + "\"], \"size\": 20, \"explain\": true}")
                .ok();
    }

    private static List<String> recommendationIds(JsonNode shelf) {
        return shelf.path("recommendations").findValuesAsText("item_id").stream()
                .distinct()
                .toList();
    }

    @Test
    void underDocumentLevelSecurityAHiddenItemAskedAboutIsAnUnknownItem() {
        assertEquals(Set.of(), visibleTo(dlsShopper, Set.of(HIDDEN_ITEM)));
        JsonNode open = similarItems(shopper, HIDDEN_ITEM);
        assertTrue(open.toString().contains("\"similar_to\""), "the item has neighbours for who may read it: " + open);

        JsonNode asked = similarItems(dlsShopper, HIDDEN_ITEM);
        JsonNode unknown = similarItems(dlsShopper, "no-such-item");
        assertFalse(namedIds(asked).contains(HIDDEN_ITEM), asked.toString());
        assertFalse(asked.toString().contains("\"similar_to\""), "no neighbours of a hidden item: " + asked);
        assertEquals(
                recommendationIds(unknown),
                recommendationIds(asked),
                "a hidden item gets the answer of an unknown one");
        Set<String> named = namedIds(asked);
        assertEquals(named, visibleTo(dlsShopper, named));
    }

    @Test
    void underDocumentLevelSecurityTheRescorerExplainsWithReadableItemsOnly() {
        String body = String.format(Locale.ROOT, """
            {"size": 30, "explain": true, "_source": false, "query": {"match": {"title": "heart"}},
             "rescore": {"window_size": 50, "personalize": {"model": "shop", "user_id": "17850", "context_items": ["%s", "85123A"]}}}""", HIDDEN_ITEM);
        JsonNode dls = dlsShopper.post("/sec-products/_search", body).ok();
        Set<String> named = explainedIds(dls);
        assertEquals(named, visibleTo(dlsShopper, named), "explain names items hidden from the caller: " + named);
        Set<String> hits = new HashSet<>(ids(dls));
        assertEquals(hits, visibleTo(dlsShopper, hits));

        Set<String> open =
                explainedIds(shopper.post("/sec-products/_search", body).ok());
        assertNotEquals(
                open,
                visibleTo(dlsShopper, open),
                "without DLS the same explanations name hidden items, or the test proves nothing: " + open);
    }

    @Test
    void underDocumentLevelSecurityAHiddenContextItemIsUnknownToTheRescorer() {
        // the hidden item's neighbours that the DLS user can read, as hits of equal first-pass score
        Set<String> neighbours = new HashSet<>();
        similarItems(shopper, HIDDEN_ITEM).path("recommendations").forEach(r -> r.path("reasons")
                .forEach(reason -> {
                    if (reason.path("type").asText().equals("similar_to")
                            && reason.path("item_id").asText().equals(HIDDEN_ITEM)) {
                        neighbours.add(r.path("item_id").asText());
                    }
                }));
        Set<String> readable = visibleTo(dlsShopper, neighbours);
        assertTrue(readable.size() >= 3, "readable neighbours of " + HIDDEN_ITEM + ": " + readable);
        String search = String.format(Locale.ROOT, """
            {"size": 20, "_source": false, "query": {"constant_score": {"filter": {"ids": {"values": %s}}}},
             "rescore": {"window_size": 20, "personalize": {"model": "shop", "context_items": ["%%s"]}}}""", EsClient.toJson(readable));
        List<String> withHidden = ids(dlsShopper
                .post("/sec-products/_search", String.format(Locale.ROOT, search, HIDDEN_ITEM))
                .ok());
        List<String> withUnknown = ids(dlsShopper
                .post("/sec-products/_search", String.format(Locale.ROOT, search, "no-such-item"))
                .ok());
        assertEquals(readable, new HashSet<>(withHidden));
        assertEquals(withUnknown, withHidden, "a hidden context item reorders nothing, as an unknown one");
        // the same for a shopper who may read the item: its neighbours are reordered by their similarity to it
        JsonNode open = shopper.post(
                        "/sec-products/_search",
                        String.format(Locale.ROOT, search, HIDDEN_ITEM)
                                .replace("\"_source\": false", "\"_source\": false, \"explain\": true"))
                .ok();
        assertTrue(open.toString().contains("mostly [" + HIDDEN_ITEM + "]"), open.toString());
    }

    // ---- caches warmed by a privileged caller serve nobody without the right (issue 13: trust)

    /** Lookups of the node's serving cache (hits and misses): unchanged when signals come from the signals cache. */
    private static long servingCacheLookups() {
        JsonNode cache = manager.get("/_recommend/_stats")
                .ok()
                .path("nodes")
                .elements()
                .next()
                .path("cache");
        return cache.path("hits").asLong() + cache.path("misses").asLong();
    }

    private static String cacheableRescore(String model, String user) {
        // no context_items, no explain, no recent item searched: the signals do not depend on the caller and are kept
        return String.format(Locale.ROOT, """
            {"size": 5, "_source": false, "query": {"match": {"title": "heart holder"}},
             "rescore": {"window_size": 50, "personalize": {"model": "%s", "user_id": "%s", "recent_items": 0}}}""", model, user);
    }

    private static String cacheableQuery(String model, String user) {
        return String.format(Locale.ROOT, """
            {"size": 5, "_source": false, "query": {"personalize": {"query": {"match": {"title": "heart holder"}},
              "model": "%s", "user_id": "%s", "recent_items": 0}}}""", model, user);
    }

    @Test
    void signalsAPrivilegedCallerWarmedServeNobodyWithoutTheRight() {
        // the search user warms the signals cache, and the repeat is served from it (no profile read at all)
        List<String> warmed = ids(shopper.post("/sec-products/_search", cacheableRescore("shop", "17850"))
                .ok());
        ids(shopper.post("/sec-products/_search", cacheableQuery("shop", "17850"))
                .ok());
        long lookups = servingCacheLookups();
        assertEquals(
                warmed,
                ids(shopper.post("/sec-products/_search", cacheableRescore("shop", "17850"))
                        .ok()));
        ids(shopper.post("/sec-products/_search", cacheableQuery("shop", "17850"))
                .ok());
        assertEquals(lookups, servingCacheLookups(), "the repeats were served from the signals cache");

        // the same requests from callers without read on the catalogue: 403 naming the signals' action, every time
        for (int round = 0; round < 2; round++) {
            for (String body : List.of(cacheableRescore("shop", "17850"), cacheableQuery("shop", "17850"))) {
                EsClient.Response events = eventsReader.post("/sec-events/_search", body);
                assertForbidden(events);
                assertTrue(events.body().contains("indices:data/read/personalize/signals"), events.body());
                assertTrue(events.body().contains("sec-products"), events.body());
                assertForbidden(nobody.post("/sec-products/_search", body));
                assertForbidden(eventsWriter.post("/sec-products/_search", body));
                assertEquals(401, anonymous.post("/sec-products/_search", body).status());
            }
        }

        // a model whose catalogue the search user may not read, warmed by the admin: still 403 for the search user
        String privateBody = cacheableRescore("private", "17850").replace("heart holder", "heart");
        admin.post("/sec-private/_search", privateBody).ok();
        admin.post("/sec-private/_search", privateBody).ok();
        EsClient.Response other = shopper.post("/sec-products/_search", privateBody);
        assertForbidden(other);
        assertTrue(other.body().contains("sec-private"), other.body());
    }

    @Test
    void newestItemsAndShelvesAPrivilegedCallerWarmedServeOnlyWhatEachCallerMayRead() {
        String user = "sec-api-user";
        String event = "{\"user_id\": \"" + user + "\", \"sku\": \"" + HIDDEN_ITEM
                + "\", \"type\": \"view\", \"@timestamp\": " + System.currentTimeMillis() + "}";
        assertEquals(
                201,
                eventsWriter
                        .post("/_recommend/models/apishop/_events", event)
                        .ok()
                        .path("items")
                        .get(0)
                        .path("status")
                        .asInt());
        String shelf = "{\"model\": \"apishop\", \"user_id\": \"" + user + "\", \"size\": 5, \"explain\": true}";
        String rescore = String.format(Locale.ROOT, """
            {"size": 5, "_source": false, "query": {"match": {"title": "heart holder"}},
             "rescore": {"window_size": 50, "personalize": {"model": "apishop", "user_id": "%s"}}}""", user);
        // the search user warms every cache: the node's copy of the newest items, the profile, the signals
        for (int round = 0; round < 2; round++) {
            Set<String> named = namedIds(shopper.post("/_recommend", shelf).ok());
            assertTrue(named.contains(HIDDEN_ITEM), "their newest item shapes the shelf and is named: " + named);
            shopper.post("/sec-products/_search", rescore).ok();
        }
        // under document-level security the same shelf names nothing hidden, from the same warm caches
        for (int round = 0; round < 2; round++) {
            JsonNode dls = dlsShopper.post("/_recommend", shelf).ok();
            Set<String> named = namedIds(dls);
            assertFalse(named.contains(HIDDEN_ITEM), dls.toString());
            assertEquals(named, visibleTo(dlsShopper, named), dls.toString());
            Set<String> hits = new HashSet<>(
                    ids(dlsShopper.post("/sec-products/_search", rescore).ok()));
            assertEquals(hits, visibleTo(dlsShopper, hits));
        }
        // and nothing for those without read on the catalogue
        for (EsClient caller : List.of(nobody, eventsReader, eventsWriter, eventsApiOnly)) {
            assertForbidden(caller.post("/_recommend", shelf));
        }
        EsClient.Response events = eventsReader.post("/sec-events/_search", rescore);
        assertForbidden(events);
        assertTrue(events.body().contains("indices:data/read/personalize/signals"), events.body());
    }

    @Test
    void eventsTheIndexRefusesToTheCallerAreNeitherWrittenNorKept() {
        String user = "sec-api-refused";
        String shelf = "{\"model\": \"apishop\", \"user_id\": \"" + user + "\", \"size\": 2}";
        JsonNode before = shopper.post("/_recommend", shelf).ok();
        String event = "{\"user_id\": \"" + user + "\", \"sku\": \"" + HIDDEN_ITEM
                + "\", \"type\": \"view\", \"@timestamp\": " + System.currentTimeMillis() + "}";
        // the events API's action is granted, writing documents in the events index is not: the write as the caller is
        // refused (Elasticsearch refuses the whole bulk: 403 for the request; were it refused per document, each event
        // would get the index's 403), and nothing is kept for serving
        EsClient.Response refused = eventsApiOnly.post(
                "/_recommend/models/apishop/_events", "{\"events\": [" + event + ", " + event + "]}");
        System.out.println(
                "SecurityIT: events without the right to write them: " + refused.status() + " " + refused.body());
        if (refused.status() != 403) {
            JsonNode items = refused.ok();
            assertTrue(items.path("errors").asBoolean(), refused.body());
            assertEquals(2, items.path("items").size(), refused.body());
            for (JsonNode item : items.path("items")) {
                assertEquals(403, item.path("status").asInt(), refused.body());
                assertTrue(item.path("error").path("reason").asText().contains("sec-events"), refused.body());
            }
        }
        assertEquals(
                shelfItems(before),
                shelfItems(shopper.post("/_recommend", shelf).ok()),
                "refused events do not count");
        assertEquals(0, countOf(user));
        // the same event from the tracker counts at once
        eventsWriter.post("/_recommend/models/apishop/_events", event).ok();
        assertEquals(
                List.of("85123A", "84029G"),
                shelfItems(shopper.post("/_recommend", shelf).ok()));
    }

    private static List<String> shelfItems(JsonNode shelf) {
        List<String> items = new ArrayList<>();
        shelf.path("recommendations").forEach(r -> items.add(r.path("item_id").asText()));
        return items;
    }

    private static long countOf(String user) {
        admin.refresh("sec-events");
        return admin.post("/sec-events/_count", "{\"query\": {\"term\": {\"user_id\": \"" + user + "\"}}}")
                .ok()
                .path("count")
                .asLong();
    }

    private static final int CONTENT_NEIGHBORS = 8;

    /** A "for you" shelf of the contentshop model, whose new products come from the content term alone. */
    private static JsonNode contentShelf(EsClient client, String user) {
        return client.post("/_recommend", String.format(Locale.ROOT, """
                {"model": "contentshop", "user_id": "%s", "size": 20, "content_weight": 1, "content_slots": 20, "content_support": 1,
                 "content_neighbors": %d, "explain": true}""", user, CONTENT_NEIGHBORS))
                .ok();
    }

    /** The items a shelf holds for the content term (their first reason is content_similar). */
    private static Set<String> contentItems(JsonNode shelf) {
        Set<String> items = new HashSet<>();
        for (JsonNode r : shelf.path("recommendations")) {
            if (r.path("reasons").path(0).path("type").asText().equals("content_similar")) {
                items.add(r.path("item_id").asText());
            }
        }
        return items;
    }

    /**
     * The node keeps the items' vectors it read for a shelf's content term per caller: a shopper whose one item the DLS
     * role hides gets content from it for a caller who reads it (which warms the node's copy of its vector and of its
     * neighbour list), and none for the DLS caller, who may not read that item, asked right after, twice.
     */
    @Test
    void underDocumentLevelSecurityTheContentTermUsesNoVectorOfAHiddenItem() {
        for (int round = 0; round < 2; round++) {
            JsonNode open = contentShelf(shopper, "sec-content-hidden");
            assertFalse(contentItems(open).isEmpty(), "the hidden item's neighbours come to who reads it: " + open);
        }
        for (int round = 0; round < 2; round++) {
            JsonNode dls = contentShelf(dlsShopper, "sec-content-hidden");
            assertEquals(Set.of(), contentItems(dls), "no content from an item the caller may not read: " + dls);
            Set<String> named = namedIds(dls);
            assertFalse(named.contains(HIDDEN_ITEM), dls.toString());
            assertEquals(named, visibleTo(dlsShopper, named), dls.toString());
        }
    }

    /**
     * The node keeps each item's content neighbours per caller: after a caller who reads the whole catalogue warmed the
     * list of an item both may read (holding items the DLS role hides), the DLS caller's shelf holds its own nearest
     * readable items, as many as asked for, not what is left of the other caller's list; and the other caller's list
     * stays its own.
     */
    @Test
    void underDocumentLevelSecurityEachCallerGetsContentFromTheItemsItReads() {
        JsonNode open = contentShelf(shopper, "sec-content-open");
        Set<String> openContent = contentItems(open);
        assertEquals(CONTENT_NEIGHBORS, openContent.size(), open.toString());
        Set<String> openReadable = visibleTo(dlsShopper, openContent);
        assertTrue(
                openReadable.size() < openContent.size(),
                "the open caller's neighbours hold hidden items, or the test would prove nothing: " + open);
        JsonNode again = contentShelf(shopper, "sec-content-open");
        assertEquals(openContent, contentItems(again), again.toString());

        JsonNode dls = contentShelf(dlsShopper, "sec-content-open");
        Set<String> dlsContent = contentItems(dls);
        assertEquals(CONTENT_NEIGHBORS, dlsContent.size(), "its own nearest readable items: " + dls);
        assertEquals(dlsContent, visibleTo(dlsShopper, dlsContent), dls.toString());
        Set<String> named = namedIds(dls);
        assertEquals(named, visibleTo(dlsShopper, named), dls.toString());
        JsonNode openAfter = contentShelf(shopper, "sec-content-open");
        assertEquals(openContent, contentItems(openAfter), openAfter.toString());
    }

    // ---- field-level security on the catalogue read without a search (issue 13, stop 28): a shelf without a filter
    // reads the shards' id terms and attribute doc values as the caller; a shelf with a filter searches. Both give the
    // same shelf to every role, and a hidden field reads as absent.

    /** The three categories (a title's first word) of sec-fls, in the order of the shopper's scores. */
    private static final List<String> FLS_CATEGORIES = new ArrayList<>();

    /**
     * A catalogue whose model has one attribute, {@code category}: thirty real products of the three commonest
     * categories, ten each, at most five of them with a sku the DLS role hides; a shopper whose scores rank the first
     * category's ten first and who has an affinity to the last category only (so diversity and affinity change the
     * shelf of a caller who reads the attribute).
     */
    private static void flsCatalogue(OnlineRetail data) {
        Map<String, List<OnlineRetail.Product>> byCategory = new TreeMap<>();
        for (OnlineRetail.Product p : data.products()) {
            if (p.title() != null && p.title().isBlank() == false) {
                byCategory.computeIfAbsent(category(p), k -> new ArrayList<>()).add(p);
            }
        }
        List<String> commonest = byCategory.keySet().stream()
                .sorted(Comparator.comparingInt((String c) -> -byCategory.get(c).size()))
                .limit(3)
                .toList();
        FLS_CATEGORIES.addAll(commonest);
        List<OnlineRetail.Product> chosen = new ArrayList<>();
        for (String c : commonest) {
            List<OnlineRetail.Product> open = byCategory.get(c).stream()
                    .filter(p -> p.sku().startsWith("2") == false)
                    .limit(5)
                    .toList();
            List<OnlineRetail.Product> hidden = byCategory.get(c).stream()
                    .filter(p -> p.sku().startsWith("2"))
                    .limit(10 - open.size())
                    .toList();
            chosen.addAll(hidden);
            chosen.addAll(open);
        }
        admin.delete("/sec-fls");
        admin.put("/sec-fls", """
            {"settings": {"number_of_shards": 2, "number_of_replicas": 0},
             "mappings": {"properties": {"sku": {"type": "keyword"}, "title": {"type": "text"},
                                         "category": {"type": "keyword"}}}}""").ok();
        Shop.bulk(
                admin,
                "sec-fls",
                chosen,
                OnlineRetail.Product::sku,
                p -> Map.of("sku", p.sku(), "title", p.title(), "category", category(p)),
                100);
        admin.refresh("sec-fls");
        assertEquals(201, admin.put("/_recommend/models/flsshop", """
                    {"catalog": {"index": "sec-fls", "id_field": "sku", "attributes": ["category"]},
                     "events": {"index": "sec-events", "user_field": "user_id", "item_field": "sku", "type_field": "type",
                                "time_field": "@timestamp", "weights": {"view": 1, "cart": 3, "purchase": 5}}}""").status());
        List<String> skus = chosen.stream().map(OnlineRetail.Product::sku).toList();
        List<String> items = skus.subList(1, skus.size());
        List<Double> scores = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            scores.add(1.0 - i * 0.01);
        }
        ObjectNode user = EsClient.object().put("user", "fls-shopper");
        user.set("history", EsClient.JSON.valueToTree(List.of(skus.get(0))));
        user.set("history_weights", EsClient.JSON.valueToTree(List.of(1.0)));
        user.set("items", EsClient.JSON.valueToTree(items));
        user.set("scores", EsClient.JSON.valueToTree(scores));
        user.set("because", EsClient.JSON.valueToTree(Collections.nCopies(items.size(), skus.get(0))));
        user.putObject("attributes").putObject("category").put(commonest.get(2), 1.0);
        ObjectNode popular = EsClient.object();
        popular.set("popular", EsClient.JSON.valueToTree(items));
        popular.set("scores", EsClient.JSON.valueToTree(scores));
        String version = EsClient.toJson(user) + "\n" + EsClient.toJson(popular) + "\n";
        admin.ndjson("/_recommend/models/flsshop/_import", version).ok();
        flsCatalogueNamedOtherwise(chosen, version);
    }

    /** The catalogue's names other than its index's, each the catalogue of a model of its own with the same version. */
    private static final Map<String, String> FLS_NAMES = new TreeMap<>(Map.of(
            "flsshop-stream", "sec-fls-stream",
            "flsshop-one", "sec-fls-one",
            "flsshop-two", "sec-fls-two"));

    /**
     * The products of sec-fls in a data stream ({@code sec-fls-stream}, two shards), behind an alias of sec-fls alone
     * ({@code sec-fls-one}) and behind an alias of two indices holding half of them each ({@code sec-fls-two}); a model
     * names each as its catalogue, with the version flsshop has.
     */
    private static void flsCatalogueNamedOtherwise(List<OnlineRetail.Product> chosen, String version) {
        long started = System.nanoTime();
        String mappings = """
            {"properties": {"sku": {"type": "keyword"}, "title": {"type": "text"}, "category": {"type": "keyword"},
                            "@timestamp": {"type": "date"}}}""";
        admin.delete("/_data_stream/sec-fls-stream");
        admin.put("/_index_template/sec-fls-stream", String.format(Locale.ROOT, """
            {"index_patterns": ["sec-fls-stream"], "data_stream": {}, "priority": 500,
             "template": {"settings": {"number_of_shards": 2, "number_of_replicas": 0}, "mappings": %s}}""", mappings))
                .ok();
        StringBuilder bulk = new StringBuilder();
        for (OnlineRetail.Product p : chosen) {
            bulk.append("{\"create\": {}}\n")
                    .append(EsClient.toJson(Map.of(
                            "sku",
                            p.sku(),
                            "title",
                            p.title(),
                            "category",
                            category(p),
                            "@timestamp",
                            1_700_000_000_000L)))
                    .append('\n');
        }
        JsonNode written = admin.ndjson("/sec-fls-stream/_bulk?refresh=true", bulk.toString())
                .ok();
        assertFalse(written.path("errors").asBoolean(), written.toString());
        for (String half : List.of("sec-fls-a", "sec-fls-b")) {
            admin.delete("/" + half);
            admin.put("/" + half, String.format(Locale.ROOT, """
                {"settings": {"number_of_shards": 1, "number_of_replicas": 0}, "mappings": %s}""", mappings)).ok();
            boolean first = half.endsWith("a");
            Shop.bulk(
                    admin,
                    half,
                    chosen.stream()
                            .filter(p -> (chosen.indexOf(p) % 2 == 0) == first)
                            .toList(),
                    OnlineRetail.Product::sku,
                    p -> Map.of("sku", p.sku(), "title", p.title(), "category", category(p)),
                    100);
            admin.refresh(half);
        }
        admin.post("/_aliases", """
            {"actions": [{"add": {"index": "sec-fls", "alias": "sec-fls-one"}},
                         {"add": {"indices": ["sec-fls-a", "sec-fls-b"], "alias": "sec-fls-two"}}]}""").ok();
        FLS_NAMES.forEach((model, catalogue) -> {
            admin.delete("/_recommend/models/" + model);
            assertEquals(
                    201,
                    admin.put("/_recommend/models/" + model, String.format(Locale.ROOT, """
                    {"catalog": {"index": "%s", "id_field": "sku", "attributes": ["category"]},
                     "events": {"index": "sec-events", "user_field": "user_id", "item_field": "sku", "type_field": "type",
                                "time_field": "@timestamp", "weights": {"view": 1, "cart": 3, "purchase": 5}}}""", catalogue))
                            .status());
            admin.ndjson("/_recommend/models/" + model + "/_import", version).ok();
        });
        System.out.printf(
                Locale.ROOT,
                "SecurityIT: the catalogue named by a data stream and two aliases set up in %.1f s%n",
                (System.nanoTime() - started) / 1e9);
    }

    private static String category(OnlineRetail.Product p) {
        return p.title().trim().split("\\s+")[0];
    }

    /**
     * The shelf without a filter (the shard read) and with a filter every item passes (a search of the catalogue),
     * asserted to be the same shelf.
     */
    private static JsonNode sameOnBothPaths(EsClient client) {
        return sameOnBothPaths(client, "flsshop");
    }

    private static JsonNode sameOnBothPaths(EsClient client, String model) {
        String body = "{\"model\": \"" + model + "\", \"user_id\": \"fls-shopper\", \"size\": 10, \"diversity\": 0.5,"
                + " \"explain\": true";
        JsonNode read = client.post("/_recommend", body + "}").ok();
        JsonNode searched = client.post("/_recommend", body + ", \"filter\": {\"match_all\": {}}}")
                .ok();
        assertEquals(
                searched.path("recommendations"),
                read.path("recommendations"),
                "the shard read and the search give one shelf");
        return read;
    }

    /** The categories a shelf's text names (in a reason or an explanation). */
    private static Set<String> namedCategories(JsonNode shelf) {
        Set<String> named = new HashSet<>();
        for (String c : FLS_CATEGORIES) {
            if (shelf.toString().contains("\"" + c + "\"")) {
                named.add(c);
            }
        }
        return named;
    }

    @Test
    void underFieldLevelSecurityAHiddenAttributeReadsAsAbsentOnBothPaths() {
        JsonNode open = sameOnBothPaths(admin);
        assertEquals(
                Set.of(FLS_CATEGORIES.get(2)),
                namedCategories(open),
                "a caller who reads the attribute gets its affinity reason: " + open);
        JsonNode hidden = sameOnBothPaths(noCategory);
        assertEquals(10, hidden.path("recommendations").size(), hidden.toString());
        assertEquals(Set.of(), namedCategories(hidden), "a hidden attribute is never named: " + hidden);
        assertNotEquals(
                recommendationIds(open),
                recommendationIds(hidden),
                "the attribute shapes this shelf (affinity, diversity): the test would prove nothing");
    }

    @Test
    void underFieldLevelSecurityAHiddenIdFieldFindsNoItemOnBothPaths() {
        assertEquals(10, sameOnBothPaths(admin).path("recommendations").size());
        JsonNode hidden = sameOnBothPaths(noSku);
        assertEquals(
                0,
                hidden.path("recommendations").size(),
                "no item is found by an id field the caller cannot read: " + hidden);
    }

    @Test
    void underDocumentAndFieldLevelSecurityTogetherAShelfNamesReadableItemsWithoutTheHiddenAttribute() {
        JsonNode hidden = sameOnBothPaths(dlsNoCategory);
        Set<String> named = namedIds(hidden);
        assertFalse(named.isEmpty(), hidden.toString());
        assertEquals(named, visibleTo(dlsNoCategory, "sec-fls", named), "the shelf names hidden items: " + hidden);
        assertTrue(named.stream().noneMatch(id -> id.startsWith("2")), named.toString());
        assertEquals(Set.of(), namedCategories(hidden), "a hidden attribute is never named: " + hidden);
        assertTrue(
                namedIds(sameOnBothPaths(admin)).stream().anyMatch(id -> id.startsWith("2")),
                "the admin's shelf names items the DLS role hides: the test would prove nothing");
    }

    /**
     * A catalogue named by a data stream, by an alias of its one index, or by an alias of two indices holding its
     * products: every caller gets the shelf the catalogue named by its index gives them, on both paths, under field-
     * and document-level security as without. The alias of one index is read by shard as the index is (no search of
     * it); a data stream and an alias of two indices are searched (the shard read takes one index).
     */
    @Test
    void aCatalogueNamedByADataStreamOrAnAliasGivesTheShelfItsIndexGives() {
        Map<String, EsClient> callers = new TreeMap<>(
                Map.of("admin", admin, "nocategory", noCategory, "nosku", noSku, "dlsnocategory", dlsNoCategory));
        callers.forEach((name, caller) -> {
            JsonNode byIndex = sameOnBothPaths(caller);
            FLS_NAMES.forEach((model, catalogue) -> assertEquals(
                    byIndex.path("recommendations"),
                    sameOnBothPaths(caller, model).path("recommendations"),
                    name + " through " + catalogue));
        });
        String shelf = "{\"user_id\": \"fls-shopper\", \"size\": 10, \"model\": ";
        assertEquals(0, searchesOf("sec-fls", () -> admin.post("/_recommend", shelf + "\"flsshop\"}")
                .ok()));
        assertEquals(0, searchesOf("sec-fls", () -> admin.post("/_recommend", shelf + "\"flsshop-one\"}")
                .ok()));
        assertTrue(searchesOf("sec-fls-stream", () -> admin.post("/_recommend", shelf + "\"flsshop-stream\"}")
                        .ok())
                > 0);
        assertTrue(searchesOf("sec-fls-two", () -> admin.post("/_recommend", shelf + "\"flsshop-two\"}")
                        .ok())
                > 0);
    }

    /** How many shard searches of {@code catalogue} (its query phases, as its stats count them) {@code shelf} made. */
    private static long searchesOf(String catalogue, Runnable shelf) {
        long before = admin.searchQueries(catalogue);
        shelf.run();
        return admin.searchQueries(catalogue) - before;
    }

    private static void assertForbidden(EsClient.Response response) {
        assertEquals(403, response.status(), response.body());
        assertFalse(response.reason().isEmpty(), response.body());
    }

    private static List<String> ids(JsonNode search) {
        return search.path("hits").path("hits").findValuesAsText("_id");
    }

    static JsonNode waitForTask(EsClient client, String task) {
        for (int i = 0; i < 600; i++) {
            JsonNode status = client.get("/_tasks/" + task).json();
            if (status.path("completed").asBoolean()) {
                return status;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("task " + task + " did not complete");
    }
}
