package io.personalize.bench;

import io.personalize.training.EaseSimilarity;
import io.personalize.training.EaseWeights;
import io.personalize.training.InteractionMatrix;
import io.personalize.training.InteractionMatrixBuilder;
import io.personalize.training.ItemNeighbors;
import io.personalize.training.TrainingConfig;
import io.personalize.training.TrainingMonitor;
import java.util.Arrays;
import java.util.Locale;

/**
 * The work of sparse EASE's users' lists on {@code bin/bench scale}'s synthetic events, no node: B's row lengths, the
 * entries a user's list walks with whole rows (what it does: the sum of the history items' rows), what the dense
 * variant's candidates (the history's neighbours and the 200 most popular items) would walk scored by their columns,
 * the rows capped at fixed lengths, and for the caps {@link io.personalize.training.EaseWeights#rowCap} gives at three
 * bounds, the time per user and the share of each sampled user's top 10 and top 100 that the capped rows keep.
 *
 * <pre>
 *   (cd it && mvn -q compile exec:java -Dexec.mainClass=io.personalize.bench.EaseListsProbe -Dexec.args="5000000")
 * </pre>
 */
public final class EaseListsProbe {
    private static int common(int[] a, int[] b, int k) {
        java.util.Set<Integer> s = new java.util.HashSet<>();
        for (int x = 0; x < Math.min(k, a.length); x++) s.add(a[x]);
        int c = 0;
        for (int x = 0; x < Math.min(k, b.length); x++) if (s.contains(b[x])) c++;
        return c;
    }

    public static void main(String[] args) {
        long events = Long.parseLong(args[0]);
        long budget = args.length > 1 ? Long.parseLong(args[1]) : (long) (0.4 * (2L << 30));
        SyntheticEvents log = SyntheticEvents.scale(events);
        int[] itemIds = TrainingCpuBench.stringOrder("i", log.items());
        int[] userIds = TrainingCpuBench.stringOrder("u", log.users());
        TrainingConfig config = TrainingConfig.builder()
                .algorithm(TrainingConfig.Algorithm.EASE)
                .halfLifeDays(21)
                .memoryBudgetBytes(budget)
                .build();
        InteractionMatrixBuilder b = config.newMatrixBuilder(Math.toIntExact(events));
        float[] typeWeights = {1, 3, 5};
        for (int e = 0; e < events; e++) {
            SyntheticEvents.Event ev = log.event(e);
            b.add(userIds[ev.user()], itemIds[ev.item()], typeWeights[ev.type()], ev.time() / 1000);
        }
        InteractionMatrix m = b.build(TrainingMonitor.NOOP);
        EaseSimilarity ease = (EaseSimilarity) config.similarity();
        EaseSimilarity.Trained t = ease.train(m, config.neighbors(), true, TrainingMonitor.NOOP);
        EaseWeights w = t.weights();
        ItemNeighbors nb = t.neighbors();
        int n = m.numItems();
        int[] start = w.rowStart();
        int[] rowLen = new int[n];
        int[] colLen = new int[n];
        for (int i = 0; i < n; i++) {
            rowLen[i] = start[i + 1] - start[i];
            for (int p = start[i]; p < start[i + 1]; p++) colLen[w.rowIds()[p]]++;
        }
        int[] sorted = rowLen.clone();
        Arrays.sort(sorted);
        System.out.printf(
                Locale.ROOT,
                "items %d users %d nnz(B) %d; row length p50 %d p90 %d p99 %d max %d; column max %d%n",
                n,
                m.numUsers(),
                w.nnz(),
                sorted[n / 2],
                sorted[n * 9 / 10],
                sorted[n * 99 / 100],
                sorted[n - 1],
                Arrays.stream(colLen).max().getAsInt());
        int[] off = m.userOffsets();
        int[] items = m.userItems();
        long rows = 0, hist = 0, cands = 0, cols = 0;
        int[] mark = new int[n];
        int stamp = 0;
        int[] popular = new int[Math.min(200, n)];
        {
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) order[i] = i;
            int[] deg = new int[n];
            for (int i = 0; i < n; i++) deg[i] = m.itemDegree(i);
            Arrays.sort(order, (x, y) -> Integer.compare(deg[y], deg[x]));
            for (int r = 0; r < popular.length; r++) popular[r] = order[r];
        }
        long[] capped = new long[] {500, 1000, 2000, 5000};
        long[] cappedWork = new long[capped.length];
        for (int u = 0; u < m.numUsers(); u++) {
            stamp++;
            int c = 0;
            for (int p = off[u]; p < off[u + 1]; p++) {
                int i = items[p];
                rows += rowLen[i];
                for (int k = 0; k < capped.length; k++) cappedWork[k] += Math.min(rowLen[i], capped[k]);
                hist++;
                for (int q = nb.offsets()[i]; q < nb.offsets()[i + 1]; q++) {
                    int j = nb.neighbors()[q];
                    if (mark[j] != stamp) {
                        mark[j] = stamp;
                        c++;
                        cols += colLen[j];
                    }
                }
            }
            for (int j : popular)
                if (mark[j] != stamp) {
                    mark[j] = stamp;
                    c++;
                    cols += colLen[j];
                }
            cands += c;
        }
        double users = m.numUsers();
        System.out.printf(
                Locale.ROOT,
                "per user: history %.1f, rows' entries %.0f (total %.3g), candidates %.0f, candidates' columns %.0f (total %.3g)%n",
                hist / users,
                rows / users,
                (double) rows,
                cands / users,
                cols / users,
                (double) cols);
        for (int k = 0; k < capped.length; k++) {
            System.out.printf(
                    Locale.ROOT,
                    "rows capped at %d: %.0f per user (total %.3g)%n",
                    capped[k],
                    cappedWork[k] / users,
                    (double) cappedWork[k]);
        }
        int[] degrees = new int[n];
        for (int i = 0; i < n; i++) degrees[i] = m.itemDegree(i);
        float[] popularity = new float[n];
        for (int i = 0; i < n; i++) popularity[i] = degrees[i];
        io.personalize.training.ScoringParams scoring = config.scoring();
        for (double bound : new double[] {2e10, 5e9, 2e9}) {
            int cap = w.rowCap(degrees, bound);
            EaseWeights c = w.capRows(Math.min(cap, Integer.MAX_VALUE));
            io.personalize.training.UserRanker exact =
                    io.personalize.training.ModelTrainer.easeRanker(w, nb, popularity, scoring, m.nnz());
            io.personalize.training.UserRanker cut =
                    io.personalize.training.ModelTrainer.easeRanker(c, nb, popularity, scoring, m.nnz());
            int step = Math.max(1, m.numUsers() / 2000);
            long common10 = 0, common100 = 0, sampled = 0, tExact = 0, tCut = 0;
            for (int u = 0; u < m.numUsers(); u += step) {
                int[] h = m.userItems(u);
                float[] hw = m.userWeights(u);
                long t0 = System.nanoTime();
                int[] a = exact.rank(u, h, hw, h, 100).items();
                long t1 = System.nanoTime();
                int[] bb = cut.rank(u, h, hw, h, 100).items();
                long t2 = System.nanoTime();
                tExact += t1 - t0;
                tCut += t2 - t1;
                common10 += common(a, bb, 10);
                common100 += common(a, bb, 100);
                sampled++;
            }
            System.out.printf(
                    Locale.ROOT,
                    "bound %.0e: cap %d, nnz %d -> %d; lists %.3f -> %.3f ms per user; top-10 in common %.4f, top-100 %.4f%n",
                    bound,
                    cap,
                    w.nnz(),
                    c.nnz(),
                    tExact / 1e6 / sampled,
                    tCut / 1e6 / sampled,
                    common10 / (10.0 * sampled),
                    common100 / (100.0 * sampled));
        }
    }
}
