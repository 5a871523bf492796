package io.personalize.model;

import io.personalize.model.ModelStatus.Training;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.elasticsearch.ElasticsearchStatusException;
import org.elasticsearch.ExceptionsHelper;
import org.elasticsearch.ResourceNotFoundException;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.bulk.BulkRequest;
import org.elasticsearch.action.delete.DeleteRequest;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.common.settings.Setting;
import org.elasticsearch.core.TimeValue;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.tasks.CancellableTask;
import org.elasticsearch.tasks.TaskAwareRequest;
import org.elasticsearch.tasks.TaskCancelledException;
import org.elasticsearch.tasks.TaskId;
import org.elasticsearch.tasks.TaskManager;
import org.elasticsearch.threadpool.ThreadPool;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;

/**
 * Imports of any size, in numbered parts ({@code _import/_session}), on the node that opened them. A session is an import
 * like the one-body {@code _import}: it reserves a version and records itself running in {@code status.import} (one
 * import per model at a time), writes each part into the version's index as it arrives (parsed and checked line by
 * line, ids checked across parts by {@link ImportParts}), and activates the version only when it is completed with
 * every part written; a bad line in any part fails the whole import, naming the part and the line. Until then nothing
 * serves the version.
 *
 * <p>The session is a task of the node's task manager that lives as long as the session (its id is the session's id):
 * {@code GET _tasks} lists it, cancelling it (or deleting the model) aborts the import, and the model's status names it,
 * so a node that dies or restarts mid-import leaves an import that {@link TrainingRegistry} settles as interrupted and a
 * version index that {@link OrphanVersionCleaner} deletes. A session that receives no request for {@link #TIMEOUT} is
 * abandoned: its version is deleted and its status says so.
 */
public final class ImportSessions {

    private static final Logger logger = LogManager.getLogger(ImportSessions.class);

    public static final Setting<TimeValue> TIMEOUT = Setting.timeSetting(
            "personalize.import.session_timeout",
            TimeValue.timeValueMinutes(30),
            TimeValue.timeValueSeconds(1),
            Setting.Property.NodeScope,
            Setting.Property.Dynamic);

    /** How often idle sessions are looked for: a walk over this node's open sessions, usually none. */
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
    private final Executor executor;
    private volatile TimeValue timeout;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();

    public ImportSessions(
            ClusterService clusterService,
            ThreadPool threadPool,
            ModelStore store,
            ModelVersions versions,
            TrainingRegistry builds) {
        this.clusterService = clusterService;
        this.threadPool = threadPool;
        this.store = store;
        this.versions = versions;
        this.builds = builds;
        // parsing the lines is CPU work: not on a network thread
        this.executor = threadPool.generic();
        this.timeout = TIMEOUT.get(clusterService.getSettings());
        clusterService.getClusterSettings().addSettingsUpdateConsumer(TIMEOUT, value -> this.timeout = value);
        threadPool.scheduleWithFixedDelay(this::abandonIdle, CHECK_INTERVAL, threadPool.generic());
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
        final VersionWriter writer;
        // guarded by this
        final ImportParts parts = new ImportParts();
        State state = State.OPEN;
        int inFlight;
        long lastUsed;
        Runnable abort;

        Session(
                String id,
                String model,
                CancellableTask task,
                TaskManager taskManager,
                ModelVersions.Pending pending,
                long startedAt) {
            this.id = id;
            this.model = model;
            this.task = task;
            this.taskManager = taskManager;
            this.pending = pending;
            this.startedAt = startedAt;
            this.writer = new VersionWriter(store.systemClient(), executor, task);
            this.lastUsed = threadPool.relativeTimeInMillis();
        }

        synchronized Info info(ModelStatus.Version activated) {
            String shown = activated != null ? "activated" : state.name().toLowerCase(Locale.ROOT);
            return new Info(id, model, pending.version(), shown, startedAt, parts.summaries(), activated);
        }

        /** The session ends: it is forgotten, and its task and import registration go. */
        void release() {
            sessions.remove(id, this);
            builds.unregisterImport(model, task);
            taskManager.unregister(task);
        }
    }

    /** Opens a session on this node: reserves the model's next version and creates its index. */
    public void open(String name, TaskManager taskManager, String action, ActionListener<Info> listener) {
        long start = System.currentTimeMillis();
        CancellableTask task = (CancellableTask) taskManager.register("transport", action, new SessionTask(name));
        String nodeId = clusterService.localNode().getId();
        String id = new TaskId(nodeId, task.getId()).toString();
        ActionListener<Info> released = ActionListener.wrap(listener::onResponse, e -> {
            builds.unregisterImport(name, task);
            taskManager.unregister(task);
            listener.onFailure(e);
        });
        store.get(
                name,
                released.delegateFailureAndWrap((l, stored) ->
                        builds.settleInterrupted(stored, l.delegateFailureAndWrap((l1, model) -> {
                            if (model.status().isImporting()) {
                                throw new ElasticsearchStatusException(
                                        "model [" + name + "] is already importing (task ["
                                                + model.status().importing().taskId() + "]); wait for it to finish",
                                        RestStatus.CONFLICT);
                            }
                            // registered before the status says "running": a node that reads it meanwhile must not
                            // take it for dead
                            if (builds.registerImport(name, task) == false) {
                                throw new ElasticsearchStatusException(
                                        "model [" + name + "] is already importing on this node", RestStatus.CONFLICT);
                            }
                            versions.reserve(
                                    model,
                                    ImportVersions.running(id, nodeId, start),
                                    "model [" + name + "] changed while the import session opened, try again",
                                    l1.delegateFailureAndWrap((l2, pending) -> {
                                        Session session = new Session(id, name, task, taskManager, pending, start);
                                        session.writer.createIndex(
                                                pending.index(),
                                                ImportVersions.abandonOnFailure(versions, pending, l2.map(created -> {
                                                    sessions.put(id, session);
                                                    // deleting the model or cancelling the task aborts the
                                                    // import
                                                    task.addListener(
                                                            () -> abort(
                                                                    session,
                                                                    new TaskCancelledException("cancelled"),
                                                                    Training.State.CANCELLED,
                                                                    "cancelled",
                                                                    ActionListener.noop()));
                                                    return session.info(null);
                                                })));
                                    }));
                        }))));
    }

    /** What the session holds now. */
    public Info status(String name, String sessionId) {
        return find(name, sessionId).info(null);
    }

    /**
     * Writes part {@code number} of the session; sending a part again replaces what it wrote before. A bad line fails
     * the whole import (the listener gets a 400 naming the part and the line); any other failure leaves the part to be
     * sent again.
     */
    public void part(String name, String sessionId, int number, BytesReference body, ActionListener<Info> listener) {
        ImportParts.checkNumber(number);
        Session session = find(name, sessionId);
        if (ModelLines.hasLines(body) == false) {
            throw new IllegalArgumentException("part [" + number + "] has no line: send at least one");
        }
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
            session.lastUsed = threadPool.relativeTimeInMillis();
        }
        ModelLines lines = new ModelLines(body, (id, what, line) -> {
            synchronized (session) {
                session.parts.claim(number, id, what, line);
            }
        });
        ActionListener<Void> written = ActionListener.wrap(
                ok -> {
                    synchronized (session) {
                        session.parts.written(number, lines.items(), lines.users(), lines.popularLines());
                    }
                    partEnded(session);
                    listener.onResponse(session.info(null));
                },
                e -> {
                    synchronized (session) {
                        session.parts.failed(number);
                    }
                    partEnded(session);
                    if (ExceptionsHelper.unwrapCause(e) instanceof IllegalArgumentException badLine) {
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
                        listener.onFailure(e);
                    }
                });
        ActionListener<Void> write = written.delegateFailureAndWrap(
                (l, deleted) -> session.writer.write(session.pending.index(), lines, (d, t) -> {}, -1, false, l));
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

    private void partEnded(Session session) {
        Runnable abort;
        synchronized (session) {
            session.inFlight--;
            session.lastUsed = threadPool.relativeTimeInMillis();
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
            String name, String sessionId, Integer expectedParts, long newestEvent, ActionListener<Info> listener) {
        Session session = find(name, sessionId);
        long users;
        long items;
        synchronized (session) {
            if (session.state != State.OPEN) {
                throw notOpen(session);
            }
            if (session.inFlight > 0 || session.parts.writing()) {
                throw new ElasticsearchStatusException(
                        "import session [" + sessionId + "] has parts being written: complete it once they answer",
                        RestStatus.CONFLICT);
            }
            String problem = session.parts.incomplete(expectedParts);
            if (problem != null) {
                throw new IllegalArgumentException("import session [" + sessionId + "]: " + problem);
            }
            session.state = State.COMPLETING;
            session.lastUsed = threadPool.relativeTimeInMillis();
            users = session.parts.users();
            items = session.parts.items();
        }
        ActionListener<ModelStatus.Version> ended =
                ActionListener.runBefore(listener.map(session::info), session::release);
        session.writer.finish(
                session.pending.index(),
                ImportVersions.abandonOnFailure(versions, session.pending, ended)
                        .delegateFailureAndWrap((l, finished) -> ImportVersions.activate(
                                versions, session.pending, users, items, newestEvent, session.startedAt, ended)));
    }

    /** Aborts the session: its version is deleted once no part is written any more, and the status says it was aborted. */
    public void abort(String name, String sessionId, ActionListener<Info> listener) {
        Session session = find(name, sessionId);
        abort(
                session,
                new TaskCancelledException("aborted"),
                Training.State.CANCELLED,
                "aborted",
                ActionListener.running(() -> listener.onResponse(session.info(null))));
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

    /** Abandons the sessions that received no request for {@link #TIMEOUT}. */
    void abandonIdle() {
        long now = threadPool.relativeTimeInMillis();
        TimeValue timeout = this.timeout;
        for (Session session : sessions.values()) {
            boolean idle;
            synchronized (session) {
                idle = session.state == State.OPEN
                        && session.inFlight == 0
                        && now - session.lastUsed > timeout.millis();
            }
            if (idle) {
                String reason = "abandoned: the import session received no request for [" + timeout + "]";
                logger.info("model [{}]: import session [{}] {}", session.model, session.id, reason);
                abort(
                        session,
                        new ElasticsearchStatusException(reason, RestStatus.GONE),
                        Training.State.FAILED,
                        reason,
                        ActionListener.noop());
            }
        }
    }

    private Session find(String name, String sessionId) {
        Session session = sessions.get(sessionId);
        if (session == null || session.model.equals(name) == false) {
            throw new ResourceNotFoundException("import session [" + sessionId + "] of model [" + name
                    + "] not found: it was completed, aborted or abandoned (see [status.import] in GET"
                    + " _recommend/models/" + name + "), or its node restarted");
        }
        return session;
    }

    private static ElasticsearchStatusException notOpen(Session session) {
        String what = session.state == State.COMPLETING ? "is completing" : "is being aborted";
        return new ElasticsearchStatusException(
                "import session [" + session.id + "] " + what + ": it takes no more requests", RestStatus.CONFLICT);
    }

    /** Whether the session was opened on this node and is still open (for the transport action's routing). */
    public boolean isLocal(String sessionId) {
        return sessions.containsKey(sessionId);
    }
}
