package io.personalize.model;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.instanceOf;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.elasticsearch.ElasticsearchStatusException;
import org.elasticsearch.ExceptionsHelper;
import org.elasticsearch.action.support.PlainActionFuture;
import org.elasticsearch.index.engine.VersionConflictEngineException;
import org.elasticsearch.index.shard.ShardId;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.test.ESTestCase;
import org.elasticsearch.threadpool.TestThreadPool;
import org.elasticsearch.threadpool.ThreadPool;

/**
 * A compare-and-set of the model's document that was applied, then answered as a version conflict: its primary's node
 * died once the copies had it, and Elasticsearch sent the same request to the promoted copy, which met the write's own
 * change. On CI an import session's reservation went so: the session's node took its own reservation for a dead one
 * and settled it as interrupted, and the Spark job's opening sent again was answered that the import was over.
 */
public class ModelStoreWriteTests extends ESTestCase {

    private ThreadPool threadPool;
    private ModelsIndexClient index;
    private ModelVersions versions;
    private ModelStore.StoredModel model;

    @Override
    public void setUp() throws Exception {
        super.setUp();
        threadPool = new TestThreadPool(getTestName());
        ModelConfig config = ModelConfigTests.parse("""
            {"catalog": {"index": "p"}, "events": {"index": "e"}}""");
        model = new ModelStore.StoredModel("shop", config, ModelStatus.created(), 3, 1);
        index = new ModelsIndexClient(threadPool, model);
        versions = new ModelVersions(new ModelStore(index), () -> ForgottenUsers.EMPTY, new NoBroadcasts());
    }

    @Override
    public void tearDown() throws Exception {
        ThreadPool.terminate(threadPool, 10, TimeUnit.SECONDS);
        super.tearDown();
    }

    private PlainActionFuture<ModelVersions.Pending> reserve(ModelStore.StoredModel read) {
        PlainActionFuture<ModelVersions.Pending> reserved = new PlainActionFuture<>();
        versions.reserve(
                read, ImportVersions.running("node-1:981", "node-1", 1_000, "import-1"), "model changed", reserved);
        return reserved;
    }

    public void testAReservationAppliedButAnsweredAsAConflictIsAReservation() throws Exception {
        index.lostAnswer = new VersionConflictEngineException(
                new ShardId(ModelIndices.MODELS, "_na_", 0), "shop", "its own change, met on the promoted copy");

        ModelVersions.Pending pending = reserve(model).get(10, TimeUnit.SECONDS);

        assertThat(pending.version(), equalTo(1L));
        ModelStatus.Training importing = index.model.status().importing();
        assertThat(importing.state(), equalTo(ModelStatus.Training.State.RUNNING));
        assertThat(importing.taskId(), equalTo("node-1:981"));
        assertThat("the next write compares with the document as it is", index.model.seqNo(), equalTo(4L));
    }

    public void testAConflictWithAnotherChangeIsStillAConflict() {
        // another node reserved first: the document is not what this write sent
        index.model = new ModelStore.StoredModel(
                "shop",
                model.config(),
                ImportVersions.running("node-2:5", "node-2", 900)
                        .apply(model.status().reserveVersion()),
                4,
                1);

        ExecutionException e =
                expectThrows(ExecutionException.class, () -> reserve(model).get(10, TimeUnit.SECONDS));

        assertThat(ExceptionsHelper.unwrapCause(e.getCause()), instanceOf(ElasticsearchStatusException.class));
        assertThat(ExceptionsHelper.status(e.getCause()), equalTo(RestStatus.CONFLICT));
        assertThat(index.model.status().importing().taskId(), equalTo("node-2:5"));
    }
}
