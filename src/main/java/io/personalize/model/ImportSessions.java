package io.personalize.model;

import io.personalize.model.ModelStatus.Training;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Predicate;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.elasticsearch.ElasticsearchStatusException;
import org.elasticsearch.ExceptionsHelper;
import org.elasticsearch.ResourceNotFoundException;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.admin.indices.flush.FlushRequest;
import org.elasticsearch.action.admin.indices.refresh.RefreshRequest;
import org.elasticsearch.action.bulk.BulkRequest;
import org.elasticsearch.action.delete.DeleteRequest;
import org.elasticsearch.action.support.SubscribableListener;
import org.elasticsearch.cluster.ClusterChangedEvent;
import org.elasticsearch.cluster.ClusterState;
import org.elasticsearch.cluster.ClusterStateListener;
import org.elasticsearch.cluster.ClusterStateObserver;
import org.elasticsearch.cluster.node.DiscoveryNodes;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.common.document.DocumentField;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.common.settings.Setting;
import org.elasticsearch.common.util.concurrent.ThreadContext;
import org.elasticsearch.core.TimeValue;
import org.elasticsearch.node.NodeClosedException;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.search.SearchHit;
import org.elasticsearch.search.builder.SearchSourceBuilder;
import org.elasticsearch.tasks.CancellableTask;
import org.elasticsearch.tasks.TaskAwareRequest;
import org.elasticsearch.tasks.TaskCancelledException;
import org.elasticsearch.tasks.TaskId;
import org.elasticsearch.tasks.TaskManager;
import org.elasticsearch.threadpool.Scheduler;
import org.elasticsearch.threadpool.ThreadPool;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;

/**
 * Imports of any size, in numbered parts ({@code _import/_session}). A session is an import like the one-body
 * {@code _import}: it reserves a version and records itself running in {@code status.import} (one import per model at a
 * time), writes each part into the version's index as it arrives (parsed and checked line by line, ids checked across
 * parts by {@link ImportParts}), and activates the version only when it is completed with every part written; a bad
 * line in any part fails the whole import, naming the part and the line. Until then nothing serves the version.
 *
 * <p>A session is held by one node at a time, as a task of its task manager ({@code GET _tasks} lists it, cancelling it
 * or deleting the model aborts the import), but it is recorded in the cluster state ({@link ImportSessionRecords}): the
 * parts written (each flushed before it is recorded, so that what the record says is on disk), the parts being written,
 * and its last activity. When its node dies or restarts, the next request sent to any node takes it over: that node
 * reads back which part wrote each document of the version (doc values {@link ModelIndices#IMPORT_PART} and
 * {@link ModelIndices#IMPORT_LINE}, written with each document) to rebuild the cross-part id check and the parts'
 * bookkeeping, and the import goes on. The elected master abandons a session that received no request for
 * {@link #TIMEOUT} (its version is deleted and its status says so), whichever node held it; while the record exists, the
 * import is alive for {@link TrainingRegistry} and {@link OrphanVersionCleaner}.
 */
public final class ImportSessions implements ClusterStateListener {

    private static final Logger logger = LogManager.getLogger(ImportSessions.class);

    public static final Setting<TimeValue> TIMEOUT = Setting.timeSetting(
            "personalize.import.session_timeout",
            TimeValue.timeValueMinutes(30),
            TimeValue.timeValueSeconds(1),
            Setting.Property.NodeScope,
            Setting.Property.Dynamic);

    /** How often the elected master looks for idle sessions: a walk over the recorded sessions, usually none. */
    private static final TimeValue CHECK_INTERVAL = TimeValue.timeValueSeconds(1);

    enum State {
        OPEN,
        COMPLETING,
        ABORTING
    }

    private final ClusterService clusterService;
    private final ThreadPool threadPool;
    private final ModelStore store;
    private final ModelVersions versions;
    private final TrainingRegistry builds;
    private final ImportSessionRecords.Updates updates;
    private final Executor executor;
    private volatile TimeValue timeout;
    /** The sessions this node holds. */
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    /** The sessions this node is taking over: the requests that arrive meanwhile wait for it. */
    private final Map<String, SubscribableListener<Session>> resuming = new ConcurrentHashMap<>();
    /** The task action of a session taken over: as the transport action names the task of a session it opens. */
    static final String TAKE_OVER_ACTION = "cluster:admin/personalize/model/import/session[session]";
    /** The periodic idle check, while this node is the elected master. */
    private Scheduler.Cancellable idleCheck; // guarded by this
    /** The sessions the master is abandoning now. */
    private final Set<String> abandoning = ConcurrentHashMap.newKeySet();

    public ImportSessions(
            ClusterService clusterService,
            ThreadPool threadPool,
            ModelStore store,
            ModelVersions versions,
            TrainingRegistry builds,
            ImportSessionRecords.Updates updates) {
        this.clusterService = clusterService;
        this.threadPool = threadPool;
        this.store = store;
        this.versions = versions;
        this.builds = builds;
        this.updates = updates;
        // parsing the lines is CPU work: not on a network thread
        this.executor = threadPool.generic();
        this.timeout = TIMEOUT.get(clusterService.getSettings());
        clusterService.getClusterSettings().addSettingsUpdateConsumer(TIMEOUT, value -> this.timeout = value);
        clusterService.addListener(this);
    }

    /** What a session holds: its parts, and the version it became once completed. */
    public record Info(
            String session,
            String model,
            long version,
            String state,
            long startedAt,
            List<ImportParts.Summary> parts,
            ModelStatus.Version activated)
            implements Writeable, ToXContentObject {

        public Info(StreamInput in) throws IOException {
            this(
                    in.readString(),
                    in.readString(),
                    in.readVLong(),
                    in.readString(),
                    in.readVLong(),
                    in.readCollectionAsList(i -> new ImportParts.Summary(
                            i.readVInt(),
                            i.readEnum(ImportParts.State.class),
                            i.readVLong(),
                            i.readVLong(),
                            i.readVLong(),
                            i.readVLong())),
                    in.readOptionalWriteable(ModelStatus.Version::new));
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(session);
            out.writeString(model);
            out.writeVLong(version);
            out.writeString(state);
            out.writeVLong(startedAt);
            out.writeCollection(parts, (o, p) -> {
                o.writeVInt(p.part());
                o.writeEnum(p.state());
                o.writeVLong(p.lines());
                o.writeVLong(p.items());
                o.writeVLong(p.users());
                o.writeVLong(p.popular());
            });
            out.writeOptionalWriteable(activated);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            builder.startObject();
            if (activated != null) {
                builder.field("acknowledged", true);
            }
            builder.field("session", session).field("model", model).field("state", state);
            if (activated != null) {
                builder.field("version", activated);
            } else {
                builder.field("pending_version", version);
            }
            builder.field("started_at", startedAt);
            long lines = 0;
            builder.startArray("parts");
            for (ImportParts.Summary part : parts) {
                lines += part.lines();
                builder.startObject()
                        .field("part", part.part())
                        .field("state", part.state().name().toLowerCase(Locale.ROOT))
                        .field("lines", part.lines())
                        .field("items", part.items())
                        .field("users", part.users())
                        .field("popular", part.popular())
                        .endObject();
            }
            builder.endArray();
            return builder.field("lines", lines).endObject();
        }
    }

    /** The task a session is, from its opening to its end. */
    private record SessionTask(String model) implements TaskAwareRequest {
        @Override
        public void setParentTask(TaskId taskId) {}

        @Override
        public void setRequestId(long requestId) {}

        @Override
        public TaskId getParentTask() {
            return TaskId.EMPTY_TASK_ID;
        }

        @Override
        public org.elasticsearch.tasks.Task createTask(
                long id, String type, String action, TaskId parentTaskId, Map<String, String> headers) {
            return new CancellableTask(id, type, action, getDescription(), parentTaskId, headers);
        }

        @Override
        public String getDescription() {
            return "import session into model [" + model + "]";
        }
    }

    private final class Session {
        final String id;
        final String model;
        final CancellableTask task;
        final TaskManager taskManager;
        final ModelVersions.Pending pending;
        final long startedAt;
        /** The caller's name for the import ({@code import_id}), or null: its version keeps it once activated. */
        final String importId;

        final VersionWriter writer;
        /** The ephemeral id of this node when it took the session: the record's holder. */
        final String ephemeralId;
        // guarded by this; replaced once, by a takeover's rebuild, before the session takes requests
        ImportParts parts = new ImportParts();
        State state = State.OPEN;
        int inFlight;
        Runnable abort;

        Session(
                String id,
                String model,
                CancellableTask task,
                TaskManager taskManager,
                ModelVersions.Pending pending,
                long startedAt,
                String importId) {
            this.id = id;
            this.model = model;
            this.task = task;
            this.taskManager = taskManager;
            this.pending = pending;
            this.startedAt = startedAt;
            this.importId = importId;
            this.writer = new VersionWriter(store.systemClient(), executor, task);
            this.ephemeralId = clusterService.localNode().getEphemeralId();
        }

        synchronized Info info(ModelStatus.Version activated) {
            String shown = activated != null ? "activated" : state.name().toLowerCase(Locale.ROOT);
            return new Info(id, model, pending.version(), shown, startedAt, parts.summaries(), activated);
        }

        /** The session ends here: it is forgotten, its task and import registration go, and its record. */
        void release() {
            releaseLocally();
            updates.update(
                    ImportSessionRecords.Update.remove(id, ephemeralId),
                    ActionListener.wrap(
                            removed -> {},
                            e -> logger.warn(
                                    "model [" + model + "]: could not remove the record of import session [" + id
                                            + "]; the elected master abandons it after the timeout",
                                    e)));
        }

        void releaseLocally() {
            sessions.remove(id, this);
            builds.unregisterImport(model, task);
            taskManager.unregister(task);
        }
    }

    private CancellableTask register(TaskManager taskManager, String action, String name) {
        return (CancellableTask) taskManager.register("transport", action, new SessionTask(name));
    }

    /**
     * What an opening answers: the session it opened, or (sent again with the {@code import_id} of a session still
     * running) the id of that session, whose state the caller asks from the node that holds it.
     */
    public record Opened(Info opened, String resumed) {}

    /** How long an opening sent again waits for the first one to record the session it opens. */
    static final TimeValue RESUME_WAIT = TimeValue.timeValueSeconds(30);

    /**
     * Opens a session on this node: reserves the model's next version, creates its index and records the session. With
     * {@code importId} (null: none) the import is named, so that the same opening sent again answers the same session
     * ({@link ImportSessionOpen}).
     */
    public void open(
            String name, String importId, TaskManager taskManager, String action, ActionListener<Opened> listener) {
        open(name, importId, importId != null, taskManager, action, listener);
    }

    /** {@code decideAgain}: a reservation that lost to another opening is decided again, once (see below). */
    private void open(
            String name,
            String importId,
            boolean decideAgain,
            TaskManager taskManager,
            String action,
            ActionListener<Opened> listener) {
        long start = System.currentTimeMillis();
        CancellableTask task = register(taskManager, action, name);
        String nodeId = clusterService.localNode().getId();
        String id = new TaskId(nodeId, task.getId()).toString();
        // a request for this session that reaches this node before it is held here waits for the opening
        SubscribableListener<Session> opening = new SubscribableListener<>();
        resuming.put(id, opening);
        ActionListener<Session> done = ActionListener.runBefore(opening, () -> resuming.remove(id, opening));
        // this opening opens nothing (refused, or answered with another's session)
        Runnable forget = () -> {
            resuming.remove(id, opening);
            builds.unregisterImport(name, task);
            taskManager.unregister(task);
        };
        opening.addListener(
                ActionListener.wrap(session -> listener.onResponse(new Opened(session.info(null), null)), e -> {
                    forget.run();
                    listener.onFailure(e);
                }));
        store.get(
                name,
                done.delegateFailureAndWrap((l, stored) ->
                        builds.settleInterrupted(stored, l.delegateFailureAndWrap((l1, model) -> {
                            ImportSessionOpen decided = ImportSessionOpen.decide(name, model.status(), importId);
                            if (decided.resumed() != null) {
                                forget.run();
                                awaitRecord(
                                        clusterService,
                                        threadPool.getThreadContext(),
                                        store,
                                        name,
                                        importId,
                                        decided.resumed(),
                                        RESUME_WAIT,
                                        listener);
                                return;
                            }
                            // registered before the status says "running": a node that reads it meanwhile must not
                            // take it for dead
                            if (builds.registerImport(name, task) == false) {
                                throw new ElasticsearchStatusException(
                                        "model [" + name + "] is already importing on this node", RestStatus.CONFLICT);
                            }
                            ActionListener<ModelVersions.Pending> reserved =
                                    l1.delegateFailureAndWrap((l2, pending) -> {
                                        Session session =
                                                new Session(id, name, task, taskManager, pending, start, importId);
                                        ActionListener<Session> opened =
                                                ImportVersions.abandonOnFailure(versions, pending, l2);
                                        session.writer.createIndex(
                                                pending.index(),
                                                opened.delegateFailureAndWrap((l3, created) -> updates.update(
                                                        ImportSessionRecords.Update.open(
                                                                ImportSessionRecords.Record.opened(
                                                                        id,
                                                                        pending,
                                                                        start,
                                                                        nodeId,
                                                                        session.ephemeralId)),
                                                        l3.map(recorded -> {
                                                            hold(session);
                                                            return session;
                                                        }))));
                                    });
                            versions.reserve(
                                    model,
                                    ImportVersions.running(id, nodeId, start, importId),
                                    "model [" + name + "] changed while the import session opened, try again",
                                    decideAgain == false
                                            ? reserved
                                            : reserved.delegateResponse((l2, e) -> {
                                                if (ExceptionsHelper.status(e) != RestStatus.CONFLICT) {
                                                    l2.onFailure(e);
                                                    return;
                                                }
                                                // two openings of one import at once (one sent again while the first
                                                // still ran): the one whose reservation lost answers the other's
                                                // session, as read from the model now
                                                forget.run();
                                                open(name, importId, false, taskManager, action, listener);
                                            }));
                        }))));
    }

    /**
     * An opening sent again: answers the session the first one opens once it is recorded (the first may still be
     * creating its index), or 409 if it is not recorded within {@code wait} ({@link #RESUME_WAIT}). The session may
     * also have been recorded and removed already (completed, aborted, abandoned) between the status read that named it
     * and this wait: its record would never come. So the model's status is read again once the wait listens, and
     * answers at once if the import is over, as a later resend does ({@link ImportSessionOpen#decide}). That read
     * misses no session: every end writes the status before it removes the record, so a record removed before the wait
     * listened is an ended import in that read (unless that status write failed: then the wait's 409), and a record
     * published after it ends the wait. Static, so that a test
     * publishes the record (or never does) to a real {@link ClusterService}.
     */
    static void awaitRecord(
            ClusterService clusterService,
            ThreadContext threadContext,
            ModelStore store,
            String name,
            String importId,
            String session,
            TimeValue wait,
            ActionListener<Opened> listener) {
        // the record's arrival and the status read race: the first answer wins
        ActionListener<Opened> once = ActionListener.notifyOnce(listener);
        ClusterStateObserver.waitForState(
                clusterService,
                threadContext,
                new ClusterStateObserver.Listener() {
                    @Override
                    public void onNewClusterState(ClusterState state) {
                        once.onResponse(new Opened(null, session));
                    }

                    @Override
                    public void onClusterServiceClose() {
                        once.onFailure(new NodeClosedException(clusterService.localNode()));
                    }

                    @Override
                    public void onTimeout(TimeValue waited) {
                        once.onFailure(new ElasticsearchStatusException(
                                "import session [" + session + "] of model [" + name + "], opened with [import_id] ["
                                        + importId + "], is still being opened after [" + waited
                                        + "]: send the request again",
                                RestStatus.CONFLICT));
                    }
                },
                state -> ImportSessionRecords.of(state).get(session) != null,
                wait,
                logger);
        if (ImportSessionRecords.of(clusterService.state()).get(session) != null) {
            return; // answered by the observer, or it answers now
        }
        store.get(
                name,
                ActionListener.wrap(
                        model -> {
                            // throws 409 saying how the import ended; a resumed session is still to be recorded
                            ImportSessionOpen decided = ImportSessionOpen.decide(name, model.status(), importId);
                            if (decided.resumed() == null) {
                                once.onFailure(new ElasticsearchStatusException(
                                        "import session [" + session + "] of model [" + name
                                                + "], opened with [import_id] [" + importId + "], is no longer"
                                                + " running: send the request again",
                                        RestStatus.CONFLICT));
                            }
                        },
                        e -> {
                            RestStatus status = ExceptionsHelper.status(e);
                            if (status == RestStatus.CONFLICT || status == RestStatus.NOT_FOUND) {
                                once.onFailure(e); // how it ended, or the model is gone with it
                            } else {
                                // the model unreadable for now: the wait decides
                                logger.debug(() -> "model [" + name + "]: could not read its status again", e);
                            }
                        }));
    }

    /** The session is held here from now on; deleting the model or cancelling its task aborts the import. */
    private void hold(Session session) {
        sessions.put(session.id, session);
        session.task.addListener(() -> abort(
                session,
                new TaskCancelledException("cancelled"),
                Training.State.CANCELLED,
                "cancelled",
                ActionListener.noop()));
    }

    /** What the session holds now. */
    public void status(String name, String sessionId, TaskManager taskManager, ActionListener<Info> listener) {
        withSession(name, sessionId, taskManager, listener.map(session -> session.info(null)));
    }

    /**
     * Writes part {@code number} of the session; sending a part again replaces what it wrote before. A bad line fails
     * the whole import (the listener gets a 400 naming the part and the line); any other failure leaves the part to be
     * sent again.
     */
    public void part(
            String name,
            String sessionId,
            int number,
            BytesReference body,
            TaskManager taskManager,
            ActionListener<Info> listener) {
        ImportParts.checkNumber(number);
        if (ModelLines.hasLines(body) == false) {
            throw new IllegalArgumentException("part [" + number + "] has no line: send at least one");
        }
        withSession(
                name,
                sessionId,
                taskManager,
                listener.delegateFailureAndWrap((l, session) -> beginPart(session, number, body, l)));
    }

    private void beginPart(Session session, int number, BytesReference body, ActionListener<Info> listener) {
        List<String> replaced;
        synchronized (session) {
            if (session.state != State.OPEN) {
                throw notOpen(session);
            }
            try {
                replaced = session.parts.begin(number);
            } catch (IllegalStateException e) {
                throw new ElasticsearchStatusException(e.getMessage(), RestStatus.CONFLICT);
            }
            session.inFlight++;
        }
        // recorded as being written first: the master does not abandon a session while its holder writes a part, and
        // a node that lost the session (taken for dead meanwhile) learns it here, before it writes
        updates.update(
                ImportSessionRecords.Update.beginPart(session.id, session.ephemeralId, number),
                ActionListener.wrap(recorded -> writePart(session, number, body, replaced, listener), e -> {
                    synchronized (session) {
                        session.parts.failed(number);
                    }
                    partEnded(session);
                    listener.onFailure(e);
                }));
    }

    private void writePart(
            Session session, int number, BytesReference body, List<String> replaced, ActionListener<Info> listener) {
        int[] line = new int[1];
        ModelLines lines = new ModelLines(body, (id, what, at) -> {
            synchronized (session) {
                session.parts.claim(number, id, what, at);
            }
            line[0] = at;
        });
        // each document says which part and line wrote it: what a node that takes the session over reads back
        Iterator<VersionWriter.Doc> tagged = new Iterator<>() {
            @Override
            public boolean hasNext() {
                return lines.hasNext();
            }

            @Override
            public VersionWriter.Doc next() {
                VersionWriter.Doc doc = lines.next();
                return new VersionWriter.Doc(doc.id(), tag(doc.json(), number, line[0]));
            }
        };
        ActionListener<Void> written = ActionListener.wrap(
                ok -> {
                    ImportSessionRecords.Written counts =
                            new ImportSessionRecords.Written(lines.items(), lines.users(), lines.popularLines());
                    updates.update(
                            ImportSessionRecords.Update.endPart(session.id, session.ephemeralId, number, counts),
                            ActionListener.wrap(
                                    recorded -> {
                                        synchronized (session) {
                                            session.parts.written(
                                                    number, counts.items(), counts.users(), counts.popular());
                                        }
                                        partEnded(session);
                                        listener.onResponse(session.info(null));
                                    },
                                    e -> {
                                        synchronized (session) {
                                            session.parts.failed(number);
                                        }
                                        partEnded(session);
                                        listener.onFailure(e);
                                    }));
                },
                e -> {
                    synchronized (session) {
                        session.parts.failed(number);
                    }
                    if (ExceptionsHelper.unwrapCause(e) instanceof IllegalArgumentException badLine) {
                        partEnded(session);
                        // every bad line fails the whole import: the version goes, the status says where
                        IllegalArgumentException named =
                                new IllegalArgumentException("part [" + number + "] " + badLine.getMessage(), badLine);
                        abort(
                                session,
                                named,
                                Training.State.FAILED,
                                named.getMessage(),
                                ActionListener.running(() -> listener.onFailure(named)));
                    } else {
                        // no longer being written: the session can be abandoned again if the client goes away
                        updates.update(
                                ImportSessionRecords.Update.endPart(session.id, session.ephemeralId, number, null),
                                ActionListener.running(() -> {
                                    partEnded(session);
                                    listener.onFailure(e);
                                }));
                    }
                });
        // flushed before it is recorded written: a part the record says is written survives any crash
        ActionListener<Void> write = written.delegateFailureAndWrap((l, deleted) -> session.writer.write(
                session.pending.index(),
                tagged,
                (d, t) -> {},
                -1,
                false,
                l.delegateFailureAndWrap((l2, done) -> store.systemClient()
                        .admin()
                        .indices()
                        .flush(new FlushRequest(session.pending.index()), l2.map(flushed -> null)))));
        if (replaced.isEmpty()) {
            write.onResponse(null);
        } else {
            // the part's earlier attempt: its documents go before it is written again (it may hold other lines)
            BulkRequest bulk = new BulkRequest();
            replaced.forEach(id -> bulk.add(new DeleteRequest(session.pending.index(), id)));
            store.systemClient().bulk(bulk, write.map(response -> {
                if (response.hasFailures()) {
                    throw new IllegalStateException(
                            "could not replace part [" + number + "]: " + response.buildFailureMessage());
                }
                return null;
            }));
        }
    }

    /** The document's JSON with the part and line that wrote it in front (doc values only: see the mapping). */
    static byte[] tag(byte[] json, int part, int line) {
        byte[] prefix = ("{\"" + ModelIndices.IMPORT_PART + "\":" + part + ",\"" + ModelIndices.IMPORT_LINE + "\":"
                        + line + (json.length > 2 ? "," : ""))
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] tagged = new byte[prefix.length + json.length - 1];
        System.arraycopy(prefix, 0, tagged, 0, prefix.length);
        System.arraycopy(json, 1, tagged, prefix.length, json.length - 1);
        return tagged;
    }

    private void partEnded(Session session) {
        Runnable abort;
        synchronized (session) {
            session.inFlight--;
            abort = session.inFlight == 0 ? session.abort : null;
            if (abort != null) {
                session.abort = null;
            }
        }
        if (abort != null) {
            abort.run();
        }
    }

    /**
     * Completes the session: checks that parts 1 to the last (or to {@code expectedParts}) all arrived and were written,
     * makes the version searchable and durable, and activates it as an import is. A second completion, or one while a
     * part is written, answers 409.
     */
    public void complete(
            String name,
            String sessionId,
            Integer expectedParts,
            long newestEvent,
            TaskManager taskManager,
            ActionListener<Info> listener) {
        withSession(
                name,
                sessionId,
                taskManager,
                listener.delegateFailureAndWrap((l, session) -> complete(session, expectedParts, newestEvent, l)));
    }

    private void complete(Session session, Integer expectedParts, long newestEvent, ActionListener<Info> listener) {
        long users;
        long items;
        synchronized (session) {
            if (session.state != State.OPEN) {
                throw notOpen(session);
            }
            if (session.inFlight > 0 || session.parts.writing()) {
                throw new ElasticsearchStatusException(
                        "import session [" + session.id + "] has parts being written: complete it once they answer",
                        RestStatus.CONFLICT);
            }
            String problem = session.parts.incomplete(expectedParts);
            if (problem != null) {
                throw new IllegalArgumentException("import session [" + session.id + "]: " + problem);
            }
            session.state = State.COMPLETING;
            users = session.parts.users();
            items = session.parts.items();
        }
        ActionListener<ModelStatus.Version> ended =
                ActionListener.runBefore(listener.map(session::info), session::release);
        updates.update(
                ImportSessionRecords.Update.complete(session.id, session.ephemeralId),
                ActionListener.wrap(
                        recorded -> session.writer.finish(
                                session.pending.index(),
                                ImportVersions.abandonOnFailure(versions, session.pending, ended)
                                        .delegateFailureAndWrap((l, finished) -> ImportVersions.activate(
                                                versions,
                                                session.pending,
                                                users,
                                                items,
                                                newestEvent,
                                                session.startedAt,
                                                session.importId,
                                                ended))),
                        e -> {
                            synchronized (session) {
                                session.state = State.OPEN; // nothing changed: it may be completed again
                            }
                            listener.onFailure(e);
                        }));
    }

    /** Aborts the session: its version is deleted once no part is written any more, and the status says it was aborted. */
    public void abort(String name, String sessionId, TaskManager taskManager, ActionListener<Info> listener) {
        withSession(
                name,
                sessionId,
                taskManager,
                listener.delegateFailureAndWrap((l, session) -> abort(
                        session,
                        new TaskCancelledException("aborted"),
                        Training.State.CANCELLED,
                        "aborted",
                        ActionListener.running(() -> l.onResponse(session.info(null))))));
    }

    private void abort(
            Session session, Exception cause, Training.State outcome, String reason, ActionListener<Void> listener) {
        synchronized (session) {
            if (session.state == State.COMPLETING && cause instanceof TaskCancelledException) {
                // the activation decides: a deleted model refuses it, and the version is then deleted
                listener.onFailure(notOpen(session));
                return;
            }
            if (session.state != State.OPEN) {
                listener.onFailure(notOpen(session));
                return;
            }
            session.state = State.ABORTING;
            // over for its client from now on (404), though its version goes only once no part is in flight
            sessions.remove(session.id, session);
            session.abort = () -> ImportVersions.abandon(
                    versions, session.pending, cause, outcome, reason, ActionListener.running(() -> {
                        session.release();
                        listener.onResponse(null);
                    }));
        }
        // parts being written stop at their next batch; the version is deleted once none is in flight (a late batch
        // would create its index again)
        if (session.task.isCancelled() == false) {
            session.taskManager.cancel(session.task, reason, () -> {});
        }
        Runnable abort;
        synchronized (session) {
            abort = session.inFlight == 0 ? session.abort : null;
            if (abort != null) {
                session.abort = null;
            }
        }
        if (abort != null) {
            abort.run();
        }
    }

    /**
     * The session, held here, or taken over: its record in the cluster state says which node holds it, and a request
     * reaches this node only when that node is this one or is gone (see the transport action's routing).
     */
    private void withSession(String name, String sessionId, TaskManager taskManager, ActionListener<Session> listener) {
        Session session = sessions.get(sessionId);
        if (session != null) {
            if (session.model.equals(name) == false) {
                throw notFound(name, sessionId);
            }
            listener.onResponse(session);
            return;
        }
        SubscribableListener<Session> underWay = resuming.get(sessionId);
        if (underWay != null) {
            // opened or taken over here right now: this node's cluster state may not show its record yet
            underWay.addListener(listener.delegateFailureAndWrap((l, held) -> {
                if (held.model.equals(name) == false) {
                    throw notFound(name, sessionId);
                }
                l.onResponse(held);
            }));
            return;
        }
        ImportSessionRecords.Record record =
                ImportSessionRecords.of(clusterService.state()).get(sessionId);
        if (record == null || record.model().equals(name) == false) {
            throw notFound(name, sessionId);
        }
        SubscribableListener<Session> taking = new SubscribableListener<>();
        SubscribableListener<Session> already = resuming.putIfAbsent(sessionId, taking);
        if (already != null) {
            already.addListener(listener);
            return;
        }
        taking.addListener(listener);
        takeOver(record, taskManager, ActionListener.runBefore(taking, () -> resuming.remove(sessionId, taking)));
    }

    /**
     * Takes over a session whose node is gone (or restarted): recorded as held here (the master refuses while its
     * holder is in the cluster), then rebuilt from the model's status and the version index.
     */
    private void takeOver(
            ImportSessionRecords.Record record, TaskManager taskManager, ActionListener<Session> listener) {
        String id = record.session();
        String name = record.model();
        String nodeId = clusterService.localNode().getId();
        String ephemeralId = clusterService.localNode().getEphemeralId();
        updates.update(
                ImportSessionRecords.Update.takeOver(id, nodeId, ephemeralId),
                listener.delegateFailureAndWrap((l, taken) -> store.get(name, l.delegateFailureAndWrap((l2, model) -> {
                    Training importing = model.status().importing();
                    if (Objects.equals(model.status().uuid(), taken.uuid()) == false
                            || importing == null
                            || importing.state() != Training.State.RUNNING
                            || importing.version() != taken.version()) {
                        // over already: its completion activated it, or its model was deleted (the orphan check
                        // deletes a version no model keeps)
                        updates.update(
                                ImportSessionRecords.Update.remove(id, ephemeralId),
                                ActionListener.running(() -> l2.onFailure(notFound(name, id))));
                        return;
                    }
                    CancellableTask task = register(taskManager, TAKE_OVER_ACTION, name);
                    if (builds.registerImport(name, task) == false) {
                        taskManager.unregister(task);
                        throw new ElasticsearchStatusException(
                                "model [" + name + "] is already importing on this node", RestStatus.CONFLICT);
                    }
                    Session session = new Session(
                            id,
                            name,
                            task,
                            taskManager,
                            taken.pending(model.config()),
                            taken.startedAt(),
                            importing.importId());
                    long rebuildStart = System.nanoTime();
                    rebuild(
                            session,
                            taken,
                            ActionListener.wrap(
                                    rebuilt -> {
                                        hold(session);
                                        logger.info(
                                                "model [{}]: took over import session [{}] from node [{}]: parts {}"
                                                        + " written, {} documents read back in {} ms",
                                                name,
                                                id,
                                                record.node(),
                                                taken.parts().keySet(),
                                                rebuilt,
                                                (System.nanoTime() - rebuildStart) / 1_000_000);
                                        l2.onResponse(session);
                                    },
                                    e -> {
                                        session.releaseLocally();
                                        l2.onFailure(e);
                                    }));
                }))));
    }

    /**
     * Reads back which part and line wrote each document of the version: the cross-part id check and the parts as they
     * are on disk. Reading every id costs one pass over the version's doc values (no source), and only on a takeover;
     * storing the ids elsewhere would cost every part a second write. A read that finds fewer documents than the
     * written parts hold is made again before what is missing counts as not written ({@link ImportReadBack}); a read
     * whose point in time lost a shard copy reads everything again from a new one.
     */
    private void rebuild(Session session, ImportSessionRecords.Record record, ActionListener<Long> listener) {
        new ImportReadBack(versionReader(session.task), threadPool, executor)
                .read(
                        session.pending.index(),
                        record.parts(),
                        "model [" + session.model + "]: import session [" + session.id + "]",
                        listener.map(read -> {
                            synchronized (session) {
                                session.parts = read.parts();
                            }
                            return read.documents();
                        }));
    }

    /** Reads a version index's documents (their id, part and line), refreshed first, as {@code task}. */
    private ImportReadBack.Reader versionReader(CancellableTask task) {
        return (index, documents, restart, listener) -> {
            IndexScan scan = new IndexScan(store.systemClient(), executor, task);
            store.systemClient()
                    .admin()
                    .indices()
                    .refresh(
                            new RefreshRequest(index),
                            listener.delegateFailureAndWrap((l, r) -> scan.scan(
                                    index,
                                    1,
                                    () -> new SearchSourceBuilder()
                                            .fetchSource(false)
                                            .storedFields(new ArrayList<>()) // the _id only
                                            .docValueField(ModelIndices.IMPORT_PART)
                                            .docValueField(ModelIndices.IMPORT_LINE),
                                    (slice, hits) -> {
                                        for (SearchHit hit : hits.getHits()) {
                                            DocumentField part = hit.field(ModelIndices.IMPORT_PART);
                                            DocumentField line = hit.field(ModelIndices.IMPORT_LINE);
                                            documents.accept(
                                                    hit.getId(),
                                                    part == null ? null : ((Number) part.getValue()).intValue(),
                                                    line == null ? null : ((Number) line.getValue()).intValue());
                                        }
                                    },
                                    (pit, done) -> done.onResponse(null),
                                    // a copy lost while read: all of it again from a new point in time
                                    restart,
                                    l)));
        };
    }

    /**
     * The sessions this node holds whose record went (the master abandoned them) or moved to another node end here,
     * without touching the version: it is not theirs any more.
     */
    @Override
    public void clusterChanged(ClusterChangedEvent event) {
        checkWhileMaster(event.localNodeMaster());
        ImportSessionRecords before = ImportSessionRecords.of(event.previousState());
        ImportSessionRecords after = ImportSessionRecords.of(event.state());
        if (before.equals(after) || sessions.isEmpty()) {
            return;
        }
        for (Session session : sessions.values()) {
            ImportSessionRecords.Record was = before.get(session.id);
            ImportSessionRecords.Record now = after.get(session.id);
            if (was != null
                    && (now == null
                            || now.ephemeralId().equals(session.ephemeralId) == false
                            || (now.abandoned() && was.abandoned() == false))) {
                synchronized (session) {
                    if (session.state != State.OPEN) {
                        continue;
                    }
                    session.state = State.ABORTING;
                }
                logger.info("model [{}]: import session [{}] is no longer held here", session.model, session.id);
                // parts in flight stop at their next batch (cancelled while still registered: cancelling an
                // unregistered task does nothing; the listener would run only once it is unregistered)
                session.taskManager.cancel(session.task, "no longer held here", () -> {});
                session.releaseLocally();
            }
        }
    }

    /** The idle check runs on the elected master only, as long as it is the master. */
    private synchronized void checkWhileMaster(boolean master) {
        if (master && idleCheck == null) {
            idleCheck = threadPool.scheduleWithFixedDelay(this::abandonIdle, CHECK_INTERVAL, threadPool.generic());
        } else if (master == false && idleCheck != null) {
            idleCheck.cancel();
            idleCheck = null;
        }
    }

    /**
     * On the elected master: abandons the sessions that received no request for {@link #TIMEOUT} (none in progress on a
     * live holder), whichever node held them. The record is marked abandoned first (in a master task that checks it is
     * still idle: from then on it takes no request), then the version is deleted, unless the model keeps it (a
     * completion that activated it before its node died), and the status says why; the record goes last.
     */
    void abandonIdle() {
        ClusterState state = clusterService.state();
        if (state.nodes().isLocalNodeElectedMaster() == false) {
            return;
        }
        ImportSessionRecords records = ImportSessionRecords.of(state);
        if (records.sessions().isEmpty()) {
            return;
        }
        long now = System.currentTimeMillis();
        TimeValue timeout = this.timeout;
        Predicate<String> alive = alive(state.nodes());
        for (ImportSessionRecords.Record record : records.sessions().values()) {
            if (record.idle(now, timeout.millis(), alive) == false || abandoning.add(record.session()) == false) {
                continue;
            }
            String reason = "abandoned: the import session received no request for [" + timeout + "]";
            updates.update(
                    ImportSessionRecords.Update.abandon(record.session(), timeout.millis()),
                    ActionListener.wrap(
                            left -> {
                                if (left == null || left.abandoned() == false) {
                                    abandoning.remove(record.session()); // used again meanwhile
                                    return;
                                }
                                logger.info(
                                        "model [{}]: import session [{}] {}", record.model(), record.session(), reason);
                                // the record goes last: until then the import is alive for the orphan check, and
                                // no node settles it as interrupted
                                abandonVersion(
                                        store,
                                        versions,
                                        record,
                                        reason,
                                        ActionListener.wrap(
                                                done -> updates.update(
                                                        ImportSessionRecords.Update.remove(record.session(), null),
                                                        ActionListener.running(
                                                                () -> abandoning.remove(record.session()))),
                                                e -> {
                                                    // the record stays, abandoned: the next check tries again
                                                    logger.warn(
                                                            "model [" + record.model() + "]: import session ["
                                                                    + record.session()
                                                                    + "] is abandoned, but its model could not be"
                                                                    + " read to tell whether it keeps the version",
                                                            e);
                                                    abandoning.remove(record.session());
                                                }));
                            },
                            e -> abandoning.remove(record.session())));
        }
    }

    /**
     * Deletes the version of an abandoned session unless its model keeps it (a completion that activated it before its
     * node died), and records why in the status. A model that cannot be read (its shard without a copy for now, a
     * master changing) fails {@code listener} and nothing is deleted: the model may name the version active, and the
     * next check reads it again; a model that is gone keeps nothing, and its version index goes.
     */
    static void abandonVersion(
            ModelStore store,
            ModelVersions versions,
            ImportSessionRecords.Record record,
            String reason,
            ActionListener<Void> listener) {
        store.get(
                record.model(),
                ActionListener.wrap(
                        model -> {
                            boolean kept = model.status().versions().stream()
                                    .anyMatch(v -> v.index().equals(record.index()));
                            if (kept) {
                                listener.onResponse(null);
                                return;
                            }
                            Training importing = model.status().importing();
                            if (importing == null
                                    || importing.state() != Training.State.RUNNING
                                    || importing.version() != record.version()) {
                                // its outcome is recorded already (an abort whose record was left behind): the index
                                // only, if any is left
                                store.deleteIndices(
                                        List.of(record.index()),
                                        ActionListener.running(() -> listener.onResponse(null)));
                                return;
                            }
                            ImportVersions.abandon(
                                    versions,
                                    record.pending(model.config()),
                                    new ElasticsearchStatusException(reason, RestStatus.GONE),
                                    Training.State.FAILED,
                                    reason,
                                    ActionListener.running(() -> listener.onResponse(null)));
                        },
                        e -> {
                            if (ExceptionsHelper.unwrapCause(e) instanceof ResourceNotFoundException) {
                                store.deleteIndices(
                                        List.of(record.index()),
                                        ActionListener.running(() -> listener.onResponse(null)));
                            } else {
                                listener.onFailure(e);
                            }
                        }));
    }

    private static Predicate<String> alive(DiscoveryNodes nodes) {
        return ephemeralId -> nodes.stream().anyMatch(n -> n.getEphemeralId().equals(ephemeralId));
    }

    private static ResourceNotFoundException notFound(String name, String sessionId) {
        return new ResourceNotFoundException("import session [" + sessionId + "] of model [" + name
                + "] not found: it was completed, aborted or abandoned (see [status.import] in GET"
                + " _recommend/models/" + name + ")");
    }

    private static ElasticsearchStatusException notOpen(Session session) {
        String what = session.state == State.COMPLETING ? "is completing" : "is being aborted";
        return new ElasticsearchStatusException(
                "import session [" + session.id + "] " + what + ": it takes no more requests", RestStatus.CONFLICT);
    }
}
