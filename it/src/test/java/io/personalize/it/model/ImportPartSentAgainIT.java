package io.personalize.it.model;

import static io.personalize.it.model.Models.assertError;
import static io.personalize.it.model.Models.dataIndices;
import static io.personalize.it.model.Models.path;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.bench.SyntheticEvents;
import io.personalize.it.EsClient;
import io.personalize.it.RealCluster;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An import-session part sent again while its earlier attempt is still being written (a client that lost the answer
 * and retries at once, or two senders of the same part): the second answers 409, the first goes on; once the first
 * answered, the part sent again replaces it; the completed session holds exactly one copy of the part's documents and
 * the model serves them. The part is large (80,000 users, about 20 MB) so that writing it takes seconds: the test sees
 * it {@code writing} in the session's status before it sends the part again, and still {@code writing} after the 409.
 */
class ImportPartSentAgainIT {

    private static final String EVENTS = "ipa-events";
    private static final String ITEMS = "ipa-items";
    private static final String MODEL = "ipa-model";
    private static final int ITEM_COUNT = 50;
    private static final int USERS = 80_000;

    private static EsClient es;

    @BeforeAll
    static void shop() {
        es = RealCluster.single().any();
        SyntheticEvents.createIndex(es, EVENTS);
        SyntheticEvents.createCatalog(es, ITEMS, ITEM_COUNT);
        es.delete(path(MODEL));
        assertEquals(
                201,
                es.put(path(MODEL), SyntheticEvents.modelConfig(ITEMS, EVENTS)).status());
    }

    @AfterAll
    static void cleanUp() {
        if (es != null) {
            es.delete(path(MODEL));
            es.delete("/" + EVENTS);
            es.delete("/" + ITEMS);
        }
    }

    private static String item(int i) {
        return "i" + (1 + Math.floorMod(i, ITEM_COUNT));
    }

    private static String users() {
        StringBuilder lines = new StringBuilder();
        for (int u = 0; u < USERS; u++) {
            lines.append("{\"user\": \"u")
                    .append(u)
                    .append("\", \"history\": [\"")
                    .append(item(u));
            lines.append("\"], \"history_weights\": [1.0], \"items\": [");
            for (int k = 1; k <= 5; k++) {
                lines.append(k > 1 ? ", " : "").append('"').append(item(u + k)).append('"');
            }
            lines.append("], \"scores\": [0.9, 0.8, 0.7, 0.6, 0.5], \"because\": [");
            for (int k = 1; k <= 5; k++) {
                lines.append(k > 1 ? ", " : "").append('"').append(item(u)).append('"');
            }
            lines.append("]}\n");
        }
        return lines.toString();
    }

    private static String items() {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < ITEM_COUNT; i++) {
            lines.append("{\"item\": \"")
                    .append(item(i))
                    .append("\", \"neighbors\": [\"")
                    .append(item(i + 1))
                    .append("\"], \"scores\": [0.5], \"popularity\": 1.0}\n");
        }
        return lines.append("{\"popular\": [\"i1\", \"i2\"], \"scores\": [2.0, 1.0]}\n")
                .toString();
    }

    private static EsClient.Response part(String session, int part, String lines) {
        return es.send("PUT", path(MODEL) + "/_import/" + session + "/" + part, lines, "application/x-ndjson");
    }

    /** The state of part {@code number} in the session's status, or "" when it has not arrived. */
    private static String partState(String session, int number) {
        for (JsonNode part : es.get(path(MODEL) + "/_import/" + session).ok().path("parts")) {
            if (part.path("part").asInt() == number) {
                return part.path("state").asText();
            }
        }
        return "";
    }

    @Test
    void aPartSentAgainWhileItsEarlierAttemptIsWrittenAnswers409AndTheImportHoldsOneCopy() throws Exception {
        String session = es.post(path(MODEL) + "/_import/_session", null)
                .ok()
                .path("session")
                .asText();
        part(session, 1, items()).ok();
        String big = users();
        System.out.println("ImportPartSentAgainIT: part 2 is " + big.getBytes(StandardCharsets.UTF_8).length
                + " bytes, " + USERS + " lines");

        ExecutorService senders = Executors.newFixedThreadPool(3);
        try {
            // the first attempt, from a thread; the part is being written once the session's status says so
            CompletableFuture<EsClient.Response> first =
                    CompletableFuture.supplyAsync(() -> part(session, 2, big), senders);
            long deadline = System.currentTimeMillis() + 120_000;
            while (partState(session, 2).equals("writing") == false) {
                assertTrue(
                        first.isDone() == false,
                        "the first attempt answered before it was seen writing: "
                                + (first.isDone() ? first.join().body() : ""));
                assertTrue(System.currentTimeMillis() < deadline, "part 2 was never seen being written");
                Models.sleep(20);
            }
            // sent again meanwhile: 409, and the earlier attempt goes on (still writing after the answer)
            // (bounded: an attempt written beside the first one would answer only once written, or never)
            EsClient.Response again = CompletableFuture.supplyAsync(() -> part(session, 2, big), senders)
                    .get(120, TimeUnit.SECONDS);
            assertError(again, 409, "part [2] is being written", "a part sent again while it is written");
            boolean stillWriting = partState(session, 2).equals("writing");
            // completing meanwhile is refused too
            assertError(
                    es.post(path(MODEL) + "/_import/" + session + "/_complete", null),
                    409,
                    "being written",
                    "a completion while a part is written");
            JsonNode firstAnswer = first.get(300, TimeUnit.SECONDS).ok();
            assertTrue(stillWriting, "the 409 came while the first attempt was being written");
            assertEquals(USERS, firstAnswer.path("parts").get(1).path("users").asLong(), firstAnswer.toString());

            // the same part from two senders at once: one writes it (replacing the first attempt), the other gets 409
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<EsClient.Response>> both = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                both.add(CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                go.await();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                throw new IllegalStateException(e);
                            }
                            return part(session, 2, big);
                        },
                        senders));
            }
            go.countDown();
            List<Integer> statuses = new ArrayList<>();
            for (CompletableFuture<EsClient.Response> answer : both) {
                EsClient.Response r = answer.get(300, TimeUnit.SECONDS);
                statuses.add(r.status());
                if (r.status() == 409) {
                    assertError(r, 409, "part [2] is being written", "the same part from two senders at once");
                } else {
                    assertEquals(200, r.status(), r.body());
                }
            }
            // which one wins is a race: the second body may arrive while the first is written (409) or after it
            // (200, a replacement); never both refused, and never two copies (checked once completed, below)
            assertTrue(statuses.contains(200), "one sender writes the part: " + statuses);
        } finally {
            senders.shutdownNow();
        }

        // both done: the session completes with exactly one copy of the part
        JsonNode status = es.get(path(MODEL) + "/_import/" + session).ok();
        assertEquals(ITEM_COUNT + USERS + 1, status.path("lines").asLong(), status.toString());
        JsonNode completed = es.post(path(MODEL) + "/_import/" + session + "/_complete?parts=2", null)
                .ok();
        JsonNode version = completed.path("version");
        assertEquals(USERS, version.path("users").asLong(), completed.toString());
        assertEquals(ITEM_COUNT, version.path("items").asLong(), completed.toString());
        String index = version.path("index").asText();
        Map<String, Long> indices = dataIndices(es, MODEL);
        assertEquals(Map.of(index, (long) ITEM_COUNT + USERS + 1), indices, "one copy of every document");
        // the model serves the part's users
        for (int u : new int[] {0, USERS / 2, USERS - 1}) {
            JsonNode shelf = es.post("/_recommend", "{\"model\": \"" + MODEL + "\", \"user_id\": \"u" + u + "\"}")
                    .ok();
            assertEquals(
                    item(u + 1),
                    shelf.path("recommendations").get(0).path("item_id").asText(),
                    shelf.toString());
        }
    }
}
