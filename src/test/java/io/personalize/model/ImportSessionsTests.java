package io.personalize.model;

import static io.personalize.model.ImportSessions.TIMEOUT;
import static org.elasticsearch.common.settings.ClusterSettings.BUILT_IN_CLUSTER_SETTINGS;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.instanceOf;

import io.personalize.compat.ClusterMetadata;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.elasticsearch.ElasticsearchStatusException;
import org.elasticsearch.ExceptionsHelper;
import org.elasticsearch.ResourceNotFoundException;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.NoShardAvailableActionException;
import org.elasticsearch.action.support.PlainActionFuture;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.settings.ClusterSettings;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.util.set.Sets;
import org.elasticsearch.core.TimeValue;
import org.elasticsearch.index.IndexNotFoundException;
import org.elasticsearch.index.engine.VersionConflictEngineException;
import org.elasticsearch.index.shard.ShardId;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.tasks.TaskManager;
import org.elasticsearch.test.ClusterServiceUtils;
import org.elasticsearch.test.ESTestCase;
import org.elasticsearch.threadpool.TestThreadPool;
import org.elasticsearch.threadpool.ThreadPool;

/**
 * The master's abandonment of an idle import session ({@link ImportSessions#abandonVersion}): the version is deleted
 * only when the model, as read now, does not keep it. And an opening sent again while the first one is still under way
 * ({@link ImportSessions#awaitRecord}): it waits, on a real {@link ClusterService} whose state the test publishes step by
 * step, for the first opening's session to be recorded.
 */
public class ImportSessionsTests extends ESTestCase {

    private ThreadPool threadPool;
    private ClusterService clusterService;
    private ModelsIndexClient index;
    private ImportSessionRecords.Record record;
    private ModelConfig config;

    @Override
    public void setUp() throws Exception {
        super.setUp();
        threadPool = new TestThreadPool(getTestName());
        clusterService = ClusterServiceUtils.createClusterService(threadPool);
        ModelStatus reserved = ModelStatus.created().reserveVersion();
        reserved = ImportVersions.running("node-1:7", "node-1", 1_000, "k1").apply(reserved);
        config = ModelConfigTests.parse("""
            {"catalog": {"index": "p"}, "events": {"index": "e"}}""");
        index = new ModelsIndexClient(threadPool, new ModelStore.StoredModel("shop", config, reserved, 3, 1));
        ModelVersions.Pending pending = new ModelVersions.Pending(
                "shop", 1, ModelIndices.dataIndex("shop", reserved.uuid(), 1), reserved.uuid(), 0, config);
        record = ImportSessionRecords.Record.opened("node-1:7", pending, 1_000, "node-1", "ephemeral-1");
    }

    @Override
    public void tearDown() throws Exception {
        clusterService.close();
        ThreadPool.terminate(threadPool, 10, TimeUnit.SECONDS);
        super.tearDown();
    }

    /**
     * CI's {@code SparkFailoverIT} failure, step by step: an opening with an {@code import_id} reserves the version, and
     * the reservation's write is applied but answered as a version conflict (its primary's node killed, the write sent
     * again to the promoted copy). The opening took it for another opening's reservation, forgot its own import and
     * decided again; the model said that this node imported, and no task of it did, so the import was settled as
     * interrupted ("its node restarted") and the opening answered 409 "the import is over". The opening now knows its
     * write succeeded: the session is opened and recorded, and the model's import is running.
     */
    public void testAnOpeningWhoseReservationWasAnsweredAsAConflictOpensItsSession() throws Exception {
        index.model = new ModelStore.StoredModel("shop", config, ModelStatus.created(), 3, 1);
        index.lostAnswer = new VersionConflictEngineException(
                new ShardId(ModelIndices.MODELS, "_na_", 0), "shop", "its own change, met on the promoted copy");
        ModelStore store = new ModelStore(index);
        AtomicReference<ImportSessionRecords> records = new AtomicReference<>(ImportSessionRecords.EMPTY);
        ImportSessionRecords.Updates updates = (update, listener) -> ActionListener.completeWith(listener, () -> {
            ImportSessionRecords after = update.apply(records.get(), 1_000, ephemeralId -> true);
            records.set(after);
            return after.get(update.session());
        });
        ClusterService node = ClusterServiceUtils.createClusterService(
                threadPool, new ClusterSettings(Settings.EMPTY, Sets.addToCopy(BUILT_IN_CLUSTER_SETTINGS, TIMEOUT)));
        ImportSessions sessions = new ImportSessions(
                node,
                threadPool,
                store,
                new ModelVersions(store, () -> ForgottenUsers.EMPTY, new NoBroadcasts()),
                new TrainingRegistry(node, store, index),
                updates);
        TaskManager tasks = new TaskManager(Settings.EMPTY, threadPool, Set.of());

        PlainActionFuture<ImportSessions.Opened> opened = new PlainActionFuture<>();
        sessions.open("shop", "k1", tasks, "open", opened);

        ImportSessions.Info info;
        try {
            info = opened.get(10, TimeUnit.SECONDS).opened();
        } finally {
            node.close();
        }
        assertThat(info.version(), equalTo(1L));
        assertThat(records.get().get(info.session()), org.hamcrest.Matchers.notNullValue());
        ModelStatus.Training importing = index.model.status().importing();
        assertThat(importing.state(), equalTo(ModelStatus.Training.State.RUNNING));
        assertThat(importing.taskId(), equalTo(info.session()));
        assertThat(
                index.created,
                equalTo(List.of(
                        ModelIndices.dataIndex("shop", index.model.status().uuid(), 1))));
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

    private PlainActionFuture<ImportSessions.Opened> awaitRecord(TimeValue wait) {
        PlainActionFuture<ImportSessions.Opened> answer = new PlainActionFuture<>();
        ImportSessions.awaitRecord(
                clusterService,
                threadPool.getThreadContext(),
                new ModelStore(index),
                "shop",
                "k1",
                record.session(),
                wait,
                answer);
        return answer;
    }

    /** Publishes {@code records} as the elected master would, in a new cluster state applied on this node. */
    private void publish(ImportSessionRecords records) {
        ClusterServiceUtils.setState(
                clusterService, ClusterMetadata.withCustom(clusterService.state(), ImportSessionRecords.TYPE, records));
    }

    /**
     * The first opening's record arrives while the one sent again waits: it answers that session (the transport action
     * then asks the node holding it for its parts), and not before: another session's record does not end the wait.
     */
    public void testAnOpeningSentAgainAnswersTheSessionOnceItIsRecorded() throws Exception {
        PlainActionFuture<ImportSessions.Opened> answer = awaitRecord(ImportSessions.RESUME_WAIT);
        assertFalse("nothing recorded yet", answer.isDone());
        ModelVersions.Pending other = new ModelVersions.Pending("other", 1, "i", "u", 0, null);
        publish(ImportSessionRecords.EMPTY.with(
                ImportSessionRecords.Record.opened("node-1:8", other, 1_000, "node-1", "ephemeral-1")));
        assertFalse("another session's record is not the one awaited", answer.isDone());
        publish(ImportSessionRecords.of(clusterService.state()).with(record));
        ImportSessions.Opened opened = answer.get(10, TimeUnit.SECONDS);
        assertEquals(record.session(), opened.resumed());
        assertNull(opened.opened());
    }

    /** Recorded before the opening sent again looks: answered at once. */
    public void testASessionAlreadyRecordedIsAnsweredAtOnce() throws Exception {
        publish(ImportSessionRecords.EMPTY.with(record));
        PlainActionFuture<ImportSessions.Opened> answer = awaitRecord(ImportSessions.RESUME_WAIT);
        assertTrue(answer.isDone());
        assertEquals(record.session(), answer.get().resumed());
    }

    /**
     * The first opening never records its session (its index creation failed, its node died before it recorded): the
     * one sent again is answered, once the wait is over, 409 naming the session, the import id and the wait, and
     * telling to send it again (which then answers how the import ended), not a hang and not a 5xx.
     */
    public void testASessionNeverRecordedIsA409OnceTheWaitIsOver() {
        TimeValue wait = TimeValue.timeValueMillis(300);
        long start = System.nanoTime();
        PlainActionFuture<ImportSessions.Opened> answer = awaitRecord(wait);
        ModelVersions.Pending other = new ModelVersions.Pending("other", 1, "i", "u", 0, null);
        publish(ImportSessionRecords.EMPTY.with(
                ImportSessionRecords.Record.opened("node-1:8", other, 1_000, "node-1", "ephemeral-1")));
        ExecutionException e = expectThrows(ExecutionException.class, () -> answer.get(10, TimeUnit.SECONDS));
        long waitedMillis = (System.nanoTime() - start) / 1_000_000;
        assertThat(e.getCause(), instanceOf(ElasticsearchStatusException.class));
        assertEquals(RestStatus.CONFLICT, ((ElasticsearchStatusException) e.getCause()).status());
        assertEquals(
                "import session [node-1:7] of model [shop], opened with [import_id] [k1], is still being opened after"
                        + " [300ms]: send the request again",
                e.getCause().getMessage());
        assertTrue("waited " + waitedMillis + " ms", waitedMillis >= 300);
    }

    /**
     * The session was recorded and removed (here: aborted) between the status read that named it running and the wait
     * of the opening sent again: its record never comes. The opening is answered at once how the import ended, as a
     * later resend is, not after the 30 s wait with a 409 saying it is still being opened.
     */
    public void testASessionThatCameAndWentIsAnsweredAtOnceHowItEnded() {
        ModelStatus.Training running = index.model.status().importing();
        ModelStatus aborted = index.model
                .status()
                .withImport(new ModelStatus.Training(
                        ModelStatus.Training.State.CANCELLED,
                        running.taskId(),
                        running.nodeId(),
                        running.startedAt(),
                        2_000,
                        running.version(),
                        "aborted",
                        "k1"));
        index.model = new ModelStore.StoredModel("shop", config, aborted, 4, 1);
        long start = System.nanoTime();
        PlainActionFuture<ImportSessions.Opened> answer = awaitRecord(ImportSessions.RESUME_WAIT);
        ExecutionException e = expectThrows(ExecutionException.class, () -> answer.get(10, TimeUnit.SECONDS));
        long waitedMillis = (System.nanoTime() - start) / 1_000_000;
        assertThat(e.getCause(), instanceOf(ElasticsearchStatusException.class));
        assertEquals(RestStatus.CONFLICT, ((ElasticsearchStatusException) e.getCause()).status());
        assertEquals(
                "the import [k1] of model [shop] is over: its import session [node-1:7] cancelled (aborted); open a"
                        + " session with a new [import_id]",
                e.getCause().getMessage());
        assertTrue("waited " + waitedMillis + " ms", waitedMillis < 10_000);
    }

    /** The model deleted meanwhile (its session aborted with it): answered at once, 404, not after the wait. */
    public void testASessionWhoseModelWasDeletedIsAnsweredAtOnce() {
        index.getFailure = new ResourceNotFoundException("model [shop] not found, as a test");
        PlainActionFuture<ImportSessions.Opened> answer = awaitRecord(ImportSessions.RESUME_WAIT);
        ExecutionException e = expectThrows(ExecutionException.class, () -> answer.get(10, TimeUnit.SECONDS));
        assertEquals(RestStatus.NOT_FOUND, ExceptionsHelper.status(e.getCause()));
    }
}
