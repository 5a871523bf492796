package io.personalize.bench;

import io.personalize.it.OnlineRetail;
import io.personalize.training.EaseSimilarity;
import io.personalize.training.ScoringParams;
import io.personalize.training.TrainingConfig;
import java.util.List;
import java.util.Locale;

/**
 * Checks that the bench's dense EASE reference ({@link OfflineEvaluator#scoreEase}) applies the time decay, the EASE
 * input and the popularity blend exactly as the plugin does: on a split, the plugin's own {@code ease} trained dense
 * (exact) and the reference, with the same configuration, must give the same figures (to float rounding), for a decayed,
 * weighted, blended and discounted configuration and a binary one without decay.
 *
 * <pre>mvn -f it/pom.xml compile exec:java -Dexec.mainClass=io.personalize.bench.EaseReferenceCheck [-Dexec.args=stratified]</pre>
 */
public final class EaseReferenceCheck {

    private EaseReferenceCheck() {}

    public static void main(String[] args) {
        List<OnlineRetail.Purchase> purchases = OnlineRetail.load().purchases();
        OfflineSplit split = args.length > 0 && args[0].equals("stratified")
                ? OfflineSplit.stratified(
                        OfflineSplit.stratified(
                                        purchases, AlgorithmsBench.FRACTION, AlgorithmsBench.SEED, "OR-stratified")
                                .train(),
                        AlgorithmsBench.FRACTION,
                        AlgorithmsBench.VALIDATION_SEED,
                        "OR-stratified validation")
                : OfflineSplit.time(
                        OfflineSplit.time(purchases, OnlineRetail.SPLIT, Long.MAX_VALUE, "OR-time")
                                .train(),
                        AlgorithmsBench.VALIDATION_SPLIT,
                        OnlineRetail.SPLIT,
                        "OR-time validation");
        OfflineEvaluator e = new OfflineEvaluator(split, 10);
        System.out.printf(Locale.ROOT, "== %s (%,d items) ==%n", split.name(), e.numItems());
        if (args.length > 1 && args[1].equals("choose")) {
            // the bench's reference search from a tuning report's chosen configuration
            com.fasterxml.jackson.databind.JsonNode chosen;
            try {
                chosen = new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree(
                                "{\"algorithm\": \"ease(lambda=800.0, valueExponent=0.5, support=50, mode=SPARSE)\","
                                        + " \"half_life\": \"2.33d\", \"popularity_weight\": 0.2, \"popularity_discount\": 0.3}");
            } catch (java.io.IOException x) {
                throw new java.io.UncheckedIOException(x);
            }
            TrainingConfig shape = AlgorithmsBench.shapeOf(chosen);
            AlgorithmsBench.Reference r = AlgorithmsBench.reference(
                    e, split.name(), new AlgorithmsBench.Tuned(null, shape, AlgorithmsBench.shapeLabel(shape)));
            System.out.println("half-life read " + shape.halfLifeDays() + "; " + r);
            System.out.println(AlgorithmsBench.chooseReference(e, r));
            return;
        }
        double worst = 0;
        for (double[] c : new double[][] {{200, 7, 0.5, 0.2, 0.3}, {50, Double.POSITIVE_INFINITY, 0, 0.05, 0}}) {
            TrainingConfig config = TrainingConfig.builder()
                    .algorithm(TrainingConfig.Algorithm.EASE)
                    .easeMode(EaseSimilarity.Mode.DENSE)
                    .memoryBudgetBytes(2L << 30)
                    .regularization(c[0])
                    .halfLifeDays(c[1])
                    .valueExponent(c[2])
                    .scoring(ScoringParams.DEFAULTS.withPopularityWeight(c[3]))
                    .popularityDiscount(c[4])
                    .build();
            OfflineEvaluator.Figures plugin = e.plugin(config);
            OfflineEvaluator.Prepared prepared = e.prepare(config);
            OfflineEvaluator.Figures reference = e.scoreEase(prepared, e.easeWeights(prepared, c[0]), c[3], c[4], 0);
            System.out.printf(
                    Locale.ROOT,
                    "lambda %s, half-life %s, x = w^%s, popularity %s, discount %s:%n  plugin dense ease NDCG@10 %.5f"
                            + " HR %.5f cov %.5f%n  bench reference      NDCG@10 %.5f HR %.5f cov %.5f%n",
                    c[0],
                    c[1],
                    c[2],
                    c[3],
                    c[4],
                    plugin.ndcg(),
                    plugin.hr(),
                    plugin.coverage(),
                    reference.ndcg(),
                    reference.hr(),
                    reference.coverage());
            worst = Math.max(worst, Math.abs(plugin.ndcg() - reference.ndcg()));
        }
        System.out.printf(
                Locale.ROOT, "largest NDCG@10 difference %.6f: %s%n", worst, worst < 1e-3 ? "SAME" : "DIFFERENT");
    }
}
