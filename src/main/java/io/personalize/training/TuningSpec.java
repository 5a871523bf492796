package io.personalize.training;

import java.util.Locale;

/**
 * How a self-tuning training holds out its validation slice and how long it may try candidates.
 *
 * @param validation {@link Validation#NEWEST} (the newest {@code fraction} of events, judged as the time protocol
 *     judges: each user's new items after the cut) or {@link Validation#RANDOM} (a {@code fraction} of each user's
 *     items drawn with {@code seed}, as the stratified protocol draws them)
 * @param budgetMillis time for the candidates; once spent the rest are skipped (and listed as skipped)
 * @param k the cut-off of the validation figures; candidates are compared on NDCG at k
 * @param minCoverage the coverage floor: the winner is the best NDCG among the candidates whose validation coverage at k
 *     reaches it (0, the default: no floor); when none does, the best NDCG wins and the report says the floor was not
 *     met
 */
public record TuningSpec(
        Validation validation, double fraction, long seed, long budgetMillis, int k, double minCoverage) {

    /** Where the validation slice comes from. */
    public enum Validation {
        NEWEST,
        RANDOM;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Validation parse(String text) {
            for (Validation v : values()) {
                if (v.toString().equals(text)) {
                    return v;
                }
            }
            throw new IllegalArgumentException("[tune.validation] must be [newest] or [random], got [" + text + "]");
        }
    }

    /**
     * The newest fifth of the events, chosen on Online Retail's training part alone ({@code SliceChoiceProbe}: the
     * newest 10% and 20% of the earlier events against a later slice). Each ranks configurations most like a later
     * slice of its own length (later 20%: Spearman of NDCG .842 vs .818, coverage predicted 1.05x vs 1.31x; later 10%:
     * .774 vs .883, 0.89x vs 1.04x), but the fifth's choice scored as well or better on both later slices (by NDCG:
     * .1099 vs .1097 and .0999 vs .0984; with a coverage floor of .3: .1057 vs .0913 and the same), and it judges about
     * twice the users, closer to the whole traffic a model's coverage is seen by.
     */
    public static final double DEFAULT_NEWEST_FRACTION = 0.2;
    /** A quarter of each user's items, the stratified protocol's default. */
    public static final double DEFAULT_RANDOM_FRACTION = 0.25;

    public static final long DEFAULT_SEED = 43;
    public static final long DEFAULT_BUDGET_MILLIS = 10 * 60_000L;
    public static final long MIN_BUDGET_MILLIS = 1_000L;
    public static final long MAX_BUDGET_MILLIS = 24 * 3_600_000L;
    public static final int DEFAULT_K = 10;
    public static final int MAX_K = 100;

    public static final TuningSpec DEFAULTS =
            new TuningSpec(Validation.NEWEST, DEFAULT_NEWEST_FRACTION, DEFAULT_SEED, DEFAULT_BUDGET_MILLIS, DEFAULT_K);

    /** Without a coverage floor. */
    public TuningSpec(Validation validation, double fraction, long seed, long budgetMillis, int k) {
        this(validation, fraction, seed, budgetMillis, k, 0);
    }

    public TuningSpec {
        if (validation == null) {
            throw new IllegalArgumentException("[tune.validation] must be [newest] or [random]");
        }
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException(
                    "[tune.fraction] must be between 0 and 1 (both excluded), got [" + fraction + "]");
        }
        if (budgetMillis < MIN_BUDGET_MILLIS || budgetMillis > MAX_BUDGET_MILLIS) {
            throw new IllegalArgumentException("[tune.budget] must be between 1s and 1d, got [" + budgetMillis + "ms]");
        }
        if (k < 1 || k > MAX_K) {
            throw new IllegalArgumentException("[tune.k] must be between 1 and " + MAX_K + ", got [" + k + "]");
        }
        if (!(minCoverage >= 0 && minCoverage <= 1)) {
            throw new IllegalArgumentException(
                    "[tune.min_coverage] must be between 0 and 1, got [" + minCoverage + "]");
        }
    }

    /**
     * A specification from optional values (null: the default), refusing a seed with the newest-events slice (it
     * draws nothing at random).
     */
    public static TuningSpec of(String validation, Double fraction, Long seed, Long budgetMillis, Integer k) {
        return of(validation, fraction, seed, budgetMillis, k, null);
    }

    /** As {@link #of(String, Double, Long, Long, Integer)}, with a coverage floor (null: none). */
    public static TuningSpec of(
            String validation, Double fraction, Long seed, Long budgetMillis, Integer k, Double minCoverage) {
        Validation v = validation == null ? Validation.NEWEST : Validation.parse(validation);
        if (v == Validation.NEWEST && seed != null) {
            throw new IllegalArgumentException("[tune.seed] applies to validation [random] only");
        }
        return new TuningSpec(
                v,
                fraction != null
                        ? fraction
                        : v == Validation.NEWEST ? DEFAULT_NEWEST_FRACTION : DEFAULT_RANDOM_FRACTION,
                seed == null ? DEFAULT_SEED : seed,
                budgetMillis == null ? DEFAULT_BUDGET_MILLIS : budgetMillis,
                k == null ? DEFAULT_K : k,
                minCoverage == null ? 0 : minCoverage);
    }
}
