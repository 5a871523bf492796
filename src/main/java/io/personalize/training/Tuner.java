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
 *   <li>{@code parameter}: the main parameter of the two best algorithms, below and above its value (cosine's and
 *       rp3beta's alpha and beta, EASE's and ALS's regularization, user_knn's number of users);
 *   <li>{@code half_life}: a third and three times the best half-life, when decay won;
 *   <li>{@code popularity_weight}: 0, 0.1 and 0.2 for the best configuration of each of the two best algorithms.
 * </ol>
 *
 * A candidate starts only while budget is left and what its algorithm took last time fits in what is left (an algorithm
 * not timed yet starts whenever budget is left: the budget can be overrun by that one candidate); the others are
 * recorded as skipped, with the reason, and the search goes on with cheaper ones. A candidate that cannot train (over
 * the memory budget, say) is recorded as failed. Ties keep the earlier candidate. The evaluator does the training and
 * the scoring; this class holds no data.
 */
public final class Tuner {

    /** Validation figures of one candidate, at k. */
    public record Figures(double hitRate, double precision, double recall, double map, double ndcg, double coverage) {}

    /** Trains a configuration on the validation slice's training part and scores it on the held-out part. */
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

    /** One candidate: its stage, its configuration, and its figures (null unless measured). */
    public record Trial(
            String stage, TrainingConfig config, Outcome outcome, Figures figures, long millis, String reason) {
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
    }

    /** Every candidate in the order tried, the winner, and the time it took. */
    public record Result(List<Trial> trials, Trial winner, long budgetMillis, long tookMillis) {
        public long skipped() {
            return trials.stream().filter(t -> t.outcome() == Outcome.SKIPPED).count();
        }
    }

    static final double DEFAULT_DECAY_DAYS = 21;
    static final double[] POPULARITY_WEIGHTS = {0, 0.1, 0.2};

    private final TrainingConfig configured;
    private final long budgetMillis;
    private final LongSupplier clockMillis;
    private final TrainingMonitor monitor;

    private final List<Trial> trials = new ArrayList<>();
    private final Set<String> tried = new HashSet<>();
    private final Map<TrainingConfig.Algorithm, Long> lastMillis = new LinkedHashMap<>();
    private long start;

    /**
     * @param configured the model's own configuration: the first candidate, and the source of the data-shaping
     *     settings (popularity, history cap, neighbours kept, memory budget) every candidate keeps
     * @param clockMillis milliseconds, for the budget (a test passes its own clock)
     */
    public Tuner(TrainingConfig configured, long budgetMillis, LongSupplier clockMillis, TrainingMonitor monitor) {
        if (budgetMillis < 1) {
            throw new IllegalArgumentException("budget must be >= 1 ms");
        }
        this.configured = configured;
        this.budgetMillis = budgetMillis;
        this.clockMillis = clockMillis;
        this.monitor = monitor;
    }

    public Result run(Evaluator evaluator) {
        start = clockMillis.getAsLong();
        trials.clear();
        tried.clear();
        lastMillis.clear();
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

        // the main parameter of the two best algorithms, each from its best configuration so far
        for (Trial t : twoBestAlgorithms()) {
            for (TrainingConfig variant : parameterVariants(t.config())) {
                try_("parameter", variant, evaluator);
            }
        }

        Trial best = best(t -> true);
        if (best != null && Double.isFinite(best.halfLifeDays())) {
            double h = best.halfLifeDays();
            for (double halfLife : new double[] {h / 3, h * 3}) {
                try_(
                        "half_life",
                        best.config().toBuilder().halfLifeDays(halfLife).build(),
                        evaluator);
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
        return new Result(List.copyOf(trials), winner, budgetMillis, clockMillis.getAsLong() - start);
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
        bestPerAlgorithm.sort(
                Comparator.comparingDouble((Trial t) -> -t.figures().ndcg()));
        return bestPerAlgorithm.subList(0, Math.min(2, bestPerAlgorithm.size()));
    }

    /** The main parameter below and above its value. */
    static List<TrainingConfig> parameterVariants(TrainingConfig config) {
        List<TrainingConfig> variants = new ArrayList<>();
        switch (config.algorithm()) {
            case COSINE -> {
                for (double alpha :
                        new double[] {round(config.cosineAlpha() - 0.2), round(config.cosineAlpha() + 0.2)}) {
                    if (alpha >= 0 && alpha <= 1) {
                        variants.add(config.toBuilder().cosineAlpha(alpha).build());
                    }
                }
            }
            case RP3BETA -> {
                for (double beta : new double[] {round(config.rp3Beta() - 0.3), round(config.rp3Beta() + 0.3)}) {
                    if (beta >= 0 && beta <= 1) {
                        variants.add(config.toBuilder().rp3Beta(beta).build());
                    }
                }
            }
            case EASE -> {
                variants.add(config.toBuilder()
                        .regularization(config.regularization() / 4)
                        .build());
                variants.add(config.toBuilder()
                        .regularization(config.regularization() * 4)
                        .build());
            }
            case ALS -> {
                variants.add(config.toBuilder()
                        .regularization(config.regularization() / 5)
                        .build());
                variants.add(config.toBuilder()
                        .regularization(config.regularization() * 5)
                        .build());
            }
            case USER_KNN -> {
                variants.add(config.toBuilder()
                        .userNeighbors(Math.max(1, config.userNeighbors() / 2))
                        .build());
                variants.add(config.toBuilder()
                        .userNeighbors(config.userNeighbors() * 2)
                        .build());
            }
        }
        return variants;
    }

    /** Two decimals: 0.4 - 0.2 shows as 0.2 in the recorded candidates, not 0.20000000000000004. */
    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }

    private void try_(String stage, TrainingConfig config, Evaluator evaluator) {
        monitor.checkCancelled();
        if (tried.add(key(config)) == false) {
            return; // the same configuration reached from another stage: measured once
        }
        long elapsed = clockMillis.getAsLong() - start;
        Long previous = lastMillis.get(config.algorithm());
        long expected = previous == null ? 0 : previous;
        if (elapsed >= budgetMillis || elapsed + expected > budgetMillis) {
            String reason = elapsed >= budgetMillis
                    ? String.format(Locale.ROOT, "budget of %d ms spent", budgetMillis)
                    : String.format(
                            Locale.ROOT,
                            "%d ms of the budget left, %s took %d ms",
                            budgetMillis - elapsed,
                            config.algorithm().name().toLowerCase(Locale.ROOT),
                            expected);
            trials.add(new Trial(stage, config, Outcome.SKIPPED, null, 0, reason));
            return;
        }
        long t0 = clockMillis.getAsLong();
        try {
            Figures figures = evaluator.evaluate(config);
            long took = clockMillis.getAsLong() - t0;
            lastMillis.put(config.algorithm(), took);
            trials.add(new Trial(stage, config, Outcome.MEASURED, figures, took, null));
        } catch (IllegalArgumentException e) {
            // a configuration this data cannot train (over the memory budget, too much work): the others go on
            long took = clockMillis.getAsLong() - t0;
            lastMillis.put(config.algorithm(), took);
            trials.add(new Trial(stage, config, Outcome.FAILED, null, took, e.getMessage()));
        }
    }

    private Trial best(java.util.function.Predicate<Trial> which) {
        Trial best = null;
        for (Trial t : trials) {
            if (t.outcome() == Outcome.MEASURED
                    && which.test(t)
                    && (best == null || t.figures().ndcg() > best.figures().ndcg())) {
                best = t;
            }
        }
        return best;
    }

    /** Two configurations are the same candidate when they train and score alike. */
    static String key(TrainingConfig config) {
        return config.similarity().describe() + "|" + config.halfLifeDays() + "|" + config.scoring() + "|"
                + config.rowNormalization() + "|" + config.neighbors();
    }
}
