package io.personalize.rescore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PersonalizedScoreTests {

    @Test
    void theScoreIsTheWeightedSumOfItsParts() {
        RescoreWeights weights = new RescoreWeights(1f, 2f, 0.5f, 0.25f, 3f);
        assertEquals(
                1f * 0.5f + 2f * 0.3f + 0.5f * 0.8f + 0.25f * 1f + 3f * 0.1f,
                PersonalizedScore.combine(weights, 0.5f, 0.3f, 0.8f, 1f, 0.1f),
                1e-6);
    }

    @Test
    void zeroWeightsSwitchPartsOff() {
        RescoreWeights queryOnly = new RescoreWeights(1f, 0f, 0f, 0f, 0f);
        assertEquals(0.42f, PersonalizedScore.combine(queryOnly, 0.42f, 1f, 1f, 1f, 1f), 0f);
    }

    @Test
    void minmaxMapsTheWindowOntoZeroToOne() {
        assertEquals(0f, QueryNormalization.MINMAX.apply(2f, 2f, 6f), 0f);
        assertEquals(1f, QueryNormalization.MINMAX.apply(6f, 2f, 6f), 0f);
        assertEquals(0.25f, QueryNormalization.MINMAX.apply(3f, 2f, 6f), 1e-6);
        assertEquals(1f, QueryNormalization.MINMAX.apply(5f, 5f, 5f), 0f, "a window of equal scores");
        assertEquals(-0.25f, QueryNormalization.MINMAX.apply(1f, 2f, 6f), 1e-6, "a hit past the window falls below it");
    }

    @Test
    void logAndNone() {
        assertEquals((float) Math.log1p(9.0), QueryNormalization.LOG.apply(9f, 0f, 0f), 1e-6);
        assertEquals(0f, QueryNormalization.LOG.apply(-3f, 0f, 0f), 0f);
        assertEquals(7.5f, QueryNormalization.NONE.apply(7.5f, 0f, 100f), 0f);
    }

    @Test
    void badWeightsAndNormalizationsAreRejectedWithTheirName() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new RescoreWeights(1f, -1f, 1f, 1f, 1f));
        assertEquals("[weights.item_similarity] must be a finite number >= 0, got [-1.0]", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new RescoreWeights(Float.NaN, 1f, 1f, 1f, 1f));
        assertThrows(IllegalArgumentException.class, () -> new RescoreWeights(1f, 1f, Float.POSITIVE_INFINITY, 1f, 1f));
        e = assertThrows(IllegalArgumentException.class, () -> new RescoreWeights(1f, 1f, 1f, 1f, -2f));
        assertEquals("[weights.popularity] must be a finite number >= 0, got [-2.0]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> QueryNormalization.parse("zscore"));
        assertEquals("[query_normalization] must be one of [minmax, log, none], got [zscore]", e.getMessage());
    }
}
