package io.personalize.action;

import static org.hamcrest.Matchers.containsString;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.elasticsearch.ElasticsearchException;
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

public class ClearCacheActionTests extends ESTestCase {

    /** A client whose every node but one clears its cache. */
    private static NoOpClient oneNodeFails(ThreadPool threadPool) {
        return new NoOpClient(threadPool) {
            @Override
            @SuppressWarnings("unchecked")
            protected <Request extends ActionRequest, Response extends ActionResponse> void doExecute(
                    ActionType<Response> action, Request request, ActionListener<Response> listener) {
                FailedNodeException failure =
                        new FailedNodeException("node-2", "unreachable", new IOException("connection reset"));
                listener.onResponse((Response) new NodeAcks(new ClusterName("test"), List.of(), List.of(failure)));
            }
        };
    }

    public void testForgettingAUserFailsUnlessEveryNodeClearedItsCache() {
        ThreadPool threadPool = new TestThreadPool(getTestName());
        try {
            PlainActionFuture<Void> forgotten = new PlainActionFuture<>();
            ClearCacheAction.broadcastOrFail(
                    oneNodeFails(threadPool), ClearCacheAction.Request.user("shop", "u1"), forgotten);
            ElasticsearchException e = expectThrows(ElasticsearchException.class, forgotten::actionGet);
            assertThat(e.getMessage(), containsString("node-2"));
            assertThat(e.getMessage(), containsString("retry"));
        } finally {
            ThreadPool.terminate(threadPool, 10, TimeUnit.SECONDS);
        }
    }

    public void testANodeThatLeftTheClusterDoesNotFailTheForgetting() {
        ThreadPool threadPool = new TestThreadPool(getTestName());
        try {
            PlainActionFuture<Void> forgotten = new PlainActionFuture<>();
            ClearCacheAction.broadcastOrFail(
                    oneNodeFails(threadPool),
                    ClearCacheAction.Request.user("shop", "u1", 123),
                    nodeId -> nodeId.equals("node-2") == false,
                    forgotten);
            assertNull(forgotten.actionGet());
        } finally {
            ThreadPool.terminate(threadPool, 10, TimeUnit.SECONDS);
        }
    }

    public void testAnActivationGoesOnWhenANodeMissesTheClearing() {
        ThreadPool threadPool = new TestThreadPool(getTestName());
        try {
            AtomicBoolean wentOn = new AtomicBoolean();
            ClearCacheAction.broadcast(
                    oneNodeFails(threadPool),
                    ClearCacheAction.Request.model("shop", ".personalize-data-shop.v2"),
                    () -> wentOn.set(true));
            assertTrue(wentOn.get());
        } finally {
            ThreadPool.terminate(threadPool, 10, TimeUnit.SECONDS);
        }
    }
}
