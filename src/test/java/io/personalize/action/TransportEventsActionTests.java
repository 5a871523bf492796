package io.personalize.action;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;

import io.personalize.model.ApiEvent;
import io.personalize.model.ModelConfig;
import io.personalize.profile.RecentItemsWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.elasticsearch.ElasticsearchStatusException;
import org.elasticsearch.action.DocWriteRequest;
import org.elasticsearch.action.bulk.BulkItemResponse;
import org.elasticsearch.cluster.block.ClusterBlock;
import org.elasticsearch.cluster.block.ClusterBlockException;
import org.elasticsearch.cluster.metadata.IndexMetadata;
import org.elasticsearch.index.engine.VersionConflictEngineException;
import org.elasticsearch.index.shard.ShardId;
import org.elasticsearch.rest.RestStatus;
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

    private static BulkItemResponse refused(Exception cause) {
        return BulkItemResponse.failure(
                0, DocWriteRequest.OpType.CREATE, new BulkItemResponse.Failure("events", "e1", cause));
    }

    /**
     * An event sent again with its {@code _id} is refused by the create (409) and merged all the same; one without an
     * {@code _id} cannot be a resend, and another refusal is no proof that the event is in the index.
     */
    public void testOnlyAnEventWithItsIdRefusedAsExistingIsAlreadyWritten() {
        ModelConfig.Events schema =
                new ModelConfig.Events("events", "user_id", "sku", "type", "@timestamp", null, null, null);
        long now = System.currentTimeMillis();
        Map<String, Object> sent = Map.of("user_id", "u1", "sku", "a", "type", "view", "@timestamp", now);
        Map<String, Object> sentWithId = new HashMap<>(sent);
        sentWithId.put("_id", "e1");
        ApiEvent withId = ApiEvent.parse(sentWithId, schema, now);
        ApiEvent withoutId = ApiEvent.parse(sent, schema, now);
        BulkItemResponse exists = refused(new VersionConflictEngineException(
                new ShardId("events", "_na_", 0),
                "e1",
                "version conflict, document already exists (current version [1])"));
        assertEquals(RestStatus.CONFLICT, exists.getFailure().getStatus());
        assertTrue(TransportEventsAction.alreadyWritten(withId, exists));
        assertFalse(TransportEventsAction.alreadyWritten(withoutId, exists));
        assertFalse(TransportEventsAction.alreadyWritten(
                withId, refused(new ElasticsearchStatusException("busy", RestStatus.CONFLICT))));
        assertFalse(TransportEventsAction.alreadyWritten(
                withId, refused(new ElasticsearchStatusException("no", RestStatus.FORBIDDEN))));
    }
}
