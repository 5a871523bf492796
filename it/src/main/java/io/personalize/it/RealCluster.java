package io.personalize.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Real Elasticsearch nodes with the built plugin zip installed, started once per JVM through {@code bin/cluster} and
 * stopped when the JVM exits. With {@code PERSONALIZE_URL} set, everything runs against that existing cluster instead
 * ({@code PERSONALIZE_USER}/{@code PERSONALIZE_PASSWORD} for its credentials).
 */
public final class RealCluster {

    /** One started cluster: the client of each node (node 0 first). */
    public record Nodes(String name, List<EsClient> nodes) {
        public EsClient any() {
            return nodes.get(0);
        }

        /** Waits (up to 3 minutes) until every node is in the cluster and every shard copy assigned. */
        public void green() {
            any().get("/_cluster/health?wait_for_nodes=" + nodes.size() + "&wait_for_status=green&timeout=180s")
                    .ok();
        }

        /** The number of the elected master (nodes are named node-0, node-1, ...). */
        public int master() {
            return number(any().get("/_cat/master?h=node").body().trim());
        }

        /** The number of a node from its name, as {@code _cat} APIs give it. */
        public static int number(String nodeName) {
            return Integer.parseInt(nodeName.substring("node-".length()));
        }
    }

    private static final Map<String, Nodes> STARTED = new ConcurrentHashMap<>();

    private RealCluster() {}

    public static Path root() {
        return Path.of(System.getProperty("personalize.root", "."))
                .toAbsolutePath()
                .normalize();
    }

    // Several runs can share a machine: PERSONALIZE_IT_NAME and PERSONALIZE_IT_PORT keep their clusters apart.
    private static final String PREFIX = System.getenv().getOrDefault("PERSONALIZE_IT_NAME", "it");
    private static final int PORT = Integer.parseInt(System.getenv().getOrDefault("PERSONALIZE_IT_PORT", "19250"));

    /** A single node, shared by every test class of this JVM. */
    public static Nodes single() {
        return start(PREFIX + "-single", 1, PORT);
    }

    /**
     * The master's follower check timeout on the shared three nodes: 5 s instead of Elasticsearch's 10 s, so that a
     * node paused by a fault test is removed after about 17 s (3 failed checks of 5 s, a second apart) instead of 33 s.
     * Elasticsearch's own disruption tests ({@code AbstractDisruptionTestCase}) use 5 s with a single check; the 3
     * checks are kept here: still far above a check's answer time on a loaded machine, and above the 8 s a node is
     * paused for when a test wants it to stay in the cluster (at most 2 checks fail then).
     */
    public static final String FOLLOWER_CHECK_TIMEOUT = "5s";

    /**
     * How long the master waits for every node to apply a cluster state before it goes on without the slow ones
     * ({@code cluster.publish.timeout}): 10 s instead of 30 s on the shared three nodes. A node paused while a cluster
     * state is published (a forgetting's record, an index's creation) otherwise holds the master for 30 s, and the
     * removal the follower checks decided after 17 s waits behind it. A node that lags is still removed only after
     * {@code cluster.follower_lag.timeout} (90 s); Elasticsearch's disruption tests use 5 s.
     */
    public static final String PUBLISH_TIMEOUT = "10s";

    /** Three nodes, shared by every test class that needs a real cluster with replicas. */
    public static Nodes three() {
        return start(
                PREFIX + "-three",
                3,
                PORT + 20,
                "--setting",
                "cluster.fault_detection.follower_check.timeout=" + FOLLOWER_CHECK_TIMEOUT,
                "--setting",
                "cluster.publish.timeout=" + PUBLISH_TIMEOUT);
    }

    public static Nodes start(String name, int nodes, int port, String... extraArgs) {
        String external = System.getenv("PERSONALIZE_URL");
        if (external != null && external.isBlank() == false) {
            return new Nodes(
                    "external",
                    List.of(new EsClient(
                            external, System.getenv("PERSONALIZE_USER"), System.getenv("PERSONALIZE_PASSWORD"))));
        }
        return STARTED.computeIfAbsent(name, n -> launch(n, nodes, port, extraArgs));
    }

    /**
     * The JVM option of the tests' three-node clusters: C1 alone, no C2. Three nodes starting together on 2 cores
     * then take 35-36 s of CPU instead of 52-73 s (27 s to green instead of 35-48 s), and the fault tests restart
     * them about 20 times a run. Single nodes keep the default: the shared one trains and indexes most of the suite's
     * data, where C2's code repays its compilation (with C1 everywhere the it/ suite took 33.6 minutes against 33.1,
     * the classes on three nodes 15-30% faster and those on the single node up to 2.7x slower). See the README.
     */
    static final String CLIENT_COMPILER_ONLY = "-XX:TieredStopAtLevel=1";

    private static Nodes launch(String name, int nodes, int port, String... extraArgs) {
        List<String> command = new ArrayList<>(List.of(
                root().resolve("bin/cluster").toString(),
                "start",
                "--name",
                name,
                "--nodes",
                String.valueOf(nodes),
                "--port",
                String.valueOf(port)));
        if (nodes > 1) {
            command.addAll(List.of("--jvm-option", CLIENT_COMPILER_ONLY));
        }
        command.addAll(List.of(extraArgs));
        String url = run(command);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                run(List.of(root().resolve("bin/cluster").toString(), "stop", "--name", name));
            } catch (RuntimeException e) {
                System.err.println("could not stop cluster " + name + ": " + e.getMessage());
            }
        }));
        boolean secured = List.of(extraArgs).contains("--security");
        List<EsClient> clients = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            String nodeUrl = url.replaceAll(":\\d+$", ":" + (port + i));
            clients.add(
                    secured ? new EsClient(nodeUrl, "admin", "personalize-admin") : new EsClient(nodeUrl, null, null));
        }
        return new Nodes(name, List.copyOf(clients));
    }

    /** Kills one node of a started cluster (as a crash would: no clean shutdown). */
    public static void killNode(Nodes cluster, int node) {
        run(List.of(
                root().resolve("bin/cluster").toString(),
                "stop-node",
                "--name",
                cluster.name(),
                "--node",
                String.valueOf(node)));
    }

    /**
     * Kills every node of a cluster a test class started for itself, once the class is done with it: the machine's
     * memory back to the clusters of the tests that follow. An external cluster (or none, when the class's set-up
     * failed before starting it) is left alone.
     */
    public static void killAll(Nodes cluster) {
        if (cluster == null || "external".equals(cluster.name())) {
            return;
        }
        for (int node = 0; node < cluster.nodes().size(); node++) {
            killNode(cluster, node);
        }
    }

    /** Starts a killed node again, with its data. */
    public static void startNode(Nodes cluster, int node) {
        run(List.of(
                root().resolve("bin/cluster").toString(),
                "start-node",
                "--name",
                cluster.name(),
                "--node",
                String.valueOf(node)));
    }

    /** Pauses one node's process (SIGSTOP): it neither answers nor notices time passing, as if cut off. */
    public static void pauseNode(Nodes cluster, int node) {
        run(List.of(
                root().resolve("bin/cluster").toString(),
                "pause-node",
                "--name",
                cluster.name(),
                "--node",
                String.valueOf(node)));
    }

    /** Resumes a paused node (SIGCONT). */
    public static void resumeNode(Nodes cluster, int node) {
        run(List.of(
                root().resolve("bin/cluster").toString(),
                "resume-node",
                "--name",
                cluster.name(),
                "--node",
                String.valueOf(node)));
    }

    /** Stops every node of a started cluster and starts them again with their data (a full restart), until green. */
    public static void restart(Nodes cluster) {
        run(List.of(root().resolve("bin/cluster").toString(), "restart", "--name", cluster.name()));
    }

    /** Runs a bin/ script; its stderr goes to ours, its last stdout line is returned. */
    static String run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command)
                    .directory(root().toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            String last = null;
            try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    last = line;
                }
            }
            int exit = process.waitFor();
            if (exit != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited with " + exit);
            }
            return last == null ? "" : last.trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
