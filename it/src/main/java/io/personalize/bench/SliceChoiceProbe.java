package io.personalize.bench;

import io.personalize.it.OnlineRetail;
import io.personalize.training.EaseSimilarity;
import io.personalize.training.TrainedModel;
import io.personalize.training.TrainingConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Which newest-events slice the tuner should hold out by default, decided on the training part of OR-time only (the
 * test split's events are never read): the events before 2011-11-01 are cut into an inner training part, the tuner's
 * candidate slices (the newest 10% and 20% of the inner part, as {@code Holdout.newestSplit} cuts them) and a later
 * slice after them (the newest {@code later} of the training part) that plays the part of the future a shop's model
 * serves. Each configuration is trained with the plugin's classes on the inner part cut at each slice, and on the
 * whole inner part for the later slice; the slice whose figures rank the configurations more like the later slice
 * (Spearman), whose coverage predicts the later coverage better, and whose choice (best NDCG; best NDCG at coverage
 * at least the floor) scores better on the later slice is the better default.
 *
 * <pre>cd it && mvn -q compile exec:java -Dexec.mainClass=io.personalize.bench.SliceChoiceProbe -Dexec.args="0.2,0.1 0.1,0.2 0.3"</pre>
 *
 * Arguments: the later slices' fractions of the training part, the candidate slices' fractions of the inner part, the
 * coverage floor.
 */
public final class SliceChoiceProbe {

    private SliceChoiceProbe() {}

    record Candidate(String label, TrainingConfig config, double[] weights) {}

    record Row(String label, double[] ndcg, double[] coverage) {}

    public static void main(String[] args) {
        double[] laters = doubles(args.length > 0 ? args[0] : "0.2");
        double[] fractions = doubles(args.length > 1 ? args[1] : "0.1,0.2");
        double floor = args.length > 2 ? Double.parseDouble(args[2]) : 0.3;
        List<OnlineRetail.Purchase> purchases = OnlineRetail.load().purchases();
        // only the training part of OR-time: nothing at or after the test split is read
        List<OnlineRetail.Purchase> train =
                purchases.stream().filter(p -> p.time() < OnlineRetail.SPLIT).toList();
        System.out.printf(
                Locale.ROOT,
                "OR-time training part only: %,d events before %s (the test split is not read)%n",
                train.size(),
                Instant.ofEpochMilli(OnlineRetail.SPLIT));
        for (double later : laters) {
            probe(train, later, fractions, floor);
        }
        System.out.println(
                "reproduce: cd it && mvn -q compile exec:java -Dexec.mainClass=io.personalize.bench.SliceChoiceProbe"
                        + " -Dexec.args=\"" + String.join(" ", args) + "\"");
    }

    private static void probe(List<OnlineRetail.Purchase> train, double later, double[] fractions, double floor) {
        long laterAt = OrTimeProbe.newestSplit(train, later);
        OfflineSplit laterSplit = OfflineSplit.time(train, laterAt, OnlineRetail.SPLIT, "later");
        List<OnlineRetail.Purchase> inner = laterSplit.train();
        List<OfflineEvaluator> splits = new ArrayList<>();
        List<String> names = new ArrayList<>();
        System.out.printf(
                Locale.ROOT,
                "%n== later slice: the newest %.0f%% of the training part, from %s (%,d judged customers); inner part %,d events ==%n",
                later * 100,
                Instant.ofEpochMilli(laterAt),
                laterSplit.truth().size(),
                inner.size());
        for (double fraction : fractions) {
            long at = OrTimeProbe.newestSplit(inner, fraction);
            OfflineSplit v = OfflineSplit.time(inner, at, laterAt, "slice " + fraction);
            splits.add(new OfflineEvaluator(v, 10));
            names.add(String.format(Locale.ROOT, "slice %.0f%%", fraction * 100));
            System.out.printf(
                    Locale.ROOT,
                    "candidate slice: the newest %.0f%% of the inner part, from %s, %,d train events, %,d judged customers%n",
                    fraction * 100,
                    Instant.ofEpochMilli(at),
                    v.train().size(),
                    v.truth().size());
        }
        splits.add(new OfflineEvaluator(laterSplit, 10));
        names.add("later");
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-52s %5s", "configuration", "pop"));
        for (String n : names) {
            head.append(String.format(Locale.ROOT, "  %-9s ndcg / cov", n));
        }
        System.out.println(head);
        List<Row> rows = new ArrayList<>();
        for (Candidate c : candidates()) {
            TrainedModel[] models = new TrainedModel[splits.size()];
            for (int s = 0; s < splits.size(); s++) {
                models[s] = splits.get(s).train(c.config());
            }
            for (double pw : c.weights()) {
                double[] ndcg = new double[splits.size()];
                double[] cov = new double[splits.size()];
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-52s %5.2f", c.label(), pw));
                for (int s = 0; s < splits.size(); s++) {
                    TrainedModel m = models[s].withScoring(c.config().scoring().withPopularityWeight(pw));
                    OfflineEvaluator.Figures f = splits.get(s).score(m, 0, 0);
                    ndcg[s] = f.ndcg();
                    cov[s] = f.coverage();
                    line.append(String.format(Locale.ROOT, "   %.4f / %.4f  ", f.ndcg(), f.coverage()));
                }
                System.out.println(line);
                rows.add(new Row(c.label() + ", pop " + pw, ndcg, cov));
            }
        }
        int l = splits.size() - 1;
        double[] laterNdcg = rows.stream().mapToDouble(r -> r.ndcg()[l]).toArray();
        double[] laterCov = rows.stream().mapToDouble(r -> r.coverage()[l]).toArray();
        double bestLater = Arrays.stream(laterNdcg).max().orElse(0);
        System.out.printf(
                Locale.ROOT,
                "%nlater newest %.0f%%, %d configurations: how each slice predicts the later slice%n",
                later * 100,
                rows.size());
        for (int s = 0; s < l; s++) {
            final int x = s;
            double[] nd = rows.stream().mapToDouble(r -> r.ndcg()[x]).toArray();
            double[] cv = rows.stream().mapToDouble(r -> r.coverage()[x]).toArray();
            double[] ratio = new double[rows.size()];
            double absLog = 0;
            int agree = 0;
            int passSlice = 0;
            int passBoth = 0;
            for (int r = 0; r < rows.size(); r++) {
                ratio[r] = laterCov[r] / cv[r];
                absLog += Math.abs(Math.log(ratio[r]));
                boolean a = cv[r] >= floor;
                boolean b = laterCov[r] >= floor;
                agree += a == b ? 1 : 0;
                passSlice += a ? 1 : 0;
                passBoth += a && b ? 1 : 0;
            }
            double meanRatio = Arrays.stream(ratio).average().orElse(0);
            double sdRatio = Math.sqrt(Arrays.stream(ratio)
                    .map(v -> (v - meanRatio) * (v - meanRatio))
                    .average()
                    .orElse(0));
            int byNdcg = argmax(nd, null, 0);
            int byFloor = argmax(nd, cv, floor);
            System.out.printf(
                    Locale.ROOT,
                    "  %-9s Spearman NDCG %.3f, coverage %.3f; later coverage / slice coverage mean %.3f (sd %.3f),"
                            + " mean |log ratio| %.3f; floor %.2f: same verdict on %d of %d, %d of %d passing on the slice"
                            + " pass on the later slice%n",
                    names.get(s),
                    spearman(nd, laterNdcg),
                    spearman(cv, laterCov),
                    meanRatio,
                    sdRatio,
                    absLog / rows.size(),
                    floor,
                    agree,
                    rows.size(),
                    passBoth,
                    passSlice);
            System.out.printf(
                    Locale.ROOT,
                    "            chosen by NDCG: %s -> later %.4f / %.4f (the later slice's best NDCG %.4f)%n",
                    rows.get(byNdcg).label(),
                    laterNdcg[byNdcg],
                    laterCov[byNdcg],
                    bestLater);
            if (byFloor >= 0) {
                System.out.printf(
                        Locale.ROOT,
                        "            chosen with the floor %.2f: %s (slice %.4f / %.4f) -> later %.4f / %.4f (the later"
                                + " slice's best NDCG at coverage >= %.2f: %.4f)%n",
                        floor,
                        rows.get(byFloor).label(),
                        nd[byFloor],
                        cv[byFloor],
                        laterNdcg[byFloor],
                        laterCov[byFloor],
                        floor,
                        laterNdcg[Math.max(0, argmax(laterNdcg, laterCov, floor))]);
            } else {
                System.out.printf(Locale.ROOT, "            no configuration reaches the floor %.2f on it%n", floor);
            }
        }
    }

    /** The index of the largest {@code values} among those whose {@code coverage} reaches {@code floor}; -1: none. */
    static int argmax(double[] values, double[] coverage, double floor) {
        int best = -1;
        for (int i = 0; i < values.length; i++) {
            if ((coverage == null || coverage[i] >= floor) && (best < 0 || values[i] > values[best])) {
                best = i;
            }
        }
        return best;
    }

    /** Spearman's rank correlation: Pearson's correlation of the ranks, ties given their mean rank. */
    static double spearman(double[] a, double[] b) {
        double[] ra = ranks(a);
        double[] rb = ranks(b);
        double ma = Arrays.stream(ra).average().orElse(0);
        double mb = Arrays.stream(rb).average().orElse(0);
        double sab = 0;
        double saa = 0;
        double sbb = 0;
        for (int i = 0; i < ra.length; i++) {
            sab += (ra[i] - ma) * (rb[i] - mb);
            saa += (ra[i] - ma) * (ra[i] - ma);
            sbb += (rb[i] - mb) * (rb[i] - mb);
        }
        return sab / Math.sqrt(saa * sbb);
    }

    static double[] ranks(double[] v) {
        Integer[] order = new Integer[v.length];
        for (int i = 0; i < v.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Double.compare(v[x], v[y]));
        double[] rank = new double[v.length];
        for (int i = 0; i < v.length; ) {
            int j = i;
            while (j + 1 < v.length && v[order[j + 1]] == v[order[i]]) {
                j++;
            }
            for (int t = i; t <= j; t++) {
                rank[order[t]] = (i + j) / 2.0 + 1;
            }
            i = j + 1;
        }
        return rank;
    }

    private static double[] doubles(String csv) {
        return Arrays.stream(csv.split(",")).mapToDouble(Double::parseDouble).toArray();
    }

    /** What the tuner chooses among: each algorithm, its main parameter, the half-life, the discount, popularity. */
    static List<Candidate> candidates() {
        List<Candidate> list = new ArrayList<>();
        for (double alpha : new double[] {0.2, 0.4}) {
            for (double h : new double[] {7, 21, Double.POSITIVE_INFINITY}) {
                list.add(candidate(
                        "cosine alpha " + alpha + " hl " + h,
                        b -> b.cosineAlpha(alpha).halfLifeDays(h),
                        0,
                        0.03,
                        0.1));
            }
        }
        for (double beta : new double[] {0.3, 0.6}) {
            for (double h : new double[] {7, 21}) {
                list.add(candidate(
                        "rp3beta beta " + beta + " hl " + h,
                        b -> b.algorithm(TrainingConfig.Algorithm.RP3BETA)
                                .rp3Beta(beta)
                                .halfLifeDays(h),
                        0,
                        0.05,
                        0.1));
            }
        }
        for (double h : new double[] {7, 21, Double.POSITIVE_INFINITY}) {
            list.add(candidate(
                    "als hl " + h,
                    b -> b.algorithm(TrainingConfig.Algorithm.ALS).halfLifeDays(h),
                    0,
                    0.05,
                    0.1));
        }
        for (double lambda : new double[] {200, 800}) {
            for (double h : new double[] {7, 21}) {
                for (double d : new double[] {0, 0.3}) {
                    list.add(candidate(
                            "ease sparse 200 lambda " + lambda + " hl " + h + " disc " + d,
                            b -> b.algorithm(TrainingConfig.Algorithm.EASE)
                                    .easeMode(EaseSimilarity.Mode.SPARSE)
                                    .regularization(lambda)
                                    .halfLifeDays(h)
                                    .popularityDiscount(d),
                            0,
                            0.05,
                            0.1,
                            0.2));
                }
            }
        }
        for (double d : new double[] {0, 0.3}) {
            list.add(candidate(
                    "user_knn 100 hl 21.0 disc " + d,
                    b -> b.algorithm(TrainingConfig.Algorithm.USER_KNN).popularityDiscount(d),
                    0,
                    0.05));
        }
        return list;
    }

    private static Candidate candidate(String label, Consumer<TrainingConfig.Builder> how, double... weights) {
        TrainingConfig.Builder b = TrainingConfig.builder();
        how.accept(b);
        return new Candidate(label, b.build(), weights);
    }
}
