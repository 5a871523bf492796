package io.personalize.serving;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import io.personalize.training.ScoringParams;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.elasticsearch.test.ESTestCase;

public class ProfileScorerTests extends ESTestCase {

    private static final int USER_ITEMS = 20;

    /**
     * The stored "for you" list of every user (what training writes in the user's document) is exactly what the serving
     * scorer computes from the stored documents: same items in the same order, same float scores, same reasons.
     */
    public void testStoredListEqualsWhatServingComputes() throws IOException {
        for (ScoringParams scoring : List.of(
                ScoringParams.DEFAULTS,
                new ScoringParams(1, 0.5, 0.1),
                new ScoringParams(0.5, 0, 0),
                new ScoringParams(0, 1, 1))) {
            for (boolean ties : new boolean[] {true, false}) {
                TrainedDocuments model = TrainedDocuments.train(scoring, ties, USER_ITEMS);
                assertThat(model.users().size(), greaterThan(10));
                int compared = 0;
                for (UserProfile user : model.users().values()) {
                    List<ProfileScorer.Scored> served = ProfileScorer.score(
                            user.history(),
                            user.historyWeights(),
                            model.lists(),
                            model.popular(),
                            model.popular().scoring(),
                            Set.copyOf(user.history()),
                            USER_ITEMS);
                    String what = scoring + (ties ? " with ties" : "") + " user [" + user.user() + "]";
                    assertThat(
                            what,
                            served.stream().map(ProfileScorer.Scored::item).toList(),
                            equalTo(user.recommended()));
                    for (int r = 0; r < served.size(); r++) {
                        assertEquals(
                                what + " rank " + r,
                                user.scores()[r],
                                served.get(r).score(),
                                0f);
                        assertEquals(
                                what + " rank " + r,
                                user.because(r),
                                served.get(r).source());
                    }
                    compared += served.size();
                }
                assertThat(compared, greaterThan(100));
            }
        }
    }

    /** Scores are sums of weighted neighbour scores plus the popularity term; the strongest source is the reason. */
    public void testSumsNeighborScoresAndRemembersTheStrongestSource() {
        Map<String, NeighborList> lists = Map.of(
                "a", new NeighborList("a", List.of("x", "y"), new float[] {0.5f, 0.2f}, 4f),
                "b", new NeighborList("b", List.of("y", "z"), new float[] {0.4f, 0.1f}, 1f));
        List<ProfileScorer.Scored> sums = ProfileScorer.sum(List.of("a", "b", "unknown"), lists, Set.of());
        assertThat(
                sums,
                equalTo(List.of(
                        new ProfileScorer.Scored("y", 0.2f + 0.4f, "b"),
                        new ProfileScorer.Scored("x", 0.5f, "a"),
                        new ProfileScorer.Scored("z", 0.1f, "b"))));
        // averaged over the history (q = 1, three entries: the unknown item counts in the norm), popularity beta 0.3
        PopularList popular =
                new PopularList(List.of("a", "p", "x"), new float[] {4f, 2f, 1f}, new ScoringParams(0, 1, 0.3));
        List<ProfileScorer.Scored> scored = ProfileScorer.score(
                List.of("a", "b", "unknown"),
                new float[] {1, 1, 1},
                lists,
                popular,
                popular.scoring(),
                Set.of("a", "b"),
                10);
        assertThat(scored.stream().map(ProfileScorer.Scored::item).toList(), equalTo(List.of("x", "y", "p", "z")));
        assertEquals(0.5f / 3 + 0.3f * 1 / 4, scored.get(0).score(), 1e-6);
        assertEquals("a", scored.get(0).source());
        assertEquals((0.2f + 0.4f) / 3, scored.get(1).score(), 1e-6);
        assertEquals("b", scored.get(1).source());
        assertEquals(0.3f * 2 / 4, scored.get(2).score(), 1e-6);
        assertNull("popularity alone: no source", scored.get(2).source());
        assertEquals(0.1f / 3, scored.get(3).score(), 1e-6);
        assertEquals(
                2,
                ProfileScorer.score(List.of("a", "b"), null, lists, popular, popular.scoring(), Set.of(), 2)
                        .size());
    }

    /** Equal scores rank by id in UTF-8 byte order, as training numbers items: by code point, not by UTF-16 unit. */
    public void testTiesBreakByIdInUtf8Order() {
        String high =
                "\uFF21"; // a BMP character above the surrogates: after a supplementary one in UTF-16, before in UTF-8
        String supplementary = "\uD83D\uDE00";
        Map<String, NeighborList> lists = Map.of(
                "s", new NeighborList("s", List.of(high, supplementary, "b", "a"), new float[] {1, 1, 1, 1}, 0f));
        List<String> ranked = ProfileScorer.sum(List.of("s"), lists, Set.of()).stream()
                .map(ProfileScorer.Scored::item)
                .toList();
        assertThat(ranked, equalTo(List.of("a", "b", high, supplementary)));
        assertTrue(ProfileScorer.compareCodePoints(high, supplementary) < 0);
        assertTrue(high.compareTo(supplementary) > 0);
        assertTrue(ProfileScorer.compareCodePoints("ab", "abc") < 0);
        assertEquals(0, ProfileScorer.compareCodePoints("abc", "abc"));
    }

    /**
     * The candidates some source leads to, as {@code _recommend} takes past a stored list, are exactly those of the full
     * scoring that have a source: same items, float scores and sources (in the order first reached, so compared ranked),
     * though the popular items are not numbered.
     */
    public void testReachedCandidatesAreTheFullScoresWithASource() throws IOException {
        for (ScoringParams scoring : List.of(ScoringParams.DEFAULTS, new ScoringParams(1, 0.5, 0.1))) {
            for (boolean ties : new boolean[] {true, false}) {
                TrainedDocuments model = TrainedDocuments.train(scoring, ties, USER_ITEMS);
                int compared = 0;
                for (UserProfile user : model.users().values()) {
                    Set<String> excluded = Set.copyOf(user.recommended());
                    List<ProfileScorer.Scored> full = ProfileScorer.score(
                            user.history(),
                            user.historyWeights(),
                            model.lists(),
                            model.popular(),
                            model.popular().scoring(),
                            excluded,
                            Integer.MAX_VALUE);
                    List<ProfileScorer.Scored> reached = ProfileScorer.scoreReached(
                            user.history(),
                            user.historyWeights(),
                            model.lists(),
                            model.popular(),
                            model.popular().scoring(),
                            excluded);
                    assertThat(
                            scoring + (ties ? " with ties" : "") + " user [" + user.user() + "]",
                            ranked(reached),
                            equalTo(full.stream()
                                    .filter(c -> c.source() != null)
                                    .toList()));
                    compared += reached.size();
                }
                // not vacuous: candidates past the stored lists compared (random data: seed 5623424611E91E55
                // compares 88)
                assertThat(compared, greaterThan(40));
            }
        }
        // ties among ids with a surrogate pair: UTF-8 order still (code points, not UTF-16 units)
        String high = "\uFF21";
        String supplementary = "\uD83D\uDE00";
        Map<String, NeighborList> lists = Map.of(
                "s", new NeighborList("s", List.of(high, supplementary, "b", "a"), new float[] {1, 1, 1, 1}, 0f));
        PopularList popular = new PopularList(List.of("p", "a"), new float[] {2f, 1f}, new ScoringParams(0, 1, 0.3));
        List<ProfileScorer.Scored> full =
                ProfileScorer.score(List.of("s"), null, lists, popular, new ScoringParams(0, 0, 0), Set.of(), 10);
        List<ProfileScorer.Scored> reached =
                ProfileScorer.scoreReached(List.of("s"), null, lists, popular, new ScoringParams(0, 0, 0), Set.of());
        assertThat(
                ranked(reached).stream().map(ProfileScorer.Scored::item).toList(),
                equalTo(List.of("a", "b", high, supplementary)));
        assertThat(
                ranked(reached),
                equalTo(full.stream().filter(c -> c.source() != null).toList()));
        // two sources tie on an item: the smaller id in UTF-8 order is its source, as the model's reasons have it
        Map<String, NeighborList> tied = Map.of(
                supplementary, new NeighborList(supplementary, List.of("x"), new float[] {0.5f}, 0f),
                high, new NeighborList(high, List.of("x"), new float[] {0.5f}, 0f));
        List<String> tiedSources = List.of(supplementary, high);
        assertThat(
                ProfileScorer.scoreReached(tiedSources, null, tied, popular, ScoringParams.DEFAULTS, Set.of()),
                equalTo(
                        ProfileScorer.score(tiedSources, null, tied, popular, ScoringParams.DEFAULTS, Set.of(), 10)
                                .stream()
                                .filter(c -> c.source() != null)
                                .toList()));
        assertThat(
                ProfileScorer.scoreReached(tiedSources, null, tied, popular, ScoringParams.DEFAULTS, Set.of())
                        .get(0)
                        .source(),
                equalTo(high));
        // a history naming an item twice (the model's reasons sum its factors): the same as the full scoring still
        Map<String, NeighborList> twice = Map.of(
                "s", new NeighborList("s", List.of("a", "b"), new float[] {0.7f, 0.3f}, 1f),
                "t", new NeighborList("t", List.of("b", "a"), new float[] {0.6f, 0.4f}, 2f));
        List<String> repeated = List.of("s", "t", "s");
        float[] weights = {1f, 3f, 2f};
        ScoringParams weighted = new ScoringParams(1, 0.5, 0.1);
        assertThat(
                ranked(ProfileScorer.scoreReached(repeated, weights, twice, popular, weighted, Set.of())),
                equalTo(ProfileScorer.score(repeated, weights, twice, popular, weighted, Set.of(), 10).stream()
                        .filter(c -> c.source() != null)
                        .toList()));
    }

    /** Scored candidates best first, ties by id in UTF-8 order: the order of {@link ProfileScorer#score}. */
    private static List<ProfileScorer.Scored> ranked(List<ProfileScorer.Scored> scored) {
        List<ProfileScorer.Scored> ranked = new java.util.ArrayList<>(scored);
        ranked.sort((a, b) -> a.score() != b.score()
                ? Float.compare(b.score(), a.score())
                : ProfileScorer.compareCodePoints(a.item(), b.item()));
        return ranked;
    }

    /** The packed-key sort of ids gives UTF-8 order: short ids, shared prefixes, Latin-1, other BMP, surrogate pairs. */
    public void testIdsSortInUtf8Order() {
        String[] alphabets = {"0123456789AB", "ab\u00e9\u00ff\u0000", "a\uFF21\uD83D\uDE00b"};
        for (int round = 0; round < 200; round++) {
            String alphabet = alphabets[round % alphabets.length];
            java.util.Set<String> distinct = new java.util.LinkedHashSet<>();
            int n = between(1, 300);
            while (distinct.size() < n) {
                StringBuilder id = new StringBuilder(randomBoolean() ? "85123" : "");
                for (int c = between(0, 9); c > 0; c--) {
                    id.append(alphabet.charAt(between(0, alphabet.length() - 1)));
                }
                distinct.add(id.toString());
            }
            String[] names = distinct.toArray(String[]::new);
            List<String> expected = new java.util.ArrayList<>(distinct);
            expected.sort(ProfileScorer::compareCodePoints);
            int[] sorted = ProfileScorer.utf8Sorted(names);
            List<String> actual =
                    java.util.Arrays.stream(sorted).mapToObj(i -> names[i]).toList();
            assertThat(actual, equalTo(expected));
        }
    }

    public void testNothingToScore() {
        assertEquals(
                List.of(),
                ProfileScorer.score(List.of("a"), null, Map.of(), null, ScoringParams.DEFAULTS, Set.of(), 10));
        expectThrows(
                IllegalArgumentException.class,
                () -> ProfileScorer.score(
                        List.of("a"), new float[2], Map.of(), null, ScoringParams.DEFAULTS, Set.of(), 10));
    }
}
