package io.personalize.model;

import io.personalize.training.StratifiedSplit;
import io.personalize.training.TrainedModel;
import io.personalize.training.TrainingConfig;
import io.personalize.training.TrainingMonitor;
import io.personalize.training.Tuner;
import io.personalize.training.TuningSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.elasticsearch.tasks.TaskCancelledException;

/**
 * Self-tuning on events in memory: holds out the validation slice the {@link TuningSpec} asks for, lets the {@link
 * Tuner} compare candidates on it (each trained on the rest and scored by {@link Holdout#score}, the code
 * {@code _evaluate} scores with), and reports every candidate's figures as the version shows them.
 */
record TuningRun(Tuner.Result result, Map<String, Object> report) {

    static TuningRun tune(
            EvaluationJob.Events events,
            TrainingConfig configured,
            TuningSpec spec,
            EventReader.Result read,
            long nowMillis,
            TrainingTask task) {
        task.phase("tuning");
        Map<String, Object> validation = new LinkedHashMap<>();
        validation.put("protocol", spec.validation().toString());
        validation.put("fraction", spec.fraction());
        Holdout holdout;
        if (spec.validation() == TuningSpec.Validation.NEWEST) {
            long split = Holdout.newestSplit(events, spec.fraction());
            validation.put("split_at", Instant.ofEpochMilli(split).toString());
            holdout = Holdout.byTime(events, split);
        } else {
            validation.put("seed", spec.seed());
            holdout = Holdout.stratified(
                    events, new StratifiedSplit(spec.fraction(), spec.seed()), read.users(), read.items(), nowMillis);
        }
        if (holdout.empty()) {
            throw new IllegalArgumentException("[tune] the " + spec.validation()
                    + " validation slice leaves nothing to train on or nothing to judge: too few events to tune on");
        }
        // the candidates' own maths phases would replace "tuning" in the task: they only check for cancellation here
        TrainingMonitor quiet = new TrainingMonitor() {
            @Override
            public void progress(String phase, long done, long total) {}

            @Override
            public void checkCancelled() {
                if (task.isCancelled()) {
                    throw new TaskCancelledException("task cancelled [" + task.getReasonCancelled() + "]");
                }
            }
        };
        Tuner.Figures[] popularity = new Tuner.Figures[1];
        long[] users = new long[1];
        int[] candidates = new int[1];
        Tuner tuner = new Tuner(configured, spec.budgetMillis(), spec.minCoverage(), System::currentTimeMillis, quiet);
        // the last candidate's model: the next one, when it differs only in the popularity weight, re-scores it
        String[] lastKey = new String[1];
        TrainedModel[] last = new TrainedModel[1];
        Tuner.Result result = tuner.run(config -> {
            task.progress(++candidates[0], -1);
            String key = Tuner.trainingKey(config);
            TrainedModel model;
            if (key.equals(lastKey[0])) {
                model = last[0].withScoring(config.scoring());
            } else {
                lastKey[0] = null;
                last[0] = null; // let it go before the next training
                model = holdout.train(config, quiet);
                lastKey[0] = key;
                last[0] = model;
            }
            Holdout.Scores scores =
                    Holdout.score(model, holdout.test, holdout.seen, holdout.stratified, spec.k(), (d, t) -> {});
            if (scores.users() == 0) {
                throw new IllegalArgumentException(
                        "[tune] the " + spec.validation() + " validation slice has no user with new items to judge");
            }
            popularity[0] = scores.figures(scores.popularity());
            users[0] = scores.users();
            return scores.figures(scores.model());
        });
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("validation", validation);
        report.put("k", spec.k());
        report.put("metric", "ndcg");
        if (spec.minCoverage() > 0) {
            report.put("min_coverage", spec.minCoverage());
            report.put("min_coverage_met", result.coverageMet());
        }
        report.put("budget_ms", spec.budgetMillis());
        report.put("took_ms", result.tookMillis());
        report.put("train_events", (long) holdout.train.size);
        report.put("validation_users", users[0]);
        if (popularity[0] != null) {
            report.put("popularity", figures(popularity[0]));
        }
        report.put("chosen", candidate(result.winner(), true));
        report.put("skipped", result.skipped());
        List<Object> list = new ArrayList<>();
        for (Tuner.Trial trial : result.trials()) {
            list.add(candidate(trial, trial == result.winner()));
        }
        report.put("candidates", list);
        return new TuningRun(result, report);
    }

    private static Map<String, Object> candidate(Tuner.Trial trial, boolean chosen) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("stage", trial.stage());
        c.put("algorithm", trial.algorithm());
        c.put("half_life", halfLife(trial.halfLifeDays()));
        c.put("popularity_weight", trial.popularityWeight());
        if (trial.popularityDiscount() > 0) {
            c.put("popularity_discount", trial.popularityDiscount());
        }
        c.put("outcome", trial.outcome().toString());
        if (trial.outcome() != Tuner.Outcome.SKIPPED) {
            c.put("train_ms", trial.millis());
        }
        if (trial.outcome() == Tuner.Outcome.MEASURED && trial.retrained() == false) {
            c.put("retrained", false); // the previous candidate's model, re-scored with this popularity weight
        }
        if (trial.figures() != null) {
            c.putAll(figures(trial.figures()));
        }
        if (trial.reason() != null) {
            c.put("reason", trial.reason());
        }
        if (chosen) {
            c.put("chosen", true);
        }
        return c;
    }

    static Map<String, Object> figures(Tuner.Figures f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hit_rate", f.hitRate());
        m.put("precision", f.precision());
        m.put("recall", f.recall());
        m.put("map", f.map());
        m.put("ndcg", f.ndcg());
        m.put("coverage", f.coverage());
        return m;
    }

    /** "none", or days: {@code 21d}, {@code 7d}, {@code 2.33d}. */
    static String halfLife(double days) {
        if (Double.isInfinite(days)) {
            return "none";
        }
        if (days == Math.rint(days)) {
            return String.format(Locale.ROOT, "%dd", (long) days);
        }
        return String.format(Locale.ROOT, "%.2fd", days);
    }
}
