package io.personalize.spark;

import static org.apache.spark.sql.functions.callUDF;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.max;

import io.personalize.model.EventRules;
import io.personalize.training.EaseSimilarity;
import io.personalize.training.EaseWeights;
import io.personalize.training.FactorModel;
import io.personalize.training.FactorNeighbors;
import io.personalize.training.ImplicitAls;
import io.personalize.training.InteractionMatrix;
import io.personalize.training.ItemNeighbors;
import io.personalize.training.ModelTrainer;
import io.personalize.training.StepwiseSimilarity;
import io.personalize.training.TrainingConfig;
import io.personalize.training.TrainingMonitor;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.recommendation.ALS;
import org.apache.spark.ml.recommendation.ALSModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF5;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Trains a model on Spark with the plugin's own maths ({@code io.personalize.training}), distributed where the work is:
 * <ol>
 *   <li>the events are checked with the node's rules ({@link EventRules}: bad events are skipped and counted, never
 *       fatal) and weighted by their type (times the value field);</li>
 *   <li>items are numbered in the order of their ids' bytes, as the node numbers them (ties between equal scores go to
 *       the smaller id, so the numbering is part of the result);</li>
 *   <li>users' histories by user partitions: each partition's users, with all their events, go through the plugin's
 *       {@code InteractionMatrixBuilder} (decay anchored on the newest event, never after the job started; merge;
 *       the {@code max_history} most recent items; popularity), see {@link UserPart};</li>
 *   <li>the similarity's sums over users ({@link StepwiseSimilarity#userSums}, {@link StepwiseSimilarity#itemSums}) per
 *       partition, added up;</li>
 *   <li>co-occurrence and similarity by item blocks: each block of items gets the rows of the users of its items and
 *       computes its items' top neighbours ({@link StepwiseSimilarity#computeRows});</li>
 *   <li>users' stored lists by user partitions, with the neighbours and popularity broadcast
 *       ({@link ModelLines}).</li>
 * </ol>
 * {@code als} replaces steps 4 and 5: Spark MLlib's ALS factorises the users' rows ({@link #factorize}), and the
 * plugin's {@link FactorNeighbors} folds the factors into item neighbours by item blocks (step 5's blocks); the users'
 * factors stay in their user partitions (step 6 zips each with its users). {@code ease} replaces them with the plugin's
 * {@link EaseSimilarity}: dense on the driver (one matrix inverse) while it fits the driver's memory budget, else its
 * sparse columns solved by item blocks ({@link #sparseEase}). {@code user_knn}'s item neighbours are its cosine (steps
 * 4 and 5); its users' lists rank each user partition's users over the whole matrix, broadcast ({@link AllUsers}).
 */
public final class SparkTrainer {

    /** What training produced, before it is written as a model's lines. */
    public record Result(
            ModelSettings settings,
            TrainingConfig config,
            String[] itemNames,
            ItemNeighbors neighbors,
            float[] popularity,
            JavaRDD<UserPart> parts,
            long events,
            long users,
            Map<String, Long> skipped,
            long newestMillis,
            long referenceSeconds,
            Map<String, Long> phasesMillis,
            Factors factors,
            JavaRDD<float[]> userFactors,
            AllUsers knnUsers,
            EaseWeightsRows easeWeights,
            float[] discount) {

        /**
         * The {@code als} model's factors with every user's row, collected to the driver (the job itself never does:
         * {@link #userFactors} stay in their user partitions): for tests and inspection.
         */
        public FactorModel factorModel() {
            List<float[]> byPartition = userFactors.collect();
            int length = 0;
            for (float[] part : byPartition) {
                length += part.length;
            }
            float[] users = new float[length];
            int at = 0;
            for (float[] part : byPartition) {
                System.arraycopy(part, 0, users, at, part.length);
                at += part.length;
            }
            return new FactorModel(
                    users.length / factors.rank(), factors.numItems(), factors.rank(), users, factors.items());
        }
    }

    /**
     * An {@code ease} model's whole B (the plugin's {@link EaseWeights}: dense, or each row's weights), which the
     * users' lists score histories against as the node's training does ({@link ModelTrainer#easeRanker});
     * {@code historyEntries}: the entries of all users' histories (the dense ranker's bound on its work).
     */
    public record EaseWeightsRows(int numItems, float[] dense, NeighborRows rows, long historyEntries)
            implements Serializable {

        static EaseWeightsRows of(EaseWeights w, long historyEntries) {
            return w.isDense()
                    ? new EaseWeightsRows(w.numItems(), w.denseWeights(), null, historyEntries)
                    : new EaseWeightsRows(
                            w.numItems(), null, new NeighborRows(w.rowStart(), w.rowIds(), w.rowWeights()), 0);
        }

        public EaseWeights weights() {
            return dense != null
                    ? EaseWeights.dense(numItems, dense)
                    : EaseWeights.sparse(numItems, rows.offsets(), rows.neighbors(), rows.scores());
        }
    }

    /**
     * An {@code als} model's item factors, trained by Spark MLlib's ALS (row-major, {@code rank} floats per item, items
     * as {@link Result#itemNames}) and their fold-in matrix ({@link FactorNeighbors#foldIn}, rank x rank), what every
     * user partition needs beside its own users' factors ({@link Result#userFactors}: partition p's users, numbered
     * in the order of their ids' bytes, are the model's users {@code partOffsets[p]..partOffsets[p + 1]});
     * {@code rawNeighbors}: the item neighbours before row normalisation (the users' lists use them, as the node's
     * training does).
     */
    public record Factors(
            int rank,
            float[] items,
            double[] foldIn,
            int[] partOffsets,
            double regularization,
            double regParam,
            NeighborRows rawNeighbors)
            implements Serializable {

        public int numItems() {
            return items.length / rank;
        }

        public int numUsers() {
            return partOffsets[partOffsets.length - 1];
        }

        /** The factor model of a part of the users ({@code users}: their rows) and the fold-in of every item. */
        public FactorNeighbors neighbors(FactorModel model) {
            return new FactorNeighbors(model, foldIn);
        }
    }

    /** Events per user partition when the number of partitions is not given. */
    static final long EVENTS_PER_PARTITION = 500_000;

    private final SparkSession spark;
    private final int userPartitions;
    private final int itemBlocks;
    private EaseSimilarity.Mode easeMode = EaseSimilarity.Mode.AUTO;
    private long alsSeed = TrainingConfig.DEFAULT_ALS_SEED;
    private double regParamScale = 1;
    private double easeListWork = ModelTrainer.EASE_LIST_WORK;

    /**
     * @param userPartitions partitions of users (histories, sums, users' lists); 0: one per core, and more when
     *     there are more than {@link #EVENTS_PER_PARTITION} events per partition
     * @param itemBlocks blocks of items (co-occurrence and similarity)
     */
    public SparkTrainer(SparkSession spark, int userPartitions, int itemBlocks) {
        this.spark = spark;
        this.userPartitions = userPartitions;
        this.itemBlocks = itemBlocks;
    }

    /**
     * EASE dense or sparse; {@code AUTO} (the default): dense while its matrices ({@code 24 * items^2} bytes) fit the
     * driver's memory budget (40% of its heap), as the node decides with its own heap.
     */
    public SparkTrainer easeMode(EaseSimilarity.Mode mode) {
        this.easeMode = java.util.Objects.requireNonNull(mode);
        return this;
    }

    /** MLlib's ALS seed (default {@link TrainingConfig#DEFAULT_ALS_SEED}, the node's ALS seed). */
    public SparkTrainer alsSeed(long seed) {
        this.alsSeed = seed;
        return this;
    }

    /**
     * A factor on MLlib's regParam (default 1: {@code regularization x (users + items) / (2 x entries)}, see
     * {@link #factorize}).
     */
    public SparkTrainer regParamScale(double scale) {
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("the regParam scale must be a positive number, got [" + scale + "]");
        }
        this.regParamScale = scale;
        return this;
    }

    /**
     * The bound on a sparse B's users' lists' work beyond which its rows are cut (default the node's, {@link
     * ModelTrainer#EASE_LIST_WORK}): tests lower it to see the cut on small data.
     */
    SparkTrainer easeListWork(double work) {
        this.easeListWork = work;
        return this;
    }

    /** Trains from events in {@link EventColumns#SCHEMA}; {@code nowMillis} is the job's start (the rules' now). */
    public Result train(Dataset<Row> events, ModelSettings settings, long nowMillis) {
        TrainingConfig config = settings.trainingConfig();
        Map<String, Long> phases = new java.util.LinkedHashMap<>();
        long t0 = System.nanoTime();

        // 1. the node's rules, the type's weight
        Map<String, Double> weights = new java.util.HashMap<>(settings.weights());
        boolean hasValue = settings.valueField() != null;
        spark.udf()
                .register(
                        "personalize_skip",
                        (UDF5<String, String, String, Long, Double, String>) (user, item, type, time, value) -> {
                            Double weight = type == null ? null : weights.get(type);
                            double v = hasValue ? (value == null ? Double.NaN : value) : 1.0;
                            EventRules.Reason reason = new EventRules(nowMillis)
                                    .check(user, item, weight, time == null ? Long.MIN_VALUE : time, v);
                            return reason == null ? null : reason.toString();
                        },
                        DataTypes.StringType);
        spark.udf()
                .register(
                        "personalize_weight",
                        (org.apache.spark.sql.api.java.UDF2<String, Double, Float>)
                                (type, value) -> (float) (weights.get(type) * (hasValue ? value : 1.0)),
                        DataTypes.FloatType);
        Dataset<Row> checked = events.withColumn(
                        "skip",
                        callUDF("personalize_skip", col("user"), col("item"), col("type"), col("time"), col("value")))
                .persist(StorageLevel.MEMORY_AND_DISK());
        Map<String, Long> skipped = new TreeMap<>();
        long used = 0;
        long newest = Long.MIN_VALUE;
        List<Row> counts;
        try {
            // the first action: every event is read here (from the index: every page of the point in time)
            counts = checked.groupBy(col("skip"))
                    .agg(count("*"), max(col("time")))
                    .collectAsList();
        } catch (Exception e) { // Spark's job failure (SparkException) is a checked exception thrown unchecked
            checked.unpersist();
            throw e;
        }
        for (Row r : counts) {
            if (r.isNullAt(0)) {
                used = r.getLong(1);
                newest = r.getLong(2);
            } else {
                skipped.put(r.getString(0), r.getLong(1));
            }
        }
        if (used == 0) {
            checked.unpersist();
            throw new IllegalArgumentException("no usable events: events need a [" + settings.userField() + "], an ["
                    + settings.itemField() + "], a [" + settings.timeField() + "] and a [" + settings.typeField()
                    + "] among " + settings.weights().keySet() + (skipped.isEmpty() ? "" : "; skipped " + skipped));
        }
        long referenceSeconds = EventRules.decayAnchorMillis(newest, nowMillis) / 1000;
        Dataset<Row> usable = checked.where(col("skip").isNull())
                .select(
                        col("user"),
                        col("item"),
                        callUDF("personalize_weight", col("type"), col("value")).as("weight"),
                        col("time"));
        phases.put("read_and_check", ms(t0));

        // 2. items numbered in the order of their bytes (Spark orders strings by their UTF-8 bytes)
        long t1 = System.nanoTime();
        List<Row> itemRows = usable.select(col("item")).distinct().collectAsList();
        String[] itemNames = itemRows.stream().map(r -> r.getString(0)).toArray(String[]::new);
        Arrays.sort(itemNames, SparkTrainer::compareBytes);
        int numItems = itemNames.length;
        List<Row> ids = new ArrayList<>(numItems);
        for (int i = 0; i < numItems; i++) {
            ids.add(RowFactory.create(itemNames[i], i));
        }
        Dataset<Row> itemIds = spark.createDataFrame(
                ids, new StructType().add("item", DataTypes.StringType).add("item_id", DataTypes.IntegerType));
        phases.put("items", ms(t1));

        // 3. users' histories by user partitions
        long t2 = System.nanoTime();
        // without a number given: at least one partition per core, and at most about EVENTS_PER_PARTITION events each
        int partitions = userPartitions > 0
                ? userPartitions
                : (int) Math.max(spark.sparkContext().defaultParallelism(), (used - 1) / EVENTS_PER_PARTITION + 1);
        JavaRDD<Row> byUser = usable.join(org.apache.spark.sql.functions.broadcast(itemIds), "item")
                .select(col("user"), col("item_id"), col("weight"), col("time"))
                .repartition(partitions, col("user"))
                .sortWithinPartitions(col("user"))
                .javaRDD();
        JavaRDD<UserPart> parts = byUser.mapPartitions(
                        rows -> List.of(UserPart.of(rows, numItems, referenceSeconds, settings.trainingConfig()))
                                .iterator())
                .persist(StorageLevel.MEMORY_AND_DISK());
        long users = parts.map(UserPart::size).reduce(Integer::sum);
        checked.unpersist();
        float[] popularity = toFloat(parts.map(p -> toDouble(p.popularity)).treeReduce(SparkTrainer::add));
        // each item's users, summed over the user partitions: the popularity discount's and sparse EASE's row cap's
        int[] itemDegrees = parts.map(p -> p.itemDegrees()).treeReduce(SparkTrainer::add);
        float[] discount = ModelTrainer.popularityDiscount(itemDegrees, config.popularityDiscount());
        phases.put("histories", ms(t2));

        ItemNeighbors neighbors;
        Factors factors = null;
        JavaRDD<float[]> userFactors = null;
        EaseWeightsRows easeWeights = null;
        long t4;
        if (config.similarity() instanceof ImplicitAls) {
            long t3 = System.nanoTime();
            List<JavaRDD<float[]>> factorParts = new ArrayList<>(1);
            factors = factorize(parts, config, numItems, partitions, itemBlocks, factorParts);
            userFactors = factorParts.get(0);
            phases.put("als", ms(t3));
            t4 = System.nanoTime();
            neighbors = factors.rawNeighbors().toItemNeighbors();
        } else if (config.similarity() instanceof EaseSimilarity ease) {
            t4 = System.nanoTime();
            EaseSimilarity.Mode mode = easeMode == EaseSimilarity.Mode.AUTO ? ease.modeFor(numItems) : easeMode;
            if (mode == EaseSimilarity.Mode.DENSE) {
                // one matrix inverse, on the driver, over the users in the node's order (the same Gram sums)
                InteractionMatrix all = AllUsers.of(parts.collect(), numItems).matrix();
                EaseSimilarity.Trained trained = new EaseSimilarity(
                                config.regularization(),
                                config.valueExponent(),
                                config.easeSupport(),
                                config.memoryBudgetBytes(),
                                EaseSimilarity.Mode.DENSE)
                        .train(all, config.neighbors(), true, TrainingMonitor.NOOP);
                neighbors = trained.neighbors();
                easeWeights = EaseWeightsRows.of(trained.weights(), all.nnz());
            } else {
                List<Tuple2<Integer, NeighborRows>> weightRows = new ArrayList<>();
                neighbors = sparseEase(parts, settings, numItems, config.neighbors(), weightRows);
                ItemNeighbors rows = NeighborRows.assemble(numItems, weightRows);
                // the node's: a sparse B's rows cut to their strongest weights when the lists' work passes the bound
                EaseWeights whole = EaseWeights.sparse(numItems, rows.offsets(), rows.neighbors(), rows.scores());
                easeWeights = EaseWeightsRows.of(ModelTrainer.listWeights(whole, itemDegrees, easeListWork), 0);
            }
            phases.put(mode == EaseSimilarity.Mode.DENSE ? "ease_dense" : "ease_sparse", ms(t4));
        } else {
            // 4. the similarity's sums over all users
            long t3 = System.nanoTime();
            // the plugin's classes are not Serializable: tasks take the settings and build the similarity themselves
            double[] userSums =
                    parts.map(p -> similarity(settings).userSums(p.matrix())).treeReduce(SparkTrainer::add);
            double[] itemSums = parts.map(p -> similarity(settings).itemSums(p.matrix(), userSums))
                    .treeReduce(SparkTrainer::add);
            phases.put("sums", ms(t3));

            // 5. co-occurrence and similarity by item blocks
            t4 = System.nanoTime();
            int blocks = Math.max(1, Math.min(itemBlocks, numItems));
            int blockSize = (numItems + blocks - 1) / blocks;
            int k = config.neighbors();
            JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
            Broadcast<double[]> itemSumsB = context.broadcast(itemSums);
            JavaPairRDD<Integer, UserRow> rowsByBlock = parts.flatMapToPair(p -> UserRow.byBlock(p, blockSize));
            List<Tuple2<Integer, NeighborRows>> blockRows = rowsByBlock
                    .groupByKey(blocks)
                    .map(block -> {
                        int from = block._1() * blockSize;
                        int to = Math.min(numItems, from + blockSize);
                        InteractionMatrix m = UserRow.matrix(block._2(), numItems);
                        ItemNeighbors rows = similarity(settings)
                                .computeRows(m, userSums, itemSumsB.value(), k, from, to, TrainingMonitor.NOOP);
                        return new Tuple2<>(from, new NeighborRows(rows));
                    })
                    .collect();
            neighbors = NeighborRows.assemble(numItems, blockRows);
        }
        if (discount != null) {
            // as the node: in the neighbours' rows (real-time scoring applies it too), before their normalisation
            neighbors = neighbors.scaleColumns(discount);
        }
        if (config.rowNormalization() != ItemNeighbors.RowNormalization.NONE) {
            neighbors = neighbors.normalizeRows(config.rowNormalization());
        }
        phases.put("similarity", ms(t4));
        AllUsers knnUsers = null;
        if (config.algorithm() == TrainingConfig.Algorithm.USER_KNN) {
            long t5 = System.nanoTime();
            knnUsers = AllUsers.of(parts.collect(), numItems);
            phases.put("user_knn_matrix", ms(t5));
        }
        return new Result(
                settings,
                config,
                itemNames,
                neighbors,
                popularity,
                parts,
                used,
                users,
                skipped,
                newest,
                referenceSeconds,
                phases,
                factors,
                userFactors,
                knnUsers,
                easeWeights,
                discount);
    }

    /**
     * Sparse EASE by item blocks, the plugin's {@link EaseSimilarity#sparseSupports}, {@link
     * EaseSimilarity#sparseColumns} and {@link EaseSimilarity#sparseRows} where the data is: (1) each block of columns
     * gets the rows of its items' users and finds each column's support (the items co-occurring most with it); (2) it
     * then gets the rows of every user of its items and of their supports' items, cut to those items, and solves its
     * columns (each a ridge regression over its support's Gram matrix, exactly the node's sums: the users in the node's
     * order); (3) each block of rows gets the columns' entries on its items and keeps every row's top {@code k}, and
     * gives its rows' whole weights into {@code weightRows} (the users' lists score against them).
     */
    private ItemNeighbors sparseEase(
            JavaRDD<UserPart> parts,
            ModelSettings settings,
            int numItems,
            int k,
            List<Tuple2<Integer, NeighborRows>> weightRows) {
        int blocks = Math.max(1, Math.min(itemBlocks, numItems));
        int blockSize = (numItems + blocks - 1) / blocks;
        int numBlocks = (numItems + blockSize - 1) / blockSize;
        List<Tuple2<Integer, long[]>> supports = parts.flatMapToPair(p -> UserRow.byBlock(p, blockSize))
                .groupByKey(blocks)
                .map(block -> {
                    int from = block._1() * blockSize;
                    int to = Math.min(numItems, from + blockSize);
                    EaseSimilarity.SparseColumns columns =
                            ease(settings).sparseSupports(UserRow.matrix(block._2(), numItems), from, to);
                    long[] needed = new long[(numItems + 63) >> 6];
                    for (int i = from; i < to; i++) {
                        needed[i >> 6] |= 1L << i;
                    }
                    for (int c = 0; c < to - from; c++) {
                        for (int a = 0; a < columns.lengths()[c]; a++) {
                            int i = columns.ids()[c * columns.support() + a];
                            needed[i >> 6] |= 1L << i;
                        }
                    }
                    return new Tuple2<>(block._1(), needed);
                })
                .collect();
        long[][] needed = new long[numBlocks][];
        for (Tuple2<Integer, long[]> block : supports) {
            needed[block._1()] = block._2();
        }
        JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<long[][]> neededB = context.broadcast(needed);
        JavaRDD<ColumnBlock> columns = parts.flatMapToPair(p -> UserRow.cutByBlock(p, neededB.value()))
                .groupByKey(blocks)
                .map(block -> {
                    int from = block._1() * blockSize;
                    int to = Math.min(numItems, from + blockSize);
                    return new ColumnBlock(ease(settings)
                            .sparseColumns(UserRow.matrix(block._2(), numItems), from, to, TrainingMonitor.NOOP));
                });
        List<Tuple2<Integer, NeighborRows[]>> rows = columns.flatMapToPair(c -> c.byRowBlock(blockSize))
                .groupByKey(blocks)
                .map(block -> {
                    int from = block._1() * blockSize;
                    int to = Math.min(numItems, from + blockSize);
                    List<EaseSimilarity.SparseColumns> entries = new ArrayList<>();
                    block._2().forEach(c -> entries.add(c.toPlugin()));
                    EaseSimilarity.Trained all = EaseSimilarity.sparseRows(numItems, entries, k, true);
                    EaseWeights w = all.weights();
                    ItemNeighbors whole = new ItemNeighbors(numItems, w.rowStart(), w.rowIds(), w.rowWeights());
                    return new Tuple2<>(from, new NeighborRows[] {
                        NeighborRows.range(all.neighbors(), from, to), NeighborRows.range(whole, from, to)
                    });
                })
                .collect();
        neededB.destroy();
        List<Tuple2<Integer, NeighborRows>> top = new ArrayList<>();
        for (Tuple2<Integer, NeighborRows[]> block : rows) {
            top.add(new Tuple2<>(block._1(), block._2()[0]));
            weightRows.add(new Tuple2<>(block._1(), block._2()[1]));
        }
        return NeighborRows.assemble(numItems, top);
    }

    private static EaseSimilarity ease(ModelSettings settings) {
        return (EaseSimilarity) settings.trainingConfig().similarity();
    }

    /** A block of sparse EASE's columns ({@link EaseSimilarity.SparseColumns}), shipped between tasks. */
    record ColumnBlock(int from, int support, int[] lengths, int[] ids, float[] weights) implements Serializable {
        ColumnBlock(EaseSimilarity.SparseColumns c) {
            this(c.from(), c.support(), c.lengths(), c.ids(), c.weights());
        }

        EaseSimilarity.SparseColumns toPlugin() {
            return new EaseSimilarity.SparseColumns(from, support, lengths, ids, weights);
        }

        /** The entries on each block of rows (B[i][j], i in the block), each row block's columns packed anew. */
        Iterator<Tuple2<Integer, ColumnBlock>> byRowBlock(int blockSize) {
            Map<Integer, int[]> counts = new TreeMap<>();
            for (int c = 0; c < lengths.length; c++) {
                for (int a = 0; a < lengths[c]; a++) {
                    counts.computeIfAbsent(ids[c * support + a] / blockSize, b -> new int[lengths.length])[c]++;
                }
            }
            List<Tuple2<Integer, ColumnBlock>> out = new ArrayList<>();
            for (Map.Entry<Integer, int[]> rowBlock : counts.entrySet()) {
                int[] count = rowBlock.getValue();
                int stride = Arrays.stream(count).max().orElse(0);
                int[] outIds = new int[lengths.length * stride];
                float[] outWeights = new float[outIds.length];
                int[] outLengths = new int[lengths.length];
                for (int c = 0; c < lengths.length; c++) {
                    for (int a = 0; a < lengths[c]; a++) {
                        int i = ids[c * support + a];
                        if (i / blockSize == rowBlock.getKey()) {
                            outIds[c * stride + outLengths[c]] = i;
                            outWeights[c * stride + outLengths[c]++] = weights[c * support + a];
                        }
                    }
                }
                out.add(new Tuple2<>(
                        rowBlock.getKey(), new ColumnBlock(from, Math.max(1, stride), outLengths, outIds, outWeights)));
            }
            return out.iterator();
        }
    }

    /**
     * Every user's row in the node's order of users (their ids' bytes), assembled on the driver from the user
     * partitions: {@code globalIndex[partOffsets[p] + u]} is partition p's u-th user's number. {@code user_knn} ranks
     * over it (broadcast); dense {@code ease} inverts its Gram matrix.
     */
    public record AllUsers(
            int numItems, int[] partOffsets, int[] globalIndex, int[] offsets, int[] items, float[] weights)
            implements Serializable {

        static AllUsers of(List<UserPart> parts, int numItems) {
            int[] partOffsets = new int[parts.size() + 1];
            for (int p = 0; p < parts.size(); p++) {
                partOffsets[p + 1] = partOffsets[p] + parts.get(p).size();
            }
            int users = partOffsets[parts.size()];
            byte[][] names = new byte[users][];
            int[] partOf = new int[users];
            for (int p = 0; p < parts.size(); p++) {
                for (int u = 0; u < parts.get(p).size(); u++) {
                    names[partOffsets[p] + u] = parts.get(p).users[u].getBytes(StandardCharsets.UTF_8);
                    partOf[partOffsets[p] + u] = p;
                }
            }
            Integer[] order = new Integer[users];
            for (int x = 0; x < users; x++) {
                order[x] = x;
            }
            Arrays.sort(order, (a, b) -> Arrays.compareUnsigned(names[a], names[b]));
            int[] globalIndex = new int[users];
            int[] offsets = new int[users + 1];
            for (int g = 0; g < users; g++) {
                int flat = order[g];
                UserPart part = parts.get(partOf[flat]);
                int u = flat - partOffsets[partOf[flat]];
                globalIndex[flat] = g;
                offsets[g + 1] = offsets[g] + part.offsets[u + 1] - part.offsets[u];
            }
            int[] items = new int[offsets[users]];
            float[] weights = new float[items.length];
            for (int g = 0; g < users; g++) {
                int flat = order[g];
                UserPart part = parts.get(partOf[flat]);
                int u = flat - partOffsets[partOf[flat]];
                int length = part.offsets[u + 1] - part.offsets[u];
                System.arraycopy(part.items, part.offsets[u], items, offsets[g], length);
                System.arraycopy(part.weights, part.offsets[u], weights, offsets[g], length);
            }
            return new AllUsers(numItems, partOffsets, globalIndex, offsets, items, weights);
        }

        InteractionMatrix matrix() {
            return new InteractionMatrix(offsets.length - 1, numItems, 0L, offsets, items, weights, null);
        }
    }

    /**
     * {@code als} with Spark MLlib's ALS (implicitPrefs): the ratings are the plugin's ALS input, each user's decayed,
     * merged weights to the power {@code value_exponent} (1 when it is 0), so MLlib's confidence
     * {@code 1 + alpha * r} is the plugin's; rank, iterations and alpha are the model's; MLlib scales its regParam by
     * each user's (item's) number of ratings (ALS-WR), so regParam is the model's regularization times
     * {@code (users + items) / (2 * ratings)} ({@link ImplicitAls#perEntryRegularization}): the same total weight of
     * the penalty when users' and items' factors are of similar size. This is the node's {@code exact} variant
     * ({@link ImplicitAls.Solver#EXACT}): the same systems, solved the same way, items first; only the random initial
     * factors differ. The node's default {@code cg} variant is another factorisation (a few conjugate-gradient steps,
     * one lambda). The item neighbours are the plugin's fold-in of the factors ({@link FactorNeighbors}).
     */
    private Factors factorize(
            JavaRDD<UserPart> parts,
            TrainingConfig config,
            int numItems,
            int partitions,
            int itemBlocks,
            List<JavaRDD<float[]>> userFactorsOut) {
        List<Integer> sizes = parts.map(UserPart::size).collect();
        int[] partOffsets = new int[sizes.size() + 1];
        for (int p = 0; p < sizes.size(); p++) {
            partOffsets[p + 1] = partOffsets[p] + sizes.get(p);
        }
        int numUsers = partOffsets[sizes.size()];
        double valueExponent = config.valueExponent();
        JavaRDD<Row> ratings = parts.mapPartitionsWithIndex(
                (index, it) -> {
                    List<Row> out = new ArrayList<>();
                    int base = partOffsets[index];
                    while (it.hasNext()) {
                        UserPart p = it.next();
                        for (int u = 0; u < p.users.length; u++) {
                            for (int q = p.offsets[u]; q < p.offsets[u + 1]; q++) {
                                float w = p.weights[q];
                                float r = valueExponent == 0 ? (w > 0 ? 1f : 0f) : (float) Math.pow(w, valueExponent);
                                out.add(RowFactory.create(base + u, p.items[q], r));
                            }
                        }
                        base += p.users.length;
                    }
                    return out.iterator();
                },
                true);
        Dataset<Row> ratingFrame = spark.createDataFrame(
                        ratings,
                        new StructType()
                                .add("user", DataTypes.IntegerType)
                                .add("item", DataTypes.IntegerType)
                                .add("rating", DataTypes.FloatType))
                .persist(StorageLevel.MEMORY_AND_DISK());
        long entries = ratingFrame.count();
        int rank = config.factors();
        // the node's exact variant's lambda per positive entry: MLlib's ALS is that variant's factorisation
        double regParam = regParamScale
                * ImplicitAls.perEntryRegularization(config.regularization(), numUsers, numItems, entries);
        checkpointDirectory(spark);
        ALSModel fitted = new ALS()
                .setImplicitPrefs(true)
                .setRank(rank)
                .setMaxIter(config.iterations())
                .setAlpha(config.alsAlpha())
                .setRegParam(regParam)
                .setSeed(alsSeed)
                .setNumUserBlocks(Math.max(1, partitions))
                .setNumItemBlocks(Math.max(1, Math.min(itemBlocks, numItems)))
                .setUserCol("user")
                .setItemCol("item")
                .setRatingCol("rating")
                .fit(ratingFrame);
        float[] itemFactors = factors(fitted.itemFactors(), numItems, rank);
        // the users' factors stay distributed: each user partition gets its own users' rows
        JavaRDD<float[]> userFactors =
                userFactorParts(fitted.userFactors(), partOffsets, rank).persist(StorageLevel.MEMORY_AND_DISK());
        userFactors.count();
        ratingFrame.unpersist();
        userFactorsOut.add(userFactors);
        double[] foldIn = FactorNeighbors.foldIn(itemFactors, rank, config.regularization());
        ItemNeighbors neighbors = factorNeighbors(parts, itemFactors, foldIn, rank, numItems, config.neighbors());
        return new Factors(
                rank, itemFactors, foldIn, partOffsets, config.regularization(), regParam, new NeighborRows(neighbors));
    }

    /**
     * MLlib's ALS cuts its factors' lineage every {@code checkpointInterval} sweeps (10) only when the Spark context has
     * a checkpoint directory; without one the lineage grows with every sweep and serializing a task's closure
     * overflows the stack (a {@code StackOverflowError} at 30 sweeps on Online Retail). In local mode, when none is set
     * ({@code spark.checkpoint.dir} or {@code setCheckpointDir}), a temporary directory, deleted when the JVM exits;
     * on a cluster it must be a filesystem every executor reaches (HDFS, S3): the cluster's {@code spark.checkpoint.dir}.
     */
    static void checkpointDirectory(SparkSession spark) {
        org.apache.spark.SparkContext context = spark.sparkContext();
        if (context.getCheckpointDir().isDefined() || context.isLocal() == false) {
            return;
        }
        try {
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("personalize-als-checkpoints-");
            context.setCheckpointDir(dir.toString());
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create a checkpoint directory for MLlib's ALS", e);
        }
    }

    private static void deleteTree(java.nio.file.Path dir) {
        try (java.util.stream.Stream<java.nio.file.Path> paths = java.nio.file.Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        } catch (java.io.IOException | RuntimeException e) {
            // a temporary directory: what is left goes with the machine's temporary files
        }
    }

    /**
     * The plugin's fold-in neighbours of the item factors ({@link FactorNeighbors#computeRows}) by blocks of items,
     * the item factors and the fold-in matrix broadcast: every pair of items on a catalogue up to items^2 x factors
     * <= 2e10 (a block needs no users), else each item against the items it co-occurs with, for which a block gets the
     * rows of its items' users as cosine's blocks do. The rows are those {@link FactorNeighbors#compute} gives.
     */
    private ItemNeighbors factorNeighbors(
            JavaRDD<UserPart> parts, float[] itemFactors, double[] foldIn, int rank, int numItems, int k) {
        int blocks = Math.max(1, Math.min(itemBlocks, numItems));
        int blockSize = (numItems + blocks - 1) / blocks;
        int numBlocks = (numItems + blockSize - 1) / blockSize;
        JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<float[]> items = context.broadcast(itemFactors);
        Broadcast<double[]> w = context.broadcast(foldIn);
        JavaPairRDD<Integer, Iterable<UserRow>> usersByBlock;
        if (FactorNeighbors.allPairs(numItems, rank)) {
            List<Tuple2<Integer, Iterable<UserRow>>> empty = new ArrayList<>(numBlocks);
            for (int b = 0; b < numBlocks; b++) {
                empty.add(new Tuple2<>(b, new ArrayList<>()));
            }
            usersByBlock = context.parallelizePairs(empty, numBlocks);
        } else {
            usersByBlock =
                    parts.flatMapToPair(p -> UserRow.byBlock(p, blockSize)).groupByKey(blocks);
        }
        List<Tuple2<Integer, NeighborRows>> blockRows = usersByBlock
                .map(block -> {
                    int from = block._1() * blockSize;
                    int to = Math.min(numItems, from + blockSize);
                    FactorModel model = new FactorModel(0, numItems, rank, new float[0], items.value());
                    ItemNeighbors rows = new FactorNeighbors(model, w.value())
                            .computeRows(UserRow.matrix(block._2(), numItems), k, from, to, TrainingMonitor.NOOP);
                    return new Tuple2<>(from, new NeighborRows(rows));
                })
                .collect();
        items.destroy();
        w.destroy();
        return NeighborRows.assemble(numItems, blockRows);
    }

    /**
     * MLlib's user factors ({@code id}, {@code features}) moved to the user partitions their ids belong to (ids
     * {@code partOffsets[p]..partOffsets[p + 1]}: partition p), one row-major array per partition, in partition
     * order, as many partitions as the users' (so that each zips with its {@link UserPart}); users without factors
     * stay 0.
     */
    static JavaRDD<float[]> userFactorParts(Dataset<Row> frame, int[] partOffsets, int rank) {
        int numParts = partOffsets.length - 1;
        return frame.javaRDD()
                .mapToPair(r -> {
                    int id = r.getInt(0);
                    List<Float> features = r.getList(1);
                    float[] v = new float[rank];
                    for (int d = 0; d < rank; d++) {
                        v[d] = features.get(d);
                    }
                    return new Tuple2<>(partOf(partOffsets, id), new Tuple2<>(id, v));
                })
                // an Integer's hash is itself: key p goes to partition p
                .partitionBy(new org.apache.spark.HashPartitioner(numParts))
                .mapPartitionsWithIndex(
                        (p, rows) -> {
                            float[] out = new float[(partOffsets[p + 1] - partOffsets[p]) * rank];
                            while (rows.hasNext()) {
                                Tuple2<Integer, float[]> row = rows.next()._2();
                                System.arraycopy(row._2(), 0, out, (row._1() - partOffsets[p]) * rank, rank);
                            }
                            return List.of(out).iterator();
                        },
                        true);
    }

    /** The partition whose users' numbers hold {@code user}: the last p with {@code partOffsets[p] <= user}. */
    static int partOf(int[] partOffsets, int user) {
        int lo = 0;
        int hi = partOffsets.length - 2;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (partOffsets[mid] <= user) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** MLlib's factors ({@code id}, {@code features}) as a row-major array; ids without factors stay 0. */
    private static float[] factors(Dataset<Row> frame, int rows, int rank) {
        float[] out = new float[rows * rank];
        for (Row r : frame.collectAsList()) {
            int id = r.getInt(0);
            List<Float> features = r.getList(1);
            for (int d = 0; d < rank; d++) {
                out[id * rank + d] = features.get(d);
            }
        }
        return out;
    }

    // cosine and rp3beta, and user_knn's item neighbours (its cosine): the neighbourhood algorithms defined in steps
    private static StepwiseSimilarity similarity(ModelSettings settings) {
        TrainingConfig config = settings.trainingConfig();
        if (config.algorithm() == TrainingConfig.Algorithm.USER_KNN) {
            // the cosine of the same configuration, as UserKnn's own item neighbours
            config = config.toBuilder()
                    .algorithm(TrainingConfig.Algorithm.COSINE)
                    .build();
        }
        return (StepwiseSimilarity) config.similarity();
    }

    private static long ms(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    /** The order of the ids' UTF-8 bytes (unsigned): the node's numbering. */
    static int compareBytes(String a, String b) {
        return Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    static final Comparator<String> BYTES = SparkTrainer::compareBytes;

    private static int[] add(int[] a, int[] b) {
        int[] sum = a.clone();
        for (int x = 0; x < b.length; x++) {
            sum[x] += b[x];
        }
        return sum;
    }

    private static double[] add(double[] a, double[] b) {
        double[] sum = a.clone();
        for (int x = 0; x < b.length; x++) {
            sum[x] += b[x];
        }
        return sum;
    }

    private static double[] toDouble(float[] values) {
        double[] d = new double[values.length];
        for (int x = 0; x < values.length; x++) {
            d[x] = values[x];
        }
        return d;
    }

    private static float[] toFloat(double[] values) {
        float[] f = new float[values.length];
        for (int x = 0; x < values.length; x++) {
            f[x] = (float) values[x];
        }
        return f;
    }

    /** A user's row of the matrix (all their items, with weights), sent to each block of items it touches. */
    record UserRow(String user, int[] items, float[] weights) implements Serializable {

        static Iterator<Tuple2<Integer, UserRow>> byBlock(UserPart p, int blockSize) {
            List<Tuple2<Integer, UserRow>> out = new ArrayList<>();
            for (int u = 0; u < p.users.length; u++) {
                int s = p.offsets[u];
                int e = p.offsets[u + 1];
                if (s == e) {
                    continue;
                }
                UserRow row =
                        new UserRow(p.users[u], Arrays.copyOfRange(p.items, s, e), Arrays.copyOfRange(p.weights, s, e));
                int last = -1;
                for (int q = s; q < e; q++) { // items in id order: blocks in order
                    int block = p.items[q] / blockSize;
                    if (block != last) {
                        out.add(new Tuple2<>(block, row));
                        last = block;
                    }
                }
            }
            return out.iterator();
        }

        /**
         * Each user's row cut to the items each block needs ({@code needed[b]}, a bit per item; null: the block has
         * no users), sent to the blocks where it keeps an item.
         */
        static Iterator<Tuple2<Integer, UserRow>> cutByBlock(UserPart p, long[][] needed) {
            List<Tuple2<Integer, UserRow>> out = new ArrayList<>();
            int[] items = new int[0];
            float[] weights = new float[0];
            for (int u = 0; u < p.users.length; u++) {
                int s = p.offsets[u];
                int e = p.offsets[u + 1];
                if (items.length < e - s) {
                    items = new int[e - s];
                    weights = new float[e - s];
                }
                for (int b = 0; b < needed.length; b++) {
                    long[] bits = needed[b];
                    if (bits == null) {
                        continue;
                    }
                    int length = 0;
                    for (int q = s; q < e; q++) {
                        int i = p.items[q];
                        if ((bits[i >> 6] & (1L << i)) != 0) {
                            items[length] = i;
                            weights[length++] = p.weights[q];
                        }
                    }
                    if (length > 0) {
                        out.add(new Tuple2<>(
                                b,
                                new UserRow(p.users[u], Arrays.copyOf(items, length), Arrays.copyOf(weights, length))));
                    }
                }
            }
            return out.iterator();
        }

        /** The block's users in the order of their ids' bytes (the node's order: the same floating-point sums). */
        static InteractionMatrix matrix(Iterable<UserRow> rows, int numItems) {
            List<UserRow> users = new ArrayList<>();
            rows.forEach(users::add);
            users.sort(Comparator.comparing(UserRow::user, BYTES));
            int[] offsets = new int[users.size() + 1];
            for (int u = 0; u < users.size(); u++) {
                offsets[u + 1] = offsets[u] + users.get(u).items.length;
            }
            int[] items = new int[offsets[users.size()]];
            float[] weights = new float[items.length];
            for (int u = 0; u < users.size(); u++) {
                System.arraycopy(users.get(u).items, 0, items, offsets[u], users.get(u).items.length);
                System.arraycopy(users.get(u).weights, 0, weights, offsets[u], users.get(u).weights.length);
            }
            return new InteractionMatrix(users.size(), numItems, 0L, offsets, items, weights, null);
        }
    }

    /** A block's neighbour rows, shipped back to the driver. */
    record NeighborRows(int[] offsets, int[] neighbors, float[] scores) implements Serializable {
        NeighborRows(ItemNeighbors rows) {
            this(rows.offsets(), rows.neighbors(), rows.scores());
        }

        ItemNeighbors toItemNeighbors() {
            return new ItemNeighbors(offsets.length - 1, offsets, neighbors, scores);
        }

        /** Rows {@code from..to} of {@code all}. */
        static NeighborRows range(ItemNeighbors all, int from, int to) {
            int[] offsets = new int[to - from + 1];
            int start = all.offsets()[from];
            for (int i = from; i < to; i++) {
                offsets[i - from + 1] = all.offsets()[i + 1] - start;
            }
            int end = all.offsets()[to];
            return new NeighborRows(
                    offsets,
                    Arrays.copyOfRange(all.neighbors(), start, end),
                    Arrays.copyOfRange(all.scores(), start, end));
        }

        static ItemNeighbors assemble(int numItems, List<Tuple2<Integer, NeighborRows>> blocks) {
            List<Tuple2<Integer, NeighborRows>> sorted = new ArrayList<>(blocks);
            sorted.sort(Comparator.comparing(Tuple2::_1));
            int[] offsets = new int[numItems + 1];
            int nnz = 0;
            for (Tuple2<Integer, NeighborRows> b : sorted) {
                nnz += b._2().neighbors.length;
            }
            int[] neighbors = new int[nnz];
            float[] scores = new float[nnz];
            int at = 0;
            int item = 0;
            for (Tuple2<Integer, NeighborRows> b : sorted) {
                int from = b._1();
                NeighborRows rows = b._2();
                for (; item < from; item++) {
                    offsets[item + 1] = at; // items of a block no user touched (none, with every item used)
                }
                int n = rows.offsets.length - 1;
                for (int r = 0; r < n; r++) {
                    int len = rows.offsets[r + 1] - rows.offsets[r];
                    System.arraycopy(rows.neighbors, rows.offsets[r], neighbors, at, len);
                    System.arraycopy(rows.scores, rows.offsets[r], scores, at, len);
                    at += len;
                    offsets[from + r + 1] = at;
                }
                item = from + n;
            }
            for (; item < numItems; item++) {
                offsets[item + 1] = at;
            }
            return new ItemNeighbors(numItems, offsets, neighbors, scores);
        }
    }
}
