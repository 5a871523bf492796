package io.personalize.model;

import io.personalize.serving.Recommendations;
import io.personalize.serving.UserLists;
import io.personalize.training.InteractionMatrixBuilder;
import io.personalize.training.ModelTrainer;
import io.personalize.training.RankingMetrics;
import io.personalize.training.StratifiedSplit;
import io.personalize.training.TopK;
import io.personalize.training.TrainedModel;
import io.personalize.training.TrainingConfig;
import io.personalize.training.TrainingMonitor;
import io.personalize.training.Tuner;
import java.util.Arrays;

/**
 * Events split in memory into a training part and a held-out part, and the one scoring of a model against the
 * held-out part that {@code _evaluate} and self-tuning share: every item ranked as a recommended-for-you shelf ranks
 * it (the user's training items excluded), HR, precision, recall, MAP, NDCG and coverage at k ({@link
 * RankingMetrics}), beside popularity.
 */
final class Holdout {

    /** What a model scored on a held-out part, beside popularity. */
    record Scores(RankingMetrics model, RankingMetrics popularity, int catalog, int numItems) {
        long users() {
            return model.users();
        }

        Tuner.Figures figures(RankingMetrics m) {
            // the metrics count coverage over all ids; the catalogue is the items with a training event
            double scale = catalog == 0 ? 0 : (double) numItems / catalog;
            return new Tuner.Figures(m.hitRate(), m.precision(), m.recall(), m.map(), m.ndcg(), m.coverage() * scale);
        }
    }

    final EvaluationJob.Events train;
    final EvaluationJob.Pairs test;
    final EvaluationJob.Pairs seen;
    final long anchorMillis;
    final boolean stratified;

    private Holdout(
            EvaluationJob.Events train,
            EvaluationJob.Pairs test,
            EvaluationJob.Pairs seen,
            long anchorMillis,
            boolean stratified) {
        this.train = train;
        this.test = test;
        this.seen = seen;
        this.anchorMillis = anchorMillis;
        this.stratified = stratified;
        test.sort();
        seen.sort();
    }

    /** The time protocol: trained on the events before {@code split} (decay counted back from it), judged after. */
    static Holdout byTime(EvaluationJob.Events all, long split) {
        EvaluationJob.Events train = new EvaluationJob.Events();
        EvaluationJob.Pairs test = new EvaluationJob.Pairs();
        EvaluationJob.Pairs seen = new EvaluationJob.Pairs();
        for (int e = 0; e < all.size; e++) {
            if (all.millis[e] < split) {
                train.add(all.users[e], all.items[e], all.weights[e], all.millis[e]);
                seen.add(all.users[e], all.items[e]);
            } else {
                test.add(all.users[e], all.items[e]);
            }
        }
        return new Holdout(train, test, seen, split, false);
    }

    /**
     * The time at which the newest {@code fraction} of the events starts (events at that very time are all held out):
     * a "newest events" validation slice. Fails when it would leave nothing before it.
     */
    static long newestSplit(EvaluationJob.Events all, double fraction) {
        if (all.size < 2) {
            throw new IllegalArgumentException("[tune] needs at least two events to hold out the newest ones");
        }
        long[] times = Arrays.copyOf(all.millis, all.size);
        Arrays.sort(times);
        int heldOut = Math.max(1, (int) Math.round(fraction * all.size));
        long split = times[all.size - heldOut];
        if (split == times[0]) {
            throw new IllegalArgumentException("[tune.fraction] holding out the newest " + fraction
                    + " of the events leaves none before them (they share one time): use validation [random]");
        }
        return split;
    }

    /**
     * The stratified protocol: each user's distinct items split by {@code draw} (on the ids' text), the held-out pairs
     * with all their events judged, the model trained on the rest with its decay anchored on the newest of them.
     */
    static Holdout stratified(
            EvaluationJob.Events all, StratifiedSplit draw, IdDictionary users, IdDictionary items, long nowMillis) {
        EvaluationJob.Pairs pairs = new EvaluationJob.Pairs();
        for (int e = 0; e < all.size; e++) {
            pairs.add(all.users[e], all.items[e]);
        }
        pairs.sort();
        pairs.distinct();
        // the held-out pairs, user by user
        EvaluationJob.Pairs test = new EvaluationJob.Pairs();
        for (int from = 0; from < pairs.size; ) {
            int user = pairs.user(from);
            int to = from;
            while (to < pairs.size && pairs.user(to) == user) {
                to++;
            }
            long[] keys = new long[to - from];
            String userId = users.get(user);
            for (int x = from; x < to; x++) {
                keys[x - from] = draw.key(userId, items.get(pairs.item(x)));
            }
            boolean[] out = draw.heldOut(keys);
            for (int x = from; x < to; x++) {
                if (out[x - from]) {
                    test.add(user, pairs.item(x));
                }
            }
            from = to;
        }
        test.sort();
        EvaluationJob.Events train = new EvaluationJob.Events();
        EvaluationJob.Pairs seen = new EvaluationJob.Pairs();
        long newest = Long.MIN_VALUE;
        for (int e = 0; e < all.size; e++) {
            long pair = ((long) all.users[e] << 32) | (all.items[e] & 0xffffffffL);
            if (test.contains(pair) == false) {
                train.add(all.users[e], all.items[e], all.weights[e], all.millis[e]);
                seen.add(all.users[e], all.items[e]);
                newest = Math.max(newest, all.millis[e]);
            }
        }
        return new Holdout(train, test, seen, EventRules.decayAnchorMillis(newest, nowMillis), true);
    }

    boolean empty() {
        return train.size == 0 || test.size == 0;
    }

    /** Trains {@code config} on the training part. */
    TrainedModel train(TrainingConfig config, TrainingMonitor monitor) {
        InteractionMatrixBuilder builder = config.newMatrixBuilder(Math.max(1, train.size));
        for (int e = 0; e < train.size; e++) {
            builder.add(train.users[e], train.items[e], train.weights[e], train.millis[e] / 1000);
        }
        builder.referenceTime(anchorMillis / 1000);
        return ModelTrainer.train(builder, config, monitor);
    }

    /** Trains {@code config} and scores it: a tuning candidate's figures. */
    Tuner.Figures figures(TrainingConfig config, int k, TrainingMonitor monitor) {
        Scores scores = score(train(config, monitor), test, seen, stratified, k, (done, total) -> {});
        return scores.figures(scores.model());
    }

    /**
     * Scores {@code model} on the held-out pairs: each user who has training events and held-out items they never had
     * in training gets the model's list and popularity's, both excluding the user's training items (all of them with
     * the stratified protocol; the kept history with the time protocol, as serving excludes it).
     */
    static Scores score(
            TrainedModel model,
            EvaluationJob.Pairs test,
            EvaluationJob.Pairs seen,
            boolean stratified,
            int k,
            EventReader.ProgressListener progress) {
        int numItems = model.numItems();
        // the catalogue is every item with a training event, whether or not a capped history kept it
        int catalog = seen.distinctItems(numItems);
        int[] byPopularity = TopK.positiveInOrder(model.popularity());
        RankingMetrics modelMetrics = new RankingMetrics(k, numItems);
        RankingMetrics popularityMetrics = new RankingMetrics(k, numItems);
        UserLists lists = new UserLists(model);
        test.sort();
        for (int from = 0; from < test.size; ) {
            int user = test.user(from);
            int to = from;
            while (to < test.size && test.user(to) == user) {
                to++;
            }
            if (user < model.numUsers() && model.matrix().userDegree(user) > 0) {
                int[] history = model.historyItems(user);
                int[] truth = newItems(test, from, to, seen);
                if (truth.length > 0) {
                    int[] exclude = stratified ? seen.itemsOf(user) : history;
                    Recommendations recommendations =
                            lists.recommend(user, history, model.historyWeights(user), exclude, k, 0);
                    modelMetrics.add(recommendations.items(), truth);
                    popularityMetrics.add(topExcluding(byPopularity, exclude, k), truth);
                }
            }
            // progress by test pairs, about every 1,024 of them (a user's pairs end anywhere: no modulo of the
            // position)
            if ((to >>> 10) != (from >>> 10) || to == test.size) {
                progress.onProgress(to, test.size);
            }
            from = to;
        }
        return new Scores(modelMetrics, popularityMetrics, catalog, numItems);
    }

    /** The user's held-out items that they never had in training. */
    private static int[] newItems(EvaluationJob.Pairs test, int from, int to, EvaluationJob.Pairs seen) {
        int[] truth = new int[to - from];
        int n = 0;
        for (int x = from; x < to; x++) {
            if (seen.contains(test.pairs[x]) == false) {
                truth[n++] = test.item(x);
            }
        }
        return RankingMetrics.sortedDistinct(Arrays.copyOf(truth, n));
    }

    private static int[] topExcluding(int[] ranked, int[] history, int k) {
        int[] sortedHistory = history.clone();
        Arrays.sort(sortedHistory);
        int[] top = new int[k];
        int n = 0;
        for (int x = 0; x < ranked.length && n < k; x++) {
            if (Arrays.binarySearch(sortedHistory, ranked[x]) < 0) {
                top[n++] = ranked[x];
            }
        }
        return Arrays.copyOf(top, n);
    }
}
