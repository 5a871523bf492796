package io.personalize.model;

import io.personalize.training.TrainingConfig;
import io.personalize.training.TrainingMonitor;
import io.personalize.training.Tuner;
import io.personalize.training.TuningSpec;
import java.util.List;
import java.util.Map;
import org.elasticsearch.tasks.TaskId;
import org.elasticsearch.test.ESTestCase;

/**
 * Self-tuning with the real maths and the real scoring, on events built so that one choice is clearly best: a shop
 * whose tastes changed. A year ago 200 shoppers bought item a with item b; in the last two months 100 others bought
 * the same a with item c. Shoppers who bought a lately and c last (the newest events, the validation slice) are
 * predicted by the recent pairs only: time decay must win, whatever the algorithm.
 */
public class TuningRunTests extends ESTestCase {

    private static final long DAY = 86_400_000L;
    private static final long YEAR_AGO = 1_700_000_000_000L;

    private static EvaluationJob.Events changedTastes() {
        EvaluationJob.Events events = new EvaluationJob.Events();
        int groups = 20; // 20 (a, b, c) triples: items a = g, b = 20 + g, c = 40 + g
        int user = 0;
        for (int u = 0; u < 200; u++, user++) {
            int g = u % groups;
            events.add(user, g, 5, YEAR_AGO + (u % 10) * DAY);
            events.add(user, groups + g, 5, YEAR_AGO + (u % 10) * DAY);
        }
        for (int u = 0; u < 100; u++, user++) {
            int g = u % groups;
            events.add(user, g, 5, YEAR_AGO + 300 * DAY + u * DAY / 10);
            events.add(user, 2 * groups + g, 5, YEAR_AGO + 330 * DAY + u * DAY / 4);
        }
        return events;
    }

    private static TrainingTask task() {
        return new TrainingTask(1, "transport", "tune", "tune", TaskId.EMPTY_TASK_ID, Map.of(), "m");
    }

    public void testTimeDecayWinsWhenTastesChanged() {
        // the configured model has no decay: tuning must find that decay is better here
        TrainingConfig configured =
                TrainingConfig.builder().halfLifeDays(Double.POSITIVE_INFINITY).build();
        TuningSpec spec = new TuningSpec(TuningSpec.Validation.NEWEST, 0.1, 0, 60_000, 10);
        TuningRun run = TuningRun.tune(changedTastes(), configured, spec, null, YEAR_AGO + 400 * DAY, task());
        Tuner.Trial winner = run.result().winner();
        assertTrue(run.report().toString(), Double.isFinite(winner.halfLifeDays()));
        double bestWithoutDecay = run.result().trials().stream()
                .filter(t -> t.outcome() == Tuner.Outcome.MEASURED && Double.isInfinite(t.halfLifeDays()))
                .mapToDouble(t -> t.figures().ndcg())
                .max()
                .orElseThrow();
        // clearly: c first for every judged shopper with decay (NDCG 1), b before c without it
        assertEquals(run.report().toString(), 1.0, winner.figures().ndcg(), 1e-9);
        assertTrue(run.report().toString(), bestWithoutDecay < 0.9);

        // the report: every candidate with its figures, the winner marked, the validation slice described
        Map<String, Object> report = run.report();
        assertEquals("ndcg", report.get("metric"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> candidates = (List<Map<String, Object>>) report.get("candidates");
        assertEquals(run.result().trials().size(), candidates.size());
        long chosen = candidates.stream()
                .filter(c -> Boolean.TRUE.equals(c.get("chosen")))
                .count();
        assertEquals(1, chosen);
        for (Map<String, Object> c : candidates) {
            if (c.get("outcome").equals("measured")) {
                assertNotNull(c.toString(), c.get("ndcg"));
                assertNotNull(c.toString(), c.get("train_ms"));
            }
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> validation = (Map<String, Object>) report.get("validation");
        assertEquals("newest", validation.get("protocol"));
        assertEquals(0.1, validation.get("fraction"));
        assertNotNull(validation.get("split_at"));
        assertEquals(run.result().winner().algorithm(), ((Map<?, ?>) report.get("chosen")).get("algorithm"));
    }

    public void testACoverageFloorChoosesAmongTheCandidatesReachingItAndReusedModelsScoreAsRetrainedOnes() {
        EvaluationJob.Events events = changedTastes();
        TrainingConfig configured = TrainingConfig.defaults();
        double floor = 0.5;
        TuningSpec spec = new TuningSpec(TuningSpec.Validation.NEWEST, 0.1, 0, 60_000, 10, floor);
        TuningRun run = TuningRun.tune(events, configured, spec, null, YEAR_AGO + 400 * DAY, task());
        Map<String, Object> report = run.report();
        assertEquals(floor, report.get("min_coverage"));
        List<Tuner.Trial> measured = run.result().trials().stream()
                .filter(t -> t.outcome() == Tuner.Outcome.MEASURED)
                .toList();
        boolean anyReaches = measured.stream().anyMatch(t -> t.figures().coverage() >= floor);
        assertEquals(anyReaches, report.get("min_coverage_met"));
        double bestAllowed = measured.stream()
                .filter(t -> anyReaches == false || t.figures().coverage() >= floor)
                .mapToDouble(t -> t.figures().ndcg())
                .max()
                .orElseThrow();
        assertEquals(
                report.toString(), bestAllowed, run.result().winner().figures().ndcg(), 0);
        // the coverage stage ran (a floor is set)
        assertTrue(measured.stream().anyMatch(t -> t.stage().equals("coverage")));

        // candidates that only changed the popularity weight re-scored the previous model: the same figures as a
        // model trained with that weight
        Holdout holdout = Holdout.byTime(events, Holdout.newestSplit(events, 0.1));
        List<Tuner.Trial> reused =
                measured.stream().filter(t -> t.retrained() == false).toList();
        assertFalse(run.result().trials().toString(), reused.isEmpty());
        for (Tuner.Trial t : reused) {
            assertEquals(t.toString(), holdout.figures(t.config(), 10, TrainingMonitor.NOOP), t.figures());
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> candidates = (List<Map<String, Object>>) report.get("candidates");
        assertEquals(
                reused.size(),
                candidates.stream()
                        .filter(c -> Boolean.FALSE.equals(c.get("retrained")))
                        .count());
    }

    public void testTooFewEventsToHoldOutIsABadRequest() {
        EvaluationJob.Events one = new EvaluationJob.Events();
        one.add(0, 0, 1, YEAR_AGO);
        IllegalArgumentException e = expectThrows(
                IllegalArgumentException.class,
                () -> TuningRun.tune(one, TrainingConfig.defaults(), TuningSpec.DEFAULTS, null, YEAR_AGO, task()));
        assertTrue(e.getMessage(), e.getMessage().startsWith("[tune]"));
    }

    public void testCancellingStopsTheTuning() {
        TrainingTask task = task();
        org.elasticsearch.tasks.TaskCancelHelper.cancel(task, "test");
        expectThrows(
                org.elasticsearch.tasks.TaskCancelledException.class,
                () -> TuningRun.tune(
                        changedTastes(), TrainingConfig.defaults(), TuningSpec.DEFAULTS, null, YEAR_AGO, task));
    }
}
