package io.personalize.model;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.instanceOf;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.elasticsearch.action.NoShardAvailableActionException;
import org.elasticsearch.action.support.PlainActionFuture;
import org.elasticsearch.index.IndexNotFoundException;
import org.elasticsearch.test.ESTestCase;
import org.elasticsearch.threadpool.TestThreadPool;
import org.elasticsearch.threadpool.ThreadPool;

/**
 * The master's abandonment of an idle import session ({@link ImportSessions#abandonVersion}): the version is deleted
 * only when the model, as read now, does not keep it.
 */
public class ImportSessionsTests extends ESTestCase {

    private ThreadPool threadPool;
    private ModelsIndexClient index;
    private ImportSessionRecords.Record record;

    @Override
    public void setUp() throws Exception {
        super.setUp();
        threadPool = new TestThreadPool(getTestName());
        ModelStatus reserved = ModelStatus.created().reserveVersion();
        reserved = ImportVersions.running("node-1:7", "node-1", 1_000).apply(reserved);
        ModelConfig config = ModelConfigTests.parse("""
            {"catalog": {"index": "p"}, "events": {"index": "e"}}""");
        index = new ModelsIndexClient(threadPool, new ModelStore.StoredModel("shop", config, reserved, 3, 1));
        ModelVersions.Pending pending = new ModelVersions.Pending(
                "shop", 1, ModelIndices.dataIndex("shop", reserved.uuid(), 1), reserved.uuid(), 0, config);
        record = ImportSessionRecords.Record.opened("node-1:7", pending, 1_000, "node-1", "ephemeral-1");
    }

    @Override
    public void tearDown() throws Exception {
        ThreadPool.terminate(threadPool, 10, TimeUnit.SECONDS);
        super.tearDown();
    }

    private PlainActionFuture<Void> abandon() {
        ModelStore store = new ModelStore(index);
        PlainActionFuture<Void> done = new PlainActionFuture<>();
        ImportSessions.abandonVersion(
                store,
                new ModelVersions(store, () -> ForgottenUsers.EMPTY, new NoBroadcasts()),
                record,
                "abandoned, as a test",
                done);
        return done;
    }

    /**
     * The model cannot be read (its shard has no copy for now, as while a node that held it is replaced): the model may
     * name the version active (a completion that activated it before its node died), so nothing is deleted, and the
     * failure leaves the record to the next check.
     */
    public void testAModelThatCannotBeReadDeletesNothing() {
        index.getFailure = new NoShardAvailableActionException(index.shard, "no copy of the models index, as a test");
        ExecutionException e =
                expectThrows(ExecutionException.class, () -> abandon().get(10, TimeUnit.SECONDS));
        assertThat(e.getCause(), instanceOf(NoShardAvailableActionException.class));
        assertThat(index.deleted, equalTo(List.of()));
    }

    /** A model deleted keeps nothing: the version's index goes. */
    public void testTheVersionOfAModelDeletedIsDeleted() throws Exception {
        index.getFailure = new IndexNotFoundException(ModelIndices.MODELS);
        abandon().get(10, TimeUnit.SECONDS);
        assertThat(index.deleted, equalTo(List.of(record.index())));
    }

    /** The import still running: its version is deleted and its status says why. */
    public void testTheVersionOfAnImportStillRunningIsDeletedAndItsStatusSaysWhy() throws Exception {
        abandon().get(10, TimeUnit.SECONDS);
        assertThat(index.deleted, equalTo(List.of(record.index())));
        assertThat(index.model.status().importing().state(), equalTo(ModelStatus.Training.State.FAILED));
        assertThat(index.model.status().importing().reason(), equalTo("abandoned, as a test"));
    }
}
