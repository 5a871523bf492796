package io.personalize.training;

import java.util.function.Function;

/**
 * Trains a {@link TrainedModel}: events -> {@link InteractionMatrix} (decay, merge, cap,
 * popularity) -> item neighbours (the configured {@link ItemSimilarity}) -> row normalisation.
 *
 * <pre>{@code
 *   TrainingConfig config = TrainingConfig.defaults();
 *   InteractionMatrixBuilder events = config.newMatrixBuilder(expectedEvents);
 *   events.add(user, item, typeWeight, epochSeconds);   // for every event
 *   TrainedModel model = ModelTrainer.train(events, config, monitor);
 * }</pre>
 */
public final class ModelTrainer {

    private ModelTrainer() {}

    /**
     * Trains from a builder created by {@link TrainingConfig#newMatrixBuilder(int)} (or configured
     * the same way). The builder is consumed.
     */
    public static TrainedModel train(InteractionMatrixBuilder events, TrainingConfig config, TrainingMonitor monitor) {
        long t0 = System.nanoTime();
        monitor.checkCancelled();
        InteractionMatrix matrix = events.build(monitor);
        float[] popularity = events.popularity();
        monitor.checkCancelled();
        checkMemory(config, matrix);
        ItemSimilarity similarity = config.similarity();
        ItemNeighbors nb;
        Function<ScoringParams, UserRanker> rankers = null;
        EaseWeights weights = null;
        if (similarity instanceof ImplicitAls als) {
            FactorModel factors = als.train(matrix, monitor, null);
            FactorNeighbors shares = new FactorNeighbors(factors, als.regularization());
            ItemNeighbors neighbors = shares.compute(matrix, config.neighbors(), monitor, config.workers());
            nb = neighbors;
            rankers = scoring -> new FactorRanker(factors, shares, neighbors, popularity, scoring);
        } else if (similarity instanceof EaseSimilarity ease) {
            EaseSimilarity.Trained trained = ease.train(matrix, config.neighbors(), true, monitor);
            nb = trained.neighbors();
            weights = trained.weights();
        } else {
            nb = similarity.compute(matrix, config.neighbors(), monitor);
        }
        float[] discount = popularityDiscount(matrix, config.popularityDiscount());
        if (discount != null) {
            nb = nb.scaleColumns(discount);
        }
        if (config.rowNormalization() != ItemNeighbors.RowNormalization.NONE) {
            nb = nb.normalizeRows(config.rowNormalization());
        }
        if (similarity instanceof UserKnn userKnn) {
            rankers = userKnn.rankers(matrix, nb, popularity);
        }
        if (weights != null) {
            // EASE's users' lists from the whole of B, negative weights included (EaseRanker); reasons from nb. A
            // sparse B's rows cut to their strongest weights when the lists would walk more than SPARSE_WORK entries
            EaseWeights b = listWeights(weights, itemDegrees(matrix), EaseRanker.SPARSE_WORK);
            ItemNeighbors reasons = nb;
            long entries = matrix.nnz();
            rankers = scoring -> easeRanker(b, reasons, popularity, scoring, entries);
        }
        if (discount != null && rankers != null) {
            Function<ScoringParams, UserRanker> undiscounted = rankers;
            rankers = scoring -> discounted(undiscounted.apply(scoring), discount);
        }
        monitor.checkCancelled();
        return new TrainedModel(config, matrix, nb, popularity, rankers, System.nanoTime() - t0);
    }

    /**
     * The weights an {@code ease} model's users' lists score against: a sparse B's rows cut to their strongest weights
     * ({@link EaseWeights#capRows}) when the lists would walk more than {@code maxWork} row entries (the node's bound:
     * {@link #EASE_LIST_WORK}); {@code itemDegrees[i]}: the users whose histories hold item i. A dense B as it is.
     */
    public static EaseWeights listWeights(EaseWeights weights, int[] itemDegrees, double maxWork) {
        return weights.capRows(weights.rowCap(itemDegrees, maxWork));
    }

    /** The bound on a sparse B's users' lists' work (row entries walked) beyond which its rows are cut. */
    public static final double EASE_LIST_WORK = EaseRanker.SPARSE_WORK;

    /**
     * The ranker with the popularity discount applied to its candidates' collaborative scores ({@link
     * #popularityDiscount}); the ranker itself when {@code discount} is null. {@code ranker}: one of this package's
     * rankers ({@link #factorRanker}, {@link #easeRanker}, {@link #userKnnRankers}).
     */
    public static UserRanker discounted(UserRanker ranker, float[] discount) {
        return discount == null ? ranker : ((CandidateRanker) ranker).discount(discount);
    }

    /** {@code degrees[i]}: the users whose histories hold item i. */
    public static int[] itemDegrees(InteractionMatrix m) {
        int[] degrees = new int[m.numItems()];
        for (int i = 0; i < degrees.length; i++) {
            degrees[i] = m.itemDegree(i);
        }
        return degrees;
    }

    /**
     * {@code users(j)^-d / c} per item (users: those with the item in their histories, at least 1), or null for d = 0:
     * the factor the popularity discount multiplies an item's collaborative scores by, in its neighbours' rows (so that
     * real-time scoring through the stored neighbours applies it too) and in the users' lists of the algorithms that
     * rank them themselves. {@code c}, the factor's mean over the histories' entries, keeps the collaborative scores on
     * the scale the popularity weight was chosen for (the neighbours' sums are not normalised per user; the rankers'
     * are, and the constant cancels there).
     */
    public static float[] popularityDiscount(InteractionMatrix matrix, double d) {
        return d <= 0 ? null : popularityDiscount(itemDegrees(matrix), d);
    }

    /**
     * The same from each item's users ({@code itemDegrees[j]}, {@link #itemDegrees}): what a training whose histories
     * are spread over several machines (the Spark job's user partitions) adds up to compute it.
     */
    public static float[] popularityDiscount(int[] itemDegrees, double d) {
        if (d <= 0) {
            return null;
        }
        double[] raw = new double[itemDegrees.length];
        double weighted = 0;
        long entries = 0;
        for (int j = 0; j < raw.length; j++) {
            int users = itemDegrees[j];
            raw[j] = Math.pow(Math.max(1, users), -d);
            weighted += users * raw[j];
            entries += users;
        }
        double mean = entries > 0 ? weighted / entries : 1;
        float[] factors = new float[raw.length];
        for (int j = 0; j < raw.length; j++) {
            factors[j] = (float) (raw[j] / mean);
        }
        return factors;
    }

    /**
     * The users' lists of an {@code als} model whose factors were trained elsewhere (the Spark job trains them with
     * Spark MLlib's ALS): the same ranking an {@code als} training here uses, scores {@code x_u . y_j}, candidates
     * restricted on large catalogues, reasons from {@code shares}. {@code neighbors} are the item neighbours before
     * row normalisation, as in {@link #train}. Not thread-safe: one per thread.
     */
    public static UserRanker factorRanker(
            FactorModel factors,
            FactorNeighbors shares,
            ItemNeighbors neighbors,
            float[] popularity,
            ScoringParams scoring) {
        return new FactorRanker(factors, shares, neighbors, popularity, scoring);
    }

    /**
     * The same for a part of the users ({@code factors} holds their rows only, the Spark job's user partition): whether
     * every item is scored is decided for the model's {@code modelUsers}, as the whole model's ranker decides it.
     */
    public static UserRanker factorRanker(
            FactorModel factors,
            FactorNeighbors shares,
            ItemNeighbors neighbors,
            float[] popularity,
            ScoringParams scoring,
            long modelUsers) {
        return new FactorRanker(
                factors,
                shares,
                neighbors,
                popularity,
                scoring,
                FactorRanker.allItems(modelUsers, factors.numItems(), factors.factors()));
    }

    /**
     * The users' lists of a {@code user_knn} model whose matrix and item neighbours were assembled elsewhere (the Spark
     * job ranks each user partition's users over the whole matrix, broadcast): the rankers a {@code user_knn} training
     * here uses, over {@code m} (users numbered as the node numbers them) and {@code neighbors} after row
     * normalisation, as in {@link #train}. Each ranker is not thread-safe: one per thread.
     */
    public static Function<ScoringParams, UserRanker> userKnnRankers(
            TrainingConfig config, InteractionMatrix m, ItemNeighbors neighbors, float[] popularity) {
        if (config.similarity() instanceof UserKnn userKnn) {
            return userKnn.rankers(m, neighbors, popularity);
        }
        throw new IllegalArgumentException("not a user_knn configuration: " + config.algorithm());
    }

    /**
     * The users' lists of an {@code ease} model: the history against the whole of B ({@code weights}, from {@link
     * EaseSimilarity#train} or {@link EaseSimilarity#sparseRows(int, java.util.List, int, boolean)}), negative weights
     * included, as a training here ranks them; reasons from {@code neighbors} (the item neighbours after row
     * normalisation). {@code historyEntries}: the entries of all users' histories (a dense B's lists score every item
     * up to a bound on the work, then candidates). Not thread-safe: one per thread.
     */
    public static UserRanker easeRanker(
            EaseWeights weights,
            ItemNeighbors neighbors,
            float[] popularity,
            ScoringParams scoring,
            long historyEntries) {
        return new EaseRanker(weights, neighbors, popularity, scoring, historyEntries);
    }

    /**
     * Fails before the maths start when the algorithm's own memory (dense EASE's matrices, the factors) would exceed
     * the configuration's budget: a clear message rather than a circuit breaker or an out-of-memory error halfway.
     */
    static void checkMemory(TrainingConfig config, InteractionMatrix matrix) {
        ItemSimilarity similarity = config.similarity();
        if (similarity instanceof EaseSimilarity ease) {
            ease.checkMemory(matrix.numItems());
        } else if (similarity instanceof ImplicitAls als) {
            long need = ImplicitAls.bytes(matrix.numUsers(), matrix.numItems(), matrix.nnz(), als.factors());
            if (need > config.memoryBudgetBytes()) {
                throw new IllegalArgumentException(String.format(
                        java.util.Locale.ROOT,
                        "[als] with %d factors on %,d users and %,d items needs about %,d MB, above the training"
                                + " memory budget of %,d MB: use fewer factors",
                        als.factors(),
                        matrix.numUsers(),
                        matrix.numItems(),
                        need >> 20,
                        config.memoryBudgetBytes() >> 20));
            }
        }
    }

    /**
     * Trains from parallel event arrays.
     *
     * @param weights event weights (type weight, optionally times a value multiplier), or null for 1
     */
    public static TrainedModel train(
            int[] users,
            int[] items,
            float[] weights,
            long[] epochSeconds,
            TrainingConfig config,
            TrainingMonitor monitor) {
        InteractionMatrixBuilder b = config.newMatrixBuilder(users.length);
        b.addAll(users, items, weights, epochSeconds);
        return train(b, config, monitor);
    }
}
