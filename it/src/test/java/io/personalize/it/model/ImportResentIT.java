package io.personalize.it.model;

import static io.personalize.it.model.Models.assertError;
import static io.personalize.it.model.Models.dataIndices;
import static io.personalize.it.model.Models.path;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A one-request {@code _import} whose answer was lost, sent again by its client with the same body (as a REST client
 * does on a timeout or a lost connection). Without an {@code import_id} the node cannot tell a resend from a new
 * import: the resend is imported again, a second version with the same lines, which becomes active (measured here,
 * as the README says). With {@code ?import_id=}, the resend is answered 200 with the version the first made, {@code
 * "result": "noop"}: no second version, no index, the active version and {@code status.import} unchanged.
 */
class ImportResentIT {

    @RegisterExtension
    static final SyntheticModel SHOP = new SyntheticModel("ir", 100);

    static final String MODEL = SHOP.model();
    private static final EsClient es = SHOP.es();

    private static final String LINES = """
            {"item": "i1", "neighbors": ["i2"], "scores": [0.5], "popularity": 2.0}
            {"user": "u1", "history": ["i1"], "history_weights": [1.0], "items": ["i2"], "scores": [0.5], "because": ["i1"]}
            {"popular": ["i1", "i2"], "scores": [2.0, 1.0]}
            """;

    @Test
    void anImportSentAgainWithoutAnIdIsImportedAgainAsANewVersion() {
        JsonNode first = es.ndjson(path(MODEL) + "/_import", LINES).ok();
        long version = first.path("version").path("version").asLong();
        assertEquals("created", first.path("result").asText(), first.toString());

        JsonNode again = es.ndjson(path(MODEL) + "/_import", LINES).ok();

        // what a resend without an id does: a second version, the same lines, active
        assertEquals("created", again.path("result").asText(), again.toString());
        assertEquals(version + 1, again.path("version").path("version").asLong(), again.toString());
        JsonNode status = Models.status(es, MODEL);
        assertEquals(version + 1, status.path("active_version").asLong(), status.toString());
        assertEquals(
                first.path("version").path("users").asLong(),
                again.path("version").path("users").asLong(),
                "the same lines twice");
    }

    @Test
    void anImportSentAgainWithItsIdIsAnsweredWithTheVersionItMade() {
        String id = "nightly-2026-11-30";
        JsonNode first =
                es.ndjson(path(MODEL) + "/_import?import_id=" + id, LINES).ok();
        assertEquals("created", first.path("result").asText(), first.toString());
        JsonNode made = first.path("version");
        assertEquals(id, made.path("import_id").asText(), first.toString());
        JsonNode statusBefore = Models.status(es, MODEL);
        Map<String, Long> indicesBefore = dataIndices(es, MODEL);

        EsClient.Response again = es.ndjson(path(MODEL) + "/_import?import_id=" + id, LINES);

        assertEquals(200, again.status(), again.body());
        assertEquals("noop", again.json().path("result").asText(), again.body());
        assertEquals(made, again.json().path("version"), "the version the first made, as the first answered it");
        JsonNode statusAfter = Models.status(es, MODEL);
        assertEquals(statusBefore, statusAfter, "nothing changed: the active version, the versions, status.import");
        assertEquals(indicesBefore, dataIndices(es, MODEL), "no index made");

        // another import (another id) becomes active; the first id is still known while its version is kept
        JsonNode next = es.ndjson(path(MODEL) + "/_import?import_id=" + id + "-b", LINES)
                .ok();
        assertEquals(
                made.path("version").asLong() + 1,
                next.path("version").path("version").asLong(),
                next.toString());
        JsonNode late =
                es.ndjson(path(MODEL) + "/_import?import_id=" + id, LINES).ok();
        assertEquals("noop", late.path("result").asText(), late.toString());
        assertEquals(made, late.path("version"), late.toString());
        assertEquals(
                next.path("version").path("version").asLong(),
                Models.status(es, MODEL).path("active_version").asLong(),
                "the import sent late changes nothing: the newer version stays active");
    }

    @Test
    void aBlankOrTooLongImportIdIsA400NamingIt() {
        Map<String, Long> indicesBefore = dataIndices(es, MODEL);
        assertError(es.ndjson(path(MODEL) + "/_import?import_id=%20", LINES), 400, "[import_id]", "a blank id");
        assertError(
                es.ndjson(path(MODEL) + "/_import?import_id=" + "x".repeat(257), LINES),
                400,
                "[import_id] must be 1 to 256 characters",
                "an id of 257 characters");
        assertEquals(indicesBefore, dataIndices(es, MODEL), "nothing imported");
    }
}
