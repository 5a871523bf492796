package io.personalize.it.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import io.personalize.it.RealCluster;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Spark job given the three nodes of a real cluster ({@code --url a,b,c}) keeps going when one of them dies
 * mid-job. During the import: the node is killed (kill -9) as soon as the job has trained, while it imports in small
 * parts; requests that go to the dead node are sent to another, the import session (which outlives its node)
 * completes, and the new version is active and served. During the reading of the events: a node that holds a shard
 * context of the job's point in time is killed once the job has opened it; the page that needed it fails, the job
 * opens a new point in time on the copies left and reads every event again, and its model holds the node training's
 * users and items (no event lost, none read twice). A node paused (SIGSTOP) while the job reads, with a short read
 * timeout: the pages that wait for it are read again from a new point in time, and the model is the same.
 */
class SparkFailoverIT {

    static final SparkShop SHOP = new SparkShop("spf-shop", "spf-products", "spf-events");
    static final String EVENTS = SHOP.events();
    static final String MODEL = SHOP.model();
    static final int VICTIM = 2;

    private static RealCluster.Nodes cluster;
    private static EsClient es;

    @BeforeAll
    static void shop() {
        cluster = RealCluster.three();
        es = cluster.any();
        // a copy of every shard on every node: any one node may die
        SHOP.create(es, 2, 2);
        cluster.green();
    }

    @AfterAll
    static void cleanUp() {
        if (cluster != null) {
            SHOP.delete(es);
        }
    }

    /** Starts a killed node again, and waits until the cluster is whole and green. */
    static void startAgain(int node) {
        RealCluster.startNode(cluster, node);
        cluster.green();
    }

    /** bin/spark-train against the three nodes, with the options given after the model's. */
    static Process job(String... options) throws java.io.IOException {
        List<String> command = new ArrayList<>();
        command.add(RealCluster.root().resolve("bin/spark-train").toString());
        List<String> urls = new ArrayList<>();
        cluster.nodes().forEach(node -> urls.add(node.baseUrl()));
        command.addAll(List.of("--url", String.join(",", urls), "--model", MODEL, "--master", "local[2]"));
        command.addAll(List.of(options));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    /**
     * The model's new version: the import after the node training's version, with its users and items, succeeded and
     * served by {@code client} (a node left), once the cluster has two nodes (one killed).
     */
    static void assertImportedAndServed(EsClient client, JsonNode trained) {
        assertImportedAndServed(client, trained, 2);
    }

    /** The same once the cluster has {@code nodes} nodes. */
    static void assertImportedAndServed(EsClient client, JsonNode trained, int nodes) {
        client.get("/_cluster/health?wait_for_nodes=" + nodes + "&timeout=120s").ok();
        JsonNode status = client.get("/_recommend/models/" + MODEL).ok().path("status");
        JsonNode active = status.path("versions").get(0);
        assertEquals(
                trained.path("version").asLong() + 1,
                status.path("active_version").asLong(),
                status.toString());
        assertEquals("import", active.path("source").asText(), active.toString());
        assertEquals(trained.path("users").asLong(), active.path("users").asLong(), "the same users");
        assertEquals(trained.path("items").asLong(), active.path("items").asLong(), "the same items");
        assertEquals("succeeded", status.path("import").path("state").asText(), status.toString());
        String user = OnlineRetail.load().purchases().get(0).user();
        JsonNode served = client.post("/_recommend", "{\"model\": \"" + MODEL + "\", \"user_id\": \"" + user + "\"}")
                .ok();
        assertTrue(served.path("recommendations").size() > 0, served.toString());
    }

    @Test
    void aNodeKilledWhileTheJobReadsTheEventsMeansANewPointInTime() throws Exception {
        JsonNode trained =
                es.post("/_recommend/models/" + MODEL + "/_train", null).ok().path("version");
        // pages of 25 events: 5,000 events are 200 pages, read while the node dies
        Process job = job("--partitions", "2", "--slices", "2", "--page-size", "25");
        StringBuilder output = new StringBuilder();
        int victim = -1;
        try {
            try (BufferedReader lines =
                    new BufferedReader(new InputStreamReader(job.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    output.append(line).append('\n');
                    if (line.startsWith("reading [" + EVENTS + "]") && victim < 0) {
                        // the point in time is open: kill a node that holds one of its shard contexts
                        victim = holderOfASearchContext();
                        RealCluster.killNode(cluster, victim);
                    }
                }
            }
            assertTrue(job.waitFor(10, TimeUnit.MINUTES), "bin/spark-train finished");
            System.out.println(
                    "node-" + victim + " killed once the job had opened its point in time; the job said:\n" + output);
            assertTrue(victim >= 0, "the job read the events index: " + output);
            assertEquals(0, job.exitValue(), output.toString());
            assertTrue(
                    output.indexOf("a shard copy of the point in time over [" + EVENTS + "] was lost while it was read")
                            >= 0,
                    "the page that needed the dead node's context failed: " + output);
            assertTrue(readAgain(output, 3), "read again from a new point in time: " + output);
            assertTrue(output.indexOf("imported into [" + MODEL + "]") >= 0, output.toString());
            assertImportedAndServed(cluster.nodes().get(victim == 0 ? 1 : 0), trained);
        } finally {
            job.destroyForcibly();
            if (victim >= 0) {
                startAgain(victim);
            }
        }
    }

    /**
     * A node paused (SIGSTOP, by its pid file) while the job reads: it holds a shard context of the job's point in time,
     * so every page waits for it on whichever node coordinates it, and the job, with a read timeout of 5 s (well under
     * the master's fault detection: 3 follower checks of 5 s on the test cluster), gets no answer from any node; it reads again from a new
     * point in time on the copies that answer (or, once the master removed the paused node, finds the copy lost) and
     * imports the node training's users and items. The node is resumed (SIGCONT) once the job has trained, and in any
     * case at the end.
     */
    @Test
    void aNodePausedWhileTheJobReadsIsLeftAfterTheReadTimeout() throws Exception {
        JsonNode trained =
                es.post("/_recommend/models/" + MODEL + "/_train", null).ok().path("version");
        Process job = job(
                "--partitions",
                "2",
                "--slices",
                "2",
                "--page-size",
                "25",
                "--read-timeout",
                "5s",
                "--read-attempts",
                "5");
        StringBuilder output = new StringBuilder();
        int paused = -1;
        long pausedAt = 0;
        long resumedAfter = -1;
        try {
            try (BufferedReader lines =
                    new BufferedReader(new InputStreamReader(job.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    output.append(line).append('\n');
                    if (line.startsWith("reading [" + EVENTS + "]") && paused < 0) {
                        // the point in time is open: pause a node that holds one of its shard contexts
                        paused = holderOfASearchContextNotTheMaster();
                        RealCluster.pauseNode(cluster, paused);
                        pausedAt = System.nanoTime();
                    }
                    if (line.startsWith("trained [") && paused >= 0 && resumedAfter < 0) {
                        RealCluster.resumeNode(cluster, paused);
                        resumedAfter = (System.nanoTime() - pausedAt) / 1_000_000;
                    }
                }
            }
            assertTrue(job.waitFor(10, TimeUnit.MINUTES), "bin/spark-train finished");
            System.out.println("node-" + paused + " paused once the job had opened its point in time, resumed "
                    + resumedAfter + " ms later (once the job had trained); the job said:\n" + output);
            assertTrue(paused >= 0, "the job read the events index: " + output);
            assertEquals(0, job.exitValue(), output.toString());
            assertTrue(
                    output.indexOf("a page of the point in time over [" + EVENTS + "] was not answered") >= 0
                            || output.indexOf("a shard copy of the point in time over [" + EVENTS
                                            + "] was lost while it was read")
                                    >= 0,
                    "the pages that needed the paused node's context failed: " + output);
            assertTrue(readAgain(output, 5), "read again from a new point in time: " + output);
            assertTrue(resumedAfter > 0, "resumed only once the job had read and trained: " + output);
            assertTrue(output.indexOf("imported into [" + MODEL + "]") >= 0, output.toString());
            // the resumed node is back in the cluster (or comes back): three nodes
            assertImportedAndServed(cluster.nodes().get(paused == 0 ? 1 : 0), trained, 3);
        } finally {
            job.destroyForcibly();
            if (paused >= 0) {
                RealCluster.resumeNode(cluster, paused); // SIGCONT: nothing if it runs already
                cluster.green();
            }
        }
    }

    /**
     * Whether the job read the events again from a new point in time: a read numbered 2 or later of {@code attempts}
     * (not always 2: opening the new point in time costs an attempt when it, too, finds a copy that does not answer,
     * as a paused node's still in the cluster does).
     */
    private static boolean readAgain(CharSequence output, int attempts) {
        for (int attempt = 2; attempt <= attempts; attempt++) {
            if (output.toString()
                            .indexOf("reading [" + EVENTS + "] in 2 slices (point in time, attempt " + attempt + " of "
                                    + attempts + ")")
                    >= 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * The node, other than the elected master, with the most open search contexts of the job's point in time (pausing
     * the master would add an election to the test); the master when it alone holds them.
     */
    static int holderOfASearchContextNotTheMaster() {
        String master = es.get("/_cat/master?h=node").body().trim();
        int holder = -1;
        long most = 0;
        for (int n = 0; n < cluster.nodes().size(); n++) {
            if (master.equals("node-" + n)) {
                continue;
            }
            long open = openSearchContexts(n);
            if (open > most) {
                most = open;
                holder = n;
            }
        }
        return holder >= 0 ? holder : holderOfASearchContext();
    }

    private static long openSearchContexts(int node) {
        return cluster.nodes()
                .get(node)
                .get("/_nodes/_local/stats/indices/search?filter_path=nodes.*.indices.search.open_contexts")
                .ok()
                .path("nodes")
                .elements()
                .next()
                .path("indices")
                .path("search")
                .path("open_contexts")
                .asLong();
    }

    /** The node with the most open search contexts (the job's point in time is the only search open). */
    static int holderOfASearchContext() {
        int holder = -1;
        long most = 0;
        for (int n = 0; n < cluster.nodes().size(); n++) {
            long open = openSearchContexts(n);
            if (open > most) {
                most = open;
                holder = n;
            }
        }
        assertTrue(holder >= 0, "a node holds the point in time's contexts");
        return holder;
    }

    @Test
    void aNodeKilledMidJobIsLeftForTheOthers() throws Exception {
        JsonNode trained =
                es.post("/_recommend/models/" + MODEL + "/_train", null).ok().path("version");
        // parts of 16 KB: the import is many requests, spread over the three nodes in turn
        Process job = job("--partitions", "2", "--part-bytes", "16384");
        try {
            assertTheImportGoesOn(job, trained);
        } finally {
            job.destroyForcibly();
            startAgain(VICTIM);
        }
    }

    private static void assertTheImportGoesOn(Process job, JsonNode trained) throws Exception {
        StringBuilder output = new StringBuilder();
        int killedAtLine = -1;
        int importedAtLine = -1;
        boolean aliveAfterKill = false;
        try (BufferedReader lines =
                new BufferedReader(new InputStreamReader(job.getInputStream(), StandardCharsets.UTF_8))) {
            int n = 0;
            for (String line; (line = lines.readLine()) != null; n++) {
                output.append(line).append('\n');
                if (line.startsWith("trained [") && killedAtLine < 0) {
                    // trained: the import starts now; the job's own output waits in the pipe meanwhile
                    RealCluster.killNode(cluster, VICTIM);
                    killedAtLine = n;
                    aliveAfterKill = job.isAlive();
                }
                if (line.startsWith("imported into [" + MODEL + "]")) {
                    importedAtLine = n;
                }
            }
        }
        assertTrue(job.waitFor(10, TimeUnit.MINUTES), "bin/spark-train finished");
        assertEquals(0, job.exitValue(), output.toString());
        assertTrue(killedAtLine >= 0, "the job said it trained: " + output);
        assertTrue(aliveAfterKill, "the job was still running when the node died: " + output);
        assertTrue(importedAtLine > killedAtLine, "imported after the node was killed: " + output);
        java.util.regex.Matcher parts = java.util.regex.Pattern.compile(
                        "imported into \\[" + MODEL + "\\] in (\\d+) parts of at most 16,384 bytes")
                .matcher(output);
        assertTrue(parts.find(), output.toString());
        assertTrue(Integer.parseInt(parts.group(1)) > 10, "many parts: " + parts.group());

        // served by the nodes left
        assertImportedAndServed(es, trained);
    }
}
