package io.personalize.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class UserKnnRankerTests {

    /**
     * TestData.small(), binary, shrink 0: u0 {0,1}, u1 {0,1,2}, u2 {1,2}, u3 {3}. sim(u0,u1) = 2 / (sqrt 2 * sqrt 3) =
     * .8165, sim(u0,u2) = 1 / 2 = .5, sim(u0,u3) = 0. For u0 with 2 neighbours, item 2 gets .8165 + .5 (its only
     * candidate once u0's own items are excluded); with 1 neighbour (u1) only .8165; for u2, item 0 gets sim(u2,u0) +
     * sim(u2,u1) = .5 + .8165. Scores are divided by the user's best, so the best is 1.
     */
    private static UserKnnRanker ranker(int k) {
        InteractionMatrix m = TestData.small();
        UserKnnRanker.UserKnnParams params = new UserKnnRanker.UserKnnParams(k, 0, 0);
        ItemNeighbors none = new ItemNeighbors(4, new int[5], new int[0], new float[0]);
        return new UserKnnRanker(m, params, none, null, new ScoringParams(0, 1, 0), new UserKnnRanker.Shared(m, 0));
    }

    @Test
    void scoresItemsByTheNearestUsersSimilarities() {
        UserKnnRanker ranker = ranker(2);
        UserRanker.Ranked u0 = ranker.rank(0, new int[] {0, 1}, null, null, 10);
        // without exclusion: u1's items {0,1,2} get .8165 each, u2's {1,2} .5 each: 1 and 2 tie at 1.3165
        assertArrayEquals(new int[] {1, 2, 0}, u0.items());
        float best = 0.8165f + 0.5f;
        assertArrayEquals(new float[] {1f, 1f, 0.8165f / best}, u0.scores(), 1e-4f);
        UserRanker.Ranked excluded = ranker.rank(0, new int[] {0, 1}, null, new int[] {0, 1}, 10);
        assertArrayEquals(new int[] {2}, excluded.items());
        assertArrayEquals(new float[] {1f}, excluded.scores(), 1e-6f);
    }

    @Test
    void keepsOnlyTheKNearestUsers() {
        UserKnnRanker one = ranker(1);
        // u0's nearest user is u1 {0,1,2}: every candidate scores .8165, divided by the best: 1
        UserRanker.Ranked u0 = one.rank(0, new int[] {0, 1}, null, null, 10);
        assertArrayEquals(new int[] {0, 1, 2}, u0.items());
        assertArrayEquals(new float[] {1f, 1f, 1f}, u0.scores(), 1e-6f);
        // u3 {3} shares nothing with anyone: no candidate
        assertEquals(0, one.rank(3, new int[] {3}, null, new int[] {3}, 10).items().length);
    }

    @Test
    void aSecondUserGetsTheSumOfBothSimilarities() {
        UserKnnRanker ranker = ranker(3);
        UserRanker.Ranked u2 = ranker.rank(2, new int[] {1, 2}, null, new int[] {1, 2}, 10);
        assertArrayEquals(new int[] {0}, u2.items());
        assertArrayEquals(new float[] {1f}, u2.scores(), 1e-6f);
        UserRanker.Ranked all = ranker.rank(2, new int[] {1, 2}, null, null, 10);
        // item 1: u0 (.5) + u1 (.8165); item 2: u1 only; item 0: u0 + u1
        assertArrayEquals(new int[] {0, 1, 2}, all.items());
        assertEquals(0.8165f / (0.5f + 0.8165f), all.scores()[2], 1e-4f);
    }
}
