package io.personalize.it.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/** What the models tests share: the API's paths, error assertions, tasks, and the model's system indices. */
final class Models {

    private Models() {}

    static String path(String model) {
        return "/_recommend/models/" + model;
    }

    /** The model as GET answers it; fails unless 200. */
    static JsonNode get(EsClient es, String model) {
        return es.get(path(model)).ok();
    }

    static JsonNode status(EsClient es, String model) {
        return get(es, model).path("status");
    }

    /**
     * Asserts an error answer: its status, a non-empty reason (error.reason) that contains {@code reasonPart}. Every
     * 4xx of the API must say what is wrong; a 5xx is a bug whatever the request.
     */
    static String assertError(EsClient.Response response, int status, String reasonPart, String what) {
        assertTrue(
                response.status() < 500,
                what + ": a 5xx is a bug in the plugin: " + response.status() + " " + response.body());
        assertEquals(status, response.status(), what + " -> " + response.body());
        String reason = response.reason();
        assertFalse(reason == null || reason.isBlank(), what + ": no reason in " + response.body());
        assertTrue(
                reason.contains(reasonPart),
                what + ": the reason [" + reason + "] does not contain [" + reasonPart + "]");
        return reason;
    }

    /** The "for you" shelf of {@code user} as {@code es} serves it from {@code model}: the {@code _recommend} answer. */
    static JsonNode recommend(EsClient es, String model, String user) {
        return es.post("/_recommend", "{\"model\": \"" + model + "\", \"user_id\": \"" + user + "\"}")
                .ok();
    }

    /** Version index name to document count, for every stored index of the model (system indices included). */
    static Map<String, Long> dataIndices(EsClient es, String model) {
        // model names have no '.': this matches this model's version indices only, of every incarnation
        JsonNode rows = es.get("/_cat/indices/.personalize-data-" + model
                        + ".*?expand_wildcards=all&format=json&h=index,docs.count")
                .ok();
        Map<String, Long> indices = new TreeMap<>();
        for (JsonNode row : rows) {
            indices.put(row.path("index").asText(), row.path("docs.count").asLong());
        }
        return indices;
    }

    /** The index of a version of the model as it is now (its name carries the model's uuid: a new one per creation). */
    static String dataIndex(EsClient es, String model, long version) {
        String uuid = status(es, model).path("uuid").asText();
        assertTrue(uuid.matches("[0-9a-f]{16}"), "the model's uuid: " + uuid);
        return ".personalize-data-" + model + "." + uuid + ".v" + version;
    }

    /** Starts a training with wait_for_completion=false; answers the task id. */
    static String trainAsync(EsClient es, String model) {
        JsonNode started =
                es.post(path(model) + "/_train?wait_for_completion=false", null).ok();
        String task = started.path("task").asText();
        assertTrue(task.matches("[^:]+:\\d+"), "a task id: " + started);
        return task;
    }

    /** Polls GET _tasks/<id> every 50 ms until {@code until} holds (or the task completed); answers the last answer. */
    static JsonNode pollTask(
            EsClient es, String task, Predicate<JsonNode> until, long timeoutMillis, List<JsonNode> seen) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (true) {
            JsonNode answer = es.get("/_tasks/" + task).ok();
            if (seen != null) {
                seen.add(answer);
            }
            if (until.test(answer) || answer.path("completed").asBoolean()) {
                return answer;
            }
            if (System.currentTimeMillis() > deadline) {
                fail("task " + task + " did not get there in " + timeoutMillis + " ms: " + answer);
            }
            sleep(50);
        }
    }

    /** Waits for the task to complete and answers its final GET _tasks/<id> (with "response" or "error"). */
    static JsonNode awaitTask(EsClient es, String task, long timeoutMillis) {
        JsonNode done = pollTask(es, task, t -> false, timeoutMillis, null);
        assertTrue(done.path("completed").asBoolean(), "completed: " + done);
        return done;
    }

    /** The phases a list of GET _tasks answers showed, in order, without repeats. */
    static List<String> phases(List<JsonNode> answers) {
        List<String> phases = new ArrayList<>();
        for (JsonNode answer : answers) {
            String phase = answer.path("task").path("status").path("phase").asText(null);
            if (phase != null
                    && (phases.isEmpty() || phases.get(phases.size() - 1).equals(phase) == false)) {
                phases.add(phase);
            }
        }
        return phases;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
