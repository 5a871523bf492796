package io.personalize.serving;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import io.personalize.training.ScoringParams;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.elasticsearch.test.ESTestCase;

/**
 * Lists numbered in a version's {@link ItemNumbering} are summed and scored exactly as the same lists by id (the
 * computation before slots, which still serves lists without them): the same candidates in the same order, bit-identical
 * sums and scores, the same sources, exclusions and popularity, on random lists, popular lists, exclusions and
 * numberings (full ones leave some lists without slots; lists of two numberings are never summed by slot).
 */
public class ItemNumberingTests extends ESTestCase {

    public void testSlotsSumAndScoreAsIds() {
        int bySlot = 0;
        for (int round = 0; round < 300; round++) {
            List<String> sources = NeighborSumsTests.randomSources();
            Map<String, NeighborList> byId = NeighborSumsTests.randomLists(sources);
            // lists at hand that are no source: their items' popularity is their own
            for (int extra = randomInt(3); extra > 0; extra--) {
                String item = NeighborSumsTests.id();
                byId.putIfAbsent(
                        item,
                        new NeighborList(
                                item, List.of(NeighborSumsTests.id()), new float[] {randomFloat()}, randomFloat()));
            }
            // a few or many exclusions: each side of the look-up (ids among candidates, candidates among ids)
            Set<String> excluded = new HashSet<>();
            for (int x = randomFrom(0, 2, 100); x > 0; x--) {
                excluded.add(NeighborSumsTests.id());
            }
            List<String> popularItems = new ArrayList<>();
            float[] popularScores = new float[randomInt(10)];
            for (int r = 0; r < popularScores.length; r++) {
                popularItems.add(
                        r > 0 && randomInt(8) == 0
                                ? popularItems.get(r - 1)
                                : NeighborSumsTests.id()); // a repeat: last counts
                popularScores[r] = randomFloat() * 4;
            }
            ScoringParams params =
                    randomFrom(ScoringParams.DEFAULTS, new ScoringParams(1, 0.5, 0.1), ProfileScorer.SUM);
            PopularList popular = randomBoolean() ? new PopularList(popularItems, popularScores, params) : null;
            float[] weights = randomBoolean() ? null : new float[sources.size()];
            for (int x = 0; weights != null && x < weights.length; x++) {
                weights[x] = randomFrom(0f, 1f, randomFloat() * 5);
            }

            // the version's numbering: slots not in the order of the lists (ids numbered before), at times too small
            ItemNumbering numbering = new ItemNumbering(randomFrom(10, 60, 1000));
            for (int before = randomInt(20); before > 0; before--) {
                numbering.slot(NeighborSumsTests.id());
            }
            // the same exclusions as a set whose parts carry slots (a kept profile's, newest items'), some memoized
            // before
            // the lists are numbered: an item numbered since must still be excluded
            Set<String> numberedExcluded = numbered(excluded, numbering);
            ItemNumbering other = new ItemNumbering(1000);
            boolean mixed = randomInt(5) == 0;
            Map<String, NeighborList> bySlots = new HashMap<>();
            for (Map.Entry<String, NeighborList> list : byId.entrySet()) {
                ItemNumbering version = mixed && randomBoolean() ? other : numbering;
                NeighborList numbered = version.numbered(list.getValue());
                assertThat(numbered, equalTo(list.getValue())); // the same document
                bySlots.put(list.getKey(), numbered);
            }

            NeighborSums expected = NeighborSums.of(sources, byId, excluded, true);
            NeighborSums actual = NeighborSums.of(sources, bySlots, excluded, true);
            assertSameSums(NeighborSums.of(sources, bySlots, numberedExcluded, true), expected);
            if (actual.numbering() != null) {
                bySlot++;
                assertTrue("lists of two numberings are summed by id", oneNumbering(sources, bySlots));
            }
            assertThat(actual.size(), equalTo(expected.size()));
            for (int j = 0; j < expected.size(); j++) {
                assertThat(actual.item(j), equalTo(expected.item(j)));
                assertThat(Float.floatToIntBits(actual.sum(j)), equalTo(Float.floatToIntBits(expected.sum(j))));
                assertThat(actual.source(j), equalTo(expected.source(j)));
                assertThat(actual.indexOf(expected.item(j)), equalTo(j));
            }
            assertThat(actual.indexOf("absent"), equalTo(-1));
            assertThat(actual.ranked(), equalTo(expected.ranked()));
            assertThat(
                    ProfileScorer.sum(sources, bySlots, excluded), equalTo(ProfileScorer.sum(sources, byId, excluded)));

            // the model's score past a stored list: same candidates, order, float scores and sources
            assertThat(
                    ProfileScorer.scoreReached(sources, weights, bySlots, popular, params, excluded),
                    equalTo(ProfileScorer.scoreReached(sources, weights, byId, popular, params, excluded)));
            assertThat(
                    ProfileScorer.scoreReached(sources, weights, bySlots, popular, params, numberedExcluded),
                    equalTo(ProfileScorer.scoreReached(sources, weights, byId, popular, params, excluded)));
            // unranked: the same candidates, sums and sources as the ranked sums, in the order first reached
            List<ProfileScorer.Scored> unranked = ProfileScorer.sumUnranked(sources, bySlots, numberedExcluded);
            assertThat(new HashSet<>(unranked), equalTo(new HashSet<>(ProfileScorer.sum(sources, byId, excluded))));
            assertThat(unranked.size(), equalTo(expected.size()));
        }
        // not vacuous: about half the rounds summed by slot (seeds 5623424611E91E55, 1, 2: 152, 149, 143 of 300)
        assertThat(bySlot, greaterThan(100));
    }

    private static void assertSameSums(NeighborSums actual, NeighborSums expected) {
        assertThat(actual.size(), equalTo(expected.size()));
        for (int j = 0; j < expected.size(); j++) {
            assertThat(actual.item(j), equalTo(expected.item(j)));
            assertThat(Float.floatToIntBits(actual.sum(j)), equalTo(Float.floatToIntBits(expected.sum(j))));
            assertThat(actual.source(j), equalTo(expected.source(j)));
        }
    }

    /**
     * {@code ids} as a {@link NumberedSet} of random parts (an id at times in two), some parts' slots memoized in
     * {@code numbering} now, before the round's lists are numbered in it.
     */
    private static Set<String> numbered(Set<String> ids, ItemNumbering numbering) {
        List<List<String>> parts = new ArrayList<>();
        for (int p = 1 + randomInt(2); p > 0; p--) {
            parts.add(new ArrayList<>());
        }
        for (String id : ids) {
            randomFrom(parts).add(id);
            if (randomInt(5) == 0) {
                randomFrom(parts).add(id);
            }
        }
        List<NumberedItems> numbered = new ArrayList<>();
        for (List<String> part : parts) {
            NumberedItems items = NumberedItems.of(part);
            if (randomBoolean()) {
                items.slotsIn(numbering);
            }
            numbered.add(items);
        }
        // the ids made when first asked by id
        return new NumberedSet(() -> new HashSet<>(ids), numbered);
    }

    /** A memo of slots is reused while the numbering numbers nothing new, and never across numberings. */
    public void testNumberedItemsMemo() {
        ItemNumbering numbering = new ItemNumbering(100);
        numbering.slot("x");
        NumberedItems items = NumberedItems.of(List.of("a", "x", "b"));
        int[] first = items.slotsIn(numbering);
        assertArrayEquals(new int[] {-1, 0, -1}, first);
        assertSame("kept while nothing new is numbered", first, items.slotsIn(numbering));
        numbering.slot("b");
        assertArrayEquals("an item numbered since is found", new int[] {-1, 0, 1}, items.slotsIn(numbering));
        ItemNumbering other = new ItemNumbering(100);
        other.slot("a");
        assertArrayEquals("another numbering's slots", new int[] {0, -1, -1}, items.slotsIn(other));
        assertArrayEquals(new int[] {-1, 0, 1}, items.slotsIn(numbering));
    }

    /** Whether the sources' lists all have slots, of one numbering. */
    private static boolean oneNumbering(List<String> sources, Map<String, NeighborList> lists) {
        Set<ItemNumbering> numberings = new HashSet<>();
        for (String source : sources) {
            NeighborList list = lists.get(source);
            if (list != null) {
                numberings.add(list.slots() == null ? null : list.slots().numbering());
            }
        }
        return numberings.size() <= 1 && numberings.contains(null) == false;
    }

    public void testSlotsAreDenseStableAndBounded() {
        ItemNumbering numbering = new ItemNumbering(3);
        assertThat(numbering.slot("a"), equalTo(0));
        assertThat(numbering.slot("b"), equalTo(1));
        assertThat(numbering.slot("a"), equalTo(0));
        assertThat(numbering.slotOf("c"), equalTo(-1));
        assertThat(numbering.slot("c"), equalTo(2));
        assertThat(numbering.slot("d"), equalTo(-1)); // full
        assertThat(numbering.size(), equalTo(3));
        NeighborList known = numbering.numbered(new NeighborList("a", List.of("b", "c"), new float[] {1, 2}, 0f));
        assertThat(known.slots().item(), equalTo(0));
        assertArrayEquals(new int[] {1, 2}, known.slots().neighbors());
        // an item past the bound: the list keeps no slots (it is summed by id)
        assertNull(numbering
                .numbered(new NeighborList("a", List.of("b", "d"), new float[] {1, 2}, 0f))
                .slots());
    }
}
