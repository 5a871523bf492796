package io.personalize.model;

import io.personalize.training.InteractionMatrixBuilder;
import io.personalize.training.ModelTrainer;
import io.personalize.training.StratifiedSplit;
import io.personalize.training.TrainedModel;
import io.personalize.training.TrainingConfig;
import io.personalize.training.Tuner;
import io.personalize.training.TuningSpec;
import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
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
 * Offline evaluation of a model configuration on the model's own events. Protocol {@code time} ("OR-time"): a
 * throwaway model is trained on the events before the split, and each user who had events before it is scored on the
 * items they interacted with after it and never before. Protocol {@code stratified}: each user's distinct items are
 * split at random ({@link StratifiedSplit}: a fraction held out, by a seed), the model is trained on the rest and
 * each user is scored on their held-out items. Users' lists are ranked exactly as serving ranks a recommended-for-you
 * shelf (every item, the user's training items excluded). Nothing is written.
 */
public final class EvaluationJob {

    /** HR, precision, recall, MAP, NDCG and coverage at k, averaged over the test users (see RankingMetrics). */
    public record Metrics(double hitRate, double precision, double recall, double map, double ndcg, double coverage)
            implements ToXContentObject, Writeable {
        public Metrics(StreamInput in) throws IOException {
            this(in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeDouble(hitRate);
            out.writeDouble(precision);
            out.writeDouble(recall);
            out.writeDouble(map);
            out.writeDouble(ndcg);
            out.writeDouble(coverage);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            return builder.startObject()
                    .field("hit_rate", hitRate)
                    .field("precision", precision)
                    .field("recall", recall)
                    .field("map", map)
                    .field("ndcg", ndcg)
                    .field("coverage", coverage)
                    .endObject();
        }
    }

    /**
     * How events are split into training and test: {@code time} at {@code split} (epoch millis), or {@code stratified}
     * with a {@code fraction} of each user's items held out by {@code seed}.
     */
    public record Protocol(String name, long split, double fraction, long seed) implements Writeable {
        public static final String TIME = "time";
        public static final String STRATIFIED = "stratified";
        public static final double DEFAULT_FRACTION = 0.25;
        public static final long DEFAULT_SEED = 42;

        public static Protocol time(long split) {
            return new Protocol(TIME, split, 0, 0);
        }

        public static Protocol stratified(double fraction, long seed) {
            return new Protocol(STRATIFIED, 0, fraction, seed);
        }

        public Protocol {
            if (name.equals(TIME) == false && name.equals(STRATIFIED) == false) {
                throw new IllegalArgumentException(
                        "[protocol] unknown protocol [" + name + "], expected one of [time, stratified]");
            }
            if (name.equals(STRATIFIED) && !(fraction > 0 && fraction < 1)) {
                throw new IllegalArgumentException(
                        "[fraction] must be between 0 and 1 (both excluded), got [" + fraction + "]");
            }
        }

        public Protocol(StreamInput in) throws IOException {
            this(in.readString(), in.readLong(), in.readDouble(), in.readLong());
        }

        public boolean stratified() {
            return name.equals(STRATIFIED);
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(name);
            out.writeLong(split);
            out.writeDouble(fraction);
            out.writeLong(seed);
        }
    }

    /** What an evaluation measured. */
    public record Result(
            int k,
            Protocol protocol,
            long trainEvents,
            long testUsers,
            long catalogItems,
            String algorithm,
            Metrics model,
            Metrics popularity,
            long trainMillis,
            long tookMillis,
            Map<String, Object> tuning)
            implements ToXContentObject, Writeable {

        /** A result without tuning. */
        public Result(
                int k,
                Protocol protocol,
                long trainEvents,
                long testUsers,
                long catalogItems,
                String algorithm,
                Metrics model,
                Metrics popularity,
                long trainMillis,
                long tookMillis) {
            this(
                    k,
                    protocol,
                    trainEvents,
                    testUsers,
                    catalogItems,
                    algorithm,
                    model,
                    popularity,
                    trainMillis,
                    tookMillis,
                    null);
        }

        public Result(StreamInput in) throws IOException {
            this(
                    in.readVInt(),
                    new Protocol(in),
                    in.readVLong(),
                    in.readVLong(),
                    in.readVLong(),
                    in.readString(),
                    new Metrics(in),
                    new Metrics(in),
                    in.readVLong(),
                    in.readVLong(),
                    in.readBoolean() ? in.readGenericMap() : null);
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeVInt(k);
            protocol.writeTo(out);
            out.writeVLong(trainEvents);
            out.writeVLong(testUsers);
            out.writeVLong(catalogItems);
            out.writeString(algorithm);
            model.writeTo(out);
            popularity.writeTo(out);
            out.writeVLong(trainMillis);
            out.writeVLong(tookMillis);
            out.writeBoolean(tuning != null);
            if (tuning != null) {
                out.writeGenericMap(tuning);
            }
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            builder.startObject().field("k", k).field("protocol", protocol.name());
            if (protocol.stratified()) {
                builder.field("fraction", protocol.fraction()).field("seed", protocol.seed());
            } else {
                builder.timestampFieldsFromUnixEpochMillis("split_at", "split", protocol.split());
            }
            builder.field("train_events", trainEvents)
                    .field("test_users", testUsers)
                    .field("catalog_items", catalogItems)
                    .field("algorithm", algorithm)
                    .field("model", model)
                    .field("popularity", popularity)
                    .field("train_ms", trainMillis)
                    .field("took_ms", tookMillis);
            if (tuning != null) {
                builder.field("tuning", tuning);
            }
            return builder.endObject();
        }
    }

    private final ModelConfig config;
    private final Protocol protocol;
    private final long split;
    private final int k;
    private final Client client;
    private final Executor executor;
    private final TrainingTask task;
    private final TuningSpec tuningSpec; // null: no tuning

    public EvaluationJob(ModelConfig config, long split, int k, Client client, Executor executor, TrainingTask task) {
        this(config, Protocol.time(split), k, client, executor, task);
    }

    public EvaluationJob(
            ModelConfig config, Protocol protocol, int k, Client client, Executor executor, TrainingTask task) {
        this(config, protocol, k, null, client, executor, task);
    }

    /** With {@code tuning}: the model scored on the test part is the one tuning chooses on the training part. */
    public EvaluationJob(
            ModelConfig config,
            Protocol protocol,
            int k,
            TuningSpec tuning,
            Client client,
            Executor executor,
            TrainingTask task) {
        this.tuningSpec = tuning;
        this.config = config;
        this.protocol = protocol;
        this.split = protocol.split();
        this.k = k;
        this.client = client;
        this.executor = executor;
        this.task = task;
    }

    public void run(ActionListener<Result> listener) {
        if (protocol.stratified() || tuningSpec != null) {
            runInMemory(listener);
            return;
        }
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
                        // a shard copy lost while the events are read: they are all read again from a new point in time
                        () -> {
                            train.clear();
                            test.clear();
                            seen.clear();
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
                            return evaluate(model, test, seen, trainEvents, trainMillis, start, null);
                        }))));
    }

    /**
     * Protocol {@code stratified}, and either protocol with tuning: the events are kept in memory while read, then
     * split (the stratified draw works on the ids' text and the seed, so the split does not depend on the order events
     * arrive). With tuning, the training part is split again into the tuning's own training and validation parts,
     * the candidates are compared there, and the winner is trained on the whole training part and scored on the test
     * part, which the tuning never saw.
     */
    private void runInMemory(ActionListener<Result> listener) {
        long start = System.currentTimeMillis();
        TrainingConfig trainingConfig = TrainingConfigs.of(config);
        Events all = new Events();
        task.phase("reading_events");
        new EventReader(config.events(), new IndexScan(client, executor, task))
                .read(
                        all::add,
                        all::clear,
                        task::progress,
                        listener.delegateFailureAndWrap((l, events) -> executor.execute(ActionRunnable.supply(l, () -> {
                            // ids in the order of the keys, not of arrival (parallel slices): identical requests give
                            // identical figures
                            all.relabel(
                                    events.users().renumberSorted(),
                                    events.items().renumberSorted());
                            Holdout outer = protocol.stratified()
                                    ? Holdout.stratified(
                                            all,
                                            new StratifiedSplit(protocol.fraction(), protocol.seed()),
                                            events.users(),
                                            events.items(),
                                            start)
                                    : Holdout.byTime(all, split);
                            if (outer.train.size == 0) {
                                throw new IllegalArgumentException(
                                        protocol.stratified()
                                                ? "the stratified split leaves nothing to train on or to judge: users"
                                                        + " need at least two distinct items"
                                                : "no events before the split [" + Instant.ofEpochMilli(split)
                                                        + "]: choose a later split");
                            }
                            if (protocol.stratified() && outer.test.size == 0) {
                                throw new IllegalArgumentException(
                                        "the stratified split leaves nothing to train on or to judge: users need at"
                                                + " least two distinct items");
                            }
                            TrainingConfig chosen = trainingConfig;
                            Map<String, Object> tuning = null;
                            if (tuningSpec != null) {
                                TuningRun run =
                                        TuningRun.tune(outer.train, trainingConfig, tuningSpec, events, start, task);
                                chosen = run.result().winner().config();
                                tuning = run.report();
                            }
                            long trainStart = System.currentTimeMillis();
                            TrainedModel model = outer.train(chosen, TrainingJob.monitor(task));
                            long trainMillis = System.currentTimeMillis() - trainStart;
                            task.phase("evaluating");
                            return evaluate(
                                    model, outer.test, outer.seen, outer.train.size, trainMillis, start, tuning);
                        }))));
    }

    private Result evaluate(
            TrainedModel model,
            Pairs test,
            Pairs seen,
            long trainEvents,
            long trainMillis,
            long start,
            Map<String, Object> tuning) {
        Holdout.Scores scores = Holdout.score(model, test, seen, protocol.stratified(), k, task::progress);
        if (scores.users() == 0) {
            // all zeros would look like a (terrible) result: it is a split that leaves nothing to judge
            throw new IllegalArgumentException(
                    protocol.stratified()
                            ? "no user has both items to train on and held-out items"
                            : "no user with events before the split has new items after the split ["
                                    + Instant.ofEpochMilli(split) + "]: choose an earlier split");
        }
        return new Result(
                k,
                protocol,
                trainEvents,
                scores.users(),
                scores.catalog(),
                model.config().similarity().describe(),
                metrics(scores.figures(scores.model())),
                metrics(scores.figures(scores.popularity())),
                trainMillis,
                System.currentTimeMillis() - start,
                tuning);
    }

    private static Metrics metrics(Tuner.Figures f) {
        return new Metrics(f.hitRate(), f.precision(), f.recall(), f.map(), f.ndcg(), f.coverage());
    }

    /** Every event read, for the stratified split (which needs the ids' text, known only once all are read). */
    static final class Events {
        int[] users = new int[1024];
        int[] items = new int[1024];
        float[] weights = new float[1024];
        long[] millis = new long[1024];
        int size;

        void add(int user, int item, float weight, long time) {
            if (size == users.length) {
                int capacity = ArrayUtil.oversize(size + 1, Long.BYTES);
                users = Arrays.copyOf(users, capacity);
                items = Arrays.copyOf(items, capacity);
                weights = Arrays.copyOf(weights, capacity);
                millis = Arrays.copyOf(millis, capacity);
            }
            users[size] = user;
            items[size] = item;
            weights[size] = weight;
            millis[size] = time;
            size++;
        }

        void clear() {
            size = 0;
        }

        void relabel(int[] userMap, int[] itemMap) {
            for (int e = 0; e < size; e++) {
                users[e] = userMap[users[e]];
                items[e] = itemMap[items[e]];
            }
        }
    }

    /** (user, item) pairs packed in longs, sorted by user then item for look-ups. */
    static final class Pairs {
        long[] pairs = new long[1024];
        int size;

        void add(int user, int item) {
            pairs = ArrayUtil.grow(pairs, size + 1);
            pairs[size++] = ((long) user << 32) | (item & 0xffffffffL);
        }

        void sort() {
            Arrays.sort(pairs, 0, size);
        }

        void clear() {
            size = 0;
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

        /** Drops repeated pairs (sorted first). */
        void distinct() {
            int n = 0;
            for (int x = 0; x < size; x++) {
                if (n == 0 || pairs[n - 1] != pairs[x]) {
                    pairs[n++] = pairs[x];
                }
            }
            size = n;
        }

        /** The items of a user (sorted first), ascending and distinct. */
        int[] itemsOf(int user) {
            int from = lowerBound((long) user << 32);
            int to = lowerBound((long) (user + 1) << 32);
            int[] items = new int[to - from];
            int n = 0;
            for (int x = from; x < to; x++) {
                if (n == 0 || items[n - 1] != item(x)) {
                    items[n++] = item(x);
                }
            }
            return Arrays.copyOf(items, n);
        }

        private int lowerBound(long key) {
            int lo = 0, hi = size;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (pairs[mid] < key) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
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
