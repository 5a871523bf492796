package io.personalize.training;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RankingMetricsTests {

    private static final double EPS = 1e-9;
    private static final double L3 = 1 / (Math.log(3) / Math.log(2));
    private static final double L5 = 1 / (Math.log(5) / Math.log(2));

    @Test
    void perListMetrics() {
        int[] ranked = {5, 1, 7, 3};
        int[] truth = RankingMetrics.sortedDistinct(new int[] {9, 3, 1, 3});
        assertEquals(1.0, RankingMetrics.hitRate(ranked, truth, 3), EPS);
        assertEquals(1.0 / 3, RankingMetrics.recall(ranked, truth, 3), EPS);
        assertEquals(L3 / (1 + L3 + 0.5), RankingMetrics.ndcg(ranked, truth, 3), EPS);
        assertEquals(2.0 / 3, RankingMetrics.recall(ranked, truth, 4), EPS);
        assertEquals((L3 + L5) / (1 + L3 + 0.5), RankingMetrics.ndcg(ranked, truth, 4), EPS);
        assertEquals(0.0, RankingMetrics.hitRate(ranked, truth, 1), EPS);
        // recall denominator is min(k, |truth|)
        assertEquals(1.0, RankingMetrics.recall(new int[] {4, 2}, new int[] {2}, 10), EPS);
        assertEquals(1.0, RankingMetrics.ndcg(new int[] {2, 4}, new int[] {2}, 10), EPS);
        // duplicates in the list count once
        assertEquals(0.5, RankingMetrics.recall(new int[] {2, 2}, new int[] {2, 4}, 2), EPS);
    }

    @Test
    void averagesAndCoverage() {
        RankingMetrics m = new RankingMetrics(3, 10);
        m.add(new int[] {5, 1, 7, 3}, new int[] {9, 3, 1});
        m.add(new int[] {1, 2}, new int[] {4, 11}); // 11: outside the catalogue, counts in |truth|
        m.add(new int[] {8}, new int[0]); // no truth: ignored
        assertEquals(2, m.users());
        assertEquals(0.5, m.hitRate(), EPS);
        assertEquals((1.0 / 3) / 2, m.recall(), EPS);
        assertEquals(L3 / (1 + L3 + 0.5) / 2, m.ndcg(), EPS);
        assertEquals(0.4, m.coverage(), EPS); // {5, 1, 7, 2} of 10
        // precision: 1 hit of 3, then 0; MAP: the hit at rank 2 has precision 1/2, over min(3, 3) relevant
        assertEquals((1.0 / 3) / 2, m.precision(), EPS);
        assertEquals((0.5 / 3) / 2, m.map(), EPS);
    }

    @Test
    void averagePrecisionAtK() {
        // truth {1, 3, 9}; ranked 5, 1, 7, 3: hits at ranks 2 and 4, precisions 1/2 and 2/4
        int[] truth = RankingMetrics.sortedDistinct(new int[] {9, 3, 1});
        assertEquals((0.5 + 0.5) / 3, RankingMetrics.averagePrecision(new int[] {5, 1, 7, 3}, truth, 4), EPS);
        assertEquals(0.5 / 2, RankingMetrics.averagePrecision(new int[] {5, 1, 7, 3}, truth, 2), EPS);
        assertEquals(1.0, RankingMetrics.averagePrecision(new int[] {3, 1, 9}, truth, 3), EPS);
    }
}
