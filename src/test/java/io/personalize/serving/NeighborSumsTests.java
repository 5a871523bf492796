package io.personalize.serving;

import static org.hamcrest.Matchers.equalTo;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.elasticsearch.test.ESTestCase;

/**
 * The one-pass neighbour sums are the scorer's: on random lists (ties, zero and negative scores, Unicode ids, sources
 * without a list, a row naming a neighbour twice, exclusions), the same candidates, bit-identical sums and the same
 * strongest sources as {@link ProfileScorer#score} with {@link ProfileScorer#SUM}, in the same order once ranked.
 */
public class NeighborSumsTests extends ESTestCase {

    static String id() {
        return switch (randomInt(3)) {
            case 0 -> "é" + randomInt(30);
            case 1 -> "\uD83D\uDE00" + randomInt(30); // beyond the BMP: UTF-16 order differs from UTF-8 order
            default -> "i" + randomInt(60);
        };
    }

    /** Up to 12 distinct random source ids. */
    static List<String> randomSources() {
        Set<String> sourceSet = new LinkedHashSet<>();
        int n = randomIntBetween(0, 12);
        while (sourceSet.size() < n) {
            sourceSet.add(id());
        }
        return new ArrayList<>(sourceSet);
    }

    /**
     * Random lists of most sources: ties, zero and negative scores, Unicode ids, a row naming a neighbour twice, a
     * random popularity.
     */
    static Map<String, NeighborList> randomLists(List<String> sources) {
        Map<String, NeighborList> neighbors = new HashMap<>();
        for (String source : sources) {
            if (randomInt(5) == 0) {
                continue; // no list
            }
            List<String> row = new ArrayList<>();
            int k = randomIntBetween(0, 15);
            float[] scores = new float[k];
            for (int p = 0; p < k; p++) {
                row.add(p > 0 && randomInt(10) == 0 ? row.get(p - 1) : id());
                scores[p] = switch (randomInt(5)) {
                    case 0 -> 0.5f; // ties
                    case 1 -> 0f;
                    case 2 -> -randomFloat() / 10;
                    default -> randomFloat();
                };
            }
            neighbors.put(source, new NeighborList(source, row, scores, randomFloat() * 3));
        }
        return neighbors;
    }

    public void testSameSumsSourcesAndOrderAsTheScorer() {
        for (int round = 0; round < 200; round++) {
            List<String> sources = randomSources();
            Map<String, NeighborList> neighbors = randomLists(sources);
            Set<String> excluded = new HashSet<>();
            if (randomBoolean()) {
                excluded.add(id());
                excluded.add(id());
            }
            List<ProfileScorer.Scored> expected =
                    ProfileScorer.score(sources, null, neighbors, null, ProfileScorer.SUM, excluded, Integer.MAX_VALUE);
            NeighborSums sums = NeighborSums.of(sources, neighbors, excluded, true);
            assertThat(sums.ranked(), equalTo(expected));
            assertThat(ProfileScorer.sum(sources, neighbors, excluded), equalTo(expected));
            NeighborSums unnamed = NeighborSums.of(sources, neighbors, excluded, false);
            assertThat(unnamed.size(), equalTo(expected.size()));
            for (ProfileScorer.Scored scored : expected) {
                int j = unnamed.indexOf(scored.item());
                assertThat(unnamed.item(j), equalTo(scored.item()));
                assertThat(Float.floatToIntBits(unnamed.sum(j)), equalTo(Float.floatToIntBits(scored.score())));
                assertNull(unnamed.source(j));
            }
        }
    }
}
