package io.personalize.it.model;

import static io.personalize.it.model.Models.dataIndices;
import static io.personalize.it.model.Models.path;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personalize.bench.SyntheticEvents;
import io.personalize.it.EsClient;
import io.personalize.it.RealCluster;
import io.personalize.it.ShelfAnswers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * What is active is whole, on 3 real nodes, when the node holding the primary of the plugin's models index (where the
 * activation's compare-and-set is written) is killed (kill -9) a few milliseconds after an import session's
 * {@code _complete} was sent to another node: the answer is the activation or a clear error, the model names one
 * active version whose index holds every line imported, every node serves it through {@code _recommend} and the
 * rescorer, no other index of the model is left beside the kept versions, and the same {@code _complete} sent again
 * leaves it so. The delays spread the kill over the completion: before its activation, during it, after it. A training
 * is put through the same: the primary's node killed as soon as the training shows its {@code writing}, then its
 * {@code activating} phase.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ActivationUnderFaultsIT {

    private static final String EVENTS = "auf-events";
    private static final String ITEMS = "auf-items";
    private static final String MODEL = "auf-model";
    private static final int ITEM_COUNT = 50;
    private static final int USERS = 200;
    /** Lines of one import: the items, the users, the popular list. */
    private static final long LINES = ITEM_COUNT + USERS + 1;
    /**
     * The kill's delay after the {@code _complete} is sent, one run each, as a share of how long a {@code _complete}
     * takes with nothing killed on this machine: from before its activation to about its end.
     */
    private static final double[] DELAYS = {0, 0.5, 0.95};

    /** The trained model's events: 3,000 synthetic ones of 200 shoppers on the catalogue's 50 items. */
    private static final SyntheticEvents TRAINING_LOG =
            new SyntheticEvents(3_000, USERS, ITEM_COUNT, SyntheticEvents.DEFAULT_SEED);

    private static final String TRAINING_EVENTS = "auf-training-events";
    private static final String TRAINED = "auf-trained";
    /**
     * The phases of a training at which the models index's primary is killed, one run each, as soon as the training's
     * task shows it (or a later one): its version being written, then activated.
     */
    private static final List<String> KILL_AT = List.of("writing", "activating");
    /** Shoppers whose shelves are compared, on every node, with those of the training nothing disturbed. */
    private static final List<String> SHOPPERS = List.of("u1", "u7", "u60");

    private static final ImportSessionRequests IMPORT = new ImportSessionRequests(MODEL, ITEM_COUNT);
    private static RealCluster.Nodes cluster;
    /** How long the {@code _complete} of the first import took, nothing killed. */
    private static long undisturbedMillis;

    @BeforeAll
    static void shop() {
        cluster = RealCluster.three();
        IMPORT.shopOnEveryNode(cluster, ITEMS, EVENTS);
        EsClient es = cluster.any();
        es.delete(path(MODEL));
        assertEquals(
                201,
                es.put(path(MODEL), SyntheticEvents.modelConfig(ITEMS, EVENTS)).status());
        // a version active before the first run, with nothing killed
        String session = IMPORT.open(es);
        IMPORT.part(es, session, 1, lines(0)).ok();
        long start = System.nanoTime();
        es.post(IMPORT.sessionPath(session) + "/_complete", null).ok();
        undisturbedMillis = millisSince(start);
        System.out.println("ActivationUnderFaultsIT: _complete with nothing killed: " + undisturbedMillis + " ms");
    }

    /** The lines of the import of run {@code run} (0 before the first): its users' items shifted by it. */
    private static String lines(int shift) {
        return IMPORT.items() + IMPORT.users(0, USERS, shift) + ImportSessionRequests.POPULAR;
    }

    @AfterAll
    static void cleanUp() {
        if (cluster == null) {
            return;
        }
        cluster.green();
        EsClient es = cluster.any();
        es.delete(path(MODEL));
        es.delete(path(TRAINED));
        es.delete("/" + EVENTS + "," + ITEMS + "," + TRAINING_EVENTS);
    }

    private static EsClient node(int i) {
        return cluster.nodes().get(i);
    }

    /** The node holding the primary of the models index. */
    private static int modelsPrimary() {
        for (JsonNode shard : cluster.any()
                .get("/_cat/shards/.personalize-models?format=json&h=prirep,state,node")
                .ok()) {
            if (shard.path("prirep").asText().equals("p")
                    && shard.path("state").asText().equals("STARTED")) {
                return RealCluster.Nodes.number(shard.path("node").asText());
            }
        }
        throw new AssertionError("no started primary of .personalize-models");
    }

    @Test
    @Order(1)
    void anActivationWhoseModelsPrimaryIsKilledIsWholeOnEveryNode() throws Exception {
        List<String> outcomes = new ArrayList<>();
        for (int run = 0; run < DELAYS.length; run++) {
            long delay = Math.round(DELAYS[run] * undisturbedMillis);
            int shift = run + 1;
            Kill kill = killModelsPrimaryDuring(
                    "run " + run,
                    run,
                    MODEL,
                    coordinator -> {
                        String session = IMPORT.open(node(coordinator));
                        IMPORT.part(node(coordinator), session, 1, lines(shift)).ok();
                        return IMPORT.sessionPath(session) + "/_complete?parts=1";
                    },
                    (coordinator, answering) -> {
                        Models.sleep(delay);
                        return "delay " + delay + " ms";
                    });
            EsClient.Response answer = kill.answer.response;
            String outcome = kill.outcome;
            long active = assertWhole(answer.status() == 200 ? answer.ok() : null, kill.before, run, outcome);
            // the same completion sent again changes nothing
            EsClient.Response again = node(kill.victim).post(kill.path, null);
            System.out.println(
                    "ActivationUnderFaultsIT: run " + run + ": sent again: " + again.status() + " " + again.body());
            if (answer.status() == 200) {
                Models.assertError(again, 404, "not found", "the completion sent again: " + outcome);
            } else {
                assertTrue(again.status() < 500, "sent again: " + again.status() + " " + again.body());
            }
            assertEquals(active, assertWhole(null, kill.before, run, outcome), "sent again: " + outcome);
            outcomes.add(outcome + "; sent again: " + again.status() + "; run in " + millisSince(kill.sent) + " ms");
        }
        System.out.println("ActivationUnderFaultsIT: " + String.join("\nActivationUnderFaultsIT: ", outcomes));
    }

    @Test
    @Order(2)
    void aTrainingWhoseModelsPrimaryIsKilledAsItWritesOrActivatesIsWholeOnEveryNode() throws Exception {
        EsClient es = cluster.any();
        SyntheticEvents.createIndex(es, TRAINING_EVENTS);
        TRAINING_LOG.load(es, TRAINING_EVENTS, 1, (int) TRAINING_LOG.events(), loaded -> {});
        // a copy on every node, refreshed as a shop's are: a replica promoted or rolled back after a kill replays
        // the events into a new reader, which a bulk load's refresh_interval -1 would leave empty
        es.put(
                        "/" + TRAINING_EVENTS + "/_settings",
                        "{\"index\": {\"number_of_replicas\": 2, \"refresh_interval\": null}}")
                .ok();
        es.delete(path(TRAINED));
        assertEquals(
                201,
                es.put(path(TRAINED), SyntheticEvents.modelConfig(ITEMS, TRAINING_EVENTS))
                        .status());
        cluster.green();
        // nothing killed: the version every later training trains again (the same events give the same model)
        long start = System.nanoTime();
        JsonNode reference = es.post(path(TRAINED) + "/_train", null).ok();
        System.out.println("ActivationUnderFaultsIT: a training with nothing killed: " + millisSince(start) + " ms, "
                + reference.path("phases_ms"));
        long documents = reference.path("version").path("users").asLong()
                + reference.path("version").path("items").asLong()
                + 1;
        Map<String, List<String>> shelves = new TreeMap<>();
        for (String user : SHOPPERS) {
            shelves.put(user, ShelfAnswers.items(Models.recommend(es, TRAINED, user)));
        }
        String rescored = rescoredFirst(es, TRAINED, SHOPPERS.get(0));
        List<String> outcomes = new ArrayList<>();
        for (int run = 0; run < KILL_AT.size(); run++) {
            String phase = KILL_AT.get(run);
            Kill kill = killModelsPrimaryDuring(
                    "training run " + run,
                    run,
                    TRAINED,
                    coordinator -> path(TRAINED) + "/_train",
                    (coordinator, training) ->
                            "the training's phase seen " + awaitPhase(node(coordinator), phase, training));
            EsClient.Response answer = kill.answer.response;
            String outcome = kill.outcome;
            long answered = answer.status() == 200
                    ? answer.ok().path("version").path("version").asLong()
                    : -1;
            JsonNode status = Models.status(node(kill.victim), TRAINED);
            // the training's record says how it ended: never left running
            String state = status.path("training").path("state").asText();
            assertEquals(answered >= 0 ? "succeeded" : "failed", state, outcome + ": " + status);
            long active = assertOneWholeVersion(TRAINED, documents, answered, kill.before, outcome);
            assertTrainedServes(active, shelves, rescored, outcome);
            // trained again (the caller's retry, whatever the answer): whole again, and served
            JsonNode again =
                    node(kill.victim).post(path(TRAINED) + "/_train", null).ok();
            long retrained = assertOneWholeVersion(
                    TRAINED, documents, again.path("version").path("version").asLong(), active, outcome);
            assertTrainedServes(retrained, shelves, rescored, outcome + "; trained again");
            outcomes.add(
                    outcome + "; trained again: version " + retrained + "; run in " + millisSince(kill.sent) + " ms");
        }
        System.out.println("ActivationUnderFaultsIT: " + String.join("\nActivationUnderFaultsIT: ", outcomes));
    }

    /**
     * The activation's answer lost with its coordinator: the node an import session's {@code _complete} was sent to is
     * killed as soon as another node reads the model naming the new version active (the activation's compare-and-set
     * written; the node still publishes it and clears the caches before it answers). The caller's retry, sent to a node
     * that lives, takes the session over, finds its import succeeded and answers 404 ({@code completed}); the version
     * is whole and served everywhere once the node is back, and the session's record is gone.
     */
    @Test
    @Order(3)
    void anImportWhoseCoordinatorIsKilledOnceItsActivationIsWrittenIsWholeAndItsRetryFindsItDone() throws Exception {
        int run = DELAYS.length; // the import after the first test's runs: its lines shifted by run + 1
        cluster.green();
        int master = cluster.master();
        int primary = modelsPrimary();
        // the coordinator: neither the master nor the models primary (unless both are on one node), so that the kill
        // takes the activation's answer and nothing else
        int coordinator = master == primary ? (master + 1) % 3 : 3 - master - primary;
        int watcher = (coordinator + 1) % 3;
        long before = Models.status(node(watcher), MODEL).path("active_version").asLong();
        String session = IMPORT.open(node(coordinator));
        IMPORT.part(node(coordinator), session, 1, lines(run + 1)).ok();
        String complete = IMPORT.sessionPath(session) + "/_complete?parts=1";
        long sent = System.nanoTime();
        CompletableFuture<Timed> completing = CompletableFuture.supplyAsync(() -> {
            try {
                return new Timed(node(coordinator).post(complete, null), millisSince(sent));
            } catch (UncheckedIOException lost) {
                return null; // the node died before it answered
            }
        });
        long written = -1;
        while (written < 0 && completing.isDone() == false) {
            assertTrue(millisSince(sent) < 120_000, "the activation was never written");
            if (Models.status(node(watcher), MODEL).path("active_version").asLong() > before) {
                written = millisSince(sent);
            }
        }
        long killStarted = millisSince(sent);
        CompletableFuture<Long> restart = killAndRestart(coordinator);
        long killed = millisSince(sent);
        Timed answer = completing.get(3, TimeUnit.MINUTES);
        String outcome = "node-" + coordinator + " (coordinator" + (coordinator == master ? ", elected master" : "")
                + ") killed at " + killStarted + "-" + killed + " ms, the activation read written through node-"
                + watcher + " at " + written + " ms; the answer: "
                + (answer == null ? "lost" : answer.response.status() + " at " + answer.millis + " ms");
        System.out.println("ActivationUnderFaultsIT: " + outcome);
        assertTrue(written >= 0, "the answer came before the activation was seen written: " + outcome);
        // the caller's retry, through a node that lives: the session is over, its import activated
        EsClient.Response again = node(watcher).post(complete, null);
        Models.assertError(again, 404, "not found", "the completion sent again: " + outcome);
        JsonNode status = Models.status(node(watcher), MODEL);
        assertEquals("succeeded", status.path("import").path("state").asText(), outcome + ": " + status);
        long active = status.path("active_version").asLong();
        assertTrue(active > before, outcome + ": " + status);
        outcome += "; sent again: 404; node-" + coordinator + " back and green " + back(restart) + " ms after its kill";
        assertEquals(active, assertWhole(null, before, run, outcome), outcome);
        assertFalse(
                node(watcher)
                        .get("/_cluster/state/metadata?filter_path=**.personalize_import_sessions")
                        .body()
                        .contains(session),
                outcome + ": the session's record is gone");
        System.out.println("ActivationUnderFaultsIT: " + outcome + "; run in " + millisSince(sent) + " ms");
    }

    /**
     * Polls the training's task on {@code es} until it shows {@code phase} or a later one of {@link #KILL_AT}, or the
     * training answered; answers the phase seen ("answered" if none was).
     */
    private static String awaitPhase(EsClient es, String phase, CompletableFuture<?> training) {
        long deadline = System.currentTimeMillis() + 120_000;
        while (training.isDone() == false) {
            for (JsonNode node : es.get("/_tasks?actions=" + TRAIN_ACTION + "&detailed=true")
                    .ok()
                    .path("nodes")) {
                for (JsonNode task : node.path("tasks")) {
                    String seen = task.path("status").path("phase").asText();
                    if (KILL_AT.indexOf(seen) >= KILL_AT.indexOf(phase)) {
                        return seen;
                    }
                }
            }
            assertTrue(System.currentTimeMillis() < deadline, "the training never reached " + phase);
            Models.sleep(5);
        }
        return "answered";
    }

    private static final String TRAIN_ACTION = "cluster:admin/personalize/model/train";

    /**
     * Asserts every node serves version {@code active} of the trained model: each shopper's {@code _recommend} shelf
     * from it and as the training nothing disturbed gave it, and the same first hit of a rescored search.
     */
    private static void assertTrainedServes(
            long active, Map<String, List<String>> shelves, String rescored, String outcome) {
        for (int i = 0; i < 3; i++) {
            for (Map.Entry<String, List<String>> shelf : shelves.entrySet()) {
                JsonNode served = Models.recommend(node(i), TRAINED, shelf.getKey());
                assertEquals(active, served.path("model_version").asLong(), outcome + ": node-" + i + ": " + served);
                assertEquals(
                        shelf.getValue(),
                        ShelfAnswers.items(served),
                        outcome + ": " + shelf.getKey() + "'s shelf on node-" + i);
            }
            assertEquals(
                    rescored, rescoredFirst(node(i), TRAINED, SHOPPERS.get(0)), outcome + ": rescored on node-" + i);
        }
    }

    /**
     * How many times the nodes logged an activation whose write of the model failed and was checked against the model
     * ({@code ModelVersions}: the lost answer), for the outcome's record (their logs, where {@code bin/cluster} keeps
     * them).
     */
    private static long activationsReadBack() throws IOException {
        Path clusters = RealCluster.root().resolve("target/clusters").resolve(cluster.name());
        long count = 0;
        for (int i = 0; i < cluster.nodes().size(); i++) {
            Path log = clusters.resolve("node-" + i + "/logs/personalize-" + cluster.name() + ".log");
            if (Files.exists(log)) {
                try (Stream<String> lines = Files.lines(log)) {
                    count += lines.filter(
                                    l -> l.contains("failed, reading the model to find out whether it was applied"))
                            .count();
                }
            }
        }
        return count;
    }

    /** A run that killed the models index's primary: whom, the request and its answer, and the run's record so far. */
    private record Kill(
            int victim, int coordinator, long before, String path, long sent, Timed answer, String outcome) {}

    /**
     * Kills the node holding the models index's primary while a POST to {@code model} runs through a node that lives
     * (the master when it is not the victim, once in two runs): {@code prepare} readies it on that node and answers its
     * path, and the kill comes once {@code trigger} returns (what it says goes in the record). The node is started again
     * at once; the answer must be a success or an error with a reason. Answers once the node is back and green.
     */
    private static Kill killModelsPrimaryDuring(
            String label,
            int run,
            String model,
            IntFunction<String> prepare,
            BiFunction<Integer, CompletableFuture<Timed>, String> trigger)
            throws Exception {
        cluster.green();
        int victim = modelsPrimary();
        boolean master = victim == cluster.master();
        int coordinator = (victim + 1 + run % 2) % 3;
        long before =
                Models.status(node(coordinator), model).path("active_version").asLong();
        String path = prepare.apply(coordinator);
        long readBack = activationsReadBack();
        long sent = System.nanoTime();
        CompletableFuture<Timed> answering =
                CompletableFuture.supplyAsync(() -> new Timed(node(coordinator).post(path, null), millisSince(sent)));
        String when = trigger.apply(coordinator, answering);
        long killStarted = millisSince(sent);
        CompletableFuture<Long> restart = killAndRestart(victim);
        long killed = millisSince(sent);
        Timed answer = answering.get(3, TimeUnit.MINUTES);
        int status = answer.response.status();
        String outcome = label + ": " + when + ", node-" + victim + " (models primary"
                + (master ? ", elected master" : "") + ") killed at " + killStarted + "-" + killed + " ms, " + path
                + " through node-" + coordinator + " answered " + status + " at " + answer.millis + " ms"
                + (status == 200 ? " " + answer.response.json().path("phases_ms") : ": " + answer.response.body());
        System.out.println("ActivationUnderFaultsIT: " + outcome);
        // success or an error that says what happened; never a 5xx without a reason
        if (status != 200) {
            String reason = answer.response.reason();
            assertFalse(reason == null || reason.isBlank(), "an error without a reason: " + outcome);
        }
        outcome += "; node-" + victim + " back and green " + back(restart)
                + " ms after its kill; activation writes read back: " + (activationsReadBack() - readBack);
        return new Kill(victim, coordinator, before, path, sent, answer, outcome);
    }

    /**
     * Kills node {@code victim} (kill -9) and starts it again at once, in the background, as an orchestrator restarts a
     * crashed node: it rejoins (15 s or more) while the request is answered; the run waits for it with {@link #back}
     * only to check every node.
     */
    private static CompletableFuture<Long> killAndRestart(int victim) {
        RealCluster.killNode(cluster, victim);
        long killed = System.nanoTime();
        return CompletableFuture.supplyAsync(() -> {
            RealCluster.startNode(cluster, victim);
            return killed;
        });
    }

    /** Waits for the node {@link #killAndRestart} started again, then for green; answers how long after its kill. */
    private static long back(CompletableFuture<Long> restart) throws Exception {
        long killed = restart.get(3, TimeUnit.MINUTES);
        cluster.green();
        return millisSince(killed);
    }

    private record Timed(EsClient.Response response, long millis) {}

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }

    /**
     * Asserts the model whole after run {@code run}: one active version (the run's if {@code completed} says it was
     * activated; else the run's or the one active {@code before}), its index holding every line, no other index than the kept
     * versions', and every node serving it. Answers the active version.
     */
    private static long assertWhole(JsonNode completed, long before, int run, String outcome) {
        long active = assertOneWholeVersion(
                MODEL,
                LINES,
                completed == null
                        ? -1
                        : completed.path("version").path("version").asLong(),
                before,
                outcome);
        // which import is active: its shift decides the users' items
        int shift = active > before ? run + 1 : run;
        for (int i = 0; i < 3; i++) {
            for (int user : new int[] {5, 150}) {
                assertEquals(
                        List.of(IMPORT.item(user + 1 + shift), IMPORT.item(user + 2 + shift)),
                        IMPORT.shelf(node(i), "u" + user).subList(0, 2),
                        outcome + ": u" + user + "'s shelf on node-" + i);
            }
            assertEquals(
                    IMPORT.item(5 + 1 + shift),
                    rescoredFirst(node(i), MODEL, "u5"),
                    outcome + ": rescored on node-" + i);
        }
        return active;
    }

    /**
     * Asserts {@code model} has one active version ({@code answered} if it is not -1, else one not older than
     * {@code before}), its index holding {@code documents} documents, and no index beside the kept versions' once the
     * cleaner passed. Answers the active version.
     */
    private static long assertOneWholeVersion(
            String model, long documents, long answered, long before, String outcome) {
        JsonNode status = Models.status(node(0), model);
        long active = status.path("active_version").asLong();
        if (answered >= 0) {
            assertEquals(answered, active, outcome + ": " + status);
        }
        assertTrue(active >= before, outcome + ": went back from version " + before + ": " + status);
        Set<String> kept = new TreeSet<>();
        String activeIndex = null;
        for (JsonNode version : status.path("versions")) {
            kept.add(version.path("index").asText());
            if (version.path("version").asLong() == active) {
                activeIndex = version.path("index").asText();
            }
        }
        assertTrue(activeIndex != null, outcome + ": the active version is not among the kept ones: " + status);
        // an index beside the kept versions' is an orphan: the cleaner's pass (a node left) deletes it
        String index = activeIndex;
        long deadline = System.currentTimeMillis() + 30_000;
        Map<String, Long> indices = dataIndices(node(0), model);
        while (indices.keySet().equals(kept) == false && System.currentTimeMillis() < deadline) {
            Models.sleep(500);
            indices = dataIndices(node(0), model);
        }
        assertEquals(kept, indices.keySet(), outcome + ": the model's indices are its kept versions: " + status);
        assertEquals(documents, indices.get(index), outcome + ": the documents of " + index);
        return active;
    }

    /** The first hit of a search of the whole catalogue, rescored for {@code user} by their stored scores in {@code model}. */
    private static String rescoredFirst(EsClient es, String model, String user) {
        ObjectNode body = EsClient.object().put("size", 10);
        body.putObject("query").putObject("match_all");
        body.putObject("rescore")
                .put("window_size", ITEM_COUNT)
                .putObject("personalize")
                .put("model", model)
                .put("user_id", user)
                // the shopper's stored scores alone: the first hit is their best item, popularity aside
                .set(
                        "weights",
                        EsClient.object()
                                .put("query", 0)
                                .put("item_similarity", 0)
                                .put("user_affinity", 1)
                                .put("attribute_affinity", 0)
                                .put("popularity", 0));
        JsonNode hits =
                es.post("/" + ITEMS + "/_search", body).ok().path("hits").path("hits");
        assertNotEquals(0, hits.size(), "no hit: " + body);
        return hits.get(0).path("_id").asText();
    }
}
