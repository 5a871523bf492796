package io.personalize.model;

import io.personalize.serving.NeighborhoodScorer;
import io.personalize.serving.Recommendations;
import io.personalize.training.InteractionMatrixBuilder;
import io.personalize.training.ModelTrainer;
import io.personalize.training.RankingMetrics;
import io.personalize.training.TrainedModel;
import io.personalize.training.TrainingConfig;
import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.Executor;
import org.apache.lucene.util.ArrayUtil;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.ActionRunnable;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;

/**
 * Offline evaluation of a model configuration on the model's own events, split by time (protocol "OR-time"): a
 * throwaway model is trained on the events before the split, and each user who had events before it is scored on the
 * items they interacted with after it and never before. Users' lists are ranked exactly as serving ranks a
 * recommended-for-you shelf. Nothing is written.
 */
public final class EvaluationJob {

    /** HR, Recall, NDCG and coverage at k, averaged over the test users. */
    public record Metrics(double hitRate, double recall, double ndcg, double coverage)
            implements ToXContentObject, Writeable {
        public Metrics(StreamInput in) throws IOException {
            this(in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeDouble(hitRate);
            out.writeDouble(recall);
            out.writeDouble(ndcg);
            out.writeDouble(coverage);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            return builder.startObject()
                    .field("hit_rate", hitRate)
                    .field("recall", recall)
                    .field("ndcg", ndcg)
                    .field("coverage", coverage)
                    .endObject();
        }
    }

    /** What an evaluation measured. */
    public record Result(
            int k,
            long split,
            long trainEvents,
            long testUsers,
            long catalogItems,
            String algorithm,
            Metrics model,
            Metrics popularity,
            long trainMillis,
            long tookMillis)
            implements ToXContentObject, Writeable {

        public Result(StreamInput in) throws IOException {
            this(
                    in.readVInt(),
                    in.readLong(),
                    in.readVLong(),
                    in.readVLong(),
                    in.readVLong(),
                    in.readString(),
                    new Metrics(in),
                    new Metrics(in),
                    in.readVLong(),
                    in.readVLong());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeVInt(k);
            out.writeLong(split);
            out.writeVLong(trainEvents);
            out.writeVLong(testUsers);
            out.writeVLong(catalogItems);
            out.writeString(algorithm);
            model.writeTo(out);
            popularity.writeTo(out);
            out.writeVLong(trainMillis);
            out.writeVLong(tookMillis);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            return builder.startObject()
                    .field("k", k)
                    .timestampFieldsFromUnixEpochMillis("split_at", "split", split)
                    .field("train_events", trainEvents)
                    .field("test_users", testUsers)
                    .field("catalog_items", catalogItems)
                    .field("algorithm", algorithm)
                    .field("model", model)
                    .field("popularity", popularity)
                    .field("train_ms", trainMillis)
                    .field("took_ms", tookMillis)
                    .endObject();
        }
    }

    private final ModelConfig config;
    private final long split;
    private final int k;
    private final Client client;
    private final Executor executor;
    private final TrainingTask task;

    public EvaluationJob(ModelConfig config, long split, int k, Client client, Executor executor, TrainingTask task) {
        this.config = config;
        this.split = split;
        this.k = k;
        this.client = client;
        this.executor = executor;
        this.task = task;
    }

    public void run(ActionListener<Result> listener) {
        long start = System.currentTimeMillis();
        TrainingConfig trainingConfig = TrainingConfigs.of(config);
        // decay is relative to the split: the model knows nothing after it
        InteractionMatrixBuilder train =
                trainingConfig.newMatrixBuilder(1 << 16).referenceTime(split / 1000);
        Pairs test = new Pairs();
        // every (user, item) before the split: "new" items are judged against all of them, not the capped history
        Pairs seen = new Pairs();
        task.phase("reading_events");
        new EventReader(config.events(), new IndexScan(client, executor, task))
                .read(
                        (user, item, weight, millis) -> {
                            if (millis < split) {
                                train.add(user, item, weight, millis / 1000);
                                seen.add(user, item);
                            } else {
                                test.add(user, item);
                            }
                        },
                        task::progress,
                        listener.delegateFailureAndWrap((l, events) -> executor.execute(ActionRunnable.supply(l, () -> {
                            // ids in the order of the keys, not of arrival (parallel slices): identical requests give
                            // identical figures
                            int[] userMap = events.users().renumberSorted();
                            int[] itemMap = events.items().renumberSorted();
                            train.relabel(userMap, itemMap);
                            test.relabel(userMap, itemMap);
                            seen.relabel(userMap, itemMap);
                            long trainEvents = train.size();
                            if (trainEvents == 0) {
                                throw new IllegalArgumentException("no events before the split ["
                                        + Instant.ofEpochMilli(split) + "]: choose a later split");
                            }
                            long trainStart = System.currentTimeMillis();
                            TrainedModel model = ModelTrainer.train(train, trainingConfig, TrainingJob.monitor(task));
                            long trainMillis = System.currentTimeMillis() - trainStart;
                            task.phase("evaluating");
                            seen.sort();
                            return evaluate(model, test, seen, trainEvents, trainMillis, start);
                        }))));
    }

    private Result evaluate(
            TrainedModel model, Pairs test, Pairs seen, long trainEvents, long trainMillis, long start) {
        int numItems = model.numItems();
        float[] popularity = model.popularity();
        // the catalogue is every item with an event before the split, whether or not a capped history kept it
        int catalog = seen.distinctItems(numItems);
        int[] byPopularity = rankByPopularity(popularity);
        RankingMetrics modelMetrics = new RankingMetrics(k, numItems);
        RankingMetrics popularityMetrics = new RankingMetrics(k, numItems);
        NeighborhoodScorer scorer = NeighborhoodScorer.of(model);
        NeighborhoodScorer.Workspace workspace = scorer.newWorkspace();
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
                    Recommendations recommendations =
                            scorer.recommend(history, model.historyWeights(user), history, k, 0, workspace);
                    modelMetrics.add(recommendations.items(), truth);
                    popularityMetrics.add(topExcluding(byPopularity, history, k), truth);
                }
            }
            // progress by test pairs, about every 1,024 of them (a user's pairs end anywhere: no modulo of the
            // position)
            if ((to >>> 10) != (from >>> 10) || to == test.size) {
                task.progress(to, test.size);
            }
            from = to;
        }
        if (modelMetrics.users() == 0) {
            // all zeros would look like a (terrible) result: it is a split that leaves nothing to judge
            throw new IllegalArgumentException("no user with events before the split has new items after the split ["
                    + Instant.ofEpochMilli(split) + "]: choose an earlier split");
        }
        double coverageScale = catalog == 0 ? 0 : (double) numItems / catalog; // metrics count coverage over all ids
        return new Result(
                k,
                split,
                trainEvents,
                modelMetrics.users(),
                catalog,
                model.config().similarity().describe(),
                metrics(modelMetrics, coverageScale),
                metrics(popularityMetrics, coverageScale),
                trainMillis,
                System.currentTimeMillis() - start);
    }

    private static Metrics metrics(RankingMetrics m, double coverageScale) {
        return new Metrics(m.hitRate(), m.recall(), m.ndcg(), m.coverage() * coverageScale);
    }

    /** The user's items after the split that they never had before it. */
    private static int[] newItems(Pairs test, int from, int to, Pairs seen) {
        int[] truth = new int[to - from];
        int n = 0;
        for (int x = from; x < to; x++) {
            if (seen.contains(test.pairs[x]) == false) {
                truth[n++] = test.item(x);
            }
        }
        return RankingMetrics.sortedDistinct(Arrays.copyOf(truth, n));
    }

    private static int[] rankByPopularity(float[] popularity) {
        Integer[] order = new Integer[popularity.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(
                order,
                (a, b) -> popularity[a] != popularity[b]
                        ? Float.compare(popularity[b], popularity[a])
                        : Integer.compare(a, b));
        int[] ranked = new int[order.length];
        int n = 0;
        for (Integer item : order) {
            if (popularity[item] > 0) {
                ranked[n++] = item;
            }
        }
        return Arrays.copyOf(ranked, n);
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

    /** (user, item) pairs packed in longs, sorted by user then item for look-ups. */
    private static final class Pairs {
        long[] pairs = new long[1024];
        int size;

        void add(int user, int item) {
            pairs = ArrayUtil.grow(pairs, size + 1);
            pairs[size++] = ((long) user << 32) | (item & 0xffffffffL);
        }

        void sort() {
            Arrays.sort(pairs, 0, size);
        }

        void relabel(int[] userMap, int[] itemMap) {
            for (int x = 0; x < size; x++) {
                pairs[x] = ((long) userMap[user(x)] << 32) | (itemMap[item(x)] & 0xffffffffL);
            }
        }

        int user(int x) {
            return (int) (pairs[x] >>> 32);
        }

        int item(int x) {
            return (int) pairs[x];
        }

        boolean contains(long pair) {
            return Arrays.binarySearch(pairs, 0, size, pair) >= 0;
        }

        int distinctItems(int numItems) {
            boolean[] present = new boolean[numItems];
            int distinct = 0;
            for (int x = 0; x < size; x++) {
                int item = item(x);
                if (item < numItems && present[item] == false) {
                    present[item] = true;
                    distinct++;
                }
            }
            return distinct;
        }
    }
}
