package io.personalize.recommend;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import io.personalize.model.ModelConfig;
import io.personalize.model.ModelStatus;
import io.personalize.profile.ActiveModel;
import io.personalize.profile.Profile;
import io.personalize.profile.SourceItem;
import io.personalize.serving.NeighborList;
import io.personalize.serving.NeighborhoodScorer;
import io.personalize.serving.PopularList;
import io.personalize.serving.Recommendations;
import io.personalize.serving.TrainedDocuments;
import io.personalize.serving.UserProfile;
import io.personalize.training.ItemNeighbors;
import io.personalize.training.ScoringParams;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.elasticsearch.test.ESTestCase;

/**
 * Serving ranks as the model does: the stored list first, in its order; past it, the model's own formula on the same
 * scale (from the neighbour lists of the history items); the popular fallback as the formula's popularity term.
 */
public class CandidateScorerTests extends ESTestCase {

    static ActiveModel model(long newestEvent) {
        ModelConfig config = new ModelConfig(
                new ModelConfig.Catalog("products", "sku", List.of(), null),
                new ModelConfig.Events("events", null, null, null, null, null, null, null),
                null,
                null);
        return new ActiveModel(
                "shop",
                config,
                new ModelStatus.Version(
                        1, ".personalize-data-shop.v1", "training", 7, 1, 1, 1, newestEvent, 1, "cosine"));
    }

    /** A random model over {@code n} items: neighbour lists, popularity, and a scorer as training builds it. */
    private record World(NeighborhoodScorer scorer, ItemNeighbors neighbors, float[] popularity, ScoringParams params) {
        static World random(int n, int k, double popularityWeight) {
            int[] offsets = new int[n + 1];
            List<Integer> ids = new ArrayList<>();
            List<Float> scores = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Set<Integer> picked = new LinkedHashSet<>();
                while (picked.size() < k) {
                    int j = randomIntBetween(0, n - 1);
                    if (j != i) {
                        picked.add(j);
                    }
                }
                List<Float> s = new ArrayList<>();
                picked.forEach(j -> s.add(randomFloat()));
                s.sort((a, b) -> Float.compare(b, a));
                ids.addAll(picked);
                scores.addAll(s);
                offsets[i + 1] = ids.size();
            }
            float[] popularity = new float[n];
            for (int i = 0; i < n; i++) {
                popularity[i] = randomFloat() * 10;
            }
            ItemNeighbors neighbors = new ItemNeighbors(
                    n, offsets, ids.stream().mapToInt(Integer::intValue).toArray(), toArray(scores));
            ScoringParams params = new ScoringParams(randomFrom(0.0, 1.0), randomFrom(0.0, 1.0), popularityWeight);
            return new World(new NeighborhoodScorer(neighbors, popularity, params), neighbors, popularity, params);
        }
    }

    private static float[] toArray(List<Float> list) {
        float[] a = new float[list.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = list.get(i);
        }
        return a;
    }

    /** The neighbour list of the world's item {@code i}, as the model's document holds it. */
    private static NeighborList neighborList(World world, int i) {
        return new NeighborList(
                name(i),
                names(world.neighbors().neighbors(i)),
                world.neighbors().scores(i),
                world.popularity()[i]);
    }

    private static String name(int item) {
        return "item" + item;
    }

    private static List<String> names(int[] items) {
        return Arrays.stream(items).mapToObj(CandidateScorerTests::name).toList();
    }

    /** The profile serving loads: the stored list (top {@code stored} of the scorer), the history's neighbour lists, the popular list. */
    private static Profile profile(World world, int[] history, float[] weights, int stored) {
        Recommendations top = world.scorer().recommend(history, weights, history, stored, 1);
        List<String> because = new ArrayList<>();
        for (int r = 0; r < top.size(); r++) {
            because.add(top.reasonItems(r).length == 0 ? null : name(top.reasonItems(r)[0]));
        }
        UserProfile user =
                new UserProfile("u", names(history), weights, names(top.items()), top.scores(), because, Map.of());
        Map<String, NeighborList> docs = new HashMap<>();
        List<SourceItem> sources = new ArrayList<>();
        for (int i : history) {
            docs.put(name(i), neighborList(world, i));
            sources.add(new SourceItem(name(i), SourceItem.Origin.HISTORY));
        }
        Integer[] order = new Integer[world.popularity().length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(world.popularity()[b], world.popularity()[a]));
        List<String> popular = new ArrayList<>();
        float[] popularScores = new float[order.length];
        for (int r = 0; r < order.length; r++) {
            popular.add(name(order[r]));
            popularScores[r] = world.popularity()[order[r]];
        }
        ScoringParams p = world.params();
        PopularList popularDoc = new PopularList(
                popular,
                popularScores,
                new ScoringParams(p.historyWeightExponent(), p.historyNormExponent(), p.popularityWeight()));
        return new Profile(model(1000), "u", user, sources, docs, new LinkedHashSet<>(names(history)), popularDoc);
    }

    public void testServingRanksEveryItemAsTheModelDoes() {
        for (int iteration = 0; iteration < 20; iteration++) {
            int n = randomIntBetween(30, 80);
            World world = World.random(n, randomIntBetween(3, 10), randomFrom(0.0, 0.03, 0.2));
            int[] history =
                    randomSubsetOf(
                                    randomIntBetween(1, 8),
                                    java.util.stream.IntStream.range(0, n)
                                            .boxed()
                                            .toList())
                            .stream()
                            .mapToInt(Integer::intValue)
                            .toArray();
            float[] weights = new float[history.length];
            for (int x = 0; x < weights.length; x++) {
                weights[x] = 0.5f + randomFloat() * 5;
            }
            int stored = randomIntBetween(1, 10);
            Profile profile = profile(world, history, weights, stored);
            Set<String> excluded = new HashSet<>(profile.seen());

            Map<String, Candidate> candidates = CandidateScorer.collaborative(profile, excluded, true);
            Ranking ranking =
                    new Ranking(candidates, profile.popular(), CandidateScorer.popularScale(profile), excluded);
            List<String> served = ranking.next(n).stream().map(Candidate::item).toList();

            // the model's full ranking, every item with a positive score
            Recommendations all = world.scorer().recommend(history, weights, history, n, 0);
            List<String> expected = names(all.items());
            // (popular items may follow when the model scores fewer items than the stored list holds)
            int listed = Math.min(stored, expected.size());
            assertThat(
                    "the stored list first, in its order",
                    served.subList(0, Math.min(listed, served.size())),
                    equalTo(expected.subList(0, listed)));
            if (world.params().popularityWeight() > 0) {
                // every item scored, on one scale: the same ranking as the model's, to float rounding
                float best = profile.user().scores()[0];
                for (int r = 0; r < served.size(); r++) {
                    Candidate c = ranking.taken().get(r);
                    int item = Integer.parseInt(c.item().substring(4));
                    int at = expected.indexOf(c.item());
                    assertTrue(c.item() + " is ranked by the model", at >= 0);
                    assertEquals("score of " + c.item(), all.scores()[at] / best, c.score(), 1e-4);
                    assertFalse(Arrays.stream(history).anyMatch(h -> h == item));
                }
                assertThat(served.size(), equalTo(expected.size()));
            }
            for (int r = stored; r < served.size(); r++) {
                assertThat(
                        "nothing past the stored list outranks it",
                        ranking.taken().get(r).score(),
                        lessThanOrEqualTo(ranking.taken()
                                .get(Math.min(stored, served.size()) - 1)
                                .score()));
            }
        }
    }

    /**
     * A shelf's ranking with the items past the stored list taken as it reaches them ({@link BeyondStoredList}) is the
     * ranking with all of them added up front: the same candidates in the same order, with the same scores and reasons,
     * whether or not the shopper's items are excluded, with real-time items (which name items past the list) or not.
     */
    public void testItemsPastTheStoredListTakenAsReachedRankAsAddedUpFront() {
        for (int iteration = 0; iteration < 100; iteration++) {
            int n = randomIntBetween(20, 80);
            World world = World.random(n, randomIntBetween(3, 10), randomFrom(0.0, 0.03, 0.2));
            List<Integer> all = java.util.stream.IntStream.range(0, n).boxed().toList();
            int[] history = randomSubsetOf(randomIntBetween(1, 8), all).stream()
                    .mapToInt(Integer::intValue)
                    .toArray();
            float[] weights = new float[history.length];
            for (int x = 0; x < weights.length; x++) {
                weights[x] = 0.5f + randomFloat() * 5;
            }
            Profile base = profile(world, history, weights, randomIntBetween(1, 10));
            // events since the training (real time), on items of the history or not
            List<SourceItem> sources = new ArrayList<>(base.sources());
            Map<String, NeighborList> lists = new HashMap<>(base.neighbors());
            for (int i : randomSubsetOf(randomIntBetween(0, 3), all)) {
                if (lists.containsKey(name(i)) == false) {
                    lists.put(name(i), neighborList(world, i));
                    sources.add(0, new SourceItem(name(i), SourceItem.Origin.RECENT, 2000));
                }
            }
            Profile profile = new Profile(base.model(), "u", base.user(), sources, lists, base.seen(), base.popular());
            Set<String> excluded = randomBoolean() ? new HashSet<>(profile.seen()) : new HashSet<>();
            float scale = CandidateScorer.popularScale(profile);

            Map<String, Candidate> upFront = CandidateScorer.collaborative(profile, excluded, true);
            List<Candidate> expected = new Ranking(upFront, profile.popular(), scale, excluded).next(4 * n);

            Map<String, Candidate> candidates = new HashMap<>();
            BeyondStoredList beyond = CandidateScorer.collaborative(profile, excluded, true, candidates);
            assertThat(candidates.size(), lessThanOrEqualTo(upFront.size()));
            // two rankings of the same candidates, as a shelf makes (the content term's slots, then the rounds)
            new Ranking(candidates, beyond, profile.popular(), scale, excluded).next(randomIntBetween(0, n));
            List<Candidate> taken = new Ranking(candidates, beyond, profile.popular(), scale, excluded).next(4 * n);

            assertThat(
                    taken.stream().map(Candidate::item).toList(),
                    equalTo(expected.stream().map(Candidate::item).toList()));
            for (int r = 0; r < taken.size(); r++) {
                assertEquals(
                        expected.get(r).item(),
                        expected.get(r).score(),
                        taken.get(r).score(),
                        0f);
                assertThat(taken.get(r).reasons(), equalTo(expected.get(r).reasons()));
            }
        }
    }

    public void testTheShoppersOwnItemsComeBackWhenNotExcluded() {
        // a, b bought; b is a's neighbour: with exclude_seen false, b is a candidate, named by a
        UserProfile user = new UserProfile(
                "u", List.of("a", "b"), new float[] {1f, 1f}, List.of("c"), new float[] {0.4f}, List.of("a"), Map.of());
        Profile profile = new Profile(
                model(1000),
                "u",
                user,
                List.of(new SourceItem("a", SourceItem.Origin.HISTORY), new SourceItem("b", SourceItem.Origin.HISTORY)),
                Map.of(
                        "a",
                        new NeighborList("a", List.of("b", "c"), new float[] {0.6f, 0.5f}, 1f),
                        "b",
                        new NeighborList("b", List.of("c"), new float[] {0.3f}, 1f)),
                Set.of("a", "b"),
                new PopularList(List.of("c", "b", "a"), new float[] {3f, 2f, 1f}, new ScoringParams(0, 1, 0)));
        Map<String, Candidate> notExcluded = CandidateScorer.collaborative(profile, Set.of(), true);
        assertThat(notExcluded.keySet(), equalTo(Set.of("b", "c")));
        Candidate b = notExcluded.get("b");
        assertEquals("h(a) = 1/2, S[a][b] = 0.6, over the list's best 0.4", 0.5f * 0.6f / 0.4f, b.score(), 1e-6);
        assertThat(b.reasons().get(0).type(), equalTo(Reason.Type.BECAUSE_YOU_VIEWED));
        assertThat(b.reasons().get(0).itemId(), equalTo("a"));
        assertThat(
                CandidateScorer.collaborative(profile, Set.of("a", "b"), true).keySet(), equalTo(Set.of("c")));
        // without the extension, the stored list alone
        assertThat(CandidateScorer.collaborative(profile, Set.of(), false).keySet(), equalTo(Set.of("c")));
    }

    public void testPopularFallbackStaysBelowTheStoredList() {
        UserProfile user = new UserProfile(
                "u", List.of("h"), new float[] {1f}, List.of("x"), new float[] {0.05f}, List.of("h"), Map.of());
        PopularList popular =
                new PopularList(List.of("p", "x", "q"), new float[] {10f, 5f, 1f}, new ScoringParams(0, 1, 0.03));
        Profile known = new Profile(model(1000), "u", user, List.of(), Map.of(), Set.of("h"), popular);
        assertEquals("beta / the list's best", 0.03f / 0.05f, CandidateScorer.popularScale(known), 1e-6);
        Map<String, Candidate> candidates = CandidateScorer.collaborative(known, Set.of("h"), true);
        List<Candidate> ranked =
                new Ranking(candidates, popular, CandidateScorer.popularScale(known), Set.of("h")).next(10);
        assertEquals(
                List.of("x", "p", "q"), ranked.stream().map(Candidate::item).toList());
        assertEquals(1f, ranked.get(0).score(), 1e-6);
        assertEquals(0.6f, ranked.get(1).score(), 1e-6);
        assertEquals(0.06f, ranked.get(2).score(), 1e-6);
        Profile stranger = new Profile(model(1000), "v", null, List.of(), Map.of(), Set.of(), popular);
        assertEquals(CandidateScorer.POPULAR_WEIGHT, CandidateScorer.popularScale(stranger), 0f);
    }

    /**
     * Past a shopper's stored list, {@code _recommend} scores items with the model's own formula on the list's scale:
     * cut a stored list short, and the items it loses come back as the next candidates, with their stored scores
     * (divided by the list's best) and reasons, from the same documents.
     */
    public void testBeyondTheStoredListIsTheStoredListsContinuation() throws IOException {
        TrainedDocuments model = TrainedDocuments.train(
                randomFrom(ScoringParams.DEFAULTS, new ScoringParams(1, 0.5, 0.1)), randomBoolean(), 20);
        int compared = 0;
        for (UserProfile full : model.users().values()) {
            if (full.recommended().size() < 2) {
                continue;
            }
            // cut in the first half: at least half of each list is compared, so that enough ranks are checked
            int k = between(1, full.recommended().size() / 2);
            UserProfile cut = new UserProfile(
                    full.user(),
                    full.history(),
                    full.historyWeights(),
                    full.recommended().subList(0, k),
                    Arrays.copyOf(full.scores(), k),
                    full.because() == null ? null : full.because().subList(0, k),
                    full.attributes());
            List<SourceItem> sources = full.history().stream()
                    .map(item -> new SourceItem(item, SourceItem.Origin.HISTORY))
                    .toList();
            Profile profile = new Profile(
                    model(1000), full.user(), cut, sources, model.lists(), Set.copyOf(full.history()), model.popular());
            Map<String, Candidate> candidates =
                    CandidateScorer.collaborative(profile, Set.copyOf(full.history()), true);
            for (int r = k; r < full.recommended().size(); r++) {
                String because = full.because(r);
                Candidate candidate = candidates.get(full.recommended().get(r));
                if (because == null) {
                    continue; // popularity alone: the popular fallback brings it
                }
                String what = "user [" + full.user() + "] rank " + r;
                assertNotNull(what, candidate);
                assertEquals(what, full.scores()[r] / full.scores()[0], candidate.score(), 0f);
                assertThat(what, candidate.reasons().get(0).itemId(), equalTo(because));
                compared++;
            }
        }
        assertThat(compared, greaterThan(20));
    }

    public void testRealTimeNeighborsCountOnlyForEventsAfterTraining() {
        NeighborList doc = new NeighborList("r", List.of("n"), new float[] {0.5f}, 1f);
        Profile before = new Profile(
                model(1000),
                "u",
                null,
                List.of(new SourceItem("r", SourceItem.Origin.RECENT, 999)),
                Map.of("r", doc),
                Set.of("r"),
                null);
        assertTrue(CandidateScorer.collaborative(before, Set.of("r"), true).isEmpty());
        Profile after = new Profile(
                model(1000),
                "u",
                null,
                List.of(new SourceItem("r", SourceItem.Origin.RECENT, 1001)),
                Map.of("r", doc),
                Set.of("r"),
                null);
        Candidate n = CandidateScorer.collaborative(after, Set.of("r"), true).get("n");
        assertEquals(1f, n.score(), 0f);
        assertThat(n.reasons().get(0), equalTo(Reason.item(Reason.Type.BECAUSE_YOU_VIEWED, "r", 1f)));
    }
}
