package io.personalize.model;

import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.ActionRequest;
import org.elasticsearch.action.ActionResponse;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.action.admin.indices.delete.DeleteIndexRequest;
import org.elasticsearch.action.admin.indices.get.GetIndexRequest;
import org.elasticsearch.action.admin.indices.get.GetIndexResponse;
import org.elasticsearch.action.support.PlainActionFuture;
import org.elasticsearch.action.support.master.AcknowledgedResponse;
import org.elasticsearch.index.Index;
import org.elasticsearch.index.IndexNotFoundException;
import org.elasticsearch.test.ESTestCase;
import org.elasticsearch.test.client.NoOpClient;
import org.elasticsearch.threadpool.TestThreadPool;
import org.elasticsearch.threadpool.ThreadPool;

/**
 * Deleting version indices while another deleter deletes some of them (the master's orphan check once a model's
 * document is gone, an abandoned build): the master of Elasticsearch before 9.5 fails a deletion whose resolved index
 * went meanwhile with {@code index_not_found_exception}, which failed a model's delete in CI on 9.2.4. The client here
 * answers as that master does.
 */
public class ModelStoreDeleteTests extends ESTestCase {

    private static final String V1 = ModelIndices.dataIndex("shop", "u1", 1);
    private static final String V2 = ModelIndices.dataIndex("shop", "u1", 2);

    /**
     * The cluster's indices; each deletion is resolved, then {@code beforeMaster} runs, then the master deletes all the
     * resolved indices or, one of them gone, none. {@code deletions} lists what each deletion resolved.
     */
    private static final class RacedDeletes extends NoOpClient {
        final Set<String> indices = Collections.synchronizedSet(new TreeSet<>(List.of(V1, V2)));
        final List<List<String>> deletions = Collections.synchronizedList(new ArrayList<>());
        volatile Runnable beforeMaster = () -> {};
        /** Every deletion meets an index gone meanwhile. */
        volatile boolean alwaysGone;

        RacedDeletes(ThreadPool threadPool) {
            super(threadPool);
        }

        @Override
        @SuppressWarnings("unchecked")
        protected <Request extends ActionRequest, Response extends ActionResponse> void doExecute(
                ActionType<Response> action, Request request, ActionListener<Response> listener) {
            ActionListener.completeWith(listener, () -> {
                if (request instanceof GetIndexRequest) {
                    return (Response) new GetIndexResponse(
                            indices.toArray(String[]::new), Map.of(), Map.of(), Map.of(), Map.of(), Map.of());
                }
                DeleteIndexRequest delete = (DeleteIndexRequest) request;
                boolean lenient = delete.indicesOptions().ignoreUnavailable();
                List<String> resolved = new ArrayList<>();
                for (String index : delete.indices()) {
                    if (indices.contains(index)) {
                        resolved.add(index);
                    } else if (lenient == false) {
                        throw new IndexNotFoundException(index);
                    }
                }
                Runnable other = beforeMaster;
                beforeMaster = () -> {};
                other.run();
                deletions.add(resolved);
                for (String index : resolved) {
                    if (alwaysGone || indices.contains(index) == false) {
                        // as 9.2's master does, deleting nothing of the request
                        throw new IndexNotFoundException(new Index(index, "uuid"));
                    }
                }
                indices.removeAll(resolved);
                return (Response) AcknowledgedResponse.TRUE;
            });
        }
    }

    private ThreadPool threadPool;

    @Override
    public void setUp() throws Exception {
        super.setUp();
        threadPool = new TestThreadPool(getTestName());
    }

    @Override
    public void tearDown() throws Exception {
        terminate(threadPool);
        super.tearDown();
    }

    public void testAVersionDeletedByAnotherDeleterMeanwhileIsNotAFailure() {
        RacedDeletes client = new RacedDeletes(threadPool);
        client.beforeMaster = () -> client.indices.remove(V2);
        PlainActionFuture<Void> deleted = new PlainActionFuture<>();
        new ModelStore(client).deleteDataIndices(ModelIndices.dataIndexPattern("shop", "u1"), deleted);
        deleted.actionGet();
        assertThat("every version is gone", client.indices.isEmpty(), equalTo(true));
        assertThat("resolved again: what was left", client.deletions, contains(List.of(V1, V2), List.of(V1)));
    }

    public void testNamedIndicesDeletedMeanwhileAreNotAFailure() {
        RacedDeletes client = new RacedDeletes(threadPool);
        client.beforeMaster = () -> client.indices.remove(V1);
        PlainActionFuture<Void> deleted = new PlainActionFuture<>();
        new ModelStore(client).deleteIndices(List.of(V1, V2), deleted);
        deleted.actionGet();
        assertThat(client.indices.isEmpty(), equalTo(true));
    }

    public void testADeletionThatKeepsMeetingAGoneIndexGivesUpAfterAFewAttempts() {
        RacedDeletes client = new RacedDeletes(threadPool);
        client.alwaysGone = true;
        PlainActionFuture<Void> deleted = new PlainActionFuture<>();
        new ModelStore(client).deleteIndices(List.of(V1, V2), deleted);
        expectThrows(IndexNotFoundException.class, deleted::actionGet);
        assertThat("sent three times, not forever", client.deletions.size(), equalTo(3));
    }
}
