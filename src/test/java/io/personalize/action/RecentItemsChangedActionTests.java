package io.personalize.action;

import io.personalize.profile.RecentItems;
import io.personalize.profile.RecentItemsCache;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.ActionRequest;
import org.elasticsearch.action.ActionResponse;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.action.FailedNodeException;
import org.elasticsearch.action.support.PlainActionFuture;
import org.elasticsearch.cluster.ClusterName;
import org.elasticsearch.test.ESTestCase;
import org.elasticsearch.test.client.NoOpClient;
import org.elasticsearch.threadpool.TestThreadPool;
import org.elasticsearch.threadpool.ThreadPool;
import org.elasticsearch.transport.ReceiveTimeoutTransportException;

/**
 * The events API's broadcast of the newest items: each node gets {@link RecentItemsChangedAction#NODE_TIMEOUT}; a node
 * that failed is asked again, a node that timed out is not (it would time out again, and the caller would wait three
 * times as long), and the broadcast never fails the events API (the events are written).
 */
public class RecentItemsChangedActionTests extends ESTestCase {

    private static final List<RecentItemsCache.Change> CHANGES =
            List.of(new RecentItemsCache.Change("u1", RecentItems.EMPTY, 1, 5));

    /** A client whose node-2 times out and node-3 fails with another error, on every attempt; records who was asked. */
    private static NoOpClient failing(ThreadPool threadPool, List<RecentItemsChangedAction.Request> sent) {
        return new NoOpClient(threadPool) {
            @Override
            @SuppressWarnings("unchecked")
            protected <Request extends ActionRequest, Response extends ActionResponse> void doExecute(
                    ActionType<Response> action, Request request, ActionListener<Response> listener) {
                RecentItemsChangedAction.Request changed = (RecentItemsChangedAction.Request) request;
                sent.add(changed);
                List<String> asked =
                        changed.nodesIds() == null ? List.of("node-2", "node-3") : Arrays.asList(changed.nodesIds());
                List<FailedNodeException> failures = new ArrayList<>();
                if (asked.contains("node-2")) {
                    failures.add(new FailedNodeException(
                            "node-2",
                            "timed out",
                            new ReceiveTimeoutTransportException(
                                    org.elasticsearch.cluster.node.DiscoveryNodeUtils.create("node-2"),
                                    RecentItemsChangedAction.NAME,
                                    "timed out")));
                }
                if (asked.contains("node-3")) {
                    failures.add(new FailedNodeException("node-3", "failed", new IOException("connection reset")));
                }
                listener.onResponse((Response) new NodeAcks(new ClusterName("test"), List.of(), failures));
            }
        };
    }

    public void testATimedOutNodeIsNotAskedAgainAndAFailedOneIs() {
        ThreadPool threadPool = new TestThreadPool(getTestName());
        try {
            List<RecentItemsChangedAction.Request> sent = new ArrayList<>();
            PlainActionFuture<Void> done = new PlainActionFuture<>();
            RecentItemsChangedAction.broadcast(
                    failing(threadPool, sent), "shop", ".personalize-recent-shop.x", CHANGES, node -> true, done);
            assertNull(done.actionGet(10, TimeUnit.SECONDS));
            assertEquals(RecentItemsChangedAction.ATTEMPTS, sent.size());
            for (RecentItemsChangedAction.Request request : sent) {
                assertEquals(RecentItemsChangedAction.NODE_TIMEOUT, request.timeout());
            }
            for (RecentItemsChangedAction.Request retry : sent.subList(1, sent.size())) {
                assertEquals(Set.of("node-3"), Set.of(retry.nodesIds()));
            }
        } finally {
            ThreadPool.terminate(threadPool, 10, TimeUnit.SECONDS);
        }
    }

    public void testANodeThatLeftTheClusterIsNotAskedAgain() {
        ThreadPool threadPool = new TestThreadPool(getTestName());
        try {
            List<RecentItemsChangedAction.Request> sent = new ArrayList<>();
            PlainActionFuture<Void> done = new PlainActionFuture<>();
            RecentItemsChangedAction.broadcast(
                    failing(threadPool, sent),
                    "shop",
                    ".personalize-recent-shop.x",
                    CHANGES,
                    node -> node.equals("node-3") == false,
                    done);
            assertNull(done.actionGet(10, TimeUnit.SECONDS));
            assertEquals(1, sent.size());
        } finally {
            ThreadPool.terminate(threadPool, 10, TimeUnit.SECONDS);
        }
    }
}
