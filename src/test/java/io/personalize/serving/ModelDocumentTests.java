package io.personalize.serving;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.personalize.training.ScoringParams;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.elasticsearch.test.ESTestCase;

public class ModelDocumentTests extends ESTestCase {

    public void testParallelArraysMustMatchAndScoresBeFinite() {
        assertThat(
                expectThrows(
                                IllegalArgumentException.class,
                                () -> new NeighborList("a", List.of("b"), new float[0], 0f))
                        .getMessage(),
                equalTo("item [a]: [neighbors] has 1 entries but [scores] has 0"));
        assertThat(
                expectThrows(
                                IllegalArgumentException.class,
                                () -> new NeighborList("a", List.of("b"), new float[] {Float.NaN}, 0f))
                        .getMessage(),
                containsString("item [a] scores must be finite numbers"));
        assertThat(
                expectThrows(
                                IllegalArgumentException.class,
                                () -> new UserProfile(
                                        "u", List.of(), null, List.of("x"), new float[] {1}, List.of(), null))
                        .getMessage(),
                equalTo("user [u]: [items] has 1 entries but [because] has 0"));
        assertThat(
                expectThrows(
                                IllegalArgumentException.class,
                                () -> new PopularList(List.of("x"), new float[] {Float.POSITIVE_INFINITY}, null))
                        .getMessage(),
                containsString("popular scores must be finite numbers"));
    }

    public void testIdsAreNonEmptyAndAtMostTheLongestDocumentId() {
        expectThrows(IllegalArgumentException.class, () -> new NeighborList("", List.of(), null, 0f));
        expectThrows(IllegalArgumentException.class, () -> new UserProfile(null, null, null, null, null, null, null));
        String longest = "x".repeat(ModelDocument.MAX_ID_BYTES);
        assertThat(new NeighborList(longest, null, null, 0f).item(), equalTo(longest));
        expectThrows(IllegalArgumentException.class, () -> new NeighborList(longest + "x", null, null, 0f));
        // counted in UTF-8 bytes: 171 three-byte characters are 513 bytes
        expectThrows(IllegalArgumentException.class, () -> new NeighborList("\u20AC".repeat(171), null, null, 0f));
        assertFalse(ModelDocument.tooLong("\u20AC".repeat(170)));
    }

    public void testMissingPartsAreEmptyAndThePopularListCarriesTheDefaultScoring() {
        UserProfile user = new UserProfile("u", null, null, null, null, null, null);
        assertThat(user.history(), equalTo(List.of()));
        assertThat(user.recommended(), equalTo(List.of()));
        assertThat(user.attributes(), equalTo(Map.of()));
        assertNull(user.because());
        PopularList popular = new PopularList(List.of("a", "b"), new float[] {5, 2}, null);
        assertThat(popular.scoring(), equalTo(ScoringParams.DEFAULTS));
        assertEquals(5f, popular.maxPopularity(), 0f);
        assertEquals(0f, new PopularList(null, null, null).maxPopularity(), 0f);
    }

    public void testAPopularityOnlyEntryHasNoReasonAndDocumentsCompareByValue() {
        UserProfile user = new UserProfile(
                "u",
                List.of("h"),
                new float[] {1},
                List.of("a", "b"),
                new float[] {2, 1},
                Arrays.asList("h", null),
                null);
        assertThat(user.because(0), equalTo("h"));
        assertNull(user.because(1));
        UserProfile same = new UserProfile(
                "u",
                List.of("h"),
                new float[] {1},
                List.of("a", "b"),
                new float[] {2, 1},
                Arrays.asList("h", null),
                Map.of());
        assertThat(same, equalTo(user));
        assertThat(same.hashCode(), equalTo(user.hashCode()));
        assertNotEquals(
                new NeighborList("a", List.of("b"), new float[] {1}, 0f),
                new NeighborList("a", List.of("b"), new float[] {2}, 0f));
    }
}
