package io.personalize.it.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.bench.SyntheticEvents;
import io.personalize.it.EsClient;
import io.personalize.it.RealCluster;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
 * shard, never figures from part of the events.
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
        if (cluster != null && "external".equals(cluster.name()) == false) {
            // the nodes' memory back to the clusters of the tests that follow
            for (int i = 0; i < 3; i++) {
                RealCluster.killNode(cluster, i);
            }
        }
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
            FaultsIT.waitForPhase(coordinator, task, "reading_events");
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
            waitForEvaluationReading();
            RealCluster.killNode(cluster, victim);
            EsClient.Response answer = evaluation.get(120, TimeUnit.SECONDS);
            assertEquals(503, answer.status(), "an error, not figures: " + answer.body());
            assertFalse(answer.body().contains("\"ndcg\""), answer.body());
            String reason = answer.reason();
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

    /** Waits until an evaluation's task of this model has read its first events (the scan is open, pages follow). */
    private static void waitForEvaluationReading() throws InterruptedException {
        for (int i = 0; i < 1200; i++) {
            JsonNode tasks = coordinator
                    .get("/_tasks?detailed=true&actions=cluster:admin/personalize/model/evaluate")
                    .ok();
            for (JsonNode node : tasks.path("nodes")) {
                for (JsonNode task : node.path("tasks")) {
                    JsonNode status = task.path("status");
                    if ("reading_events".equals(status.path("phase").asText())
                            && status.path("done").asLong() > 0) {
                        assertTrue(
                                status.path("done").asLong() < LOG.events(),
                                "the evaluation read every event before the kill: " + status);
                        return;
                    }
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no evaluation reached reading_events");
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
