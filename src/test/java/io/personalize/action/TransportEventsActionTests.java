package io.personalize.action;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;

import io.personalize.profile.RecentItemsWriter;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.elasticsearch.cluster.block.ClusterBlock;
import org.elasticsearch.cluster.block.ClusterBlockException;
import org.elasticsearch.cluster.metadata.IndexMetadata;
import org.elasticsearch.test.ESTestCase;

/**
 * What the events API says when the shoppers' newest items could not be merged ({@code recent_items}), as a hostile
 * caller reads it: a tracker may send events without any right to read the model, so the reason keeps the failure's
 * type, status and words but names the model, not its newest-items index (whose name carries the model's uuid).
 */
public class TransportEventsActionTests extends ESTestCase {

    public void testTheReasonNamesTheModelNotItsNewestItemsIndex() {
        String index = ".personalize-recent-shop.Xu7cXk2ZQkq0Yh3c1s9A0w";
        ClusterBlock block = IndexMetadata.INDEX_WRITE_BLOCK;
        ClusterBlockException blocked = new ClusterBlockException(Map.of(index, Set.of(block)));
        assertThat(blocked.getMessage(), containsString(index)); // what Elasticsearch says, before
        EventsAction.Item item =
                TransportEventsAction.notMerged("shop", index, new RecentItemsWriter.Merged(List.of(), blocked));
        assertEquals(403, item.status());
        assertEquals("cluster_block_exception", item.errorType());
        assertThat(item.reason(), not(containsString(index)));
        assertThat(item.reason(), not(containsString("Xu7cXk2ZQkq0Yh3c1s9A0w")));
        assertEquals(
                "the events are written; the newest items of some of their shoppers were not updated: index [the"
                        + " newest-items index of model [shop]] blocked by: [FORBIDDEN/8/index write (api)];",
                item.reason());
    }

    public void testNoFailureNoRecentItems() {
        assertNull(TransportEventsAction.notMerged("shop", "i", new RecentItemsWriter.Merged(List.of(), null)));
    }
}
