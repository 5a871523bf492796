package io.personalize.bench;

import io.personalize.serving.UserLists;
import io.personalize.training.ItemNeighbors;
import io.personalize.training.ModelTrainer;
import io.personalize.training.TrainedModel;
import io.personalize.training.TrainingConfig;
import io.personalize.training.TrainingMonitor;
import io.personalize.training.Workers;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;

/**
 * The training maths alone, without a node: {@code bin/bench scale}'s synthetic events (ids numbered in the order of
 * their strings, as the node numbers them) trained by the pure-Java {@code training} classes on one thread, timed in
 * CPU time per phase (steady on a machine shared with other work, where wall time is not), or on THREADS threads (the
 * node's {@code personalize.training.threads}), timed in wall time, with a checksum of the item
 * neighbours so that a change meant to keep the weights can be seen to keep them. Run from {@code it/}:
 *
 * <pre>
 *   mvn -q compile exec:java -Dexec.mainClass=io.personalize.bench.TrainingCpuBench \
 *       -Dexec.args="2000000 cosine,ease,als [SAMPLE_USERS] [BUDGET_BYTES] [THREADS]"
 * </pre>
 *
 * BUDGET_BYTES is the training memory budget (default 40% of a 2 GiB heap, the node's share in {@code bin/bench
 * scale}); the users' lists are timed on SAMPLE_USERS users (default 5,000) and extrapolated to all.
 */
public final class TrainingCpuBench {

    public static void main(String[] args) {
        long events = Long.parseLong(args[0].replace("_", "").replace(",", ""));
        String[] algorithms = (args.length > 1 ? args[1] : "cosine,ease,als").split(",");
        int sampleUsers = args.length > 2 ? Integer.parseInt(args[2]) : 5000;
        long budget = args.length > 3 ? Long.parseLong(args[3]) : (long) (0.4 * (2L << 30));
        // THREADS > 1: the maths share their independent parts with THREADS - 1 helper threads (the node's
        // personalize.training.threads); times are then wall times, CPU time counts only the calling thread
        int threads = args.length > 4 ? Integer.parseInt(args[4]) : 1;
        java.util.concurrent.ExecutorService helpers =
                threads > 1 ? java.util.concurrent.Executors.newFixedThreadPool(threads - 1) : null;
        Workers workers = threads > 1 ? new Workers(helpers, threads) : Workers.SERIAL;
        SyntheticEvents log = SyntheticEvents.scale(events);
        int[] itemIds = stringOrder("i", log.items());
        int[] userIds = stringOrder("u", log.users());
        int n = Math.toIntExact(events);
        int[] users = new int[n];
        int[] items = new int[n];
        float[] weights = new float[n];
        long[] seconds = new long[n];
        float[] typeWeights = {1, 3, 5}; // the model configuration of bin/bench scale: view 1, cart 3, purchase 5
        for (int e = 0; e < n; e++) {
            SyntheticEvents.Event event = log.event(e);
            users[e] = userIds[event.user()];
            items[e] = itemIds[event.item()];
            weights[e] = typeWeights[event.type()];
            seconds[e] = event.time() / 1000;
        }
        System.out.printf(
                Locale.ROOT,
                "training maths on %,d synthetic events (%,d users, %,d items), %s, memory budget %,d MB%n",
                events,
                log.users(),
                log.items(),
                threads == 1 ? "one thread, CPU time" : threads + " threads, wall time",
                budget >> 20);
        for (String algorithm : algorithms) {
            TrainingConfig config = TrainingConfig.builder()
                    .algorithm(TrainingConfig.Algorithm.valueOf(algorithm.trim().toUpperCase(Locale.ROOT)))
                    .halfLifeDays(21)
                    .memoryBudgetBytes(budget)
                    .workers(workers)
                    .build();
            PhaseClock clock = new PhaseClock(threads == 1);
            long start = clock.now();
            TrainedModel model = ModelTrainer.train(users, items, weights, seconds, config, clock);
            long trained = clock.now();
            clock.end(trained);
            ItemNeighbors nb = model.neighbors();
            long idHash = 0;
            double scoreSum = 0;
            for (int p = 0; p < nb.neighbors().length; p++) {
                idHash = idHash * 31 + nb.neighbors()[p];
                scoreSum += nb.scores()[p];
            }
            UserLists lists = new UserLists(model);
            int step = Math.max(1, model.numUsers() / sampleUsers);
            int listed = 0;
            long listHash = 0;
            double listSum = 0;
            for (int u = 0; u < model.numUsers(); u += step) {
                io.personalize.serving.Recommendations r = lists.recommend(
                        u, model.historyItems(u), model.historyWeights(u), model.historyItems(u), 100, 1);
                for (int k = 0; k < r.size(); k++) {
                    int[] reason = r.reasonItems(k);
                    listHash = (listHash * 31 + r.items()[k]) * 31 + (reason.length == 0 ? -1 : reason[0]);
                    listSum += r.scores()[k];
                }
                listed++;
            }
            long done = clock.now();
            System.out.printf(
                    Locale.ROOT,
                    "%-8s training %.1f s (%s); users' lists %.3f ms per user (%,d sampled: about %.0f s for all);"
                            + " neighbours: %,d entries, ids hash %x, score sum %.9f; lists hash %x, score sum %.9f%n",
                    algorithm,
                    (trained - start) / 1e9,
                    clock,
                    (done - trained) / 1e6 / listed,
                    listed,
                    (done - trained) / 1e9 / listed * model.numUsers(),
                    nb.neighbors().length,
                    idHash,
                    scoreSum,
                    listHash,
                    listSum);
        }
        if (helpers != null) {
            helpers.shutdown();
        }
        System.out.println("reproduce: (cd it && mvn -q compile exec:java -Dexec.mainClass="
                + TrainingCpuBench.class.getName() + " -Dexec.args=\"" + String.join(" ", args) + "\")");
    }

    /** Dense id of each 1-based rank: the position of {@code prefix + rank} among all such strings, sorted. */
    static int[] stringOrder(String prefix, int count) {
        String[] names = new String[count];
        for (int r = 1; r <= count; r++) {
            names[r - 1] = prefix + r;
        }
        Arrays.sort(names);
        int[] ids = new int[count + 1];
        for (int q = 0; q < count; q++) {
            ids[Integer.parseInt(names[q].substring(prefix.length()))] = q;
        }
        return ids;
    }

    static long cpu() {
        return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    /** CPU time (one thread) or wall time (several) per phase the maths report. */
    static final class PhaseClock implements TrainingMonitor {
        private final StringBuilder phases = new StringBuilder();
        private final boolean cpuTime;
        private String phase = "start";
        private long since;

        PhaseClock(boolean cpuTime) {
            this.cpuTime = cpuTime;
            this.since = now();
        }

        long now() {
            return cpuTime ? cpu() : System.nanoTime();
        }

        @Override
        public void progress(String name, long done, long total) {
            if (name.equals(phase) == false) {
                end(now());
                phase = name;
            }
        }

        void end(long now) {
            phases.append(phases.isEmpty() ? "" : ", ")
                    .append(phase)
                    .append(' ')
                    .append(String.format(Locale.ROOT, "%.1f s", (now - since) / 1e9));
            since = now;
        }

        @Override
        public void checkCancelled() {}

        @Override
        public String toString() {
            return phases.toString();
        }
    }
}
