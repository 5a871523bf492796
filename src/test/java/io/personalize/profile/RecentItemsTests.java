package io.personalize.profile;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.test.ESTestCase;
import org.elasticsearch.xcontent.ToXContent;
import org.elasticsearch.xcontent.XContentFactory;

/** A user's newest distinct items as the events API keeps them. */
public class RecentItemsTests extends ESTestCase {

    private static List<String> items(RecentItems recent) {
        return recent.items().stream().map(SourceItem::item).toList();
    }

    public void testNewestFirstEachItemOnceAtItsNewestTime() {
        RecentItems recent = RecentItems.EMPTY.with(
                List.of(new RecentItems.Seen("a", 10), new RecentItems.Seen("b", 20), new RecentItems.Seen("a", 30)));
        assertEquals(List.of("a", "b"), items(recent));
        assertEquals(30, recent.items().get(0).time());
        recent = recent.with(List.of(new RecentItems.Seen("b", 40), new RecentItems.Seen("c", 5)));
        assertEquals(List.of("b", "a", "c"), items(recent));
        // an older event of an item changes nothing
        assertEquals(recent, recent.with(List.of(new RecentItems.Seen("a", 1))));
        // ties by id: the order does not depend on arrival
        assertEquals(
                List.of("x", "y"),
                items(RecentItems.EMPTY.with(List.of(new RecentItems.Seen("y", 7), new RecentItems.Seen("x", 7)))));
    }

    public void testDropsWhatWasSeenUpToTheForgetting() {
        RecentItems stored =
                RecentItems.EMPTY.with(List.of(new RecentItems.Seen("a", 10), new RecentItems.Seen("b", 50)));
        RecentItems next = stored.with(List.of(new RecentItems.Seen("c", 30), new RecentItems.Seen("d", 60)), 30);
        // stored or just seen, at or before the forgetting: gone
        assertEquals(List.of("d", "b"), items(next));
        assertTrue(
                stored.with(List.of(new RecentItems.Seen("c", 20)), 50).items().isEmpty());
        assertEquals(stored.with(List.of()), stored.with(List.of(), 0));
    }

    public void testKeepsTheNewest() {
        List<RecentItems.Seen> seen = new ArrayList<>();
        for (int i = 0; i < RecentItems.KEEP + 20; i++) {
            seen.add(new RecentItems.Seen("i" + i, i));
        }
        RecentItems recent = RecentItems.EMPTY.with(seen);
        assertEquals(RecentItems.KEEP, recent.items().size());
        assertEquals("i" + (RecentItems.KEEP + 19), recent.items().get(0).item());
        assertEquals("i20", recent.items().get(RecentItems.KEEP - 1).item());
    }

    public void testStoredFormRoundTrips() throws IOException {
        RecentItems recent = RecentItems.EMPTY.with(
                List.of(new RecentItems.Seen("a", 1_790_000_000_000L), new RecentItems.Seen("b", 3)));
        BytesReference source =
                BytesReference.bytes(recent.toXContent(XContentFactory.jsonBuilder(), ToXContent.EMPTY_PARAMS));
        assertEquals(recent, RecentItems.parse(source));
        assertEquals("{\"items\":[\"a\",\"b\"],\"times\":[1790000000000,3]}", source.utf8ToString());
    }
}
