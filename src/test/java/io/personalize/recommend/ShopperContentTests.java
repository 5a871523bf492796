package io.personalize.recommend;

import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;

import io.personalize.serving.PopularList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.elasticsearch.test.ESTestCase;

/** The content term of a "for you" shelf: scaled by its best cosine to the content weight, below collaborative signals. */
public class ShopperContentTests extends ESTestCase {

    public void testTheBestContentItemGetsTheWeightTheOthersTheirShareOfIt() {
        Map<String, Float> nearest = new LinkedHashMap<>();
        nearest.put("new1", 0.9f); // knn score (1 + cosine) / 2: cosine .8
        nearest.put("new2", 0.7f); // cosine .4
        nearest.put("opposite", 0.4f); // cosine -.2: no content term
        nearest.put("seen", 0.95f); // excluded
        Map<String, Candidate> candidates = new HashMap<>();
        Recommender.addContentTerm(nearest, null, 0.2f, Set.of(), Set.of("seen"), BeyondStoredList.NONE, candidates);
        assertThat((double) candidates.get("new1").score(), closeTo(0.2, 1e-6));
        assertThat((double) candidates.get("new2").score(), closeTo(0.1, 1e-6));
        assertThat(candidates, not(hasKey("opposite")));
        assertThat(candidates, not(hasKey("seen")));
        assertThat(candidates.get("new1").reasons().get(0).type(), equalTo(Reason.Type.CONTENT_SIMILAR));
    }

    public void testTheTermAddsToACollaborativeCandidateAndStaysBelowTheBestCollaborativeOne() {
        Map<String, Candidate> candidates = new HashMap<>();
        candidates.put("known", new Candidate("known").add(Reason.item(Reason.Type.BECAUSE_YOU_VIEWED, "a", 1f)));
        candidates.put("tail", new Candidate("tail").add(Reason.item(Reason.Type.BECAUSE_YOU_VIEWED, "a", 0.05f)));
        Recommender.addContentTerm(
                Map.of("tail", 0.8f, "new", 0.8f),
                "x",
                ShelfQuery.DEFAULT_CONTENT_WEIGHT,
                Set.of(),
                Set.of(),
                BeyondStoredList.NONE,
                candidates);
        assertThat((double) candidates.get("tail").score(), closeTo(0.05 + ShelfQuery.DEFAULT_CONTENT_WEIGHT, 1e-6));
        assertThat(
                candidates.get("new").score(), lessThan(candidates.get("known").score()));
        List<Candidate> ranked =
                candidates.values().stream().sorted(Candidate.BEST_FIRST).toList();
        assertThat(ranked.stream().map(Candidate::item).toList(), contains("known", "tail", "new"));
    }

    /** Items the model knows are skipped (the collaborative signals rank them) but still set the scale. */
    public void testItemsTheModelKnowsAreSkippedButSetTheScale() {
        Map<String, Candidate> candidates = new HashMap<>();
        Recommender.addContentTerm(
                Map.of("known", 0.9f, "new", 0.7f),
                null,
                0.3f,
                Set.of("known"),
                Set.of(),
                BeyondStoredList.NONE,
                candidates);
        assertThat(candidates, not(hasKey("known")));
        assertThat((double) candidates.get("new").score(), closeTo(0.3 * 0.4 / 0.8, 1e-6));
    }

    public void testNoPositiveCosineNoTerm() {
        Map<String, Candidate> candidates = new HashMap<>();
        Recommender.addContentTerm(
                Map.of("a", 0.5f, "b", 0.2f), null, 0.5f, Set.of(), Set.of(), BeyondStoredList.NONE, candidates);
        assertThat(candidates.size(), equalTo(0));
    }

    private static Map<String, Candidate> collaborative(float... scores) {
        Map<String, Candidate> candidates = new HashMap<>();
        for (int i = 0; i < scores.length; i++) {
            String item = "c" + i;
            candidates.put(item, new Candidate(item).add(Reason.item(Reason.Type.BECAUSE_YOU_VIEWED, "a", scores[i])));
        }
        return candidates;
    }

    private static ShelfQuery shelf(int size, float contentWeight, int contentSlots) {
        return new ShelfQuery.Builder()
                .model("m")
                .userId("u")
                .size(size)
                .contentWeight(contentWeight)
                .contentSlots(contentSlots)
                .build();
    }

    /**
     * Not given, {@code content_weight} is 1 where the catalogue dates its products (the term then goes to new products
     * only) and 0.5 where it does not; given, it is what was given either way.
     */
    public void testTheContentWeightsDefaultDependsOnWhetherTheCatalogueDatesItsProducts() {
        ShelfQuery notGiven = new ShelfQuery.Builder().model("m").userId("u").build();
        assertThat(notGiven.contentWeight(false), equalTo(ShelfQuery.DEFAULT_CONTENT_WEIGHT));
        assertThat(notGiven.contentWeight(true), equalTo(ShelfQuery.DEFAULT_DATED_CONTENT_WEIGHT));
        assertThat(ShelfQuery.DEFAULT_DATED_CONTENT_WEIGHT, equalTo(1f));
        ShelfQuery given = shelf(10, 0.3f, 2);
        assertThat(given.contentWeight(false), equalTo(0.3f));
        assertThat(given.contentWeight(true), equalTo(0.3f));
        expectThrows(IllegalArgumentException.class, () -> new ShelfQuery.Builder().contentWeight(Float.NaN));
    }

    /** With one content slot on a shelf of 4, new products rank below the 3rd best candidate and keep their order. */
    public void testNewProductsTakeOnlyTheLastSlots() {
        Map<String, Candidate> candidates = collaborative(1f, 0.8f, 0.6f, 0.5f, 0.4f);
        ShelfQuery request = shelf(4, 1f, 1);
        float weight = Recommender.shopperContentWeight(new Ranking(candidates, null, 0f, Set.of()), request, false);
        assertThat(weight, lessThan(0.6f));
        assertThat((double) weight, closeTo(0.6, 1e-6));
        Recommender.addContentTerm(
                Map.of("new1", 0.9f, "new2", 0.85f),
                null,
                weight,
                Set.of(),
                Set.of(),
                BeyondStoredList.NONE,
                candidates);
        List<String> ranked = candidates.values().stream()
                .sorted(Candidate.BEST_FIRST)
                .map(Candidate::item)
                .toList();
        // new1 (cosine .8, the best) displaces the 4th candidate (.5); new2 (share .875 of it: .525) too, but it is
        // 5th: off a shelf of 4
        assertThat(ranked.subList(0, 4), contains("c0", "c1", "c2", "new1"));
        assertThat(ranked.get(4), equalTo("new2"));
    }

    /** The cap counts only items the shelf could show (an excluded popular item is skipped), never raises the weight. */
    public void testTheCapIgnoresExcludedItemsAndNeverRaisesTheWeight() {
        PopularList popular = new PopularList(List.of("p0", "p1"), new float[] {10f, 5f}, null);
        Ranking ranking = new Ranking(collaborative(1f, 0.9f), popular, 0.1f, Set.of("p0"));
        // c0, c1, p1 (0.1 · 5/10): the 3rd
        assertThat((double) Recommender.shopperContentWeight(ranking, shelf(4, 1f, 1), false), closeTo(0.05, 1e-6));
        assertThat(
                Recommender.shopperContentWeight(
                        new Ranking(collaborative(1f, 0.9f, 0.8f, 0.7f), null, 0f, Set.of()), shelf(3, 0.3f, 1), false),
                equalTo(0.3f));
    }

    /** Popular items fill the shelf below a short collaborative list: the cap is the popular item's score there. */
    public void testPopularItemsBelowAShortListSetTheCap() {
        Map<String, Candidate> candidates = collaborative(1f, 0.8f);
        PopularList popular = new PopularList(List.of("p0", "p1", "p2"), new float[] {10f, 5f, 2f}, null);
        // a shelf of 4 with 1 content slot: c0, c1, then p0 (0.1 · 10/10), the 3rd: the cap is just below 0.1
        float weight = Recommender.shopperContentWeight(
                new Ranking(candidates, popular, 0.1f, Set.of()), shelf(4, 1f, 1), false);
        assertThat(weight, lessThan(0.1f));
        assertThat((double) weight, closeTo(0.1, 1e-6));
    }

    /** Slots as many as the shelf, or fewer candidates than the slots above them: the content weight as given. */
    public void testNoCapWithoutEnoughCandidatesAbove() {
        assertThat(
                Recommender.shopperContentWeight(
                        new Ranking(collaborative(1f, 0.9f), null, 0f, Set.of()), shelf(10, 0.7f, 1), false),
                equalTo(0.7f));
        assertThat(
                Recommender.shopperContentWeight(
                        new Ranking(collaborative(1f, 0.9f, 0.8f), null, 0f, Set.of()), shelf(3, 0.7f, 3), false),
                equalTo(0.7f));
    }

    /**
     * Item to item: each of the shopper's items lends its nearest items their cosine, summed over the lists an item is
     * on; an item near two of the shopper's items outranks one nearer to only one of them.
     */
    public void testNeighbourListsAreSummedPerItem() {
        Map<String, Double> first = new LinkedHashMap<>();
        first.put("both", 0.5);
        first.put("once", 0.8);
        Map<String, Double> second = new LinkedHashMap<>();
        second.put("both", 0.4);
        second.put("other", 0.1);
        Map<String, Double> sums = Recommender.neighborSums(List.of(first, Map.of(), second));
        assertThat(sums.get("both"), closeTo(0.9, 1e-12));
        assertThat(sums.get("once"), closeTo(0.8, 1e-12));
        assertThat(sums.get("other"), closeTo(0.1, 1e-12));
        assertThat(sums.size(), equalTo(3));
    }

    /**
     * The summed term is scaled by the best sum of an item not excluded (known items included), and goes only to items
     * neither known nor excluded.
     */
    public void testTheSummedTermIsScaledByTheBestSumAndSkipsKnownItems() {
        Map<String, Double> sums = new LinkedHashMap<>();
        sums.put("seen", 2.0); // the shopper's own: excluded, does not set the scale
        sums.put("known", 1.6); // the model knows it: sets the scale, gets nothing
        sums.put("new", 0.8);
        Map<String, Candidate> candidates = new HashMap<>();
        Recommender.addScaledTerm(
                sums, null, 0.5f, -1f, Set.of("known"), Set.of("seen"), BeyondStoredList.NONE, candidates);
        assertThat(candidates.keySet(), equalTo(Set.of("new")));
        assertThat((double) candidates.get("new").score(), closeTo(0.5 * 0.8 / 1.6, 1e-6));
        assertThat(candidates.get("new").reasons().get(0).itemId(), equalTo(null));
    }

    /**
     * With a floor (the score of the candidate right below the shelf's size - content_slots best), new products score
     * between it and the weight, in the order of their sums: right below the shelf's best, above the candidates they
     * displace, however low their share of the best sum.
     */
    public void testNewProductsGoRightBelowTheShelfsBestAboveTheFloor() {
        Map<String, Candidate> candidates = collaborative(1f, 0.8f, 0.7f, 0.69f, 0.68f);
        ShelfQuery request = shelf(4, 1f, 2);
        float weight = Recommender.shopperContentWeight(new Ranking(candidates, null, 0f, Set.of()), request, false);
        float floor = Recommender.shopperContentFloor(new Ranking(candidates, null, 0f, Set.of()), request, weight);
        assertThat((double) weight, closeTo(0.8, 1e-6));
        assertThat(floor, equalTo(0.7f));
        Map<String, Double> sums = new LinkedHashMap<>();
        sums.put("known", 2.0);
        sums.put("new1", 0.2);
        sums.put("new2", 0.1);
        Recommender.addScaledTerm(
                sums, null, weight, floor, Set.of("known"), Set.of(), BeyondStoredList.NONE, candidates);
        List<String> ranked = candidates.values().stream()
                .sorted(Candidate.BEST_FIRST)
                .map(Candidate::item)
                .toList();
        assertThat(ranked, contains("c0", "c1", "new1", "new2", "c2", "c3", "c4"));
        // a weight at or below the floor: the term scales as it did, weight x sum / best sum
        assertThat(
                Recommender.shopperContentFloor(new Ranking(candidates, null, 0f, Set.of()), request, 0.5f),
                equalTo(-1f));
    }

    /** Only items on at least content_support of the shopper's items' lists get the term. */
    public void testItemsOnFewerListsThanTheSupportAreLeftOut() {
        Map<String, Double> first = Map.of("both", 0.5, "once", 0.8);
        Map<String, Double> second = Map.of("both", 0.4);
        assertThat(Recommender.unsupported(List.of(first, second), 2), equalTo(Set.of("once")));
        assertThat(Recommender.unsupported(List.of(first, second), 1), equalTo(Set.of()));
        assertThat(Recommender.unsupported(List.of(first, second), 3), equalTo(Set.of("both", "once")));
    }
}
