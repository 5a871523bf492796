package io.personalize.training;

import java.util.Locale;

/**
 * Everything that defines a trained model: event weighting, the similarity algorithm and the
 * serving-time scoring. Immutable; build with {@link #builder()}. The defaults were chosen on the
 * Online Retail validation split (train before 2011-10-01, validate on October 2011).
 */
public final class TrainingConfig {

    /** Item-item similarity algorithms. */
    public enum Algorithm {
        /** {@link CosineSimilarity}: asymmetric cosine with shrinkage and user-activity weighting. */
        COSINE,
        /** {@link Rp3BetaSimilarity}, rows max-normalised by default. */
        RP3BETA,
        /** {@link EaseSimilarity}: Steck's EASE, dense or sparse by memory. */
        EASE,
        /** {@link ImplicitAls}: implicit-feedback matrix factorisation, users' lists from the factors. */
        ALS,
        /** {@link UserKnn}: user-based collaborative filtering; item neighbours by cosine. */
        USER_KNN
    }

    /** Default L2 weights, chosen on the Online Retail validation split (see the package documentation). */
    public static final double DEFAULT_EASE_REGULARIZATION = 800;

    public static final double DEFAULT_ALS_REGULARIZATION = 10;

    /** ALS's seed: fixed, so that the same events give the same factors. */
    public static final long DEFAULT_ALS_SEED = 42L;

    /** Sparse EASE: items each item's column is regressed on, by default. */
    public static final int DEFAULT_EASE_SUPPORT = 200;

    public static final double DAY_SECONDS = 86_400.0;

    private final double halfLifeDays;
    private final double popularityHalfLifeDays;
    private final boolean popularityCountsUsers;
    private final int maxItemsPerUser;
    private final Algorithm algorithm;
    private final int neighbors;
    private final double cosineAlpha;
    private final double cosineShrink;
    private final double userWeightExponent;
    private final double valueExponent;
    private final double rp3Alpha;
    private final double rp3Beta;
    private final ItemNeighbors.RowNormalization rowNormalization;
    private final ScoringParams scoring;
    private final double regularization;
    private final int factors;
    private final double alsAlpha;
    private final int iterations;
    private final long alsSeed;
    private final int userNeighbors;
    private final double userShrink;
    private final int easeSupport;
    private final EaseSimilarity.Mode easeMode;
    private final ImplicitAls.Solver alsSolver;
    private final long memoryBudgetBytes;
    private final Workers workers;
    private final double popularityDiscount;

    private TrainingConfig(Builder b) {
        this.regularization = Double.isNaN(b.regularization)
                ? (b.algorithm == Algorithm.ALS ? DEFAULT_ALS_REGULARIZATION : DEFAULT_EASE_REGULARIZATION)
                : b.regularization;
        this.factors = b.factors;
        this.alsAlpha = b.alsAlpha;
        this.iterations = b.iterations;
        this.alsSeed = b.alsSeed;
        this.userNeighbors = b.userNeighbors;
        this.userShrink = b.userShrink;
        this.easeSupport = b.easeSupport;
        this.easeMode = b.easeMode;
        this.alsSolver = b.alsSolver;
        this.memoryBudgetBytes = b.memoryBudgetBytes;
        this.workers = b.workers;
        this.popularityDiscount = b.popularityDiscount;
        this.halfLifeDays = b.halfLifeDays;
        this.popularityHalfLifeDays = b.popularityHalfLifeDays;
        this.popularityCountsUsers = b.popularityCountsUsers;
        this.maxItemsPerUser = b.maxItemsPerUser;
        this.algorithm = b.algorithm;
        this.neighbors = b.neighbors;
        this.cosineAlpha = b.cosineAlpha;
        this.cosineShrink = b.cosineShrink;
        this.userWeightExponent = b.userWeightExponent;
        this.valueExponent = b.valueExponent;
        this.rp3Alpha = b.rp3Alpha;
        this.rp3Beta = b.rp3Beta;
        this.rowNormalization = b.rowNormalization != null
                ? b.rowNormalization
                : (algorithm == Algorithm.RP3BETA
                        ? ItemNeighbors.RowNormalization.MAX
                        : ItemNeighbors.RowNormalization.NONE);
        this.scoring = b.scoring != null ? b.scoring : defaultScoring(algorithm);
    }

    /** Each algorithm's serving-time scoring, chosen on the Online Retail validation split. */
    static ScoringParams defaultScoring(Algorithm algorithm) {
        return switch (algorithm) {
            case COSINE -> ScoringParams.DEFAULTS;
            case RP3BETA -> ScoringParams.DEFAULTS.withPopularityWeight(0.05);
            case EASE -> new ScoringParams(0, 0, 0.05);
            case ALS, USER_KNN -> ScoringParams.DEFAULTS.withPopularityWeight(0.05);
        };
    }

    /** The default configuration (cosine). */
    public static TrainingConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder initialised with this configuration's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.halfLifeDays = halfLifeDays;
        b.popularityHalfLifeDays = popularityHalfLifeDays;
        b.popularityCountsUsers = popularityCountsUsers;
        b.maxItemsPerUser = maxItemsPerUser;
        b.algorithm = algorithm;
        b.neighbors = neighbors;
        b.cosineAlpha = cosineAlpha;
        b.cosineShrink = cosineShrink;
        b.userWeightExponent = userWeightExponent;
        b.valueExponent = valueExponent;
        b.rp3Alpha = rp3Alpha;
        b.rp3Beta = rp3Beta;
        b.rowNormalization = rowNormalization;
        b.scoring = scoring;
        b.regularization = regularization;
        b.factors = factors;
        b.alsAlpha = alsAlpha;
        b.iterations = iterations;
        b.alsSeed = alsSeed;
        b.userNeighbors = userNeighbors;
        b.userShrink = userShrink;
        b.easeSupport = easeSupport;
        b.easeMode = easeMode;
        b.alsSolver = alsSolver;
        b.memoryBudgetBytes = memoryBudgetBytes;
        b.workers = workers;
        b.popularityDiscount = popularityDiscount;
        return b;
    }

    /**
     * A builder for {@code algorithm} at its default parameters, scoring and row normalisation, keeping what shapes the
     * data rather than the algorithm (decay, popularity, history cap, neighbours kept, value exponent, memory budget):
     * the tuner's starting point for each algorithm.
     */
    public Builder toBuilderFor(Algorithm algorithm) {
        Builder b = new Builder();
        b.halfLifeDays = halfLifeDays;
        b.popularityHalfLifeDays = popularityHalfLifeDays;
        b.popularityCountsUsers = popularityCountsUsers;
        b.maxItemsPerUser = maxItemsPerUser;
        b.neighbors = neighbors;
        b.valueExponent = valueExponent;
        b.easeSupport = easeSupport;
        b.memoryBudgetBytes = memoryBudgetBytes;
        b.workers = workers;
        b.algorithm = algorithm;
        return b;
    }

    /** Half-life of event weights in days (infinite = no decay). Default 21. */
    /**
     * d in {@code cf(j) / users(j)^d}: how much the number of users who have an item in their histories discounts the
     * collaborative part of its scores, for every algorithm (0: none). rp3beta's beta does the same inside its
     * similarity; this applies to the users' lists and the item neighbours any algorithm produces.
     */
    public double popularityDiscount() {
        return popularityDiscount;
    }

    public double halfLifeDays() {
        return halfLifeDays;
    }

    /** Half-life of item popularity in days. Default 3. */
    public double popularityHalfLifeDays() {
        return popularityHalfLifeDays;
    }

    /** Popularity counts distinct users (true, default) or sums event weights (false). */
    public boolean popularityCountsUsers() {
        return popularityCountsUsers;
    }

    /** Most recent items kept per user (history length M). Default 500. */
    public int maxItemsPerUser() {
        return maxItemsPerUser;
    }

    public Algorithm algorithm() {
        return algorithm;
    }

    /** Neighbours kept per item (K). Default 50. */
    public int neighbors() {
        return neighbors;
    }

    /** Cosine asymmetry alpha. Default 0.4. */
    public double cosineAlpha() {
        return cosineAlpha;
    }

    /** Cosine shrink term. Default 10. */
    public double cosineShrink() {
        return cosineShrink;
    }

    /** Cosine user-activity weighting exponent. Default 1.5. */
    public double userWeightExponent() {
        return userWeightExponent;
    }

    /**
     * Exponent applied to the accumulated, time-decayed (user, item) weight when computing
     * similarities (0 = binary). Default 0.5.
     */
    public double valueExponent() {
        return valueExponent;
    }

    /** RP3beta transition exponent. Default 1.0. */
    public double rp3Alpha() {
        return rp3Alpha;
    }

    /** RP3beta popularity penalty. Default 0.6. */
    public double rp3Beta() {
        return rp3Beta;
    }

    /** Row normalisation applied after the top-K selection. Default NONE (cosine), MAX (RP3beta). */
    public ItemNeighbors.RowNormalization rowNormalization() {
        return rowNormalization;
    }

    /** Serving-time scoring. Default p = 0, q = 1, popularity weight 0.03 (RP3beta: 0.05). */
    public ScoringParams scoring() {
        return scoring;
    }

    /** L2 weight of EASE and ALS. Defaults {@link #DEFAULT_EASE_REGULARIZATION}, {@link #DEFAULT_ALS_REGULARIZATION}. */
    public double regularization() {
        return regularization;
    }

    /** ALS: factors per user and item. Default 64. */
    public int factors() {
        return factors;
    }

    /** ALS: the confidence weight of observed entries, c = 1 + alpha * value. Default 2. */
    public double alsAlpha() {
        return alsAlpha;
    }

    /** ALS: alternating sweeps. Default 15. */
    public int iterations() {
        return iterations;
    }

    public long alsSeed() {
        return alsSeed;
    }

    /** user_knn: nearest users per user. Default 100. */
    public int userNeighbors() {
        return userNeighbors;
    }

    /** user_knn: the shrink term of the users' cosine. Default 10. */
    public double userShrink() {
        return userShrink;
    }

    /** Sparse EASE: items each item's column is regressed on. Default 200. */
    public int easeSupport() {
        return easeSupport;
    }

    /** EASE: dense, sparse, or chosen by memory (the default). */
    public EaseSimilarity.Mode easeMode() {
        return easeMode;
    }

    /** ALS's solver: conjugate gradient (the default) or MLlib's exact one ({@link ImplicitAls.Solver}). */
    public ImplicitAls.Solver alsSolver() {
        return alsSolver;
    }

    /** Memory the training maths may take beyond the interaction matrix (dense EASE, the factors); bytes. */
    public long memoryBudgetBytes() {
        return memoryBudgetBytes;
    }

    /**
     * The threads the maths may use ({@link Workers#SERIAL} by default): not part of the model (the same configuration
     * trains the same model on any number of threads).
     */
    public Workers workers() {
        return workers;
    }

    /** The algorithm described by this configuration; its {@code compute} gives the item neighbours. */
    public ItemSimilarity similarity() {
        return switch (algorithm) {
            case COSINE -> cosine();
            case RP3BETA -> new Rp3BetaSimilarity(rp3Alpha, rp3Beta, valueExponent, workers);
            case EASE ->
                new EaseSimilarity(regularization, valueExponent, easeSupport, memoryBudgetBytes, easeMode, workers);
            case ALS ->
                new ImplicitAls(
                        factors, regularization, alsAlpha, iterations, valueExponent, alsSeed, workers, alsSolver);
            case USER_KNN -> new UserKnn(userNeighbors, userShrink, valueExponent, cosine());
        };
    }

    private CosineSimilarity cosine() {
        return new CosineSimilarity(cosineAlpha, cosineShrink, userWeightExponent, valueExponent, workers);
    }

    /** A matrix builder configured with this configuration's decay, popularity and history cap. */
    public InteractionMatrixBuilder newMatrixBuilder(int expectedEvents) {
        return new InteractionMatrixBuilder(expectedEvents)
                .halfLifeSeconds(halfLifeDays * DAY_SECONDS)
                .popularityHalfLifeSeconds(popularityHalfLifeDays * DAY_SECONDS)
                .popularityCountsUsers(popularityCountsUsers)
                .maxItemsPerUser(maxItemsPerUser);
    }

    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "TrainingConfig{halfLifeDays=%s, popularityHalfLifeDays=%s, popularityCountsUsers=%s, "
                        + "maxItemsPerUser=%d, algorithm=%s, neighbors=%d, similarity=%s, rowNormalization=%s, "
                        + "popularityDiscount=%s, %s}",
                halfLifeDays,
                popularityHalfLifeDays,
                popularityCountsUsers,
                maxItemsPerUser,
                algorithm,
                neighbors,
                similarity().describe(),
                rowNormalization,
                popularityDiscount,
                scoring);
    }

    /** Fluent builder; unset values keep their defaults. */
    public static final class Builder {
        private double halfLifeDays = 21;
        private double popularityHalfLifeDays = 3;
        private boolean popularityCountsUsers = true;
        private int maxItemsPerUser = InteractionMatrixBuilder.DEFAULT_MAX_ITEMS_PER_USER;
        private Algorithm algorithm = Algorithm.COSINE;
        private int neighbors = 50;
        private double cosineAlpha = 0.4;
        private double cosineShrink = 10;
        private double userWeightExponent = 1.5;
        private double valueExponent = 0.5;
        private double rp3Alpha = 1.0;
        private double rp3Beta = 0.6;
        private ItemNeighbors.RowNormalization rowNormalization;
        private ScoringParams scoring;
        private double regularization = Double.NaN;
        private int factors = 64;
        private double alsAlpha = 2;
        private int iterations = 15;
        private long alsSeed = DEFAULT_ALS_SEED;
        private int userNeighbors = 100;
        private double userShrink = 10;
        private int easeSupport = DEFAULT_EASE_SUPPORT;
        private EaseSimilarity.Mode easeMode = EaseSimilarity.Mode.AUTO;
        private ImplicitAls.Solver alsSolver = ImplicitAls.Solver.CG;
        private long memoryBudgetBytes = Long.MAX_VALUE;
        private Workers workers = Workers.SERIAL;
        private double popularityDiscount = 0;

        private Builder() {}

        /** The threads the maths may use; default {@link Workers#SERIAL}. */
        public Builder workers(Workers workers) {
            this.workers = java.util.Objects.requireNonNull(workers);
            return this;
        }

        /** EASE's or ALS's L2 weight (> 0); unset: the algorithm's default. */
        public Builder regularization(double lambda) {
            if (!(lambda > 0) || Double.isInfinite(lambda)) {
                throw new IllegalArgumentException("regularization must be > 0");
            }
            this.regularization = lambda;
            return this;
        }

        public Builder factors(int factors) {
            if (factors < 1) {
                throw new IllegalArgumentException("factors must be >= 1");
            }
            this.factors = factors;
            return this;
        }

        public Builder alsAlpha(double alpha) {
            if (!(alpha >= 0) || Double.isInfinite(alpha)) {
                throw new IllegalArgumentException("alpha must be >= 0");
            }
            this.alsAlpha = alpha;
            return this;
        }

        public Builder iterations(int iterations) {
            if (iterations < 1) {
                throw new IllegalArgumentException("iterations must be >= 1");
            }
            this.iterations = iterations;
            return this;
        }

        /**
         * The seed of ALS's random initial factors (default {@link #DEFAULT_ALS_SEED}); not a model setting: what
         * measures how far two runs of the same ALS differ (the bench), and the Spark job's MLlib seed.
         */
        public Builder alsSeed(long seed) {
            this.alsSeed = seed;
            return this;
        }

        public Builder userNeighbors(int k) {
            if (k < 1) {
                throw new IllegalArgumentException("userNeighbors must be >= 1");
            }
            this.userNeighbors = k;
            return this;
        }

        public Builder userShrink(double shrink) {
            if (!(shrink >= 0)) {
                throw new IllegalArgumentException("userShrink must be >= 0");
            }
            this.userShrink = shrink;
            return this;
        }

        public Builder easeSupport(int support) {
            if (support < 1) {
                throw new IllegalArgumentException("easeSupport must be >= 1");
            }
            this.easeSupport = support;
            return this;
        }

        /** EASE's variant: dense (exact), sparse ({@link #easeSupport} items per column) or chosen by memory. */
        /** ALS's solver (a model's {@code similarity.variant}): {@code CG} (the default) or {@code EXACT}, MLlib's. */
        public Builder alsSolver(ImplicitAls.Solver solver) {
            this.alsSolver = java.util.Objects.requireNonNull(solver);
            return this;
        }

        public Builder easeMode(EaseSimilarity.Mode mode) {
            this.easeMode = java.util.Objects.requireNonNull(mode);
            return this;
        }

        public Builder memoryBudgetBytes(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("memoryBudgetBytes must be >= 1");
            }
            this.memoryBudgetBytes = bytes;
            return this;
        }

        /** See {@link TrainingConfig#popularityDiscount()}: between 0 and 1. */
        public Builder popularityDiscount(double d) {
            if (!(d >= 0 && d <= 1)) {
                throw new IllegalArgumentException("popularity discount must be between 0 and 1, got [" + d + "]");
            }
            this.popularityDiscount = d;
            return this;
        }

        public Builder halfLifeDays(double days) {
            this.halfLifeDays = positive(days, "halfLifeDays");
            return this;
        }

        public Builder popularityHalfLifeDays(double days) {
            this.popularityHalfLifeDays = positive(days, "popularityHalfLifeDays");
            return this;
        }

        public Builder popularityCountsUsers(boolean countUsers) {
            this.popularityCountsUsers = countUsers;
            return this;
        }

        public Builder maxItemsPerUser(int m) {
            if (m < 1) {
                throw new IllegalArgumentException("maxItemsPerUser must be >= 1");
            }
            this.maxItemsPerUser = m;
            return this;
        }

        /**
         * Row normalisation and scoring that are not set explicitly follow the algorithm's defaults
         * (a builder from {@link TrainingConfig#toBuilder()} carries them explicitly).
         */
        public Builder algorithm(Algorithm algorithm) {
            this.algorithm = java.util.Objects.requireNonNull(algorithm);
            return this;
        }

        public Builder neighbors(int k) {
            if (k < 1) {
                throw new IllegalArgumentException("neighbors must be >= 1");
            }
            this.neighbors = k;
            return this;
        }

        public Builder cosineAlpha(double alpha) {
            this.cosineAlpha = alpha;
            return this;
        }

        public Builder cosineShrink(double shrink) {
            this.cosineShrink = shrink;
            return this;
        }

        public Builder userWeightExponent(double gamma) {
            this.userWeightExponent = gamma;
            return this;
        }

        public Builder valueExponent(double exponent) {
            this.valueExponent = exponent;
            return this;
        }

        public Builder rp3Alpha(double alpha) {
            this.rp3Alpha = alpha;
            return this;
        }

        public Builder rp3Beta(double beta) {
            this.rp3Beta = beta;
            return this;
        }

        public Builder rowNormalization(ItemNeighbors.RowNormalization mode) {
            this.rowNormalization = mode;
            return this;
        }

        public Builder scoring(ScoringParams scoring) {
            this.scoring = scoring;
            return this;
        }

        public TrainingConfig build() {
            TrainingConfig c = new TrainingConfig(this);
            c.similarity(); // validates the similarity parameters
            return c;
        }

        private static double positive(double v, String name) {
            if (!(v > 0)) {
                throw new IllegalArgumentException(name + " must be > 0 (use Double.POSITIVE_INFINITY for no decay)");
            }
            return v;
        }
    }
}
