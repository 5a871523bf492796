package io.personalize.serving;

import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;

import java.util.List;
import java.util.Set;
import org.elasticsearch.test.ESTestCase;

/** Which products a "for you" shelf's content term may bring, and after which time a product is new to a version. */
public class NewProductsTests extends ESTestCase {

    public void testTheCutoffIsTheNewestEventNotAfterTheBuildBegan() {
        // a training: its newest event, before it began
        assertThat(NewProducts.eventsCutoff(1_000L, 5_000L), equalTo(1_000L));
        // an event stamped in the future does not make products created before the build old
        assertThat(NewProducts.eventsCutoff(9_000L, 5_000L), equalTo(5_000L));
        // an import without newest_event: from when its build began
        assertThat(NewProducts.eventsCutoff(0L, 5_000L), equalTo(5_000L));
        // a version whose build start is not known keeps its newest event
        assertThat(NewProducts.eventsCutoff(1_000L, 0L), equalTo(1_000L));
    }

    public void testOnlyUnknownSupportedItemsNotExcludedMayScoreInTheOrderReached() {
        List<String> reached = List.of("known", "old", "fresh", "lonely", "seen", "other");
        Set<String> unknown =
                NewProducts.unknownAndSupported(reached, Set.of("known"), Set.of("lonely"), Set.of("seen"));
        assertThat(unknown, contains("old", "fresh", "other"));
    }

    public void testEverythingReachedButTheScoredIsSkipped() {
        List<String> reached = List.of("known", "old", "fresh");
        assertThat(NewProducts.skipped(reached, Set.of("fresh")), contains("known", "old"));
        assertThat(NewProducts.skipped(reached, Set.of()), contains("known", "old", "fresh"));
    }
}
