package io.personalize.model;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.sameInstance;

import org.elasticsearch.ElasticsearchStatusException;
import org.elasticsearch.action.search.SearchPhaseExecutionException;
import org.elasticsearch.action.search.ShardSearchFailure;
import org.elasticsearch.common.bytes.BytesArray;
import org.elasticsearch.index.shard.ShardId;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.search.SearchShardTarget;
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
}
