package io.personalize.it.model;

import static io.personalize.it.model.Models.assertError;
import static io.personalize.it.model.Models.dataIndices;
import static io.personalize.it.model.Models.path;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two imports into one model at once: the second is refused with a 409 naming the running one, leaves no index behind,
 * and the first becomes the active version, whole.
 */
class ConcurrentImportIT {

    @RegisterExtension
    static final SyntheticModel SHOP = new SyntheticModel("ci", 100);

    static final String MODEL = SHOP.model();
    private static final EsClient es = SHOP.es();

    /** {@code users} user lines and a popular list: 300,000 users take seconds to write, long enough to overlap. */
    private static String lines(String prefix, int users) {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < users; i++) {
            lines.append("{\"user\": \"")
                    .append(prefix)
                    .append(i)
                    .append("\", \"history\": [\"i1\"], \"history_weights\": [1.0], ")
                    .append("\"items\": [\"i2\"], \"scores\": [0.5], \"because\": [\"i1\"]}\n");
        }
        return lines.append("{\"popular\": [\"i1\", \"i2\"], \"scores\": [2.0, 1.0]}\n")
                .toString();
    }

    @Test
    void aSecondImportWhileOneRunsIsA409AndTheFirstActivatesWhole() throws Exception {
        String big = lines("first", 300_000);
        CompletableFuture<EsClient.Response> first =
                CompletableFuture.supplyAsync(() -> es.ndjson(path(MODEL) + "/_import", big));
        // the second is sent only once the model's status shows the first running
        long deadline = System.currentTimeMillis() + 300_000;
        while (true) {
            JsonNode importing = Models.status(es, MODEL).path("import");
            assertFalse(first.isDone(), "the first import ended before a second could overlap it: " + importing);
            if (importing.path("state").asText().equals("running")) {
                break;
            }
            assertTrue(System.currentTimeMillis() < deadline, "the first import never started: " + importing);
            Models.sleep(20);
        }
        assertError(
                es.ndjson(path(MODEL) + "/_import", lines("second", 10)),
                409,
                "is already importing",
                "a second import while the first runs");

        JsonNode version = first.get().ok().path("version");
        JsonNode status = Models.status(es, MODEL);
        assertEquals(
                version.path("version").asLong(), status.path("active_version").asLong(), status.toString());
        assertEquals("succeeded", status.path("import").path("state").asText(), status.toString());
        // the refused import reserved no version and wrote no index: the first import's is the only one
        assertEquals(
                version.path("version").asLong(), status.path("last_version").asLong(), status.toString());
        assertEquals(
                Set.of(version.path("index").asText()),
                dataIndices(es, MODEL).keySet(),
                "one version index, the first import's");
        JsonNode shelf = es.post("/_recommend", "{\"model\": \"" + MODEL + "\", \"user_id\": \"first299999\"}")
                .ok();
        assertEquals(
                "i2",
                shelf.path("recommendations").path(0).path("item_id").asText(),
                "the last user of the first import is served: " + shelf);
    }
}
