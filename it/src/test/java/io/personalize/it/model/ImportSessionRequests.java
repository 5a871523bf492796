package io.personalize.it.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.bench.SyntheticEvents;
import io.personalize.it.EsClient;
import io.personalize.it.RealCluster;
import io.personalize.it.ShelfAnswers;
import java.util.List;

/**
 * The REST calls of an import session ({@code _import/_session}, its parts) and the item lines of a synthetic model
 * whose item {@code i} has {@code i + 1} as its one neighbour, shared by the import session tests.
 */
final class ImportSessionRequests {

    static final String POPULAR = "{\"popular\": [\"i1\", \"i2\"], \"scores\": [2.0, 1.0]}\n";

    private final String model;
    private final int itemCount;

    ImportSessionRequests(String model, int itemCount) {
        this.model = model;
        this.itemCount = itemCount;
    }

    /** The id of item {@code i}, wrapping around the catalogue: i1 to i{itemCount}. */
    String item(int i) {
        return "i" + (1 + Math.floorMod(i, itemCount));
    }

    /** A line per item: its one neighbour is the next item. */
    String items() {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < itemCount; i++) {
            lines.append("{\"item\": \"")
                    .append(item(i))
                    .append("\", \"neighbors\": [\"")
                    .append(item(i + 1))
                    .append("\"], \"scores\": [0.5], \"popularity\": 1.0}\n");
        }
        return lines.toString();
    }

    /**
     * A line per user {@code from} to {@code to}: user {@code u} bought item {@code u}, and is recommended the items
     * {@code u + 1 + shift} and {@code u + 2 + shift}, both because of item {@code u} (a shift tells versions apart).
     */
    String users(int from, int to, int shift) {
        StringBuilder lines = new StringBuilder();
        for (int u = from; u < to; u++) {
            lines.append("{\"user\": \"u")
                    .append(u)
                    .append("\", \"history\": [\"")
                    .append(item(u))
                    .append("\"], \"history_weights\": [1.0], \"items\": [\"")
                    .append(item(u + 1 + shift))
                    .append("\", \"")
                    .append(item(u + 2 + shift))
                    .append("\"], \"scores\": [0.9, 0.8], \"because\": [\"")
                    .append(item(u))
                    .append("\", \"")
                    .append(item(u))
                    .append("\"]}\n");
        }
        return lines.toString();
    }

    /**
     * The shop of a 3-node test: an empty events index and a catalogue of the requests' items, with a copy of each on
     * every node (a node may die; the model's own indices have one on every node already); answers once green.
     */
    void shopOnEveryNode(RealCluster.Nodes cluster, String items, String events) {
        EsClient es = cluster.any();
        SyntheticEvents.createIndex(es, events);
        SyntheticEvents.createCatalog(es, items, itemCount);
        es.put("/" + items + "," + events + "/_settings", "{\"index\": {\"number_of_replicas\": 2}}")
                .ok();
        cluster.green();
    }

    /** Opens a session through {@code es}; answers its id. */
    String open(EsClient es) {
        JsonNode opened =
                es.post(Models.path(model) + "/_import/_session", null).ok();
        assertEquals("open", opened.path("state").asText(), opened.toString());
        return opened.path("session").asText();
    }

    /** Opens a session through {@code es} named by {@code importId} (sent again, it answers the same session). */
    EsClient.Response open(EsClient es, String importId) {
        return es.post(Models.path(model) + "/_import/_session?import_id=" + importId, null);
    }

    String sessionPath(String session) {
        return Models.path(model) + "/_import/" + session;
    }

    /** Sends part {@code part} of the session through {@code es}. */
    EsClient.Response part(EsClient es, String session, int part, String lines) {
        return es.send("PUT", sessionPath(session) + "/" + part, lines, "application/x-ndjson");
    }

    /** The shelf of a user, served by {@code es}: the ids of the items recommended. */
    List<String> shelf(EsClient es, String user) {
        return ShelfAnswers.items(Models.recommend(es, model, user));
    }
}
