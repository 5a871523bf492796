package io.personalize.it.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.bench.SyntheticEvents;
import io.personalize.it.EsClient;
import io.personalize.it.RealCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A shard of the events index lost in the middle of a training's or an evaluation's scan, on 3 real nodes: the
 * events index has 2 shards and no replica, one on node-0 (where the requests run) and one on a node that is not the
 * elected master (the victim), which is killed (kill -9, by its pid file) after the scan has read its first pages and
 * before it reads the next. The scan asks {@code allow_partial_search_results=false}: the training fails, its status
 * names the index and the lost shard, the version that was active stays active and serves the same shelves on the
 * surviving nodes, and no version index is left of the failed training; {@code _evaluate} answers an error naming the
 * shard, never figures from part of the events. When the events index has a replica of each shard and a copy the
 * scan reads from is lost, a copy of every shard is left: the training and the evaluation read every event again from a
 * new point in time (each event once) and succeed.
 *
 * <p>Deterministic: the nodes run with the test-only {@code personalize.testing.scan_page_delay} (3 s before every page
 * of a slice after its first), and the victim is killed once the task reports its first events read, so the next
 * pages of the scan need the victim's shard whatever the machine's load.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ShardLostMidScanIT {

    private static final String MODEL = "lostshard";
    private static final String EVENTS = MODEL + "-events";
    private static final String ITEMS = MODEL + "-items";
    /** 2 shards of about 15,000 events: two pages a slice, the second 3 s after the first. */
    private static final SyntheticEvents LOG = new SyntheticEvents(30_000, 2_000, 500, SyntheticEvents.DEFAULT_SEED);

    private static final List<String> SHOPPERS = List.of("u1", "u2", "u3", "u5", "u8");
    private static final String TRAIN = "cluster:admin/personalize/model/train";
    private static final String EVALUATE = "cluster:admin/personalize/model/evaluate";
    /** The model of the tests where a copy of every shard is left: its events index has a replica. */
    private static final String REPLICATED = "lostcopy";

    private static RealCluster.Nodes cluster;
    private static EsClient coordinator;
    private static int victim;

    @BeforeAll
    static void shop() throws Exception {
        String prefix = System.getenv().getOrDefault("PERSONALIZE_IT_NAME", "it");
        // +70: a port of its own (see ImportSessionIT for the others)
        int port = Integer.parseInt(System.getenv().getOrDefault("PERSONALIZE_IT_PORT", "19250")) + 70;
        cluster = RealCluster.start(
                prefix + "-lostshard", 3, port, "--setting", "personalize.testing.scan_page_delay=3s");
        coordinator = cluster.nodes().get(0);
        String master = coordinator.get("/_cat/master?h=node").body().trim();
        victim = master.equals("node-2") ? 1 : 2;
        coordinator.delete("/_recommend/models/" + MODEL);
        coordinator.delete("/" + EVENTS);
        coordinator.put("/" + EVENTS, String.format(Locale.ROOT, """
            {"settings": {"number_of_shards": 2, "number_of_replicas": 0, "refresh_interval": "-1",
                          "index.routing.allocation.include._name": "node-0,node-%d",
                          "index.routing.allocation.total_shards_per_node": 1},
             "mappings": {"properties": {
               "user_id": {"type": "keyword"}, "item_id": {"type": "keyword"}, "type": {"type": "keyword"},
               "@timestamp": {"type": "date"}}}}""", victim)).ok();
        LOG.load(coordinator, EVENTS, 2, 10_000, loaded -> {});
        SyntheticEvents.createCatalog(coordinator, ITEMS, LOG.items());
        // the catalogue on node-0 only: the victim's death takes nothing else the reads need
        coordinator
                .put("/" + ITEMS + "/_settings", "{\"index.routing.allocation.require._name\": \"node-0\"}")
                .ok();
        assertEquals(
                201, coordinator.put("/_recommend/models/" + MODEL, config()).status());
        green();
        assertEquals(
                Set.of("node-0", "node-" + victim),
                Set.copyOf(shardNodes().values()),
                "one events shard on node-0, one on the victim: " + shardNodes());
        JsonNode trained = coordinator
                .post("/_recommend/models/" + MODEL + "/_train", null)
                .ok();
        assertEquals(LOG.events(), trained.path("version").path("events").asLong(), trained.toString());
    }

    /**
     * The synthetic events' model, the shoppers' newest events taken from the events API ({@code recent_events: api}):
     * the shelves come from the active version alone, never from a read of the events index, which is red here.
     */
    private static String config() {
        return SyntheticEvents.modelConfig(ITEMS, EVENTS)
                .replace("\"weights\"", "\"recent_events\": \"api\", \"weights\"");
    }

    @AfterAll
    static void cleanUp() {
        RealCluster.killAll(cluster);
    }

    @Test
    @Order(1)
    void aShardLostWhileATrainingReadsTheEventsFailsItAndWhatWasActiveStaysAndServes() throws Exception {
        JsonNode before = model();
        long active = before.path("status").path("active_version").asLong();
        Map<String, List<String>> shelves = shelves(List.of(0, survivor()));
        Set<String> indicesBefore = versionIndices();
        assertEquals(Set.copyOf(keptIndices(before)), indicesBefore, "only the kept versions: " + before);
        String shard = shardOn(victim);

        String task = coordinator
                .post("/_recommend/models/" + MODEL + "/_train?wait_for_completion=false", null)
                .ok()
                .path("task")
                .asText();
        try {
            waitForTheScan(coordinator, TRAIN);
            RealCluster.killNode(cluster, victim);
            JsonNode outcome = coordinator
                    .get("/_tasks/" + task + "?wait_for_completion=true&timeout=120s")
                    .ok();
            assertTrue(outcome.path("completed").asBoolean(), outcome.toString());
            assertTrue(outcome.path("error").isMissingNode() == false, "the training failed: " + outcome);

            JsonNode after = model();
            JsonNode training = after.path("status").path("training");
            assertEquals("failed", training.path("state").asText(), after.toString());
            String reason = training.path("reason").asText();
            System.out.println("the training that lost its shard failed: " + reason);
            assertTrue(reason.contains("[" + EVENTS + "]"), "the reason names the index: " + reason);
            assertTrue(reason.contains("shard [" + shard + "]"), "the reason names the lost shard: " + reason);
            assertEquals(active, after.path("status").path("active_version").asLong(), "what was active stays");
            assertEquals(indicesBefore, versionIndices(), "no version index is left of the failed training");
            assertEquals(shelves, shelves(List.of(0, survivor())), "the same version serves on the survivors");
        } finally {
            RealCluster.startNode(cluster, victim);
            green();
        }
        // and with the shard back, a training reads every event again
        JsonNode retrained = coordinator
                .post("/_recommend/models/" + MODEL + "/_train", null)
                .ok();
        assertEquals(LOG.events(), retrained.path("version").path("events").asLong(), retrained.toString());
    }

    @Test
    @Order(2)
    void aShardLostWhileAnEvaluationReadsTheEventsIsAnErrorNotFiguresOfPartOfThem() throws Exception {
        String shard = shardOn(victim);
        String body = "{\"split\": \"2023-10-01\", \"k\": 10}";
        CompletableFuture<EsClient.Response> evaluation = CompletableFuture.supplyAsync(
                () -> coordinator.post("/_recommend/models/" + MODEL + "/_evaluate", body));
        try {
            waitForTheScan(coordinator, EVALUATE);
            RealCluster.killNode(cluster, victim);
            EsClient.Response answer = evaluation.get(120, TimeUnit.SECONDS);
            assertEquals(503, answer.status(), "an error, not figures: " + answer.body());
            assertFalse(answer.body().contains("\"ndcg\""), answer.body());
            String reason = answer.reason();
            System.out.println("the evaluation that lost its shard answered " + answer.status() + ": " + reason);
            assertTrue(reason.contains("[" + EVENTS + "]"), "the error names the index: " + answer.body());
            assertTrue(reason.contains("shard [" + shard + "]"), "the error names the lost shard: " + answer.body());
        } finally {
            RealCluster.startNode(cluster, victim);
            green();
        }
        // the same request with every shard there gives figures of every event
        JsonNode whole = coordinator
                .post("/_recommend/models/" + MODEL + "/_evaluate", body)
                .ok();
        assertTrue(whole.toString().contains("ndcg"), whole.toString());
    }

    /**
     * The events index with a replica of each shard, on the two nodes that are not the master, and the training run by
     * the master: the non-master node holding a copy the scan's point in time reads from is killed (kill -9) once the
     * scan has read its first pages. A copy of every shard is left on the other node, so the training reads every
     * event again from a new point in time (never twice: its count is the index's {@code _count}), activates and
     * serves. Without reading again it fails as the tests above do (checked: 503 naming the shard).
     */
    @Test
    @Order(3)
    void aCopyLostWhileATrainingReadsTheEventsOfAnIndexWithReplicasIsReadAgainFromANewPointInTime() throws Exception {
        Replicated shop = replicatedShop();
        long count = shop.es()
                .get("/" + REPLICATED + "-events/_count")
                .ok()
                .path("count")
                .asLong();
        assertEquals(LOG.events(), count, "every event is in the index");
        long before = shop.es()
                .get("/_recommend/models/" + REPLICATED)
                .ok()
                .path("status")
                .path("active_version")
                .asLong();
        String task = shop.es()
                .post("/_recommend/models/" + REPLICATED + "/_train?wait_for_completion=false", null)
                .ok()
                .path("task")
                .asText();
        long readAgainBefore = readAgain(shop.master());
        int killed = killACopyTheScanReads(shop, TRAIN);
        try {
            JsonNode outcome = shop.es()
                    .get("/_tasks/" + task + "?wait_for_completion=true&timeout=180s")
                    .ok();
            assertTrue(outcome.path("completed").asBoolean(), outcome.toString());
            assertTrue(outcome.path("error").isMissingNode(), "the training succeeded: " + outcome);

            JsonNode after = shop.es().get("/_recommend/models/" + REPLICATED).ok();
            JsonNode status = after.path("status");
            assertEquals("succeeded", status.path("training").path("state").asText(), after.toString());
            long active = status.path("active_version").asLong();
            assertTrue(active > before, "the new version is active: " + after);
            JsonNode version = null;
            for (JsonNode v : status.path("versions")) {
                if (v.path("version").asLong() == active) {
                    version = v;
                }
            }
            assertTrue(version != null, after.toString());
            assertEquals(count, version.path("events").asLong(), "every event read once: " + version);
            long readAgainAfter = readAgain(shop.master());
            assertTrue(readAgainAfter > readAgainBefore, "the coordinating node read it all again: " + readAgainAfter);
            // it serves, on the coordinating node and on the node left
            for (int node : List.of(shop.master(), shop.left(killed))) {
                for (String user : SHOPPERS) {
                    JsonNode shelf = cluster.nodes()
                            .get(node)
                            .post("/_recommend", "{\"model\": \"" + REPLICATED + "\", \"user_id\": \"" + user + "\"}")
                            .ok();
                    assertFalse(
                            shelf.path("recommendations").isEmpty(), "node-" + node + " serves " + user + ": " + shelf);
                }
            }
        } finally {
            RealCluster.startNode(cluster, killed);
            green();
        }
    }

    /**
     * The same for an evaluation: a copy lost while it reads, a copy of every shard left: its figures are those of an
     * evaluation that lost nothing, to the last digit (the same events, each once).
     */
    @Test
    @Order(4)
    void aCopyLostWhileAnEvaluationReadsTheEventsOfAnIndexWithReplicasGivesTheFiguresOfEveryEvent() throws Exception {
        Replicated shop = replicatedShop();
        String body = "{\"split\": \"2023-10-01\", \"k\": 10}";
        JsonNode whole = shop.es()
                .post("/_recommend/models/" + REPLICATED + "/_evaluate", body)
                .ok()
                .path("evaluation");
        CompletableFuture<EsClient.Response> evaluation = CompletableFuture.supplyAsync(
                () -> shop.es().post("/_recommend/models/" + REPLICATED + "/_evaluate", body));
        long readAgainBefore = readAgain(shop.master());
        int killed = killACopyTheScanReads(shop, EVALUATE);
        try {
            EsClient.Response answer = evaluation.get(180, TimeUnit.SECONDS);
            assertEquals(200, answer.status(), answer.body());
            JsonNode figures = answer.json().path("evaluation");
            assertTrue(figures.path("train_events").asLong() > 0, figures.toString());
            for (String field : List.of("train_events", "test_users", "catalog_items", "model", "popularity")) {
                assertEquals(whole.path(field), figures.path(field), field + ": " + figures + " vs " + whole);
            }
            long readAgainAfter = readAgain(shop.master());
            assertTrue(readAgainAfter > readAgainBefore, "the coordinating node read it all again: " + readAgainAfter);
        } finally {
            RealCluster.startNode(cluster, killed);
            green();
        }
    }

    /** The master (which runs the requests) and the two other nodes, which hold the replicated events. */
    private record Replicated(int master, int a, int b) {
        EsClient es() {
            return cluster.nodes().get(master);
        }

        /** The node holding events that is not {@code killed}. */
        int left(int killed) {
            return killed == a ? b : a;
        }
    }

    /** The model of events with replicas, its events on the two nodes that are not the master (made once). */
    private static Replicated replicatedShop() throws Exception {
        int master = cluster.master();
        List<Integer> others = new ArrayList<>(List.of(0, 1, 2));
        others.remove(Integer.valueOf(master));
        Replicated shop = new Replicated(master, others.get(0), others.get(1));
        EsClient es = shop.es();
        String events = REPLICATED + "-events";
        String items = REPLICATED + "-items";
        if (es.get("/_recommend/models/" + REPLICATED).status() == 404) {
            es.delete("/" + events);
            es.put("/" + events, String.format(Locale.ROOT, """
                {"settings": {"number_of_shards": 2, "number_of_replicas": 1, "refresh_interval": "-1",
                              "index.routing.allocation.include._name": "node-%d,node-%d"},
                 "mappings": {"properties": {
                   "user_id": {"type": "keyword"}, "item_id": {"type": "keyword"}, "type": {"type": "keyword"},
                   "@timestamp": {"type": "date"}}}}""", shop.a(), shop.b()))
                    .ok();
            LOG.load(es, events, 2, 10_000, loaded -> {});
            SyntheticEvents.createCatalog(es, items, LOG.items());
            // the catalogue on the master only: the killed node's death takes nothing else the reads need
            es.put("/" + items + "/_settings", "{\"index.routing.allocation.require._name\": \"node-" + master + "\"}")
                    .ok();
            assertEquals(
                    201,
                    es.put(
                                    "/_recommend/models/" + REPLICATED,
                                    SyntheticEvents.modelConfig(items, events)
                                            .replace("\"weights\"", "\"recent_events\": \"api\", \"weights\""))
                            .status());
        }
        green();
        return shop;
    }

    /**
     * Once a task of {@code action} has read its first events, kills (kill -9) the node that is not the master holding
     * the most search contexts: one the scan's point in time reads from (the catalogue is on the master). Returns it.
     */
    private static int killACopyTheScanReads(Replicated shop, String action) throws InterruptedException {
        waitForTheScan(shop.es(), action);
        JsonNode stats = shop.es()
                .get("/_nodes/stats/indices/search?filter_path=nodes.*.name,nodes.*.indices.search.open_contexts")
                .ok();
        Map<String, Long> contexts = new java.util.TreeMap<>();
        stats.path("nodes")
                .forEach(n -> contexts.put(
                        n.path("name").asText(),
                        n.path("indices").path("search").path("open_contexts").asLong()));
        int victim = contexts.getOrDefault("node-" + shop.a(), 0L) >= contexts.getOrDefault("node-" + shop.b(), 0L)
                ? shop.a()
                : shop.b();
        assertTrue(
                contexts.getOrDefault("node-" + victim, 0L) > 0,
                "the scan reads from node-" + victim + ": " + contexts);
        RealCluster.killNode(cluster, victim);
        return victim;
    }

    /**
     * How many times the node's log says a scan of the replicated events lost a copy and read everything again from a
     * new point in time.
     */
    private static long readAgain(int node) throws IOException {
        Path logs = RealCluster.root()
                .resolve("target/clusters")
                .resolve(cluster.name())
                .resolve("node-" + node)
                .resolve("logs");
        String line = "a shard copy of the point in time over [" + REPLICATED + "-events] was lost while it was read (";
        // the server's plain log, not the JSON one beside it
        Path log = logs.resolve(Files.readString(logs.resolve("../config/elasticsearch.yml"))
                        .lines()
                        .filter(l -> l.startsWith("cluster.name:"))
                        .map(l -> l.substring("cluster.name:".length()).trim())
                        .findFirst()
                        .orElseThrow()
                + ".log");
        // one warning each time (its reason may span lines: a shard failure's cause)
        return Pattern.compile(Pattern.quote(line))
                .matcher(Files.readString(log))
                .results()
                .count();
    }

    /**
     * Waits until a task of {@code action} (a training's or an evaluation's) has read its first events, and not all of
     * them: its scan is open, and its next pages follow {@code scan_page_delay} later.
     */
    private static void waitForTheScan(EsClient es, String action) throws InterruptedException {
        for (int i = 0; i < 1200; i++) {
            JsonNode tasks = es.get("/_tasks?detailed=true&actions=" + action).ok();
            for (JsonNode node : tasks.path("nodes")) {
                for (JsonNode task : node.path("tasks")) {
                    JsonNode status = task.path("status");
                    if ("reading_events".equals(status.path("phase").asText())
                            && status.path("done").asLong() > 0) {
                        assertTrue(
                                status.path("done").asLong() < LOG.events(),
                                "the task read every event before the kill: " + status);
                        return;
                    }
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no task of [" + action + "] reached reading_events");
    }

    private static JsonNode model() {
        return coordinator.get("/_recommend/models/" + MODEL).ok();
    }

    /** A node that is neither node-0 nor the victim. */
    private static int survivor() {
        return 3 - victim;
    }

    /** Each shopper's shelf on each of {@code nodes}. */
    private static Map<String, List<String>> shelves(List<Integer> nodes) {
        Map<String, List<String>> shelves = new java.util.LinkedHashMap<>();
        for (int node : nodes) {
            for (String user : SHOPPERS) {
                JsonNode answer = cluster.nodes()
                        .get(node)
                        .post("/_recommend", "{\"model\": \"" + MODEL + "\", \"user_id\": \"" + user + "\"}")
                        .ok();
                List<String> items = new ArrayList<>();
                answer.path("recommendations")
                        .forEach(r -> items.add(r.path("item_id").asText()));
                assertFalse(items.isEmpty(), "node-" + node + " serves " + user + ": " + answer);
                shelves.put("node-" + node + "/" + user, items);
            }
        }
        return shelves;
    }

    /** The events index's shards, by shard number, and the node of each. */
    private static Map<String, String> shardNodes() {
        Map<String, String> nodes = new java.util.TreeMap<>();
        for (JsonNode row : coordinator
                .get("/_cat/shards/" + EVENTS + "?format=json&h=shard,prirep,node")
                .ok()) {
            nodes.put(row.path("shard").asText(), row.path("node").asText());
        }
        return nodes;
    }

    private static String shardOn(int node) {
        return shardNodes().entrySet().stream()
                .filter(e -> e.getValue().equals("node-" + node))
                .map(Map.Entry::getKey)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no events shard on node-" + node + ": " + shardNodes()));
    }

    /** The model's version indices that exist. */
    private static Set<String> versionIndices() {
        Set<String> indices = new LinkedHashSet<>();
        for (JsonNode row : coordinator
                .get("/_cat/indices/.personalize-data-" + MODEL + ".*?format=json&expand_wildcards=all&h=index")
                .ok()) {
            indices.add(row.path("index").asText());
        }
        return indices;
    }

    private static List<String> keptIndices(JsonNode model) {
        List<String> kept = new ArrayList<>();
        model.path("status")
                .path("versions")
                .forEach(v -> kept.add(v.path("index").asText()));
        return kept;
    }

    private static void green() {
        coordinator
                .get("/_cluster/health?wait_for_nodes=3&wait_for_status=green&wait_for_no_relocating_shards=true"
                        + "&timeout=180s")
                .ok();
    }
}
