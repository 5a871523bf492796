package io.personalize.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The tuner's search, budget and choice, with evaluators whose best configuration is known. */
class TunerTests {

    private static final TrainingConfig CONFIGURED = TrainingConfig.defaults(); // cosine, 21-day decay

    private static Tuner.Figures ndcg(double ndcg) {
        return new Tuner.Figures(ndcg, ndcg, ndcg, ndcg, ndcg, 0.5);
    }

    /**
     * A landscape with one clear peak: EASE without decay, its regularization a quarter of the default (200), popularity
     * weight 0.1. Each step towards it scores higher, so a staged search must reach it.
     */
    private static Tuner.Figures landscape(TrainingConfig c) {
        double score = 0.1;
        if (c.algorithm() == TrainingConfig.Algorithm.EASE) {
            score += 0.1;
            if (c.regularization() == 200) {
                score += 0.05;
            }
        }
        if (Double.isInfinite(c.halfLifeDays())) {
            score += 0.03;
        }
        if (c.scoring().popularityWeight() == 0.1) {
            score += 0.01;
        }
        return ndcg(score);
    }

    @Test
    void choosesTheClearlyBestConfigurationAndRecordsEveryCandidate() {
        List<TrainingConfig> evaluated = new ArrayList<>();
        Tuner.Result result = new Tuner(CONFIGURED, 60_000, new AtomicLong()::get, TrainingMonitor.NOOP).run(c -> {
            evaluated.add(c);
            return landscape(c);
        });
        TrainingConfig winner = result.winner().config();
        assertEquals(TrainingConfig.Algorithm.EASE, winner.algorithm());
        assertEquals(200, winner.regularization());
        assertTrue(Double.isInfinite(winner.halfLifeDays()));
        assertEquals(0.1, winner.scoring().popularityWeight());
        assertEquals(0.1 + 0.1 + 0.05 + 0.03 + 0.01, result.winner().figures().ndcg(), 1e-12);
        // every candidate evaluated is recorded, in order, with its figures; nothing skipped within the budget
        assertEquals(evaluated.size(), result.trials().size());
        for (int i = 0; i < evaluated.size(); i++) {
            Tuner.Trial trial = result.trials().get(i);
            assertEquals(Tuner.Outcome.MEASURED, trial.outcome());
            assertEquals(landscape(evaluated.get(i)), trial.figures());
        }
        assertEquals(0, result.skipped());
        // the configured model is the first candidate; every algorithm is tried with decay on and off
        assertEquals("configured", result.trials().get(0).stage());
        assertEquals(Tuner.key(CONFIGURED), Tuner.key(evaluated.get(0)));
        for (TrainingConfig.Algorithm a : TrainingConfig.Algorithm.values()) {
            assertTrue(evaluated.stream().anyMatch(c -> c.algorithm() == a && Double.isInfinite(c.halfLifeDays())));
            assertTrue(evaluated.stream().anyMatch(c -> c.algorithm() == a && c.halfLifeDays() == 21));
        }
        // no configuration is measured twice
        assertEquals(
                evaluated.size(), evaluated.stream().map(Tuner::key).distinct().count());
    }

    @Test
    void decayThatWinsGetsItsLengthTuned() {
        // the best half-life is 63 days (three times the configured 21): reached by the half_life stage
        Tuner.Result result = new Tuner(CONFIGURED, 60_000, new AtomicLong()::get, TrainingMonitor.NOOP)
                .run(c -> ndcg(c.halfLifeDays() == 63 ? 0.3 : Double.isInfinite(c.halfLifeDays()) ? 0.1 : 0.2));
        assertEquals(63, result.winner().config().halfLifeDays());
        assertEquals("half_life", result.winner().stage());
    }

    @Test
    void theRunnerUpAlgorithmGetsItsPopularityWeightTunedToo() {
        // ALS leads at the defaults, EASE without popularity beats it (the Online Retail stratified case)
        Tuner.Result result = new Tuner(CONFIGURED, 60_000, new AtomicLong()::get, TrainingMonitor.NOOP)
                .run(c -> ndcg(
                        switch (c.algorithm()) {
                            case ALS -> 0.156;
                            case EASE -> c.scoring().popularityWeight() == 0 ? 0.158 : 0.153;
                            default -> 0.1;
                        }));
        assertEquals(TrainingConfig.Algorithm.EASE, result.winner().config().algorithm());
        assertEquals(0.0, result.winner().config().scoring().popularityWeight());
        assertEquals("popularity_weight", result.winner().stage());
    }

    @Test
    void tiesKeepTheEarlierCandidate() {
        Tuner.Result result =
                new Tuner(CONFIGURED, 60_000, new AtomicLong()::get, TrainingMonitor.NOOP).run(c -> ndcg(0.2));
        assertEquals("configured", result.winner().stage());
    }

    @Test
    void aSpentBudgetSkipsTheRestAndSaysWhy() {
        // every evaluation takes 10 s of a 35 s budget. configured (cosine, 0 s), cosine without decay (10 s spent,
        // cosine took 10: fits), rp3beta (20 s: not timed yet, starts), rp3beta with decay (30 s + 10 > 35: skipped),
        // ease (30 s < 35, not timed yet: starts), then 40 s spent: everything else skipped
        AtomicLong clock = new AtomicLong();
        Tuner.Result result = new Tuner(CONFIGURED, 35_000, clock::get, TrainingMonitor.NOOP).run(c -> {
            clock.addAndGet(10_000);
            return landscape(c);
        });
        long measured = result.trials().stream()
                .filter(t -> t.outcome() == Tuner.Outcome.MEASURED)
                .count();
        assertEquals(4, measured);
        assertTrue(result.skipped() > 0);
        assertEquals(result.trials().size() - measured, result.skipped());
        for (Tuner.Trial t : result.trials()) {
            if (t.outcome() == Tuner.Outcome.SKIPPED) {
                assertNull(t.figures());
                assertNotNull(t.reason());
                assertTrue(t.reason().contains("budget"), t.reason());
            }
        }
        assertEquals(40_000, result.tookMillis());
        assertEquals(Tuner.Outcome.SKIPPED, result.trials().get(3).outcome());
        assertTrue(result.trials().get(3).reason().contains("5000 ms of the budget left, rp3beta took 10000 ms"));
        assertEquals(Tuner.Outcome.MEASURED, result.winner().outcome());
    }

    @Test
    void aSlowAlgorithmIsSkippedWhileCheaperOnesStillRun() {
        // EASE takes 50 s, everything else 1 s, budget 100 s: the second EASE candidate would not fit after the first
        AtomicLong clock = new AtomicLong();
        Tuner.Result result = new Tuner(CONFIGURED, 100_000, clock::get, TrainingMonitor.NOOP).run(c -> {
            clock.addAndGet(c.algorithm() == TrainingConfig.Algorithm.EASE ? 50_000 : 1_000);
            return ndcg(0.1);
        });
        List<Tuner.Trial> ease = result.trials().stream()
                .filter(t -> t.config().algorithm() == TrainingConfig.Algorithm.EASE)
                .toList();
        assertEquals(Tuner.Outcome.MEASURED, ease.get(0).outcome());
        assertEquals(Tuner.Outcome.SKIPPED, ease.get(1).outcome());
        assertTrue(
                ease.get(1).reason().contains("ease took 50000 ms"), ease.get(1).reason());
        // ALS and user_knn come after EASE and still ran
        assertTrue(result.trials().stream()
                .anyMatch(t -> t.config().algorithm() == TrainingConfig.Algorithm.USER_KNN
                        && t.outcome() == Tuner.Outcome.MEASURED));
    }

    @Test
    void aCandidateThatCannotTrainIsRecordedAndTheOthersGoOn() {
        Tuner.Result result = new Tuner(CONFIGURED, 60_000, new AtomicLong()::get, TrainingMonitor.NOOP).run(c -> {
            if (c.algorithm() == TrainingConfig.Algorithm.ALS) {
                throw new IllegalArgumentException("[als] needs more memory");
            }
            return landscape(c);
        });
        assertTrue(result.trials().stream()
                .anyMatch(t -> t.outcome() == Tuner.Outcome.FAILED && t.reason().equals("[als] needs more memory")));
        assertEquals(TrainingConfig.Algorithm.EASE, result.winner().config().algorithm());
        IllegalArgumentException none = assertThrows(
                IllegalArgumentException.class,
                () -> new Tuner(CONFIGURED, 60_000, new AtomicLong()::get, TrainingMonitor.NOOP).run(c -> {
                    throw new IllegalArgumentException("too big");
                }));
        assertTrue(none.getMessage().startsWith("tuning found no candidate that trains: "), none.getMessage());
    }

    @Test
    void cancellationStopsTheSearch() {
        TrainingMonitor cancelled = new TrainingMonitor() {
            @Override
            public void progress(String phase, long done, long total) {}

            @Override
            public void checkCancelled() {
                throw new IllegalStateException("cancelled");
            }
        };
        assertThrows(IllegalStateException.class, () -> new Tuner(CONFIGURED, 60_000, new AtomicLong()::get, cancelled)
                .run(TunerTests::landscape));
    }

    @Test
    void badSpecificationsNameTheirField() {
        assertEquals(
                "[tune.budget] must be between 1s and 1d, got [0ms]",
                assertThrows(IllegalArgumentException.class, () -> TuningSpec.of(null, null, null, 0L, null))
                        .getMessage());
        assertEquals(
                "[tune.fraction] must be between 0 and 1 (both excluded), got [1.0]",
                assertThrows(IllegalArgumentException.class, () -> TuningSpec.of(null, 1.0, null, null, null))
                        .getMessage());
        assertEquals(
                "[tune.validation] must be [newest] or [random], got [oldest]",
                assertThrows(IllegalArgumentException.class, () -> TuningSpec.of("oldest", null, null, null, null))
                        .getMessage());
        assertEquals(
                "[tune.seed] applies to validation [random] only",
                assertThrows(IllegalArgumentException.class, () -> TuningSpec.of("newest", null, 7L, null, null))
                        .getMessage());
        assertEquals(
                "[tune.k] must be between 1 and 100, got [0]",
                assertThrows(IllegalArgumentException.class, () -> TuningSpec.of(null, null, null, null, 0))
                        .getMessage());
        assertEquals(TuningSpec.DEFAULTS, TuningSpec.of(null, null, null, null, null));
        assertEquals(0.25, TuningSpec.of("random", null, null, null, null).fraction());
        // the newest fifth of the events by default (the newest-events slice chosen on a validation probe)
        assertEquals(0.2, TuningSpec.of(null, null, null, null, null).fraction());
        assertEquals(0.2, TuningSpec.DEFAULTS.fraction());
        for (double bad : new double[] {-0.1, 1.5, Double.NaN}) {
            assertEquals(
                    "[tune.min_coverage] must be between 0 and 1, got [" + bad + "]",
                    assertThrows(IllegalArgumentException.class, () -> TuningSpec.of(null, null, null, null, null, bad))
                            .getMessage());
        }
        assertEquals(0.0, TuningSpec.DEFAULTS.minCoverage());
        assertEquals(0.3, TuningSpec.of(null, null, null, null, null, 0.3).minCoverage());
    }

    /**
     * The Online Retail time split in miniature: EASE with decay leads on NDCG with narrow lists (coverage .15), cosine
     * is a little behind with wide ones (.35), rp3beta between (.25).
     */
    private static Tuner.Figures narrowLeader(TrainingConfig c) {
        return switch (c.algorithm()) {
            case EASE -> new Tuner.Figures(0, 0, 0, 0, 0.105, 0.15);
            case COSINE -> new Tuner.Figures(0, 0, 0, 0, 0.100, 0.35);
            case RP3BETA -> new Tuner.Figures(0, 0, 0, 0, 0.102, 0.25);
            default -> new Tuner.Figures(0, 0, 0, 0, 0.090, 0.20);
        };
    }

    @Test
    void aCoverageFloorChoosesTheBestCandidateThatReachesIt() {
        Tuner.Result free = new Tuner(CONFIGURED, 60_000, new AtomicLong()::get, TrainingMonitor.NOOP)
                .run(TunerTests::narrowLeader);
        assertEquals(TrainingConfig.Algorithm.EASE, free.winner().config().algorithm());
        assertTrue(free.coverageMet());

        Tuner.Result floored = new Tuner(CONFIGURED, 60_000, 0.3, new AtomicLong()::get, TrainingMonitor.NOOP)
                .run(TunerTests::narrowLeader);
        // rp3beta (.102) and EASE (.105) score higher, but only cosine's lists reach the floor
        assertEquals(TrainingConfig.Algorithm.COSINE, floored.winner().config().algorithm());
        assertEquals(0.100, floored.winner().figures().ndcg());
        assertTrue(floored.coverageMet());
        assertEquals(0.3, floored.minCoverage());
    }

    @Test
    void aFloorNoCandidateReachesLeavesTheBestNdcgAndSaysSo() {
        Tuner.Result result = new Tuner(CONFIGURED, 60_000, 0.9, new AtomicLong()::get, TrainingMonitor.NOOP)
                .run(TunerTests::narrowLeader);
        assertEquals(TrainingConfig.Algorithm.EASE, result.winner().config().algorithm());
        assertFalse(result.coverageMet());
    }

    @Test
    void theCoverageStageFindsTheWiderStepThatReachesTheFloor() {
        // only rp3beta with a stronger popularity penalty (beta 0.8) and no popularity blend reaches coverage .3;
        // without a floor the coverage stage does not run and the floor's candidate is never tried
        java.util.function.Function<TrainingConfig, Tuner.Figures> landscape = c -> {
            boolean wide = c.algorithm() == TrainingConfig.Algorithm.RP3BETA
                    && c.rp3Beta() == 0.8
                    && c.scoring().popularityWeight() == 0;
            return new Tuner.Figures(
                    0,
                    0,
                    0,
                    0,
                    c.algorithm() == TrainingConfig.Algorithm.EASE ? 0.12 : wide ? 0.09 : 0.1,
                    wide ? 0.32 : 0.2);
        };
        Tuner.Result result =
                new Tuner(CONFIGURED, 60_000, 0.3, new AtomicLong()::get, TrainingMonitor.NOOP).run(landscape::apply);
        assertEquals("coverage", result.winner().stage());
        assertEquals(TrainingConfig.Algorithm.RP3BETA, result.winner().config().algorithm());
        assertEquals(0.8, result.winner().config().rp3Beta());
        assertEquals(0.0, result.winner().config().scoring().popularityWeight());
        assertTrue(result.coverageMet());
        Tuner.Result free =
                new Tuner(CONFIGURED, 60_000, new AtomicLong()::get, TrainingMonitor.NOOP).run(landscape::apply);
        assertTrue(free.trials().stream().noneMatch(t -> t.stage().equals("coverage")));
    }

    @Test
    void thePopularityDiscountOfTheBestAlgorithmsIsRaisedWhileItWins() {
        // EASE above the others, every algorithm peaking at a discount of 0.3 (OR-time's newest events: NDCG rises with
        // the discount up to about 0.2-0.3)
        Tuner.Result result = new Tuner(CONFIGURED, 60_000, new AtomicLong()::get, TrainingMonitor.NOOP)
                .run(c -> ndcg((c.algorithm() == TrainingConfig.Algorithm.EASE ? 0.3 : 0.2)
                        - Math.abs(c.popularityDiscount() - 0.3)));
        assertEquals(TrainingConfig.Algorithm.EASE, result.winner().config().algorithm());
        assertEquals(0.3, result.winner().config().popularityDiscount(), 1e-12);
        assertEquals("popularity_discount", result.winner().stage());
        List<Double> ease = result.trials().stream()
                .filter(t -> t.stage().equals("popularity_discount")
                        && t.config().algorithm() == TrainingConfig.Algorithm.EASE)
                .map(Tuner.Trial::popularityDiscount)
                .toList();
        // 0.15 and 0.3 win, 0.45 loses and ends the steps
        assertEquals(List.of(0.15, 0.3, 0.45), ease);
        // the second best algorithm is stepped too; nothing outside [0, 1]
        assertTrue(result.trials().stream()
                .anyMatch(t -> t.stage().equals("popularity_discount")
                        && t.config().algorithm() != TrainingConfig.Algorithm.EASE));
        assertTrue(result.trials().stream().allMatch(t -> t.popularityDiscount() >= 0 && t.popularityDiscount() <= 1));
        // without a floor there is no coverage stage
        assertTrue(result.trials().stream().noneMatch(t -> t.stage().equals("coverage")));
    }

    @Test
    void underACoverageFloorTheDiscountIsRaisedUntilTheBestAlgorithmReachesIt() {
        // the discount costs NDCG and widens the lists: coverage 0.2 + discount; the floor 0.5 needs 0.3
        Tuner.Result result = new Tuner(CONFIGURED, 60_000, 0.5, new AtomicLong()::get, TrainingMonitor.NOOP).run(c -> {
            double d = c.popularityDiscount();
            double ndcg = (c.algorithm() == TrainingConfig.Algorithm.EASE ? 0.3 : 0.2) - 0.1 * d;
            return new Tuner.Figures(ndcg, ndcg, ndcg, ndcg, ndcg, 0.2 + d);
        });
        assertTrue(result.coverageMet());
        assertEquals(TrainingConfig.Algorithm.EASE, result.winner().config().algorithm());
        assertEquals(0.3, result.winner().config().popularityDiscount(), 1e-12);
        assertEquals("coverage", result.winner().stage());
        // the line search of the discount stops at the first step that loses (0.15 below the floor, lower NDCG)
        assertEquals(
                1,
                result.trials().stream()
                        .filter(t -> t.stage().equals("popularity_discount")
                                && t.config().algorithm() == TrainingConfig.Algorithm.EASE)
                        .count());
        // no algorithm's discount goes past the step that reaches the floor
        assertTrue(result.trials().stream().allMatch(t -> t.popularityDiscount() <= 0.3 + 1e-12));
    }

    @Test
    void underAFloorTheBestNdcgUnderItIsRefinedTooAndWidenedToTheFloor() {
        // OR-time's shape: cosine reaches the floor at a lower NDCG; EASE leads on NDCG under the floor, best at a
        // 7-day half-life, and its discount widens it to the floor at a small cost
        Tuner.Result result = new Tuner(CONFIGURED, 60_000, 0.5, new AtomicLong()::get, TrainingMonitor.NOOP).run(c -> {
            double d = c.popularityDiscount();
            boolean ease = c.algorithm() == TrainingConfig.Algorithm.EASE;
            double decay = Double.isFinite(c.halfLifeDays()) ? 0.01 + (c.halfLifeDays() == 7 ? 0.02 : 0) : 0;
            double ndcg = (ease ? 0.3 + decay : 0.2) - 0.01 * d;
            double coverage = c.algorithm() == TrainingConfig.Algorithm.COSINE ? 0.6 : 0.2 + d;
            return new Tuner.Figures(ndcg, ndcg, ndcg, ndcg, ndcg, coverage);
        });
        assertTrue(result.trials().stream()
                .anyMatch(t -> t.stage().equals("half_life")
                        && t.config().algorithm() == TrainingConfig.Algorithm.EASE
                        && t.halfLifeDays() == 7));
        assertTrue(result.coverageMet());
        TrainingConfig winner = result.winner().config();
        assertEquals(TrainingConfig.Algorithm.EASE, winner.algorithm());
        assertEquals(7, winner.halfLifeDays());
        assertEquals(0.3, winner.popularityDiscount(), 1e-12);
    }

    @Test
    void easeIsTriedOnBinaryInputWithASmallerRegularization() {
        // EASE on binary interactions at a quarter of the default regularization is the peak (OR-stratified's case)
        Tuner.Result result = new Tuner(CONFIGURED, 60_000, new AtomicLong()::get, TrainingMonitor.NOOP)
                .run(c -> ndcg(
                        c.algorithm() != TrainingConfig.Algorithm.EASE
                                ? 0.1
                                : c.valueExponent() == 0 && c.regularization() == 200 ? 0.3 : 0.2));
        assertEquals(TrainingConfig.Algorithm.EASE, result.winner().config().algorithm());
        assertEquals(0.0, result.winner().config().valueExponent());
        assertEquals(200, result.winner().config().regularization());
        assertEquals("input", result.winner().stage());
    }

    @Test
    void easesSparseVariantIsTriedAndWinsWhereItScoresBest() {
        // OR-stratified's shape: the sparse variant above the exact one, the smaller support better, its peak at a
        // regularization of 12.5 (the dense one scores alike at every regularization, so its best stays at 200)
        Tuner.Result result = new Tuner(CONFIGURED, 60_000, new AtomicLong()::get, TrainingMonitor.NOOP).run(c -> {
            if (c.algorithm() != TrainingConfig.Algorithm.EASE) {
                return ndcg(0.1);
            }
            double score = c.valueExponent() == 0 ? 0.21 : 0.2;
            if (c.easeMode() == EaseSimilarity.Mode.SPARSE) {
                score += 0.05 + (c.easeSupport() == 50 ? 0.01 : 0);
                score -= 0.005 * Math.abs(Math.log(c.regularization() / 12.5) / Math.log(4));
            }
            return ndcg(score);
        });
        List<Tuner.Trial> sparse =
                result.trials().stream().filter(t -> t.stage().equals("sparse")).toList();
        // the grid (supports 50 and 200 at EASE's best regularization, binary 200, and a quarter of it), then the best
        // of it one quarter further down while it wins: 12.5 wins, 3.125 loses and ends the steps
        List<String> tried = sparse.stream()
                .map(t -> t.config().easeSupport() + "@" + t.config().regularization())
                .toList();
        assertEquals(List.of("50@200.0", "50@50.0", "200@200.0", "200@50.0", "50@12.5", "50@3.125"), tried);
        for (Tuner.Trial t : sparse) {
            assertEquals(Tuner.Outcome.MEASURED, t.outcome());
            assertEquals(EaseSimilarity.Mode.SPARSE, t.config().easeMode());
            assertEquals(0.0, t.config().valueExponent());
            assertTrue(t.algorithm().contains("mode=sparse"), t.algorithm());
        }
        TrainingConfig winner = result.winner().config();
        assertEquals(EaseSimilarity.Mode.SPARSE, winner.easeMode());
        assertEquals(50, winner.easeSupport());
        assertEquals(12.5, winner.regularization(), 1e-9);
        assertEquals("sparse", result.winner().stage());
        // chosen by validation NDCG: no measured candidate scores above it
        for (Tuner.Trial t : result.trials()) {
            assertTrue(t.figures().ndcg() <= result.winner().figures().ndcg(), t.toString());
        }
    }

    @Test
    void theExactEaseIsTriedWithWhatTheLaterStagesFoundForTheSparseOneAndWinsWhereItScoresBest() {
        // OR-time's shape: the sparse variant leads while neither decay nor discount is tuned, and the exact one scores
        // best once it has the shorter half-life and the discount the later stages find for the sparse one
        Tuner.Result result = new Tuner(CONFIGURED, 60_000, new AtomicLong()::get, TrainingMonitor.NOOP).run(c -> {
            if (c.algorithm() != TrainingConfig.Algorithm.EASE) {
                return ndcg(0.1);
            }
            double score = 0.2;
            score += Double.isFinite(c.halfLifeDays()) ? 0.005 : 0;
            score += c.halfLifeDays() == 7 ? 0.02 : 0;
            score += c.popularityDiscount() == 0.15 ? 0.02 : 0;
            boolean sparse = c.easeMode() == EaseSimilarity.Mode.SPARSE;
            score += sparse ? 0.01 : c.popularityDiscount() > 0 ? 0.03 : 0;
            return ndcg(score);
        });
        List<Tuner.Trial> exact =
                result.trials().stream().filter(t -> t.stage().equals("exact")).toList();
        assertFalse(exact.isEmpty(), result.trials().toString());
        TrainingConfig sparseBest = result.trials().stream()
                .filter(t -> t.config().easeMode() == EaseSimilarity.Mode.SPARSE)
                .max((a, b) -> Double.compare(a.figures().ndcg(), b.figures().ndcg()))
                .orElseThrow()
                .config();
        TrainingConfig first = exact.get(0).config();
        assertEquals(EaseSimilarity.Mode.DENSE, first.easeMode());
        assertEquals(sparseBest.halfLifeDays(), first.halfLifeDays());
        assertEquals(sparseBest.popularityDiscount(), first.popularityDiscount());
        assertEquals(sparseBest.regularization(), first.regularization());
        assertEquals(sparseBest.valueExponent(), first.valueExponent());
        TrainingConfig winner = result.winner().config();
        assertEquals("exact", result.winner().stage());
        assertEquals(EaseSimilarity.Mode.DENSE, winner.easeMode());
        assertEquals(7, winner.halfLifeDays());
        assertEquals(0.15, winner.popularityDiscount());
        assertEquals(0.2 + 0.005 + 0.02 + 0.02 + 0.03, result.winner().figures().ndcg(), 1e-12);
    }

    @Test
    void theExactEaseStageLeavesTheSparseWinnerWhenItScoresLower() {
        Tuner.Result result = new Tuner(CONFIGURED, 60_000, new AtomicLong()::get, TrainingMonitor.NOOP)
                .run(c -> ndcg(
                        c.algorithm() != TrainingConfig.Algorithm.EASE
                                ? 0.1
                                : c.easeMode() == EaseSimilarity.Mode.SPARSE ? 0.2 : 0.15));
        assertEquals(EaseSimilarity.Mode.SPARSE, result.winner().config().easeMode());
        assertTrue(
                result.trials().stream()
                        .anyMatch(t -> t.stage().equals("exact")
                                && t.config().easeMode() == EaseSimilarity.Mode.DENSE
                                && t.outcome() == Tuner.Outcome.MEASURED),
                result.trials().toString());
    }

    @Test
    void theSparseStageLeavesTheExactVariantWhenItScoresBetter() {
        Tuner.Result result = new Tuner(CONFIGURED, 60_000, new AtomicLong()::get, TrainingMonitor.NOOP)
                .run(c -> ndcg(
                        c.algorithm() != TrainingConfig.Algorithm.EASE
                                ? 0.1
                                : c.easeMode() == EaseSimilarity.Mode.SPARSE ? 0.15 : 0.2));
        assertEquals(
                4,
                result.trials().stream().filter(t -> t.stage().equals("sparse")).count(),
                "the grid only: no steps from a sparse candidate that lost");
        assertEquals(EaseSimilarity.Mode.AUTO, result.winner().config().easeMode());
    }

    @Test
    void theMainParameterKeepsSteppingWhileItWins() {
        // EASE's peak is at regularization 12.5, three quarterings below the default 800 (the input stage tries 200)
        List<Double> lambdas = new ArrayList<>();
        Tuner.Result result = new Tuner(CONFIGURED, 60_000, new AtomicLong()::get, TrainingMonitor.NOOP).run(c -> {
            if (c.algorithm() != TrainingConfig.Algorithm.EASE) {
                return ndcg(0.1);
            }
            lambdas.add(c.regularization());
            return ndcg(0.3 - 0.01 * Math.abs(Math.log(c.regularization() / 12.5) / Math.log(4)));
        });
        assertEquals(12.5, result.winner().config().regularization(), 1e-9);
        assertEquals("parameter", result.winner().stage());
        // one step past the peak is tried (and loses), none further
        assertTrue(lambdas.contains(12.5 / 4), lambdas.toString());
        assertFalse(lambdas.contains(12.5 / 16), lambdas.toString());
    }

    @Test
    void aPopularityWeightAloneReusesTheTrainingAndCostsNoBudget() {
        // every training takes 10 s; re-scoring the previous model with another popularity weight takes nothing
        AtomicLong clock = new AtomicLong();
        String[] last = new String[1];
        int[] trainings = new int[1];
        Tuner.Result result = new Tuner(CONFIGURED, 1_000_000, clock::get, TrainingMonitor.NOOP).run(c -> {
            String key = Tuner.trainingKey(c);
            if (key.equals(last[0]) == false) {
                clock.addAndGet(10_000);
                trainings[0]++;
                last[0] = key;
            }
            return landscape(c);
        });
        List<Tuner.Trial> popularity = result.trials().stream()
                .filter(t -> t.stage().equals("popularity_weight"))
                .toList();
        assertFalse(popularity.isEmpty());
        long reused =
                result.trials().stream().filter(t -> t.retrained() == false).count();
        assertTrue(reused > 0, result.trials().toString());
        assertEquals(result.trials().size() - reused, trainings[0]);
        for (Tuner.Trial t : result.trials()) {
            // a reused model's trial took no time; a retrained one took its 10 s
            assertEquals(t.retrained() ? 10_000 : 0, t.millis(), t.toString());
        }
        // the same configuration but its popularity weight: one training key; anything else: another
        TrainingConfig ease =
                CONFIGURED.toBuilderFor(TrainingConfig.Algorithm.EASE).build();
        assertEquals(
                Tuner.trainingKey(ease),
                Tuner.trainingKey(ease.toBuilder()
                        .scoring(ease.scoring().withPopularityWeight(0.2))
                        .build()));
        assertNotEquals(
                Tuner.trainingKey(ease),
                Tuner.trainingKey(ease.toBuilder().regularization(200).build()));
    }
}
