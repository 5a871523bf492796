package io.personalize.bench;

import io.personalize.bench.ContentPreparation.NeighbourLists;
import io.personalize.bench.ContentPreparation.Rule;
import io.personalize.bench.ContentQualityBench.OrTime;
import io.personalize.bench.ContentQualityBench.Result;
import io.personalize.bench.ContentQualityBench.Variant;
import io.personalize.bench.ContentQualityBench.Vectors;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * How {@code bin/bench content} chooses a content term, blind to the test split: every candidate (a family's text and
 * vector preparation) is scored with every ranking rule of {@link ContentPreparation#RULES} on the validation split
 * only (train before 2011-10-01, judged on October); each family's best row is its choice, and the family with the best
 * choice is the one chosen; only then is each family's choice, and nothing else, scored on the test split (OR-time),
 * once, beside a reference family's choice with the paired difference per shopper and its 95% interval.
 */
final class ContentChoice {

    /** One way of making a family's vectors; {@code text} is what was done to the titles before the node saw them. */
    record Candidate(String label, String family, Vectors vectors, UnaryOperator<String> text) {}

    /** A candidate with a rule, and its validation NDCG@10. */
    record Row(Candidate candidate, Rule rule, double validation) {
        String label() {
            return candidate.label() + " / " + rule.label();
        }
    }

    /** Every row, on validation only. */
    final List<Row> rows;
    /** Per family, its best row on validation, in the order the families came. */
    final Map<String, Row> best = new LinkedHashMap<>();
    /** The family whose choice is best on validation. */
    final String chosenFamily;

    private final OrTime test;
    private final Map<Row, Result> tested = new HashMap<>();

    private ContentChoice(List<Row> rows, OrTime test) {
        this.rows = rows;
        this.test = test;
        for (Row r : rows) {
            best.merge(r.candidate().family(), r, (a, b) -> b.validation() > a.validation() ? b : a);
        }
        chosenFamily = best.values().stream()
                .max((a, b) -> Double.compare(a.validation(), b.validation()))
                .map(r -> r.candidate().family())
                .orElse(null);
    }

    /** The hashing vectors as they are and centred: a hashing family's candidates. */
    static List<Candidate> hashing(String family, Vectors vectors) {
        return List.of(
                new Candidate(family + " dims", family, vectors, t -> t),
                new Candidate(family + " dims, centred", family, ContentPreparation.transformed(vectors, 0), t -> t));
    }

    /** Scores every candidate with every rule on {@code validation}, printing each row; the test split is not read. */
    static ContentChoice validate(List<Candidate> candidates, OrTime validation, OrTime test) {
        System.out.printf(
                Locale.ROOT,
                "   every row on the validation split only (%,d shoppers judged on October); the test split is read"
                        + " only for each family's choice, below%n",
                validation.users.size());
        System.out.printf(Locale.ROOT, "   %-30s %-58s %-30s %10s%n", "family", "vectors", "rule", "validation");
        List<Row> rows = new ArrayList<>();
        for (Candidate c : candidates) {
            NeighbourLists lists = new NeighbourLists(validation, c.vectors());
            for (Rule rule : ContentPreparation.RULES) {
                double v = ContentPreparation.score(validation, lists, c.vectors(), rule)
                        .metrics()
                        .ndcg();
                rows.add(new Row(c, rule, v));
                System.out.printf(Locale.ROOT, "   %-30s %-58s %-30s %10.4f%n", c.family(), c.label(), rule.label(), v);
            }
        }
        return new ContentChoice(rows, test);
    }

    /** A row chosen on validation, scored on the test split (once: later calls return the same result). */
    Result test(Row row) {
        return tested.computeIfAbsent(
                row,
                r -> ContentPreparation.score(
                        test,
                        new NeighbourLists(test, r.candidate().vectors()),
                        r.candidate().vectors(),
                        r.rule()));
    }

    /** How many rows were scored on the test split so far. */
    int testedRows() {
        return tested.size();
    }

    /**
     * Prints each family's choice on the test split beside {@code reference}'s, the family chosen on validation marked
     * with {@code *}, and its top-5 neighbours' share sharing no word with the product; returns that share per family.
     */
    Map<String, Double> report(String reference, List<Set<String>> tokens, BitSet[] buyers) {
        Row ref = best.get(reference);
        System.out.printf(
                Locale.ROOT,
                "%n   each family's choice: its top-5 neighbours (brute-force cosine over the prepared vectors)%n");
        System.out.printf(
                Locale.ROOT,
                "   %-52s %10s %10s %10s %12s%n",
                "vectors",
                "word-less",
                "products",
                "co-bought",
                "mean cosine");
        Map<String, Double> wordless = new LinkedHashMap<>();
        best.forEach((family, r) -> wordless.put(family, wordless(r.candidate(), tokens, buyers)));
        System.out.printf(
                Locale.ROOT,
                "%n   chosen on validation, per family; * = the family chosen on validation; then each choice once on"
                        + " OR-time; word-less = top-5 neighbours sharing no word with the product%n");
        System.out.printf(
                Locale.ROOT,
                "   %-30s %-80s %10s %8s %7s %10s  %s%n",
                "family",
                "chosen",
                "validation",
                "OR-time",
                "cov@10",
                "word-less",
                "ΔNDCG@10 vs " + reference + "'s choice (OR-time)");
        for (Map.Entry<String, Row> e : best.entrySet()) {
            Row r = e.getValue();
            Result t = test(r);
            double w = wordless.get(e.getKey());
            System.out.printf(
                    Locale.ROOT,
                    "   %-30s %-80s %10.4f %8.4f %7.4f %9.1f%%  %s%n",
                    (e.getKey().equals(chosenFamily) ? "* " : "  ") + e.getKey(),
                    r.label(),
                    r.validation(),
                    t.metrics().ndcg(),
                    t.metrics().coverage(),
                    100 * w,
                    ref == null || r == ref ? "" : interval(t, test(ref)));
        }
        System.out.printf(
                Locale.ROOT,
                "   95%% intervals of the paired difference per shopper: normal (mean ± 1.96 standard errors) and"
                        + " bootstrap (%,d draws of the shoppers with replacement, seed %d, 2.5th to 97.5th percentile)%n",
                PairedBootstrap.RESAMPLES,
                PairedBootstrap.SEED);
        if (ref != null && chosenFamily != null) {
            Row chosen = best.get(chosenFamily);
            System.out.printf(
                    Locale.ROOT,
                    "   the family chosen on validation: %s (validation %.4f against %s's %.4f); on OR-time %.4f against"
                            + " %.4f: %s%n",
                    chosenFamily,
                    chosen.validation(),
                    reference,
                    ref.validation(),
                    test(chosen).metrics().ndcg(),
                    test(ref).metrics().ndcg(),
                    chosen == ref ? "the reference itself" : interval(test(chosen), test(ref)));
        }
        return wordless;
    }

    /**
     * The paired difference with its normal and bootstrap 95% intervals in full, and for each whether it is above 0
     * (beyond noise).
     */
    private static String interval(Result a, Result b) {
        double[] d = ContentQualityBench.pairedInterval(a.ndcg(), b.ndcg());
        double[] boot = PairedBootstrap.interval(a.ndcg(), b.ndcg());
        return String.format(
                Locale.ROOT,
                "%+.6f, normal [%+.6f, %+.6f] %s, bootstrap [%+.6f, %+.6f] %s",
                d[0],
                d[0] - d[1],
                d[0] + d[1],
                verdict(d[0] - d[1], d[0] + d[1]),
                boot[0],
                boot[1],
                verdict(boot[0], boot[1]));
    }

    private static String verdict(double lower, double upper) {
        return lower > 0 ? "above, beyond noise" : upper < 0 ? "below, beyond noise" : "within noise";
    }

    /** The share of the candidate's top-5 neighbours (brute-force cosine) sharing no word with the product. */
    static double wordless(Candidate c, List<Set<String>> tokens, BitSet[] buyers) {
        Vectors v = c.vectors();
        double[][] scores = new double[v.byProduct().length][];
        int[][] top = ContentQualityBench.topNeighbours(v, scores);
        return ContentQualityBench.neighbourQuality(
                new Vectors(new Variant(c.label(), v.dims(), ""), v.dims(), v.byProduct(), 0),
                top,
                scores,
                tokens,
                buyers);
    }
}
