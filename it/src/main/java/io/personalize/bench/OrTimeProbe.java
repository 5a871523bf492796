package io.personalize.bench;

import io.personalize.it.OnlineRetail;
import io.personalize.training.EaseSimilarity;
import io.personalize.training.TrainedModel;
import io.personalize.training.TrainingConfig;
import io.personalize.training.TrainingMonitor;
import io.personalize.training.Tuner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Whether OR-time's validation slice predicts its test split: each candidate configuration the tuner could choose,
 * trained in this JVM with the plugin's classes, scored on the tuner's validation slice (the newest fraction of the
 * events before the split, judged as the node judges it) and on the test split (the Christmas months) side by side,
 * with each popularity weight and each popularity discount of the users' lists ({@code score / buyers^d}).
 *
 * <pre>cd it && mvn -q compile exec:java -Dexec.mainClass=io.personalize.bench.OrTimeProbe -Dexec.args="0.1 cosine,ease"</pre>
 */
public final class OrTimeProbe {

    private OrTimeProbe() {}

    public static void main(String[] args) {
        double[] fractions = Arrays.stream(args.length > 0 ? args[0].split(",") : new String[] {"0.1"})
                .mapToDouble(Double::parseDouble)
                .toArray();
        List<String> groups = List.of(args.length > 1 ? args[1].split(",") : new String[] {"cosine"});
        double[] discounts = Arrays.stream(args.length > 2 ? args[2].split(",") : new String[] {"0", "0.1", "0.2"})
                .mapToDouble(Double::parseDouble)
                .toArray();
        List<OnlineRetail.Purchase> purchases = OnlineRetail.load().purchases();
        OfflineSplit test = OfflineSplit.time(purchases, OnlineRetail.SPLIT, Long.MAX_VALUE, "test");
        List<OfflineEvaluator> splits = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (double fraction : fractions) {
            long at = newestSplit(test.train(), fraction);
            OfflineSplit v = OfflineSplit.time(test.train(), at, OnlineRetail.SPLIT, "newest " + fraction);
            splits.add(new OfflineEvaluator(v, 10));
            names.add(String.format(Locale.ROOT, "val%.2f", fraction));
            System.out.printf(
                    Locale.ROOT,
                    "validation newest %.2f: split at %s, %,d train events, %d judged users%n",
                    fraction,
                    java.time.Instant.ofEpochMilli(at),
                    v.train().size(),
                    v.truth().size());
        }
        splits.add(new OfflineEvaluator(test, 10));
        names.add("test");
        System.out.printf(Locale.ROOT, "test: %d judged users%n", test.truth().size());
        if (groups.get(0).startsWith("tune")) {
            tune(
                    splits.get(0),
                    splits.get(splits.size() - 1),
                    discounts[0],
                    groups.get(0).equals("tune+test"));
            return;
        }
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-62s %5s %5s", "candidate", "pop", "disc"));
        for (String n : names) {
            head.append(String.format(Locale.ROOT, " %8s ndcg/cov  ", n));
        }
        System.out.println(head);
        for (String group : groups) {
            for (Candidate c : candidates(group)) {
                TrainedModel[] models = new TrainedModel[splits.size()];
                for (int s = 0; s < splits.size(); s++) {
                    models[s] = splits.get(s).train(c.config);
                }
                for (double pw : c.weights) {
                    for (double d : discounts) {
                        StringBuilder line =
                                new StringBuilder(String.format(Locale.ROOT, "%-62s %5.2f %5.2f", c.label, pw, d));
                        for (int s = 0; s < splits.size(); s++) {
                            TrainedModel m =
                                    models[s].withScoring(c.config.scoring().withPopularityWeight(pw));
                            OfflineEvaluator.Figures f = splits.get(s).score(m, d, 100);
                            line.append(String.format(Locale.ROOT, "   %.4f / %.4f", f.ndcg(), f.coverage()));
                        }
                        System.out.println(line);
                    }
                }
            }
        }
    }

    /**
     * {@code tune} / {@code tune+test}: the plugin's {@link Tuner} on the first validation slice with the coverage floor
     * {@code minCoverage}, as {@code _evaluate} with {@code tune} runs it on the node, then the winner (and with
     * {@code tune+test} every candidate) trained on the whole training part and scored on the test split.
     */
    private static void tune(OfflineEvaluator validation, OfflineEvaluator test, double minCoverage, boolean every) {
        TrainedModel[] last = new TrainedModel[1];
        String[] lastKey = new String[1];
        Tuner tuner = new Tuner(
                TrainingConfig.defaults(), 3_600_000L, minCoverage, System::currentTimeMillis, TrainingMonitor.NOOP);
        Tuner.Result result = tuner.run(config -> {
            String key = Tuner.trainingKey(config);
            TrainedModel model =
                    key.equals(lastKey[0]) ? last[0].withScoring(config.scoring()) : validation.train(config);
            last[0] = model;
            lastKey[0] = key;
            OfflineEvaluator.Figures f = validation.score(model, 0, 0);
            return new Tuner.Figures(f.hr(), f.precision(), f.recall(), f.map(), f.ndcg(), f.coverage());
        });
        System.out.printf(
                Locale.ROOT,
                "tuner, min_coverage %.2f: %d candidates%n",
                minCoverage,
                result.trials().size());
        for (Tuner.Trial t : result.trials()) {
            String testFigures = "";
            if (t.outcome() == Tuner.Outcome.MEASURED && (every || t == result.winner())) {
                OfflineEvaluator.Figures f = test.score(test.train(t.config()), 0, 0);
                testFigures = String.format(Locale.ROOT, "  test %.4f / %.4f", f.ndcg(), f.coverage());
            }
            System.out.printf(
                    Locale.ROOT,
                    "  %-19s %-70s hl %-8s pop %.2f disc %.2f  val %s%s%s%n",
                    t.stage(),
                    t.algorithm(),
                    t.halfLifeDays(),
                    t.popularityWeight(),
                    t.popularityDiscount(),
                    t.figures() == null
                            ? t.outcome().toString()
                            : String.format(
                                    Locale.ROOT,
                                    "%.4f / %.4f",
                                    t.figures().ndcg(),
                                    t.figures().coverage()),
                    testFigures,
                    t == result.winner() ? "  <- chosen" : "");
        }
    }

    record Candidate(String label, TrainingConfig config, double[] weights) {}

    private static List<Candidate> candidates(String group) {
        List<Candidate> list = new ArrayList<>();
        double[] halfLives = {7, 21, 63, Double.POSITIVE_INFINITY};
        switch (group) {
            case "cosine" -> {
                for (double alpha : new double[] {0.2, 0.4, 0.6}) {
                    for (double h : halfLives) {
                        list.add(new Candidate(
                                "cosine alpha " + alpha + " hl " + h,
                                TrainingConfig.builder()
                                        .cosineAlpha(alpha)
                                        .halfLifeDays(h)
                                        .build(),
                                new double[] {0, 0.03, 0.1}));
                    }
                }
            }
            case "rp3beta" -> {
                for (double beta : new double[] {0.3, 0.6}) {
                    for (double h : new double[] {7, 21}) {
                        list.add(new Candidate(
                                "rp3beta beta " + beta + " hl " + h,
                                TrainingConfig.builder()
                                        .algorithm(TrainingConfig.Algorithm.RP3BETA)
                                        .rp3Beta(beta)
                                        .halfLifeDays(h)
                                        .build(),
                                new double[] {0, 0.05, 0.1}));
                    }
                }
            }
            case "als" -> {
                for (double h : new double[] {7, 21}) {
                    list.add(new Candidate(
                            "als hl " + h,
                            TrainingConfig.builder()
                                    .algorithm(TrainingConfig.Algorithm.ALS)
                                    .halfLifeDays(h)
                                    .build(),
                            new double[] {0, 0.05, 0.1}));
                }
            }
            case "alsvariant" -> {
                // als's variants at the defaults (21 days, 64 factors, alpha 2), the exact one (MLlib's) also at the
                // tuner's lambda / 5 and x 5
                list.add(new Candidate(
                        "als cg lambda 10",
                        TrainingConfig.builder()
                                .algorithm(TrainingConfig.Algorithm.ALS)
                                .build(),
                        new double[] {0.05}));
                for (double lambda : new double[] {2, 10, 50}) {
                    list.add(new Candidate(
                            "als exact lambda " + lambda,
                            TrainingConfig.builder()
                                    .algorithm(TrainingConfig.Algorithm.ALS)
                                    .alsSolver(io.personalize.training.ImplicitAls.Solver.EXACT)
                                    .regularization(lambda)
                                    .build(),
                            new double[] {0.05}));
                }
            }
            case "ease" -> {
                for (double lambda : new double[] {200, 800}) {
                    for (double h : new double[] {7, 21}) {
                        list.add(new Candidate(
                                "ease sparse 200 lambda " + lambda + " hl " + h,
                                TrainingConfig.builder()
                                        .algorithm(TrainingConfig.Algorithm.EASE)
                                        .easeMode(EaseSimilarity.Mode.SPARSE)
                                        .regularization(lambda)
                                        .halfLifeDays(h)
                                        .build(),
                                new double[] {0, 0.05, 0.1}));
                    }
                }
            }
            case "easediscount" -> {
                for (double d : new double[] {0, 0.15, 0.3, 0.45}) {
                    for (double h : new double[] {7, 21}) {
                        list.add(new Candidate(
                                "ease sparse 200 lambda 200 hl " + h + " discount " + d,
                                TrainingConfig.builder()
                                        .algorithm(TrainingConfig.Algorithm.EASE)
                                        .easeMode(EaseSimilarity.Mode.SPARSE)
                                        .regularization(200)
                                        .halfLifeDays(h)
                                        .popularityDiscount(d)
                                        .build(),
                                new double[] {0, 0.05, 0.1}));
                    }
                }
            }
            case "cosinediscount" -> {
                for (double d : new double[] {0, 0.15, 0.3}) {
                    list.add(new Candidate(
                            "cosine hl 21 discount " + d,
                            TrainingConfig.builder().popularityDiscount(d).build(),
                            new double[] {0.03, 0.1}));
                }
            }
            case "easedense" -> {
                for (double h : new double[] {7, 21}) {
                    list.add(new Candidate(
                            "ease dense lambda 800 hl " + h,
                            TrainingConfig.builder()
                                    .algorithm(TrainingConfig.Algorithm.EASE)
                                    .halfLifeDays(h)
                                    .build(),
                            new double[] {0, 0.05, 0.1}));
                }
            }
            default -> throw new IllegalArgumentException("unknown group " + group);
        }
        return list;
    }

    /** The tuner's newest-events split ({@code Holdout.newestSplit}): the time of the newest {@code fraction}. */
    static long newestSplit(List<OnlineRetail.Purchase> events, double fraction) {
        long[] times =
                events.stream().mapToLong(OnlineRetail.Purchase::time).sorted().toArray();
        int heldOut = Math.max(1, (int) Math.round(fraction * times.length));
        return times[times.length - heldOut];
    }
}
