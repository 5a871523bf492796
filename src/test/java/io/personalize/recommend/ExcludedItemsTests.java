package io.personalize.recommend;

import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;

import io.personalize.profile.Profile;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.elasticsearch.test.ESTestCase;

/** {@link Recommender#excluded}: the items a shelf never shows, without a copy of the seen items when it needs none. */
public class ExcludedItemsTests extends ESTestCase {

    private static Profile seenOf(String... items) {
        return new Profile(null, "u", null, List.of(), Map.of(), new LinkedHashSet<>(List.of(items)), null);
    }

    public void testOnlySeenItemsAreTheProfilesOwnSetReadOnly() {
        Profile profile = seenOf("a", "b");
        Set<String> excluded =
                Recommender.excluded(new ShelfQuery.Builder().userId("u").build(), profile);
        assertThat(excluded, equalTo(Set.of("a", "b")));
        // a view of the profile's set, not a copy: whoever would add to it must fail, never change the profile
        expectThrows(UnsupportedOperationException.class, () -> excluded.add("c"));
        assertThat(profile.seen(), equalTo(Set.of("a", "b")));
    }

    public void testSeenNotExcludedWhenAskedNot() {
        Set<String> excluded = Recommender.excluded(
                new ShelfQuery.Builder().userId("u").excludeSeen(false).build(), seenOf("a", "b"));
        assertThat(excluded, empty());
    }

    public void testExcludedAndAskedAboutItemsJoinTheSeenOnes() {
        Profile profile = seenOf("a", "b");
        ShelfQuery request = new ShelfQuery.Builder()
                .userId("u")
                .itemIds(List.of("x"))
                .exclude(List.of("y", "a"))
                .build();
        Set<String> excluded = Recommender.excluded(request, profile);
        assertThat(excluded, equalTo(Set.of("a", "b", "x", "y")));
        assertThat(profile.seen(), equalTo(Set.of("a", "b"))); // the profile's set is left as it was
        Set<String> withoutSeen = Recommender.excluded(
                new ShelfQuery.Builder()
                        .userId("u")
                        .itemIds(List.of("x"))
                        .excludeSeen(false)
                        .build(),
                profile);
        assertThat(withoutSeen, equalTo(Set.of("x")));
    }
}
