package io.personalize.bench;

import io.personalize.it.OnlineRetail;
import io.personalize.training.ScoringParams;
import io.personalize.training.TrainingConfig;
import java.util.List;
import java.util.Locale;

/**
 * Where the plugin's {@code ease} loses to the bench's dense EASE on OR-stratified, measured apart in one JVM on the
 * bench's splits: the reference scored through its whole B rows and through each row's top positive weights only (the
 * stored item neighbours), and the plugin's training with and without the history cap.
 *
 * <pre>mvn -f it/pom.xml compile exec:java -Dexec.mainClass=io.personalize.bench.EaseGapProbe</pre>
 */
public final class EaseGapProbe {

    private EaseGapProbe() {}

    public static void main(String[] args) {
        List<OnlineRetail.Purchase> purchases = OnlineRetail.load().purchases();
        OfflineSplit test = OfflineSplit.stratified(
                purchases, AlgorithmsBench.FRACTION, AlgorithmsBench.SEED, "OR-stratified test");
        OfflineSplit validation = OfflineSplit.stratified(
                test.train(), AlgorithmsBench.FRACTION, AlgorithmsBench.VALIDATION_SEED, "OR-stratified validation");
        if (args.length > 0 && args[0].equals("time")) {
            time(purchases);
            return;
        }
        if (args.length > 0 && args[0].equals("sparse")) {
            sparse(validation, test);
            return;
        }
        for (OfflineSplit split : List.of(validation, test)) {
            OfflineEvaluator e = new OfflineEvaluator(split, 10);
            System.out.printf(Locale.ROOT, "%n== %s (%,d items) ==%n", split.name(), e.numItems());
            for (double lambda : new double[] {50, 200}) {
                double[] b = e.easeWeights(lambda);
                for (int top : new int[] {0, 50, 100}) {
                    print(
                            "reference lambda " + lambda + (top == 0 ? ", full B rows" : ", top " + top + " positive"),
                            e.scoreDense(b, top, 0));
                }
            }
            for (double lambda : new double[] {50, 200}) {
                for (int history : new int[] {500, 100_000}) {
                    print(
                            "plugin lambda " + lambda + ", max_history " + history,
                            e.plugin(binary(lambda, history).build()));
                }
                // a budget below dense EASE's 24 * items^2 bytes: the sparse variant (support 200)
                print(
                        "plugin lambda " + lambda + ", sparse",
                        e.plugin(
                                binary(lambda, 500).memoryBudgetBytes(64L << 20).build()));
            }
        }
        // the plugin's default input (weight^0.5), decay and popularity blend on the OR-time validation split, as
        // AlgorithmsBench chooses them
        OfflineSplit time = OfflineSplit.time(purchases, OnlineRetail.SPLIT, Long.MAX_VALUE, "OR-time");
        OfflineEvaluator e = new OfflineEvaluator(
                OfflineSplit.time(
                        time.train(), AlgorithmsBench.VALIDATION_SPLIT, OnlineRetail.SPLIT, "OR-time validation"),
                10);
        System.out.printf(Locale.ROOT, "%n== OR-time validation (%,d items) ==%n", e.numItems());
        for (double pw : new double[] {0, 0.05, 0.1}) {
            for (boolean decay : new boolean[] {true, false}) {
                TrainingConfig.Builder b = TrainingConfig.builder()
                        .algorithm(TrainingConfig.Algorithm.EASE)
                        .regularization(800)
                        .scoring(new ScoringParams(0, 0, pw));
                if (decay == false) {
                    b.halfLifeDays(Double.POSITIVE_INFINITY);
                }
                print(
                        "plugin lambda 800, popularity " + pw + (decay ? ", decay 21d" : ", no decay"),
                        e.plugin(b.build()));
            }
        }
    }

    /**
     * OR-time's test split: EASE (weight^0.5, lambda 800) with the half-lives and popularity weights the tuner chose
     * there without a coverage floor (7 days, 0), and the bench's fixed row (21 days).
     */
    private static void time(List<OnlineRetail.Purchase> purchases) {
        OfflineEvaluator e =
                new OfflineEvaluator(OfflineSplit.time(purchases, OnlineRetail.SPLIT, Long.MAX_VALUE, "OR-time"), 10);
        System.out.printf(Locale.ROOT, "%n== OR-time test (%,d items) ==%n", e.numItems());
        for (double halfLife : new double[] {7, 21}) {
            for (double pw : new double[] {0, 0.05}) {
                print(
                        "plugin ease lambda 800, half-life " + halfLife + "d, popularity " + pw,
                        e.plugin(TrainingConfig.builder()
                                .algorithm(TrainingConfig.Algorithm.EASE)
                                .regularization(800)
                                .halfLifeDays(halfLife)
                                .scoring(new ScoringParams(0, 0, pw))
                                .build()));
            }
        }
    }

    /** The sparse variant (forced by a small budget) by support and regularization, binary input, no decay. */
    private static void sparse(OfflineSplit validation, OfflineSplit test) {
        for (OfflineSplit split : List.of(validation, test)) {
            OfflineEvaluator e = new OfflineEvaluator(split, 10);
            System.out.printf(Locale.ROOT, "%n== %s, sparse EASE (%,d items) ==%n", split.name(), e.numItems());
            for (int support : new int[] {50, 100, 200, 400}) {
                for (double lambda : new double[] {12.5, 50, 200}) {
                    print(
                            "plugin sparse, support " + support + ", lambda " + lambda,
                            e.plugin(binary(lambda, 500)
                                    .easeSupport(support)
                                    .memoryBudgetBytes(64L << 20)
                                    .build()));
                }
            }
        }
    }

    private static TrainingConfig.Builder binary(double lambda, int history) {
        return TrainingConfig.builder()
                .algorithm(TrainingConfig.Algorithm.EASE)
                .regularization(lambda)
                .valueExponent(0)
                .halfLifeDays(Double.POSITIVE_INFINITY)
                .maxItemsPerUser(history)
                .scoring(new ScoringParams(0, 0, 0));
    }

    private static void print(String label, OfflineEvaluator.Figures f) {
        System.out.printf(
                Locale.ROOT,
                "  %-58s NDCG@10 %.4f  HR %.4f  recall %.4f  cov %.4f  %.1f s%n",
                label,
                f.ndcg(),
                f.hr(),
                f.recall(),
                f.coverage(),
                f.trainMs() / 1000.0);
    }
}
