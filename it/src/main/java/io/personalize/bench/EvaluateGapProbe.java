package io.personalize.bench;

import io.personalize.it.OnlineRetail;
import io.personalize.training.EaseSimilarity;
import io.personalize.training.ScoringParams;
import io.personalize.training.TrainedModel;
import io.personalize.training.TrainingConfig;
import java.util.List;
import java.util.Locale;

/**
 * Where the node's {@code _evaluate} and the bench's JVM differ on one model (issue 12's .1499 against .1504 on
 * OR-time): the tuned configuration (exact dense ease, lambda 800, x = weight^0.5, half-life 7 d, popularity weight
 * 0.2, discount 0.3) trained with the plugin's classes on OR-time's training part and scored on its test split twice:
 * each list leaving out every training item of the user (the bench's evaluator) and leaving out the kept history only
 * (the node's {@code Holdout#score} on protocol time, as serving leaves it out); then the bench's dense reference the
 * same two ways; with {@code reference}, the reference as {@code bin/bench models} computes it (lambda chosen on the
 * validation split, lists scored as the node scores protocol time).
 *
 * <pre>cd it && mvn -q compile exec:java -Dexec.mainClass=io.personalize.bench.EvaluateGapProbe [-Dexec.args=reference]</pre>
 */
public final class EvaluateGapProbe {

    private EvaluateGapProbe() {}

    public static void main(String[] args) {
        List<OnlineRetail.Purchase> purchases = OnlineRetail.load().purchases();
        OfflineSplit test = OfflineSplit.time(purchases, OnlineRetail.SPLIT, Long.MAX_VALUE, "OR-time");
        OfflineEvaluator e = new OfflineEvaluator(test, 10);
        TrainingConfig config = TrainingConfig.builder()
                .algorithm(TrainingConfig.Algorithm.EASE)
                .easeMode(EaseSimilarity.Mode.DENSE)
                .memoryBudgetBytes(2L << 30)
                .regularization(800)
                .halfLifeDays(7)
                .valueExponent(0.5)
                .scoring(ScoringParams.DEFAULTS.withPopularityWeight(0.2))
                .popularityDiscount(0.3)
                .build();
        System.out.printf(
                Locale.ROOT,
                "OR-time test, %,d items, max_history %d: %s%n",
                e.numItems(),
                config.maxItemsPerUser(),
                config);
        TrainedModel model = e.train(config);
        print("plugin's dense ease, every training item left out (bench)", e.score(model, 0, 0, false));
        print("plugin's dense ease, the kept history left out (node)    ", e.score(model, 0, 0, true));
        System.out.println(e.capped(model));
        OfflineEvaluator.Prepared prepared = e.prepare(config);
        double[] b = e.easeWeights(prepared, 800);
        print("bench reference, every training item left out           ", e.scoreEase(prepared, b, 0.2, 0.3, 0, false));
        print("bench reference, the kept history left out              ", e.scoreEase(prepared, b, 0.2, 0.3, 0, true));
        if (args.length > 0 && args[0].equals("reference")) {
            // the bench's reference as bin/bench models now computes it: lambda chosen on OR-time's validation split
            // (October), both scored as the node scores protocol time
            OfflineSplit validation = OfflineSplit.time(
                    test.train(), AlgorithmsBench.VALIDATION_SPLIT, OnlineRetail.SPLIT, "OR-time validation");
            AlgorithmsBench.Reference r = AlgorithmsBench.reference(
                    new OfflineEvaluator(validation, 10),
                    validation.name(),
                    new AlgorithmsBench.Tuned(null, config, AlgorithmsBench.shapeLabel(config)));
            print(
                    "bench reference, lambda " + r.lambda() + " chosen on validation, as the bench scores it now",
                    e.scoreEase(prepared, e.easeWeights(prepared, r.lambda()), 0.2, 0.3, 0));
        }
    }

    private static void print(String label, OfflineEvaluator.Figures f) {
        System.out.printf(
                Locale.ROOT,
                "%s NDCG@10 %.17g HR %.4f precision %.4f recall %.4f MAP %.4f coverage %.4f%n",
                label,
                f.ndcg(),
                f.hr(),
                f.precision(),
                f.recall(),
                f.map(),
                f.coverage());
    }
}
