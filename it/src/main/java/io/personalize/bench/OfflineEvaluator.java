package io.personalize.bench;

import io.personalize.it.OnlineRetail;
import io.personalize.serving.Recommendations;
import io.personalize.serving.UserLists;
import io.personalize.training.InteractionMatrix;
import io.personalize.training.InteractionMatrixBuilder;
import io.personalize.training.ModelTrainer;
import io.personalize.training.RankingMetrics;
import io.personalize.training.ScoringParams;
import io.personalize.training.TopK;
import io.personalize.training.TrainedModel;
import io.personalize.training.TrainingConfig;
import io.personalize.training.TrainingMonitor;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

/**
 * Scores models on an {@link OfflineSplit} in the bench's JVM, the way {@code _evaluate} does (ids in the order of
 * their text, every item ranked, a user's training items left out: with protocol time the kept history only, the
 * matrix row capped at {@code max_history} items, as the node's {@code Holdout#score} leaves it out, the way serving
 * does; with protocol stratified every training item): the plugin's own training classes for choosing
 * parameters on validation splits, and the bench's references, Steck's EASE computed here from the closed form over
 * the whole catalogue (EJML's Cholesky inverse, not the plugin's EASE code): {@link #denseEase} binary, without time
 * decay or popularity, as in the literature; {@link #prepare} and {@link #easeWeights(Prepared, double)} with {@link
 * #scoreEase} on the plugin's decayed input and with its popularity blend.
 */
final class OfflineEvaluator {

    /** Figures at k, and the training's wall time. */
    record Figures(double hr, double precision, double recall, double map, double ndcg, double coverage, long trainMs) {
        static Figures of(RankingMetrics m, double coverageScale, long trainMs) {
            return new Figures(
                    m.hitRate(), m.precision(), m.recall(), m.map(), m.ndcg(), m.coverage() * coverageScale, trainMs);
        }
    }

    private final OfflineSplit split;
    private final int k;
    private final Map<String, Integer> users = new HashMap<>();
    private final Map<String, Integer> items = new HashMap<>();
    private final String[] userNames;
    private final int[][] trainItems; // per user, sorted distinct
    private final int[][] truth; // per user (null: not judged)
    // protocol time: a list leaves out the user's kept history only, as the node's _evaluate does (a user with more
    // items than max_history may be shown older ones, never a hit)
    private final boolean keptHistoryOnly;

    OfflineEvaluator(OfflineSplit split, int k) {
        this.split = split;
        this.k = k;
        this.keptHistoryOnly = split.byTime();
        TreeSet<String> u = new TreeSet<>();
        TreeSet<String> i = new TreeSet<>();
        for (OnlineRetail.Purchase p : split.train()) {
            u.add(p.user());
            i.add(p.sku());
        }
        for (String s : u) {
            users.put(s, users.size());
        }
        for (String s : i) {
            items.put(s, items.size());
        }
        userNames = u.toArray(String[]::new);
        Map<Integer, TreeSet<Integer>> byUser = new HashMap<>();
        for (OnlineRetail.Purchase p : split.train()) {
            byUser.computeIfAbsent(users.get(p.user()), x -> new TreeSet<>()).add(items.get(p.sku()));
        }
        trainItems = new int[userNames.length][];
        truth = new int[userNames.length][];
        int outside = items.size();
        Map<String, Integer> unknown = new HashMap<>();
        for (int user = 0; user < userNames.length; user++) {
            trainItems[user] =
                    byUser.get(user).stream().mapToInt(Integer::intValue).toArray();
            Set<String> t = split.truth().get(userNames[user]);
            if (t != null && t.isEmpty() == false) {
                int[] ids = new int[t.size()];
                int n = 0;
                for (String sku : t) {
                    Integer id = items.get(sku);
                    ids[n++] = id != null ? id : unknown.computeIfAbsent(sku, s -> outside + unknown.size());
                }
                truth[user] = RankingMetrics.sortedDistinct(ids);
            }
        }
    }

    int numItems() {
        return items.size();
    }

    /** Trains the plugin's algorithm on the split's events (each purchase weighs 5, as the bench's model says). */
    Figures plugin(TrainingConfig config) {
        InteractionMatrixBuilder builder = config.newMatrixBuilder(split.train().size());
        for (OnlineRetail.Purchase p : split.train()) {
            builder.add(users.get(p.user()), items.get(p.sku()), 5f, p.time() / 1000);
        }
        builder.numUsers(userNames.length).numItems(items.size());
        builder.referenceTime(split.anchorMillis() / 1000);
        long start = System.nanoTime();
        TrainedModel model = ModelTrainer.train(builder, config, TrainingMonitor.NOOP);
        long trainMs = (System.nanoTime() - start) / 1_000_000;
        UserLists lists = new UserLists(model);
        RankingMetrics metrics = new RankingMetrics(k, items.size());
        for (int user = 0; user < userNames.length; user++) {
            if (truth[user] == null || model.matrix().userDegree(user) == 0) {
                continue;
            }
            int[] history = model.historyItems(user);
            Recommendations r = lists.recommend(
                    user, history, model.historyWeights(user), keptHistoryOnly ? history : trainItems[user], k, 0);
            metrics.add(r.items(), truth[user]);
        }
        return Figures.of(metrics, 1.0, trainMs);
    }

    /** Trains the plugin's algorithm on the split's events, as {@link #plugin} does. */
    TrainedModel train(TrainingConfig config) {
        InteractionMatrixBuilder builder = config.newMatrixBuilder(split.train().size());
        for (OnlineRetail.Purchase p : split.train()) {
            builder.add(users.get(p.user()), items.get(p.sku()), 5f, p.time() / 1000);
        }
        builder.numUsers(userNames.length).numItems(items.size());
        builder.referenceTime(split.anchorMillis() / 1000);
        return ModelTrainer.train(builder, config, TrainingMonitor.NOOP);
    }

    /**
     * Scores a trained model, each user's top {@code pool} re-ranked by {@code score / buyers(j)^discount} (buyers: the
     * item's users in the training matrix; discount 0: the plugin's own lists).
     */
    Figures score(TrainedModel model, double discount, int pool) {
        return score(model, discount, pool, keptHistoryOnly);
    }

    /**
     * {@link #score(TrainedModel, double, int)}, which leaves out what the split's protocol does, with {@code
     * keptHistoryOnly} saying what: the user's kept history only (the model's matrix row, capped at {@code max_history}
     * items), as the node's {@code _evaluate} does on protocol time ({@code Holdout#score}), or every training item.
     */
    Figures score(TrainedModel model, double discount, int pool, boolean keptHistoryOnly) {
        UserLists lists = new UserLists(model);
        RankingMetrics metrics = new RankingMetrics(k, items.size());
        for (int user = 0; user < userNames.length; user++) {
            if (truth[user] == null || model.matrix().userDegree(user) == 0) {
                continue;
            }
            int[] history = model.historyItems(user);
            Recommendations r = lists.recommend(
                    user,
                    history,
                    model.historyWeights(user),
                    keptHistoryOnly ? history : trainItems[user],
                    discount == 0 ? k : pool,
                    0);
            if (discount == 0) {
                metrics.add(r.items(), truth[user]);
                continue;
            }
            TopK top = new TopK(k);
            for (int x = 0; x < r.size(); x++) {
                int j = r.items()[x];
                double f = Math.pow(Math.max(1, model.matrix().itemDegree(j)), discount);
                float s = r.scores()[x];
                top.offer(j, (float) (s > 0 ? s / f : s * f));
            }
            int[] ranked = new int[top.size()];
            top.drainSorted(ranked, null, 0);
            metrics.add(ranked, truth[user]);
        }
        return Figures.of(metrics, 1.0, 0);
    }

    /** Steck's EASE, exact: B = -P / diag(P), P = (X^T X + lambda I)^-1, X binary; every item scored. */
    Figures denseEase(double lambda) {
        long start = System.nanoTime();
        double[] b = easeWeights(lambda);
        return scoreDense(b, 0, (System.nanoTime() - start) / 1_000_000);
    }

    /** B of Steck's EASE on the binary training matrix, row-major, zero diagonal. */
    double[] easeWeights(double lambda) {
        int n = items.size();
        DMatrixRMaj g = new DMatrixRMaj(n, n);
        for (int[] row : trainItems) {
            for (int a : row) {
                for (int b : row) {
                    g.data[a * n + b] += 1;
                }
            }
        }
        return invert(g, lambda);
    }

    /**
     * Users' lists from a dense B: {@code score(j) = sum over the user's training items i of B[i][j]}, training items
     * excluded. {@code topPositive} > 0 keeps only each row's {@code topPositive} largest positive weights (what the
     * plugin's stored item neighbours hold), 0 the whole row.
     */
    Figures scoreDense(double[] weights, int topPositive, long trainMs) {
        int n = items.size();
        double[] b = weights;
        if (topPositive > 0) {
            b = new double[n * n];
            TopK row = new TopK(topPositive);
            int[] ids = new int[topPositive];
            float[] values = new float[topPositive];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    float v = (float) weights[i * n + j];
                    if (v > 0f && v >= row.threshold()) {
                        row.offer(j, v);
                    }
                }
                int size = row.drainSorted(ids, values, 0);
                for (int x = 0; x < size; x++) {
                    b[i * n + ids[x]] = weights[i * n + ids[x]];
                }
            }
        }
        RankingMetrics metrics = new RankingMetrics(k, n);
        double[] scores = new double[n];
        TopK top = new TopK(k);
        for (int user = 0; user < userNames.length; user++) {
            if (truth[user] == null) {
                continue;
            }
            Arrays.fill(scores, 0);
            for (int i : trainItems[user]) {
                for (int j = 0; j < n; j++) {
                    scores[j] += b[i * n + j];
                }
            }
            for (int j = 0; j < n; j++) {
                if (Arrays.binarySearch(trainItems[user], j) < 0 && (float) scores[j] >= top.threshold()) {
                    top.offer(j, (float) scores[j]);
                }
            }
            int[] ranked = new int[top.size()];
            top.drainSorted(ranked, null, 0);
            metrics.add(ranked, truth[user]);
        }
        return Figures.of(metrics, 1.0, trainMs);
    }

    /**
     * The split's training events as the plugin's matrix builder makes them under {@code config} (its time decay of the
     * event weights, its history cap, its decayed popularity), with the popularity it computes.
     */
    record Prepared(TrainingConfig config, InteractionMatrix matrix, float[] popularity) {}

    /** The split's events through {@code config}'s matrix builder, as {@link #plugin} feeds them (each purchase 5). */
    Prepared prepare(TrainingConfig config) {
        InteractionMatrixBuilder builder = config.newMatrixBuilder(split.train().size());
        for (OnlineRetail.Purchase p : split.train()) {
            builder.add(users.get(p.user()), items.get(p.sku()), 5f, p.time() / 1000);
        }
        builder.numUsers(userNames.length).numItems(items.size());
        builder.referenceTime(split.anchorMillis() / 1000);
        InteractionMatrix m = builder.build(TrainingMonitor.NOOP);
        return new Prepared(config, m, builder.popularity());
    }

    /**
     * B of Steck's EASE, exact and dense, on the plugin's input: {@code x[u][i] = weight^valueExponent} of the decayed,
     * summed (user, item) weights of {@code prepared} (0: binary), as the plugin's EASE takes them.
     */
    double[] easeWeights(Prepared prepared, double lambda) {
        InteractionMatrix m = prepared.matrix();
        double valueExponent = prepared.config().valueExponent();
        int n = items.size();
        DMatrixRMaj g = new DMatrixRMaj(n, n);
        for (int u = 0; u < m.numUsers(); u++) {
            int[] row = m.userItems(u);
            float[] w = m.userWeights(u);
            double[] x = new double[row.length];
            for (int a = 0; a < row.length; a++) {
                // the plugin's EaseSimilarity#values: x = weight^valueExponent, 0 binary
                x[a] = valueExponent == 0
                        ? (w[a] > 0 ? 1 : 0)
                        : valueExponent == 1 ? w[a] : (float) Math.pow(w[a], valueExponent);
            }
            for (int a = 0; a < row.length; a++) {
                int base = row[a] * n;
                for (int b = 0; b < row.length; b++) {
                    g.data[base + row[b]] += x[a] * x[b];
                }
            }
        }
        return invert(g, lambda);
    }

    private static double[] invert(DMatrixRMaj g, double lambda) {
        int n = g.numRows;
        for (int i = 0; i < n; i++) {
            g.data[i * n + i] += lambda;
        }
        LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.symmPosDef(n);
        if (solver.setA(g) == false) {
            throw new IllegalStateException("not positive definite");
        }
        DMatrixRMaj p = new DMatrixRMaj(n, n);
        solver.invert(p);
        double[] b = p.data;
        double[] diagonal = new double[n];
        for (int j = 0; j < n; j++) {
            diagonal[j] = b[j * n + j];
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                b[i * n + j] = i == j ? 0 : -b[i * n + j] / diagonal[j];
            }
        }
        return b;
    }

    /**
     * Users' lists from a dense B scored as the plugin scores an {@code ease} model's lists: {@code cf(j) = sum over the
     * user's history (the plugin's matrix row) of h_i * B[i][j]}, {@code h} the plugin's history factors ({@link
     * ScoringParams#historyFactors}) of the decayed weights; times the plugin's popularity discount of j ({@link
     * ModelTrainer#popularityDiscount}, {@code discount} > 0); then {@code cf(j) / best cf (if > 0) + popularityWeight *
     * pop(j) / max pop} (the plugin's blend, its decayed popularity), the user's training items left out as the split's
     * protocol leaves them out (see the class), only positive scores.
     */
    Figures scoreEase(Prepared prepared, double[] b, double popularityWeight, double discount, long trainMs) {
        return scoreEase(prepared, b, popularityWeight, discount, trainMs, keptHistoryOnly);
    }

    /**
     * {@link #scoreEase(Prepared, double[], double, double, long)}, with {@code keptHistoryOnly} saying what a list
     * leaves out: the user's kept history only (the matrix row, capped at {@code max_history}), as the node's {@code
     * _evaluate} does on protocol time, or every training item.
     */
    Figures scoreEase(
            Prepared prepared,
            double[] b,
            double popularityWeight,
            double discount,
            long trainMs,
            boolean keptHistoryOnly) {
        InteractionMatrix m = prepared.matrix();
        int n = items.size();
        ScoringParams scoring = prepared.config().scoring().withPopularityWeight(popularityWeight);
        float[] factors = ModelTrainer.popularityDiscount(m, discount);
        float[] popularity = prepared.popularity();
        double[] term = new double[n];
        float max = 0f;
        for (float p : popularity) {
            max = Math.max(max, p);
        }
        for (int j = 0; j < n && max > 0 && popularityWeight > 0; j++) {
            // the plugin's PopularityTerm: beta * pop(j) / max pop
            term[j] = (float) (popularityWeight * (Math.max(0f, popularity[j]) / max));
        }
        RankingMetrics metrics = new RankingMetrics(k, n);
        double[] scores = new double[n];
        for (int user = 0; user < userNames.length; user++) {
            if (truth[user] == null || m.userDegree(user) == 0) {
                continue;
            }
            int[] history = m.userItems(user);
            int[] excluded = keptHistoryOnly ? history : trainItems[user]; // both sorted by item
            float[] h = scoring.historyFactors(history.length, m.userWeights(user));
            Arrays.fill(scores, 0);
            for (int x = 0; x < history.length; x++) {
                double hx = h[x];
                for (int j = 0, base = history[x] * n; j < n; j++) {
                    scores[j] += hx * b[base + j];
                }
            }
            double best = 0;
            for (int j = 0; j < n; j++) {
                if (factors != null) {
                    scores[j] = (float) scores[j] * factors[j];
                }
                if (scores[j] > best && Arrays.binarySearch(excluded, j) < 0) {
                    best = scores[j];
                }
            }
            TopK top = new TopK(k);
            for (int j = 0; j < n; j++) {
                double cf = best > 0 && scores[j] > 0 ? scores[j] / best : 0;
                float s = (float) (cf + term[j]);
                if (s > 0f && s >= top.threshold() && Arrays.binarySearch(excluded, j) < 0) {
                    top.offer(j, s);
                }
            }
            int[] ranked = new int[top.size()];
            top.drainSorted(ranked, null, 0);
            metrics.add(ranked, truth[user]);
        }
        return Figures.of(metrics, 1.0, trainMs);
    }

    /**
     * The judged users whose training items outnumber their kept history (the {@code max_history} cap), and in their top
     * k with only the kept history left out (the node's protocol time): how many are items they had in training (never a
     * hit, the truth being their new items), as {@code users, listed old items, [user: old items in top k of items]...}.
     */
    String capped(TrainedModel model) {
        UserLists lists = new UserLists(model);
        StringBuilder out = new StringBuilder();
        int users = 0;
        int old = 0;
        for (int user = 0; user < userNames.length; user++) {
            if (truth[user] == null || model.matrix().userDegree(user) == 0) {
                continue;
            }
            int[] history = model.historyItems(user);
            if (history.length == trainItems[user].length) {
                continue;
            }
            users++;
            Recommendations r = lists.recommend(user, history, model.historyWeights(user), history, k, 0);
            int o = 0;
            for (int x = 0; x < r.size(); x++) {
                if (Arrays.binarySearch(trainItems[user], r.items()[x]) >= 0) {
                    o++;
                }
            }
            old += o;
            out.append(String.format(
                    java.util.Locale.ROOT,
                    " [%s: %d training items, %d kept, %d of the top %d bought before]",
                    userNames[user],
                    trainItems[user].length,
                    history.length,
                    o,
                    r.size()));
        }
        return users + " judged users above the cap, " + old + " old items listed:" + out;
    }
}
