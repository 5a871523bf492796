package io.personalize.training;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Self-tuning: trains candidate configurations, scores each on a validation slice, and chooses the one with the best
 * NDCG at k. The search goes in stages, each starting from the best configuration so far:
 *
 * <ol>
 *   <li>{@code configured}: the model's own configuration (so tuning never does worse on validation than not tuning);
 *   <li>{@code algorithm}: every algorithm at its default parameters, with time decay off and on (the configured
 *       half-life, 21 days when it has none);
 *   <li>{@code input}: EASE on binary interactions (value exponent 0) instead of {@code weight^0.5}, at its regularization
 *       and a quarter of it (a binary Gram matrix's diagonal, the item's number of users, is smaller than a weighted
 *       one's: so is the regularization that suits it);
 *   <li>{@code parameter}: the main parameter of the two best algorithms, below and above its value (cosine's and
 *       rp3beta's alpha and beta, EASE's and ALS's regularization, user_knn's number of users), and further in a
 *       direction while each step beats the one before (at most {@link #PARAMETER_STEPS} steps);
 *   <li>{@code sparse}: EASE's sparse variant (each item's column regressed on the {@code support} items that co-occur
 *       most with it) at supports 50 and 200, at EASE's best regularization and a quarter of it, and when one of them
 *       is EASE's best, its regularization further down while each quarter beats the one before;
 *   <li>{@code half_life}: a third and three times the best half-life, when decay won (with a coverage floor, from the
 *       best NDCG of all too, when it is another candidate: the coverage stage may widen it to the floor);
 *   <li>{@code popularity_discount}: for the best configuration of each of the two best algorithms (and with a floor,
 *       of the best NDCG's algorithm), the popularity discount raised by {@link #DISCOUNT_STEP} (an item's
 *       collaborative score divided by its number of users to that power), and further while each step beats the one
 *       before (at most {@link #DISCOUNT_STEPS} steps);
 *   <li>{@code coverage}, only with a coverage floor: for each algorithm's best configuration, the move of its main
 *       parameter that spreads its lists over more items (rp3beta's beta up, cosine's alpha down, EASE's and ALS's
 *       regularization down, fewer users for user_knn), and that and the configuration itself without popularity;
 *       then, for each algorithm whose best is still under the floor, its popularity discount raised a step at a time
 *       until it reaches the floor (at most {@link #DISCOUNT_STEPS} steps);
 *   <li>{@code popularity_weight}: 0, 0.1 and 0.2 for the best configuration of each of the two best algorithms;
 *   <li>{@code exact}: when EASE's best is a sparse one, the exact (dense) EASE with all its other settings, and that
 *       at popularity weights 0, 0.1 and 0.2 (the stages before refined the sparse one only).
 * </ol>
 *
 * A candidate starts only while budget is left and what its algorithm took last time fits in what is left (an algorithm
 * not timed yet starts whenever budget is left: the budget can be overrun by that one candidate); the others are
 * recorded as skipped, with the reason, and the search goes on with cheaper ones. A candidate that cannot train (over
 * the memory budget, say) is recorded as failed. Ties keep the earlier candidate. The evaluator does the training and
 * the scoring; this class holds no data.
 *
 * <p>The choice: the best NDCG at k; with a coverage floor ({@code minCoverage} > 0), the best NDCG among the candidates
 * whose validation coverage at k reaches the floor, and when none does, the best NDCG of all ({@link
 * Result#coverageMet()} false: the floor never makes tuning fail). "Best so far" in every stage is chosen the same way.
 * A candidate that differs from the one evaluated just before only in its popularity weight has the same training
 * ({@link #trainingKey}): the evaluator may score the previous model with the new weight instead of training again,
 * and the budget counts it as free.
 */
public final class Tuner {

    /** Validation figures of one candidate, at k. */
    public record Figures(double hitRate, double precision, double recall, double map, double ndcg, double coverage) {}

    /**
     * Trains a configuration on the validation slice's training part and scores it on the held-out part (or re-scores
     * the model it trained last, when {@link #trainingKey} says the training is the same).
     */
    @FunctionalInterface
    public interface Evaluator {
        Figures evaluate(TrainingConfig config);
    }

    /** What happened to a candidate. */
    public enum Outcome {
        MEASURED,
        FAILED,
        SKIPPED;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One candidate: its stage, its configuration, and its figures (null unless measured); {@code retrained} false when
     * it only re-scored the previous candidate's model with another popularity weight.
     */
    public record Trial(
            String stage,
            TrainingConfig config,
            Outcome outcome,
            Figures figures,
            long millis,
            String reason,
            boolean retrained) {
        public String algorithm() {
            return config.similarity().describe();
        }

        /** Half-life of event weights in days; infinite without decay. */
        public double halfLifeDays() {
            return config.halfLifeDays();
        }

        public double popularityWeight() {
            return config.scoring().popularityWeight();
        }

        public double popularityDiscount() {
            return config.popularityDiscount();
        }
    }

    /** Every candidate in the order tried, the winner, and the time it took. */
    public record Result(List<Trial> trials, Trial winner, long budgetMillis, long tookMillis, double minCoverage) {
        public long skipped() {
            return trials.stream().filter(t -> t.outcome() == Outcome.SKIPPED).count();
        }

        /** Whether the winner's validation coverage reaches the floor (always, without one). */
        public boolean coverageMet() {
            return winner.figures().coverage() >= minCoverage;
        }
    }

    static final double DEFAULT_DECAY_DAYS = 21;
    static final double[] POPULARITY_WEIGHTS = {0, 0.1, 0.2};
    /** Steps of the main parameter in one direction at most (the first always, the others while they win). */
    static final int PARAMETER_STEPS = 3;
    /** Items each column of sparse EASE is regressed on, in the {@code sparse} stage. */
    static final int[] SPARSE_SUPPORTS = {50, 200};
    /** The popularity discount's step, and its steps in one search at most (0.15 to 0.6 from none). */
    static final double DISCOUNT_STEP = 0.15;

    static final int DISCOUNT_STEPS = 4;

    private final TrainingConfig configured;
    private final long budgetMillis;
    private final double minCoverage;
    private final LongSupplier clockMillis;
    private final TrainingMonitor monitor;

    private final List<Trial> trials = new ArrayList<>();
    private final Set<String> tried = new HashSet<>();
    private final Map<TrainingConfig.Algorithm, Long> lastMillis = new LinkedHashMap<>();
    private long start;
    private String lastTraining; // trainingKey of the last candidate evaluated, null after a failure

    /**
     * @param configured the model's own configuration: the first candidate, and the source of the data-shaping
     *     settings (popularity, history cap, neighbours kept, memory budget) every candidate keeps
     * @param clockMillis milliseconds, for the budget (a test passes its own clock)
     */
    public Tuner(TrainingConfig configured, long budgetMillis, LongSupplier clockMillis, TrainingMonitor monitor) {
        this(configured, budgetMillis, 0, clockMillis, monitor);
    }

    /** @param minCoverage the coverage floor of the choice, 0 for none */
    public Tuner(
            TrainingConfig configured,
            long budgetMillis,
            double minCoverage,
            LongSupplier clockMillis,
            TrainingMonitor monitor) {
        if (budgetMillis < 1) {
            throw new IllegalArgumentException("budget must be >= 1 ms");
        }
        if (!(minCoverage >= 0 && minCoverage <= 1)) {
            throw new IllegalArgumentException(
                    "[tune.min_coverage] must be between 0 and 1, got [" + minCoverage + "]");
        }
        this.configured = configured;
        this.budgetMillis = budgetMillis;
        this.minCoverage = minCoverage;
        this.clockMillis = clockMillis;
        this.monitor = monitor;
    }

    public Result run(Evaluator evaluator) {
        start = clockMillis.getAsLong();
        trials.clear();
        tried.clear();
        lastMillis.clear();
        lastTraining = null;
        try_("configured", configured, evaluator);

        double decay = Double.isInfinite(configured.halfLifeDays()) ? DEFAULT_DECAY_DAYS : configured.halfLifeDays();
        for (TrainingConfig.Algorithm algorithm : TrainingConfig.Algorithm.values()) {
            for (double halfLife : new double[] {Double.POSITIVE_INFINITY, decay}) {
                try_(
                        "algorithm",
                        configured
                                .toBuilderFor(algorithm)
                                .halfLifeDays(halfLife)
                                .build(),
                        evaluator);
            }
        }

        // EASE's input: the plugin's weight^0.5 of summed weights, or binary as in Steck's paper (Online Retail,
        // stratified: binary with a smaller regularization is what the dense reference scores higher with)
        Trial ease = best(t -> t.config().algorithm() == TrainingConfig.Algorithm.EASE);
        if (ease != null && ease.config().valueExponent() != 0) {
            double lambda = ease.config().regularization();
            for (double l : new double[] {lambda / 4, lambda}) {
                try_(
                        "input",
                        ease.config().toBuilder()
                                .valueExponent(0)
                                .regularization(l)
                                .build(),
                        evaluator);
            }
        }

        // the main parameter of the two best algorithms, each from its best configuration so far: one step down and
        // one up, and further in a direction while each step beats the one before (OR-stratified: EASE's best
        // regularization on binary input is two quarterings below the default)
        for (Trial t : twoBestAlgorithms()) {
            for (boolean down : new boolean[] {true, false}) {
                Trial from = t;
                for (int s = 0; s < PARAMETER_STEPS; s++) {
                    TrainingConfig next = parameterStep(from.config(), down);
                    Trial tried = next == null ? null : try_("parameter", next, evaluator);
                    if (tried == null || tried.outcome() != Outcome.MEASURED || better(tried, from) == false) {
                        break;
                    }
                    from = tried;
                }
            }
        }

        sparseEase(evaluator);

        // from the best, and under a floor from the best NDCG too: the coverage stage can widen it to the floor later
        for (Trial best : refinedFrom(best(t -> true))) {
            if (Double.isFinite(best.halfLifeDays())) {
                double h = best.halfLifeDays();
                for (double halfLife : new double[] {h / 3, h * 3}) {
                    try_(
                            "half_life",
                            best.config().toBuilder().halfLifeDays(halfLife).build(),
                            evaluator);
                }
            }
        }

        // the popularity discount of the two best algorithms: the share of each list that goes to the items everyone
        // has is the one knob every algorithm shares (Online Retail, newest events: EASE's NDCG and coverage both rise
        // up to a discount of about 0.2, and its coverage goes on rising beyond)
        List<Trial> discounted = new ArrayList<>(twoBestAlgorithms());
        for (Trial t : refinedFrom(null)) {
            if (discounted.stream()
                    .noneMatch(x -> x.config().algorithm() == t.config().algorithm())) {
                discounted.add(t);
            }
        }
        for (Trial t : discounted) {
            Trial from = t;
            for (int s = 0; s < DISCOUNT_STEPS; s++) {
                TrainingConfig next = discountStep(from.config());
                Trial tried = next == null ? null : try_("popularity_discount", next, evaluator);
                if (tried == null || tried.outcome() != Outcome.MEASURED || better(tried, from) == false) {
                    break;
                }
                from = tried;
            }
        }

        // with a coverage floor: each algorithm's step towards wider lists, so the floor has candidates to choose from
        if (minCoverage > 0) {
            for (TrainingConfig.Algorithm algorithm : TrainingConfig.Algorithm.values()) {
                Trial t = best(x -> x.config().algorithm() == algorithm);
                if (t == null) {
                    continue;
                }
                TrainingConfig wider = widerVariant(t.config());
                if (wider != null) {
                    try_("coverage", wider, evaluator);
                    tryWithoutPopularity("coverage", wider, evaluator);
                }
                tryWithoutPopularity("coverage", t.config(), evaluator);
            }
            // then the discount, a step at a time, for each algorithm still under the floor: it widens every
            // algorithm's lists at a smaller cost in NDCG than its own parameter's move
            for (TrainingConfig.Algorithm algorithm : TrainingConfig.Algorithm.values()) {
                Trial from = best(x -> x.config().algorithm() == algorithm);
                for (int s = 0; s < DISCOUNT_STEPS && from != null && reaches(from) == false; s++) {
                    TrainingConfig next = discountStep(from.config());
                    if (next == null) {
                        break;
                    }
                    Trial tried = try_("coverage", next, evaluator);
                    if (tried == null) {
                        tried = recorded(next); // measured in an earlier stage: go on from its figures
                    }
                    if (tried == null || tried.outcome() != Outcome.MEASURED) {
                        break;
                    }
                    from = tried;
                }
            }
        }

        // the popularity weight of the two best algorithms too: each algorithm's default weight was chosen on one data
        // set, and an algorithm a little behind at its default can win at another weight (Online Retail, stratified:
        // EASE without popularity beats ALS, with 0.05 it does not)
        for (Trial t : twoBestAlgorithms()) {
            for (double weight : POPULARITY_WEIGHTS) {
                TrainingConfig config = t.config();
                try_(
                        "popularity_weight",
                        config.toBuilder()
                                .scoring(config.scoring().withPopularityWeight(weight))
                                .build(),
                        evaluator);
            }
        }

        exactEase(evaluator);

        Trial winner = best(t -> true);
        if (winner == null) {
            StringBuilder reasons = new StringBuilder();
            for (Trial t : trials) {
                if (t.outcome() == Outcome.FAILED) {
                    reasons.append(reasons.isEmpty() ? "" : "; ")
                            .append(t.algorithm())
                            .append(": ")
                            .append(t.reason());
                }
            }
            throw new IllegalArgumentException("tuning found no candidate that trains: " + reasons);
        }
        return new Result(List.copyOf(trials), winner, budgetMillis, clockMillis.getAsLong() - start, minCoverage);
    }

    /**
     * EASE's sparse variant from EASE's best configuration so far: each support of {@link #SPARSE_SUPPORTS} at its
     * regularization and a quarter of it, then, when a sparse candidate is EASE's best, its regularization further down
     * while each step beats the one before. Restricting each column's regression to the items that co-occur most with
     * it acts as a second regularizer: on Online Retail (stratified) the sparse variant scores above the exact one.
     */
    private void sparseEase(Evaluator evaluator) {
        Trial ease = best(t -> t.config().algorithm() == TrainingConfig.Algorithm.EASE);
        if (ease == null) {
            return;
        }
        double lambda = ease.config().regularization();
        for (int support : SPARSE_SUPPORTS) {
            for (double l : new double[] {lambda, lambda / 4}) {
                try_(
                        "sparse",
                        ease.config().toBuilder()
                                .easeMode(EaseSimilarity.Mode.SPARSE)
                                .easeSupport(support)
                                .regularization(l)
                                .build(),
                        evaluator);
            }
        }
        Trial from = best(t -> t.config().algorithm() == TrainingConfig.Algorithm.EASE);
        if (from == null || from.config().easeMode() != EaseSimilarity.Mode.SPARSE) {
            return;
        }
        for (int s = 0; s < PARAMETER_STEPS; s++) {
            Trial next = try_("sparse", parameterStep(from.config(), true), evaluator);
            if (next == null || next.outcome() != Outcome.MEASURED || better(next, from) == false) {
                return;
            }
            from = next;
        }
    }

    /**
     * The exact (dense) EASE with everything EASE's best configuration found, when that is a sparse one: the half-life,
     * popularity discount and weight stages refine only the best so far, so once a sparse candidate led, the exact
     * solution was never tried with what they found (OR-time: the sparse variant led at 21 days without a discount, by
     * .1037 to .1010; the exact one with the sparse winner's 7 days, discount 0.3 and weight 0.2 scores above that
     * winner on the test split, .1504 against .1446, in {@code bin/bench models}'s dense EASE reference). Then its
     * popularity weights (re-scored, free). On a catalogue whose dense matrices exceed the training memory budget the
     * candidate fails early and is recorded as failed.
     */
    private void exactEase(Evaluator evaluator) {
        Trial ease = best(t -> t.config().algorithm() == TrainingConfig.Algorithm.EASE);
        if (ease == null || ease.config().easeMode() != EaseSimilarity.Mode.SPARSE) {
            return;
        }
        TrainingConfig exact =
                ease.config().toBuilder().easeMode(EaseSimilarity.Mode.DENSE).build();
        Trial tried = try_("exact", exact, evaluator);
        if (tried == null || tried.outcome() != Outcome.MEASURED) {
            return;
        }
        for (double weight : POPULARITY_WEIGHTS) {
            try_(
                    "exact",
                    exact.toBuilder()
                            .scoring(exact.scoring().withPopularityWeight(weight))
                            .build(),
                    evaluator);
        }
    }

    /** The best configuration so far of each of the two best algorithms, best first. */
    private List<Trial> twoBestAlgorithms() {
        List<Trial> bestPerAlgorithm = new ArrayList<>();
        for (TrainingConfig.Algorithm algorithm : TrainingConfig.Algorithm.values()) {
            Trial best = best(t -> t.config().algorithm() == algorithm);
            if (best != null) {
                bestPerAlgorithm.add(best);
            }
        }
        bestPerAlgorithm.sort(Comparator.comparing((Trial t) -> t, (a, b) -> better(a, b) ? -1 : better(b, a) ? 1 : 0));
        return bestPerAlgorithm.subList(0, Math.min(2, bestPerAlgorithm.size()));
    }

    /**
     * One step of the main parameter, down or up (cosine's alpha and rp3beta's beta ∓ 0.2 and 0.3, EASE's
     * regularization ÷ or × 4, ALS's 5, user_knn's users 2), or null out of its range.
     */
    static TrainingConfig parameterStep(TrainingConfig config, boolean down) {
        int sign = down ? -1 : 1;
        return switch (config.algorithm()) {
            case COSINE -> {
                double alpha = round(config.cosineAlpha() + sign * 0.2);
                yield alpha >= 0 && alpha <= 1
                        ? config.toBuilder().cosineAlpha(alpha).build()
                        : null;
            }
            case RP3BETA -> {
                double beta = round(config.rp3Beta() + sign * 0.3);
                yield beta >= 0 && beta <= 1 ? config.toBuilder().rp3Beta(beta).build() : null;
            }
            case EASE ->
                config.toBuilder()
                        .regularization(down ? config.regularization() / 4 : config.regularization() * 4)
                        .build();
            case ALS ->
                config.toBuilder()
                        .regularization(down ? config.regularization() / 5 : config.regularization() * 5)
                        .build();
            case USER_KNN -> {
                int users = down ? config.userNeighbors() / 2 : config.userNeighbors() * 2;
                yield users >= 1 && users != config.userNeighbors()
                        ? config.toBuilder().userNeighbors(users).build()
                        : null;
            }
        };
    }

    /**
     * The step of the main parameter that spreads an algorithm's lists over more items (a larger penalty on popular
     * neighbours, a weaker pull towards the common items), or null when it has none left.
     */
    static TrainingConfig widerVariant(TrainingConfig config) {
        return switch (config.algorithm()) {
            case COSINE ->
                config.cosineAlpha() >= 0.2
                        ? config.toBuilder()
                                .cosineAlpha(round(config.cosineAlpha() - 0.2))
                                .build()
                        : null;
            case RP3BETA ->
                config.rp3Beta() <= 0.8
                        ? config.toBuilder()
                                .rp3Beta(round(config.rp3Beta() + 0.2))
                                .build()
                        : null;
            case EASE ->
                config.toBuilder().regularization(config.regularization() / 4).build();
            case ALS ->
                config.toBuilder().regularization(config.regularization() / 5).build();
            case USER_KNN ->
                config.userNeighbors() >= 10
                        ? config.toBuilder()
                                .userNeighbors(config.userNeighbors() / 5)
                                .build()
                        : null;
        };
    }

    /** The popularity discount one {@link #DISCOUNT_STEP} up, or null at 1 already. */
    static TrainingConfig discountStep(TrainingConfig config) {
        double d = round(config.popularityDiscount() + DISCOUNT_STEP);
        return d <= 1 ? config.toBuilder().popularityDiscount(d).build() : null;
    }

    /** Two decimals: 0.4 - 0.2 shows as 0.2 in the recorded candidates, not 0.20000000000000004. */
    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }

    private void tryWithoutPopularity(String stage, TrainingConfig config, Evaluator evaluator) {
        if (config.scoring().popularityWeight() > 0) {
            try_(
                    stage,
                    config.toBuilder()
                            .scoring(config.scoring().withPopularityWeight(0))
                            .build(),
                    evaluator);
        }
    }

    /** Tries a candidate and records it; null when the same configuration was tried before. */
    private Trial try_(String stage, TrainingConfig config, Evaluator evaluator) {
        monitor.checkCancelled();
        if (tried.add(key(config)) == false) {
            return null; // the same configuration reached from another stage: measured once
        }
        long elapsed = clockMillis.getAsLong() - start;
        String training = trainingKey(config);
        boolean retrain = training.equals(lastTraining) == false;
        Long previous = lastMillis.get(config.algorithm());
        long expected = previous == null || retrain == false ? 0 : previous;
        if (elapsed >= budgetMillis || elapsed + expected > budgetMillis) {
            String reason = elapsed >= budgetMillis
                    ? String.format(Locale.ROOT, "budget of %d ms spent", budgetMillis)
                    : String.format(
                            Locale.ROOT,
                            "%d ms of the budget left, %s took %d ms",
                            budgetMillis - elapsed,
                            config.algorithm().name().toLowerCase(Locale.ROOT),
                            expected);
            Trial trial = new Trial(stage, config, Outcome.SKIPPED, null, 0, reason, false);
            trials.add(trial);
            return trial;
        }
        long t0 = clockMillis.getAsLong();
        try {
            Figures figures = evaluator.evaluate(config);
            long took = clockMillis.getAsLong() - t0;
            if (retrain) {
                lastMillis.put(config.algorithm(), took);
            }
            lastTraining = training;
            Trial trial = new Trial(stage, config, Outcome.MEASURED, figures, took, null, retrain);
            trials.add(trial);
            return trial;
        } catch (IllegalArgumentException e) {
            // a configuration this data cannot train (over the memory budget, too much work): the others go on
            long took = clockMillis.getAsLong() - t0;
            lastMillis.put(config.algorithm(), took);
            lastTraining = null;
            Trial trial = new Trial(stage, config, Outcome.FAILED, null, took, e.getMessage(), retrain);
            trials.add(trial);
            return trial;
        }
    }

    /**
     * {@code best} (when not null), and with a coverage floor also the best NDCG of all when it is another candidate:
     * the starting points of the refining stages.
     */
    private List<Trial> refinedFrom(Trial best) {
        List<Trial> from = new ArrayList<>();
        if (best != null) {
            from.add(best);
        }
        if (minCoverage > 0) {
            Trial leader = null;
            for (Trial t : trials) {
                if (t.outcome() == Outcome.MEASURED
                        && (leader == null
                                || t.figures().ndcg() > leader.figures().ndcg())) {
                    leader = t;
                }
            }
            if (leader != null && leader != best) {
                from.add(leader);
            }
        }
        return from;
    }

    /** The candidate recorded for this configuration, or null. */
    private Trial recorded(TrainingConfig config) {
        String key = key(config);
        for (Trial t : trials) {
            if (key(t.config()).equals(key)) {
                return t;
            }
        }
        return null;
    }

    private Trial best(java.util.function.Predicate<Trial> which) {
        Trial best = null;
        for (Trial t : trials) {
            if (t.outcome() == Outcome.MEASURED && which.test(t) && (best == null || better(t, best))) {
                best = t;
            }
        }
        return best;
    }

    private boolean reaches(Trial t) {
        return t.figures().coverage() >= minCoverage;
    }

    /** Whether {@code a} beats {@code b}: reaching the coverage floor first, then NDCG (a tie is no win). */
    private boolean better(Trial a, Trial b) {
        boolean aReaches = reaches(a);
        boolean bReaches = reaches(b);
        if (aReaches != bReaches) {
            return aReaches;
        }
        return a.figures().ndcg() > b.figures().ndcg();
    }

    /** Two configurations are the same candidate when they train and score alike. */
    static String key(TrainingConfig config) {
        return config.similarity().describe() + "|" + config.halfLifeDays() + "|" + config.scoring() + "|"
                + config.rowNormalization() + "|" + config.neighbors() + "|" + config.popularityDiscount();
    }

    /**
     * Two configurations train the same model when they differ only in the popularity weight (a serving-time
     * parameter: {@link TrainedModel#withScoring} scores a model with another).
     */
    public static String trainingKey(TrainingConfig config) {
        return key(config.toBuilder()
                .scoring(config.scoring().withPopularityWeight(0))
                .build());
    }
}
