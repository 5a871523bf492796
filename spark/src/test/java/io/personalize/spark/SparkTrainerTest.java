package io.personalize.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.serving.AttributeAffinities;
import io.personalize.serving.Recommendations;
import io.personalize.serving.UserLists;
import io.personalize.training.EaseSimilarity;
import io.personalize.training.EaseWeights;
import io.personalize.training.FactorModel;
import io.personalize.training.FactorNeighbors;
import io.personalize.training.ImplicitAls;
import io.personalize.training.InteractionMatrix;
import io.personalize.training.InteractionMatrixBuilder;
import io.personalize.training.ItemNeighbors;
import io.personalize.training.ModelTrainer;
import io.personalize.training.TrainedModel;
import io.personalize.training.TrainingConfig;
import io.personalize.training.TrainingMonitor;
import io.personalize.training.UserRanker;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

/**
 * The Spark job's training, in local mode on small data, against the plugin's own single-machine training of the same
 * events (what the node runs): the same neighbours with the same scores, the same popularity, the same users' lists.
 */
class SparkTrainerTest extends LocalSparkTest {

    static final long NOW = 1_700_000_000_000L;

    /** Events of 400 users over 120 items (some with ids that sort differently as UTF-16 and as UTF-8), bad ones too. */
    static List<Row> events(long seed) {
        Random random = new Random(seed);
        List<Row> rows = new ArrayList<>();
        String[] types = {"view", "cart", "purchase", "wishlist"};
        for (int u = 0; u < 400; u++) {
            String user = (u % 7 == 0 ? "\uD83D\uDE00u" : u % 5 == 0 ? "\uFF41u" : "u") + u;
            int n = 1 + random.nextInt(15);
            for (int e = 0; e < n; e++) {
                int i = (int) (120 * Math.pow(random.nextDouble(), 2));
                String item = (i % 11 == 0 ? "\uFF21" : "sku-") + i;
                long time = NOW - (long) (random.nextDouble() * 90 * 86_400_000L);
                rows.add(RowFactory.create(user, item, types[random.nextInt(types.length)], time, null));
            }
        }
        rows.add(RowFactory.create("u1", null, "view", NOW, null)); // missing_field
        rows.add(RowFactory.create("", "sku-1", "view", NOW, null)); // empty_id
        rows.add(RowFactory.create("u1", "sku-1", "view", NOW + 3 * 86_400_000L, null)); // in_the_future
        return rows;
    }

    static ModelSettings settings(String algorithm) {
        return settings(algorithm, null);
    }

    /** {@code discount}: the model's {@code training.popularity_discount} (null: none). */
    static ModelSettings settings(String algorithm, Double discount) {
        return settings(algorithm, discount, algorithm.equals("als") ? 6 : null);
    }

    /** {@code iterations}: als's sweeps. */
    static ModelSettings settings(String algorithm, Double discount, Integer iterations) {
        return new ModelSettings(
                "m",
                "events",
                "user_id",
                "sku",
                "type",
                "@timestamp",
                null,
                Map.of("view", 1.0, "cart", 3.0, "purchase", 5.0),
                21L * 86_400_000L,
                algorithm,
                10,
                null,
                null,
                null,
                8,
                5,
                null,
                null,
                algorithm.equals("als") ? 8 : null,
                iterations,
                null,
                null,
                algorithm.equals("user_knn") ? 7 : null,
                null,
                null,
                discount);
    }

    /** What the node computes: ModelTrainer over ids numbered in the order of their bytes. */
    static TrainedModel expected(List<Row> rows, ModelSettings settings, String[] users, String[] items) {
        return expected(rows, settings, settings.trainingConfig(), users, items);
    }

    static TrainedModel expected(
            List<Row> rows, ModelSettings settings, TrainingConfig config, String[] users, String[] items) {
        Map<String, Integer> userIds = new HashMap<>();
        Map<String, Integer> itemIds = new HashMap<>();
        for (int u = 0; u < users.length; u++) {
            userIds.put(users[u], u);
        }
        for (int i = 0; i < items.length; i++) {
            itemIds.put(items[i], i);
        }
        InteractionMatrixBuilder builder = config.newMatrixBuilder(rows.size());
        long newest = Long.MIN_VALUE;
        for (Row r : usable(rows, settings)) {
            builder.add(
                    userIds.get(r.getString(0)),
                    itemIds.get(r.getString(1)),
                    settings.weights().get(r.getString(2)).floatValue(),
                    r.getLong(3) / 1000);
            newest = Math.max(newest, r.getLong(3));
        }
        builder.referenceTime(Math.min(newest, NOW) / 1000);
        return ModelTrainer.train(builder, config, TrainingMonitor.NOOP);
    }

    static List<Row> usable(List<Row> rows, ModelSettings settings) {
        List<Row> out = new ArrayList<>();
        for (Row r : rows) {
            if (r.getString(0) != null
                    && r.getString(0).isEmpty() == false
                    && r.getString(1) != null
                    && settings.weights().containsKey(r.getString(2))
                    && r.getLong(3) <= NOW + 86_400_000L) {
                out.add(r);
            }
        }
        return out;
    }

    static String[] sortedIds(List<Row> rows, int column) {
        TreeSet<String> ids = new TreeSet<>(SparkTrainer.BYTES);
        rows.forEach(r -> ids.add(r.getString(column)));
        return ids.toArray(new String[0]);
    }

    @Test
    void cosineEqualsTheNodesTraining() {
        assertSameModel("cosine");
    }

    @Test
    void rp3betaEqualsTheNodesTraining() {
        assertSameModel("rp3beta");
    }

    /** Dense EASE, on the driver (120 items fit this JVM's budget, as on the node): the node's model. */
    @Test
    void easeDenseEqualsTheNodesTraining() {
        SparkTrainer.Result result = assertSameModel("ease", EaseSimilarity.Mode.AUTO);
        assertTrue(
                result.phasesMillis().containsKey("ease_dense"),
                result.phasesMillis().toString());
    }

    /**
     * Sparse EASE by item blocks (supports, columns from their users cut to the items they need, rows by blocks) equals
     * the node's sparse EASE, which it chooses when the dense matrices do not fit its budget.
     */
    @Test
    void easeSparseByItemBlocksEqualsTheNodesSparseTraining() {
        SparkTrainer.Result result = assertSameModel("ease", EaseSimilarity.Mode.SPARSE);
        assertTrue(
                result.phasesMillis().containsKey("ease_sparse"),
                result.phasesMillis().toString());
    }

    /**
     * user_knn: item neighbours by its cosine; every user's list ranked in the user partitions over the whole matrix
     * (broadcast, users in the node's order): the node's lists, with their reasons.
     */
    @Test
    void userKnnEqualsTheNodesTraining() {
        SparkTrainer.Result result = assertSameModel("user_knn", EaseSimilarity.Mode.AUTO);
        assertEquals(result.users(), result.knnUsers().globalIndex().length);
    }

    /**
     * {@code training.popularity_discount}: the node's discount (each item's users^-d, from the users counted over
     * every user partition) in the neighbours' rows before their normalisation, and on the candidates of the algorithms
     * that rank their users' lists themselves (ease, user_knn): the node's model, list by list.
     */
    @Test
    void aPopularityDiscountGivesTheNodesModel() {
        for (String algorithm : List.of("cosine", "rp3beta", "ease", "user_knn")) {
            SparkTrainer.Result result = assertSameModel(settings(algorithm, 0.5), EaseSimilarity.Mode.AUTO);
            assertEquals(0.5, result.config().popularityDiscount());
            assertTrue(result.discount() != null, algorithm + ": discounted");
        }
        assertSameModel(settings("ease", 0.5), EaseSimilarity.Mode.SPARSE);
    }

    /**
     * Sparse EASE's users' lists walk each row's strongest weights only once the lists' work (each item's users times
     * its row's length) passes the bound, as on the node: the job counts each item's users over the user partitions and
     * cuts the rows with the plugin's own {@code EaseWeights.capRows}. The bound is the node's 5e9 entries; here it is
     * lowered to half the whole rows' work, so that the cut shows on small data.
     */
    @Test
    void sparseEaseRowsAreCutAsTheNodeCutsThem() {
        List<Row> rows = events(7);
        ModelSettings settings = settings("ease");
        SparkTrainer.Result whole = new SparkTrainer(spark, 3, 4)
                .easeMode(EaseSimilarity.Mode.SPARSE)
                .train(spark.createDataFrame(rows, EventColumns.SCHEMA), settings, NOW);
        List<Row> usable = usable(rows, settings);
        int[] degrees = ModelTrainer.itemDegrees(expected(rows, settings, sortedIds(usable, 0), sortedIds(usable, 1))
                .matrix());
        EaseWeights b = whole.easeWeights().weights();
        double work = 0;
        for (int i = 0; i < b.numItems(); i++) {
            work += (double) degrees[i] * (b.rowStart()[i + 1] - b.rowStart()[i]);
        }
        SparkTrainer.Result cut = new SparkTrainer(spark, 3, 4)
                .easeMode(EaseSimilarity.Mode.SPARSE)
                .easeListWork(work / 2)
                .train(spark.createDataFrame(rows, EventColumns.SCHEMA), settings, NOW);

        EaseWeights want = ModelTrainer.listWeights(b, degrees, work / 2);
        EaseWeights got = cut.easeWeights().weights();
        assertTrue(want.nnz() < b.nnz(), "rows cut: " + want.nnz() + " of " + b.nnz());
        assertArrayEquals(want.rowStart(), got.rowStart());
        assertArrayEquals(want.rowIds(), got.rowIds());
        assertArrayEquals(want.rowWeights(), got.rowWeights(), 0f);
        // the whole run's weights stay whole (the node's bound is far above this data's work)
        assertEquals(
                ModelTrainer.listWeights(b, degrees, ModelTrainer.EASE_LIST_WORK)
                        .nnz(),
                b.nnz());
        // the users' lists score against the cut rows: the plugin's ranker over them, user by user
        UserRanker ranker = ModelTrainer.easeRanker(
                want, cut.neighbors(), cut.popularity(), cut.config().scoring(), 0);
        String[] items = cut.itemNames();
        int compared = 0;
        for (String text :
                ModelLinesWriter.userLines(cut, AttributeAffinities.none()).collect()) {
            JsonNode line = parse(text);
            int[] history = names(line.path("history"), items);
            float[] weights = new float[history.length];
            for (int x = 0; x < history.length; x++) {
                weights[x] = (float) line.path("history_weights").get(x).asDouble();
            }
            assertArrayEquals(
                    ranker.rank(0, history, weights, history, 5).items(),
                    names(line.path("items"), items),
                    "items of " + line.path("user").asText());
            compared++;
        }
        assertEquals(cut.users(), compared);
    }

    private static void assertSameModel(String algorithm) {
        assertSameModel(settings(algorithm), EaseSimilarity.Mode.AUTO);
    }

    private static SparkTrainer.Result assertSameModel(String algorithm, EaseSimilarity.Mode easeMode) {
        return assertSameModel(settings(algorithm), easeMode);
    }

    private static SparkTrainer.Result assertSameModel(ModelSettings settings, EaseSimilarity.Mode easeMode) {
        List<Row> rows = events(7);
        SparkTrainer.Result result = new SparkTrainer(spark, 3, 4)
                .easeMode(easeMode)
                .train(spark.createDataFrame(rows, EventColumns.SCHEMA), settings, NOW);
        List<Row> usable = usable(rows, settings);
        String[] users = sortedIds(usable, 0);
        String[] items = sortedIds(usable, 1);
        TrainingConfig config = settings.trainingConfig();
        if (easeMode == EaseSimilarity.Mode.SPARSE) {
            // the node's own choice of the sparse variant: a budget the dense matrices do not fit, the sparse ones do
            config = config.toBuilder()
                    .memoryBudgetBytes(EaseSimilarity.denseBytes(items.length) - 1)
                    .build();
            assertEquals(EaseSimilarity.Mode.SPARSE, ((EaseSimilarity) config.similarity()).modeFor(items.length));
        }
        TrainedModel expected = expected(rows, settings, config, users, items);

        assertEquals(
                Map.of("empty_id", 1L, "in_the_future", 1L, "missing_field", 1L + countWishlist(rows)),
                result.skipped());
        assertEquals(usable.size(), result.events());
        assertEquals(users.length, result.users());
        assertArrayEquals(items, result.itemNames(), "items numbered in the order of their bytes");
        ItemNeighbors want = expected.neighbors();
        ItemNeighbors got = result.neighbors();
        int withNeighbors = 0;
        for (int i = 0; i < items.length; i++) {
            assertArrayEquals(want.neighbors(i), got.neighbors(i), "neighbours of " + items[i]);
            assertArrayEquals(want.scores(i), got.scores(i), 1e-6f, "scores of " + items[i]);
            withNeighbors += want.rowLength(i) > 0 ? 1 : 0;
        }
        assertTrue(withNeighbors > items.length / 2, "items with neighbours: " + withNeighbors);
        assertArrayEquals(expected.popularity(), result.popularity(), 1e-5f);

        // users' lists: the node's (its scorer, or the algorithm's ranker), user by user, with their reasons
        UserLists lists = new UserLists(expected);
        Map<String, JsonNode> lines = new HashMap<>();
        for (String line :
                ModelLinesWriter.userLines(result, AttributeAffinities.none()).collect()) {
            JsonNode json = parse(line);
            lines.put(json.path("user").asText(), json);
        }
        assertEquals(users.length, lines.size());
        for (int u = 0; u < users.length; u++) {
            JsonNode line = lines.get(users[u]);
            int[] history = names(line.path("history"), items);
            assertEquals(
                    new TreeSet<>(
                            Arrays.stream(expected.historyItems(u)).boxed().toList()),
                    new TreeSet<>(Arrays.stream(history).boxed().toList()),
                    "history of " + users[u]);
            float[] weights = new float[history.length];
            for (int x = 0; x < history.length; x++) {
                weights[x] = (float) line.path("history_weights").get(x).asDouble();
            }
            Recommendations recs = lists.recommend(u, history, weights, history, 5, 1);
            assertArrayEquals(recs.items(), names(line.path("items"), items), "items of " + users[u]);
            for (int r = 0; r < recs.size(); r++) {
                int[] reasons = recs.reasonItems(r);
                assertEquals(
                        reasons.length == 0 ? null : items[reasons[0]],
                        line.path("because").get(r).isNull()
                                ? null
                                : line.path("because").get(r).asText(),
                        "reason of " + users[u]);
            }
        }
        return result;
    }

    @Test
    void alsSeedAndRegParamScaleReachMllib() {
        List<Row> rows = events(11);
        ModelSettings settings = settings("als");
        SparkTrainer.Result base =
                new SparkTrainer(spark, 3, 4).train(spark.createDataFrame(rows, EventColumns.SCHEMA), settings, NOW);
        SparkTrainer.Result other = new SparkTrainer(spark, 3, 4)
                .alsSeed(43)
                .regParamScale(2)
                .train(spark.createDataFrame(rows, EventColumns.SCHEMA), settings, NOW);
        assertEquals(2 * base.factors().regParam(), other.factors().regParam(), 1e-12);
        assertTrue(
                Arrays.equals(base.factors().items(), other.factors().items()) == false,
                "another seed and regParam, other factors");
        var e = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> new SparkTrainer(spark, 3, 4).regParamScale(-1));
        assertEquals("the regParam scale must be a positive number, got [-1.0]", e.getMessage());
    }

    /**
     * With the model's {@code variant: exact}, MLlib's ALS and the node's solve the same systems: MLlib's last step
     * (every user's factors from its final item factors) is what the node's exact half-sweep gives from those item
     * factors, over the same entries, to float rounding. Only the random initial factors differ.
     */
    @Test
    void mllibsAlsSolvesTheNodesExactVariantsSystems() {
        List<Row> rows = events(11);
        ModelSettings settings = withVariant(settings("als"), "exact");
        TrainingConfig config = settings.trainingConfig();
        assertEquals(ImplicitAls.Solver.EXACT, config.alsSolver());
        SparkTrainer.Result result =
                new SparkTrainer(spark, 3, 4).train(spark.createDataFrame(rows, EventColumns.SCHEMA), settings, NOW);
        FactorModel mllib = result.factorModel();
        // the users' rows in the job's numbering (partition after partition), the items in the node's
        List<UserPart> parts = result.parts().collect();
        int users = parts.stream().mapToInt(UserPart::size).sum();
        int[] offsets = new int[users + 1];
        int entries = parts.stream().mapToInt(p -> p.items.length).sum();
        int[] items = new int[entries];
        float[] weights = new float[entries];
        int u = 0;
        for (UserPart part : parts) {
            for (int x = 0; x < part.size(); x++, u++) {
                int length = part.offsets[x + 1] - part.offsets[x];
                offsets[u + 1] = offsets[u] + length;
                System.arraycopy(part.items, part.offsets[x], items, offsets[u], length);
                System.arraycopy(part.weights, part.offsets[x], weights, offsets[u], length);
            }
        }
        InteractionMatrix m = new InteractionMatrix(users, mllib.numItems(), 0L, offsets, items, weights, null);
        assertEquals(
                ImplicitAls.perEntryRegularization(config.regularization(), users, mllib.numItems(), entries),
                result.factors().regParam(),
                1e-15,
                "MLlib's regParam is the exact variant's lambda per entry");
        float[] node = ((ImplicitAls) config.similarity()).solveUsersExactly(m, mllib.itemFactors());
        float[] got = mllib.userFactors();
        assertEquals(node.length, got.length);
        double largest = 0;
        for (int x = 0; x < node.length; x++) {
            largest = Math.max(largest, Math.abs(node[x]));
            assertEquals(node[x], got[x], 1e-4 * (1 + Math.abs(node[x])), "user factor " + x);
        }
        assertTrue(largest > 0.01, "users with factors: " + largest);
    }

    private static ModelSettings withVariant(ModelSettings s, String variant) {
        return new ModelSettings(
                s.model(),
                s.eventsIndex(),
                s.userField(),
                s.itemField(),
                s.typeField(),
                s.timeField(),
                s.valueField(),
                s.weights(),
                s.halfLifeMillis(),
                s.algorithm(),
                s.neighbors(),
                s.alpha(),
                s.shrinkage(),
                s.beta(),
                s.maxHistory(),
                s.userItems(),
                s.popularityHalfLifeMillis(),
                s.popularityWeight(),
                s.factors(),
                s.iterations(),
                s.regularization(),
                s.valueExponent(),
                s.userNeighbors(),
                variant,
                s.easeSupport(),
                s.popularityDiscount());
    }

    @Test
    void alsIsMllibsFactorsFoldedInByThePluginsCode() {
        List<Row> rows = events(11);
        ModelSettings settings = settings("als");
        SparkTrainer.Result result =
                new SparkTrainer(spark, 3, 4).train(spark.createDataFrame(rows, EventColumns.SCHEMA), settings, NOW);
        List<Row> usable = usable(rows, settings);
        String[] items = sortedIds(usable, 1);
        SparkTrainer.Factors factors = result.factors();
        FactorModel model = result.factorModel();
        assertEquals(3, result.userFactors().getNumPartitions(), "the users' factors stay in their user partitions");
        assertEquals(8, model.factors());
        assertEquals(result.users(), model.numUsers());
        assertEquals(items.length, model.numItems());
        assertTrue(
                IntStream.range(0, model.itemFactors().length).anyMatch(x -> model.itemFactors()[x] != 0f),
                "MLlib's item factors");
        long entries = result.parts().map(p -> (long) p.items.length).reduce(Long::sum);
        assertEquals(
                TrainingConfig.DEFAULT_ALS_REGULARIZATION * (model.numUsers() + model.numItems()) / (2.0 * entries),
                factors.regParam(),
                1e-12,
                "regParam: the model's regularization for the average row (MLlib scales it by the row's ratings)");

        // item neighbours: the plugin's fold-in of MLlib's factors, y_i^T (Y^T Y + lambda I)^-1 y_j, the top 10
        FactorNeighbors shares = new FactorNeighbors(model, factors.regularization());
        ItemNeighbors got = result.neighbors();
        int withNeighbors = 0;
        for (int i = 0; i < items.length; i++) {
            int[] ids = got.neighbors(i);
            float[] scores = got.scores(i);
            assertTrue(ids.length <= 10);
            double best = 0;
            for (int j = 0; j < items.length; j++) {
                best = j == i ? best : Math.max(best, shares.share(i, j));
            }
            for (int x = 0; x < ids.length; x++) {
                assertEquals((float) shares.share(i, ids[x]), scores[x], 1e-6f, "share " + items[i] + " -> " + ids[x]);
                assertTrue(x == 0 || scores[x] <= scores[x - 1]);
            }
            if (best > 0) {
                assertEquals((float) best, scores[0], 1e-6f, "the best neighbour of " + items[i]);
                withNeighbors++;
            }
        }
        assertTrue(withNeighbors > items.length / 2, "items with neighbours: " + withNeighbors);
        // computed by blocks of items in the executors: exactly the rows of the driver's whole computation
        InteractionMatrix all =
                SparkTrainer.AllUsers.of(result.parts().collect(), items.length).matrix();
        ItemNeighbors driver = shares.compute(all, 10, TrainingMonitor.NOOP);
        ItemNeighbors raw = factors.rawNeighbors().toItemNeighbors();
        for (int i = 0; i < items.length; i++) {
            assertArrayEquals(driver.neighbors(i), raw.neighbors(i), "neighbours of " + items[i]);
            assertArrayEquals(driver.scores(i), raw.scores(i), 0f, "scores of " + items[i]);
        }

        // users' lists, computed in the user partitions: the plugin's FactorRanker over the same factors, the users
        // numbered as the factors' rows (partition by partition), and the best item has the largest x_u . y_j
        UserRanker ranker = ModelTrainer.factorRanker(
                model,
                shares,
                factors.rawNeighbors().toItemNeighbors(),
                result.popularity(),
                result.config().scoring());
        List<String> lines =
                ModelLinesWriter.userLines(result, AttributeAffinities.none()).collect();
        assertEquals(model.numUsers(), lines.size());
        for (int u = 0; u < lines.size(); u++) {
            JsonNode line = parse(lines.get(u));
            int[] history = names(line.path("history"), items);
            float[] weights = new float[history.length];
            for (int x = 0; x < history.length; x++) {
                weights[x] = (float) line.path("history_weights").get(x).asDouble();
            }
            UserRanker.Ranked ranked = ranker.rank(u, history, weights, history, 5);
            int[] listed = names(line.path("items"), items);
            assertArrayEquals(
                    ranked.items(), listed, "items of " + line.path("user").asText());
            assertEquals(5, listed.length);
            for (int x = 0; x < listed.length; x++) {
                int reason = ranked.reasons()[x];
                assertEquals(
                        reason < 0 ? null : items[reason],
                        line.path("because").get(x).isNull()
                                ? null
                                : line.path("because").get(x).asText());
            }
        }
    }

    /**
     * Users' attribute affinities from a catalogue table (the files path: a scalar attribute, an array attribute
     * whose values come unsorted and repeated, an item the events do not know, an item without a value): each user's
     * line holds, per attribute, the values of their history items weighted by the scoring parameters' history
     * factors, summed, the strongest 20 scaled to 1, as the node computes them.
     */
    @Test
    void attributeAffinitiesAreTheHistoryFactorsOfTheCataloguesValues() {
        List<Row> rows = events(7);
        ModelSettings settings = settings("cosine");
        SparkTrainer.Result result =
                new SparkTrainer(spark, 3, 4).train(spark.createDataFrame(rows, EventColumns.SCHEMA), settings, NOW);
        String[] items = result.itemNames();
        List<Row> catalogue = new ArrayList<>();
        Map<String, List<String>> category = new HashMap<>();
        Map<String, List<String>> tags = new HashMap<>();
        for (int i = 0; i < items.length; i++) {
            String c = i % 9 == 0 ? null : "c" + (i % 5);
            List<String> t = List.of("t" + (i % 7), "t" + (i % 3), "t" + (i % 7)); // repeated, unsorted
            catalogue.add(RowFactory.create(items[i], c, t));
            category.put(items[i], c == null ? List.of() : List.of(c));
            tags.put(items[i], new ArrayList<>(new TreeSet<>(t)));
        }
        catalogue.add(RowFactory.create("not-in-the-events", "c9", List.of("t9")));
        org.apache.spark.sql.types.StructType schema = new org.apache.spark.sql.types.StructType()
                .add("sku", org.apache.spark.sql.types.DataTypes.StringType)
                .add("category", org.apache.spark.sql.types.DataTypes.StringType)
                .add(
                        "tags",
                        org.apache.spark.sql.types.DataTypes.createArrayType(
                                org.apache.spark.sql.types.DataTypes.StringType));
        CatalogSettings catalog = new CatalogSettings("products", "sku", List.of("category", "tags"));
        AttributeAffinities affinities = ItemAttributes.of(
                CatalogIndex.of(spark.createDataFrame(catalogue, schema), catalog, "catalog [test]"), catalog, items);

        int checked = 0;
        for (String text : ModelLinesWriter.userLines(result, affinities).collect()) {
            JsonNode line = parse(text);
            float[] weights = new float[line.path("history").size()];
            for (int x = 0; x < weights.length; x++) {
                weights[x] = (float) line.path("history_weights").get(x).asDouble();
            }
            float[] factors = settings.trainingConfig().scoring().historyFactors(weights.length, weights);
            for (String attribute : List.of("category", "tags")) {
                Map<String, List<String>> values = attribute.equals("category") ? category : tags;
                java.util.LinkedHashMap<String, Float> sums = new java.util.LinkedHashMap<>();
                for (int x = 0; x < weights.length; x++) {
                    for (String v : values.get(line.path("history").get(x).asText())) {
                        sums.merge(v, factors[x], Float::sum);
                    }
                }
                JsonNode got = line.path("attributes").path(attribute);
                if (sums.isEmpty()) {
                    assertTrue(got.isMissingNode(), line.toString());
                    continue;
                }
                float max = sums.values().stream().max(Float::compare).orElseThrow();
                List<Map.Entry<String, Float>> top = sums.entrySet().stream()
                        .sorted((a, b) -> Float.compare(b.getValue(), a.getValue()))
                        .limit(AttributeAffinities.VALUES)
                        .toList();
                assertEquals(top.size(), got.size(), attribute + " of " + line.path("user"));
                List<String> names = new ArrayList<>();
                got.fieldNames().forEachRemaining(names::add);
                for (int r = 0; r < top.size(); r++) {
                    assertEquals(top.get(r).getKey(), names.get(r), attribute + " of " + line.path("user"));
                    assertEquals(
                            top.get(r).getValue() / max,
                            got.path(names.get(r)).floatValue(),
                            1e-6f,
                            attribute + " of " + line.path("user"));
                }
                checked++;
            }
        }
        assertTrue(checked > result.users(), "users with affinities: " + checked);
    }

    private static long countWishlist(List<Row> rows) {
        return rows.stream()
                .filter(r -> "wishlist".equals(r.getString(2))
                        && r.getString(1) != null
                        && r.getString(0) != null
                        && r.getString(0).isEmpty() == false)
                .count();
    }

    static JsonNode parse(String line) {
        try {
            return Elasticsearch.JSON.readTree(line);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static int[] names(JsonNode array, String[] items) {
        int[] ids = new int[array.size()];
        for (int x = 0; x < ids.length; x++) {
            ids[x] = Arrays.binarySearch(items, array.get(x).asText(), SparkTrainer.BYTES);
        }
        return ids;
    }
}
