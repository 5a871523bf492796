package io.personalize.model;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.sameInstance;
import static org.hamcrest.Matchers.startsWith;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.elasticsearch.ElasticsearchStatusException;
import org.elasticsearch.TransportVersion;
import org.elasticsearch.action.search.SearchContextId;
import org.elasticsearch.action.search.SearchContextMissingNodesException;
import org.elasticsearch.action.search.SearchPhaseExecutionException;
import org.elasticsearch.action.search.ShardSearchFailure;
import org.elasticsearch.common.bytes.BytesArray;
import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.index.shard.ShardId;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.search.SearchContextMissingException;
import org.elasticsearch.search.SearchShardTarget;
import org.elasticsearch.search.dfs.DfsSearchResult;
import org.elasticsearch.search.internal.ShardSearchContextId;
import org.elasticsearch.tasks.TaskCancelledException;
import org.elasticsearch.test.ESTestCase;
import org.elasticsearch.transport.NodeDisconnectedException;

/**
 * What a scan's page refused for a lost shard says ({@code allow_partial_search_results=false}): a 503 naming the index
 * and the shard, never figures from part of the index; a cancellation or any other failure is left as it is. The
 * real thing, a node killed in the middle of a training's and an evaluation's scan, is {@code ShardLostMidScanIT}.
 */
public class IndexScanTests extends ESTestCase {

    public void testAShardLostWhileAPageIsReadIsA503NamingTheIndexAndTheShard() {
        ShardSearchFailure lost = new ShardSearchFailure(
                new NodeDisconnectedException(null, "indices:data/read/search[phase/query]"),
                new SearchShardTarget("node-b-id", new ShardId("events-2026", "uuid", 1), null));
        Exception e = IndexScan.shardsLost(
                "events",
                new BytesArray(new byte[0]),
                new SearchPhaseExecutionException("query", "Partial shards failure", new ShardSearchFailure[] {lost}));

        assertThat(e, instanceOf(ElasticsearchStatusException.class));
        assertThat(((ElasticsearchStatusException) e).status(), equalTo(RestStatus.SERVICE_UNAVAILABLE));
        assertThat(e.getMessage(), containsString("reading [events] failed"));
        assertThat(e.getMessage(), containsString("shard [1] of [events-2026] on node [node-b-id]"));
        assertThat(e.getMessage(), containsString("reads every document, never part of them"));
    }

    public void testACancellationAndOtherFailuresAreLeftAsTheyAre() {
        TaskCancelledException cancelled = new TaskCancelledException("task cancelled [by user]");
        assertThat(IndexScan.shardsLost("events", new BytesArray(new byte[0]), cancelled), sameInstance(cancelled));
        IllegalArgumentException badQuery = new IllegalArgumentException("field [sku] is not a keyword");
        // an id that is not a point in time's: nothing to name, the failure goes on as it is
        assertThat(
                IndexScan.shardsLost("events", new BytesArray(new byte[] {1, 2, 3}), badQuery), sameInstance(badQuery));
    }

    /**
     * The other way Elasticsearch says it: the shard's node had left the cluster before the page was sent, and the page
     * is refused as a whole (a 404 naming the point in time's missing nodes, no shard): the shards whose reader was on
     * that node are read from the point in time's id, and their copy is gone (another copy may be read again).
     */
    public void testAShardWhoseNodeLeftBeforeThePageIsA503NamingItFromThePointInTime() {
        SearchShardTarget lostOne = new SearchShardTarget("node-b-id", new ShardId("events-2026", "uuid", 1), null);
        SearchShardTarget kept = new SearchShardTarget("node-a-id", new ShardId("events-2026", "uuid", 0), null);
        BytesReference pit = SearchContextId.encode(
                List.of(
                        new DfsSearchResult(new ShardSearchContextId("session", 7), lostOne, null),
                        new DfsSearchResult(new ShardSearchContextId("session", 8), kept, null)),
                Map.of(),
                TransportVersion.current(),
                ShardSearchFailure.EMPTY_ARRAY);
        Exception left = new SearchContextMissingNodesException(
                SearchContextMissingNodesException.ContextType.PIT, Set.of("node-b-id"));

        Exception e = IndexScan.shardsLost("events", pit, left);

        assertThat(e, instanceOf(ElasticsearchStatusException.class));
        assertThat(((ElasticsearchStatusException) e).status(), equalTo(RestStatus.SERVICE_UNAVAILABLE));
        assertThat(
                e.getMessage(),
                containsString(
                        "shard [1] of [events-2026] on node [node-b-id]: its node left the cluster: Search context"
                                + " of type [pit] references nodes that have left the cluster: [node-b-id]"));
        assertThat("the shard still read is not named", e.getMessage(), not(containsString("shard [0]")));
        assertTrue(
                "its copy is gone: another may be read",
                IndexScan.Lost.of("events", pit, left).copyGone());
    }

    /**
     * A copy lost (its node disconnected, closed or restarted) may be read again from another copy; a failure every copy
     * would meet again (a bad query on a shard) may not: a scan that may read again reads again only for the first.
     */
    public void testOnlyACopyLostIsReadAgain() {
        SearchShardTarget target = new SearchShardTarget("node-b-id", new ShardId("events-2026", "uuid", 1), null);
        Exception disconnected =
                new SearchPhaseExecutionException("query", "Partial shards failure", new ShardSearchFailure[] {
                    new ShardSearchFailure(
                            new NodeDisconnectedException(null, "indices:data/read/search[phase/query]"), target)
                });
        Exception restarted =
                new SearchPhaseExecutionException("query", "Partial shards failure", new ShardSearchFailure[] {
                    new ShardSearchFailure(
                            new SearchContextMissingException(new ShardSearchContextId("session", 7)), target)
                });
        Exception badQuery = new SearchPhaseExecutionException("query", "all shards failed", new ShardSearchFailure[] {
            new ShardSearchFailure(new IllegalArgumentException("field [sku] is not a keyword"), target)
        });
        BytesReference noPit = new BytesArray(new byte[0]);
        assertTrue(IndexScan.Lost.of("events", noPit, disconnected).copyGone());
        assertTrue(IndexScan.Lost.of("events", noPit, restarted).copyGone());
        IndexScan.Lost everyCopy = IndexScan.Lost.of("events", noPit, badQuery);
        assertFalse(everyCopy.copyGone());
        // still named as before: a 503 naming the shard
        assertThat(everyCopy.exception(1, null).getMessage(), containsString("shard [1] of [events-2026]"));
    }

    /** After the last read, and when no copy is left to read from, the error still names the shard, and says so. */
    public void testTheErrorAfterReadingAgainNamesTheShardAndTheReads() {
        SearchShardTarget target = new SearchShardTarget("node-b-id", new ShardId("events-2026", "uuid", 1), null);
        IndexScan.Lost lost = IndexScan.Lost.of(
                "events",
                new BytesArray(new byte[0]),
                new SearchPhaseExecutionException("query", "Partial shards failure", new ShardSearchFailure[] {
                    new ShardSearchFailure(new NodeDisconnectedException(null, "search"), target)
                }));
        ElasticsearchStatusException exhausted = lost.exception(IndexScan.READS, null);
        assertThat(exhausted.status(), equalTo(RestStatus.SERVICE_UNAVAILABLE));
        assertThat(
                exhausted.getMessage(),
                startsWith("reading [events] failed 3 times, a shard could not be read (shard [1] of [events-2026] on"
                        + " node [node-b-id]"));
        assertThat(exhausted.getMessage(), containsString("each point in time lost a shard copy while it was read"));
        ElasticsearchStatusException noCopy = lost.exception(1, "and no other copy of it could be read (...)");
        assertThat(
                noCopy.getMessage(),
                startsWith("reading [events] failed, a shard could not be read (shard [1] of [events-2026]"));
        assertThat(noCopy.getMessage(), containsString(") and no other copy of it could be read (...): a training"));
    }
}
