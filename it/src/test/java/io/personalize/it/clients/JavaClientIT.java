package io.personalize.it.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.Refresh;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import co.elastic.clients.elasticsearch.core.search.Rescore;
import co.elastic.clients.json.JsonData;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest5_client.Rest5ClientTransport;
import co.elastic.clients.transport.rest5_client.low_level.Request;
import co.elastic.clients.transport.rest5_client.low_level.Response;
import co.elastic.clients.transport.rest5_client.low_level.Rest5Client;
import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import io.personalize.it.Shop;
import io.personalize.it.StoreShop;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The plugin from Elastic's official Java API client ({@code co.elastic.clients:elasticsearch-java} 9.5.2), as a
 * shop's Java application would call it: the rescorer through the typed search API (a rescore of a kind the client does
 * not know is a {@code _custom} one), inside the typed {@code rescorer} retriever, and {@code _recommend} and the model
 * APIs through the low-level REST client the typed client wraps (it has no types for a plugin's endpoints); the events
 * are documents of an ordinary index, written with the typed {@code index} API. Results are compared with the same
 * requests sent as plain JSON.
 */
class JavaClientIT {

    private static final String MODEL = "st-java";

    private static EsClient es;
    private static Rest5Client rest;
    private static ElasticsearchClient client;

    @BeforeAll
    static void connect() {
        es = StoreShop.es();
        // the README's setup: one low-level client, the typed client on top of it
        rest = Rest5Client.builder(URI.create(es.baseUrl())).build();
        client = new ElasticsearchClient(new Rest5ClientTransport(rest, new JacksonJsonpMapper()));
    }

    @AfterAll
    static void close() throws IOException {
        if (rest != null) {
            rest.close();
        }
    }

    /** The personalize rescorer's body, as the typed client takes it: any JSON-mappable object. */
    static Rescore personalize(String user, int window) {
        return Rescore.of(
                r -> r.windowSize(window)._custom("personalize", Map.of("model", StoreShop.MODEL, "user_id", user)));
    }

    static List<String> ids(SearchResponse<JsonData> response) {
        return response.hits().hits().stream().map(Hit::id).toList();
    }

    static List<String> rawIds(String body) {
        List<String> ids = new ArrayList<>();
        es.post("/" + StoreShop.PRODUCTS + "/_search", body)
                .ok()
                .path("hits")
                .path("hits")
                .forEach(h -> ids.add(h.path("_id").asText()));
        return ids;
    }

    static JsonNode json(Response response) throws IOException {
        try (InputStream in = response.getEntity().getContent()) {
            return EsClient.JSON.readTree(in);
        }
    }

    /** An answer of the low-level client: its status and JSON body. */
    record Answer(int status, JsonNode body) {}

    /**
     * A plugin endpoint through the low-level client: method, path, optional JSON body. The Rest5Client of 9.5.2 hands
     * back a 4xx as a response (it threw nothing here for a 400 or a 404): look at the status.
     */
    static Answer send(String method, String path, String body) throws IOException {
        Request request = new Request(method, path);
        if (body != null) {
            request.setJsonEntity(body);
        }
        Response response = rest.performRequest(request);
        return new Answer(response.getStatusCode(), json(response));
    }

    /** The JSON body of a 2xx answer; fails on any other status. */
    static JsonNode call(String method, String path, String body) throws IOException {
        Answer answer = send(method, path, body);
        assertTrue(answer.status() >= 200 && answer.status() < 300, method + " " + path + ": " + answer);
        return answer.body();
    }

    @Test
    void theRescorerFromTheTypedSearchApi() throws IOException {
        for (String user : List.of(StoreShop.SHOPPER_A, StoreShop.SHOPPER_B)) {
            SearchResponse<JsonData> typed = client.search(
                    s -> s.index(StoreShop.PRODUCTS)
                            .size(10)
                            .query(q -> q.match(m -> m.field("title").query("heart holder")))
                            .rescore(personalize(user, 100)),
                    JsonData.class);
            List<String> raw = rawIds(String.format(Locale.ROOT, """
                {"size": 10, "query": {"match": {"title": "heart holder"}},
                 "rescore": {"window_size": 100, "personalize": {"model": "%s", "user_id": "%s"}}}""", StoreShop.MODEL, user));
            assertEquals(raw, ids(typed), "the typed client's search is the JSON one, for shopper " + user);
        }
        SearchResponse<JsonData> bm25 = client.search(
                s -> s.index(StoreShop.PRODUCTS)
                        .size(10)
                        .query(q -> q.match(m -> m.field("title").query("heart holder"))),
                JsonData.class);
        SearchResponse<JsonData> personalized = client.search(
                s -> s.index(StoreShop.PRODUCTS)
                        .size(10)
                        .query(q -> q.match(m -> m.field("title").query("heart holder")))
                        .rescore(personalize(StoreShop.SHOPPER_A, 100)),
                JsonData.class);
        assertNotEquals(ids(bm25), ids(personalized), "the rescorer re-ranked");
    }

    @Test
    void theRescorerInsideTheTypedRescorerRetriever() throws IOException {
        SearchResponse<JsonData> retriever = client.search(
                s -> s.index(StoreShop.PRODUCTS)
                        .size(10)
                        .retriever(r -> r.rescorer(rr -> rr.retriever(c -> c.standard(st -> st.query(
                                        q -> q.match(m -> m.field("title").query("heart holder")))))
                                .rescore(personalize(StoreShop.SHOPPER_B, 100)))),
                JsonData.class);
        List<String> raw = rawIds(String.format(Locale.ROOT, """
            {"size": 10, "query": {"match": {"title": "heart holder"}},
             "rescore": {"window_size": 100, "personalize": {"model": "%s", "user_id": "%s"}}}""", StoreShop.MODEL, StoreShop.SHOPPER_B));
        assertEquals(raw, ids(retriever));
    }

    @Test
    void recommendThroughTheLowLevelClient() throws IOException {
        JsonNode posted =
                call("POST", "/_recommend", String.format(Locale.ROOT, """
            {"model": "%s", "user_id": "%s", "size": 5, "_source": ["title"]}""", StoreShop.MODEL, StoreShop.SHOPPER_A));
        JsonNode expected = es.post(
                        "/_recommend", String.format(Locale.ROOT, """
                        {"model": "%s", "user_id": "%s", "size": 5, "_source": ["title"]}""", StoreShop.MODEL, StoreShop.SHOPPER_A))
                .ok();
        assertEquals(5, posted.path("recommendations").size());
        assertEquals(expected.path("recommendations"), posted.path("recommendations"));

        Request get = new Request("GET", "/_recommend");
        get.addParameter("model", StoreShop.MODEL);
        get.addParameter("item_ids", "22423");
        get.addParameter("size", "4");
        JsonNode similar = json(rest.performRequest(get));
        assertEquals(4, similar.path("recommendations").size());
        assertEquals(
                "similar_to",
                similar.path("recommendations")
                        .path(0)
                        .path("reasons")
                        .path(0)
                        .path("type")
                        .asText());

        // an error is an answer with Elasticsearch's status and reason
        Answer missing = send("POST", "/_recommend", "{\"model\": \"no-such-model\", \"user_id\": \"u\"}");
        assertEquals(404, missing.status());
        assertTrue(missing.body().path("error").path("reason").asText().contains("no-such-model"), missing.toString());
    }

    @Test
    void aViewEventWrittenWithTheTypedIndexApiCountsAtOnce() throws IOException {
        String visitor = "java-client-visitor-" + System.nanoTime();
        JsonNode before = call("POST", "/_recommend", String.format(Locale.ROOT, """
            {"model": "%s", "user_id": "%s", "size": 5}""", StoreShop.MODEL, visitor));
        assertEquals(
                "popular",
                before.path("recommendations")
                        .path(0)
                        .path("reasons")
                        .path(0)
                        .path("type")
                        .asText());
        client.index(i -> i.index(StoreShop.EVENTS)
                .document(Map.of(
                        "user_id",
                        visitor,
                        "sku",
                        "22423",
                        "type",
                        "view",
                        "@timestamp",
                        Instant.now().toString()))
                .refresh(Refresh.WaitFor));
        JsonNode after = call("POST", "/_recommend", String.format(Locale.ROOT, """
            {"model": "%s", "user_id": "%s", "size": 5}""", StoreShop.MODEL, visitor));
        JsonNode reason = after.path("recommendations").path(0).path("reasons").path(0);
        assertEquals("because_you_viewed", reason.path("type").asText(), after.toString());
        assertEquals("22423", reason.path("item_id").asText());
    }

    @Test
    void theModelApisThroughTheLowLevelClient() throws IOException {
        es.delete("/_recommend/models/" + MODEL);
        JsonNode put =
                call("PUT", "/_recommend/models/" + MODEL, Shop.modelConfig(StoreShop.PRODUCTS, StoreShop.EVENTS));
        assertTrue(put.path("created").asBoolean(), put.toString());
        JsonNode trained = call("POST", "/_recommend/models/" + MODEL + "/_train", null);
        long version = trained.path("version").path("version").asLong();
        assertTrue(version >= 1, trained.toString());
        JsonNode status = call("GET", "/_recommend/models/" + MODEL, null);
        assertEquals(version, status.path("status").path("active_version").asLong());
        JsonNode all = call("GET", "/_recommend/models", null);
        assertTrue(all.path("models").size() >= 2);
        JsonNode stats = call("GET", "/_recommend/_stats", null);
        assertTrue(stats.path("nodes").size() >= 1);
        call("DELETE", "/_recommend/models/" + MODEL, null);
        assertEquals(404, send("GET", "/_recommend/models/" + MODEL, null).status());
    }
}
