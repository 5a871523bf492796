package io.personalize.it.forget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personalize.bench.SyntheticEvents;
import io.personalize.it.EsClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A synthetic shop for the forgetting tests: events of a Zipf-like log (user {@code u1} has the most), a catalogue of
 * item ids, a model; and what a forgotten shopper must no longer get: {@code because_you_viewed} reasons on a shelf, a
 * personalized rescore.
 */
final class ForgetShop {

    /** The shopper with the most events: their profile has a long history. */
    static final String SHOPPER = "u1";
    /** A user id the model never saw: what a forgotten shopper must look like. */
    static final String NOBODY = "nobody-at-all";

    final EsClient es;
    final String model;
    final String events;
    final String items;
    final SyntheticEvents log;

    ForgetShop(EsClient es, String model, SyntheticEvents log) {
        this.es = es;
        this.model = model;
        this.events = model + "-events";
        this.items = model + "-items";
        this.log = log;
    }

    /** Loads the events and the catalogue, and puts the model (not trained). */
    ForgetShop load() throws Exception {
        es.delete("/_recommend/models/" + model);
        SyntheticEvents.createIndex(es, events);
        log.load(es, events, 2, 20_000, loaded -> {});
        SyntheticEvents.createCatalog(es, items, log.items());
        assertEquals(
                201,
                es.put("/_recommend/models/" + model, SyntheticEvents.modelConfig(items, events))
                        .status());
        return this;
    }

    void cleanUp() {
        es.delete("/_recommend/models/" + model);
        es.delete("/" + events);
        es.delete("/" + items);
    }

    JsonNode train() {
        return es.post("/_recommend/models/" + model + "/_train", null).ok();
    }

    /** Deletes the shopper's events, as the README asks a shop to do when it forgets one. */
    void deleteEvents(String user) {
        // this distribution has no _delete_by_query (no reindex module): search the ids, delete them in bulk, again
        while (true) {
            es.refresh(events);
            JsonNode hits = es.post(
                            "/" + events + "/_search",
                            "{\"size\": 10000, \"_source\": false, \"query\": {\"term\": {\"user_id\": \"" + user
                                    + "\"}}}")
                    .ok()
                    .path("hits")
                    .path("hits");
            if (hits.isEmpty()) {
                return;
            }
            StringBuilder bulk = new StringBuilder();
            hits.forEach(hit -> bulk.append("{\"delete\": {\"_id\": ")
                    .append(EsClient.toJson(hit.path("_id").asText()))
                    .append("}}\n"));
            JsonNode response = es.ndjson("/" + events + "/_bulk?refresh=true", bulk.toString())
                    .ok();
            assertTrue(response.path("errors").asBoolean() == false, response.toString());
        }
    }

    EsClient.Response forget(EsClient node, String user) {
        return node.delete("/_recommend/models/" + model + "/users/" + user);
    }

    /** A shelf of 20 with reasons, through {@code node}. */
    JsonNode shelf(EsClient node, String user) {
        return node.post(
                        "/_recommend",
                        "{\"model\": \"" + model + "\", \"user_id\": \"" + user
                                + "\", \"size\": 20, \"explain\": true}")
                .ok();
    }

    static List<String> items(JsonNode shelf) {
        List<String> items = new ArrayList<>();
        shelf.path("recommendations").forEach(r -> items.add(r.path("item_id").asText()));
        return items;
    }

    /** How many reasons of the shelf are {@code because_you_viewed} (from the shopper's history). */
    static long becauseYouViewed(JsonNode shelf) {
        long n = 0;
        for (JsonNode r : shelf.path("recommendations")) {
            for (JsonNode reason : r.path("reasons")) {
                if (reason.path("type").asText().equals("because_you_viewed")) {
                    n++;
                }
            }
        }
        return n;
    }

    /** The ids and scores of the catalogue's first 30 hits, rescored for {@code user}, through {@code node}. */
    List<String> rescored(EsClient node, String user) {
        ObjectNode body = EsClient.object().put("size", 30).put("_source", false);
        body.putObject("query").putObject("match_all");
        body.putObject("rescore")
                .put("window_size", 200)
                .putObject("personalize")
                .put("model", model)
                .put("user_id", user);
        List<String> hits = new ArrayList<>();
        for (JsonNode hit :
                node.post("/" + items + "/_search", body).ok().path("hits").path("hits")) {
            hits.add(hit.path("_id").asText() + "="
                    + String.format(Locale.ROOT, "%.5f", hit.path("_score").asDouble()));
        }
        assertTrue(hits.size() == 30, "the catalogue has more than 30 items: " + hits);
        return hits;
    }

    /** The user's profile document in a version index, or null when there is none. */
    JsonNode storedProfile(long version, String user) {
        EsClient.Response get = es.get("/" + dataIndex(version) + "/_doc/u:" + user);
        JsonNode answer = get.json();
        if (get.status() == 404 && answer.path("found").isBoolean()) {
            return null;
        }
        assertEquals(200, get.status(), get.body());
        return answer.path("_source");
    }

    /** The index of a stored version, as the model's status names it (the name carries the model's uuid). */
    String dataIndex(long version) {
        for (JsonNode stored : status().path("versions")) {
            if (stored.path("version").asLong() == version) {
                return stored.path("index").asText();
            }
        }
        throw new AssertionError("model [" + model + "] has no version [" + version + "]: " + status());
    }

    JsonNode status() {
        return es.get("/_recommend/models/" + model).ok().path("status");
    }

    /** When the cluster state says the user was forgotten from the model, or 0. */
    long forgottenAt(EsClient node, String user) {
        JsonNode metadata = node.get(
                        "/_cluster/state/metadata?local=true&filter_path=metadata.personalize_forgotten_users")
                .ok();
        return metadata.path("metadata")
                .path("personalize_forgotten_users")
                .path("models")
                .path(model)
                .path(user)
                .asLong(0);
    }
}
