package io.personalize.model;

import io.personalize.compat.ClusterMetadata;
import io.personalize.compat.PluginMetadataCustom;
import io.personalize.compat.WireVersions;
import java.io.IOException;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.elasticsearch.ElasticsearchStatusException;
import org.elasticsearch.ResourceNotFoundException;
import org.elasticsearch.TransportVersion;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.cluster.ClusterState;
import org.elasticsearch.cluster.metadata.Metadata;
import org.elasticsearch.common.collect.Iterators;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.common.xcontent.ChunkedToXContentHelper;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.xcontent.ToXContent;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.XContentParser;

/**
 * The open import sessions, as the cluster state says: what makes a session outlive the node that holds it. Each
 * record names the session's model (and its incarnation), the version it writes, the node that holds it now (by its
 * ephemeral id, which changes when the node restarts), the parts written (and what each holds), the parts being
 * written, and the last time a request used it (the elected master's clock). Any node can take over a session whose
 * holder left the cluster or restarted ({@link Op#TAKE_OVER}); the elected master abandons a session idle for longer
 * than its timeout; and while a record exists its import is alive whatever became of its node ({@link #holds}), so
 * neither {@link TrainingRegistry} nor {@link OrphanVersionCleaner} settles it as interrupted. Persisted with the cluster
 * state: a session survives a full restart.
 *
 * <p>Every change is one {@link Update} applied on the elected master through a task queue: the transitions below are
 * pure (tested alone), and each checks that the node asking still holds the session (a node that lost it, having been
 * taken for dead, cannot write into it any more).
 */
public final class ImportSessionRecords extends PluginMetadataCustom {

    public static final String TYPE = "personalize_import_sessions";
    public static final ImportSessionRecords EMPTY = new ImportSessionRecords(Map.of());

    /** What a written part holds (its lines are the sum). */
    public record Written(long items, long users, long popular) implements Writeable {
        public static Written readFrom(StreamInput in) throws IOException {
            return new Written(in.readVLong(), in.readVLong(), in.readVLong());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeVLong(items);
            out.writeVLong(users);
            out.writeVLong(popular);
        }

        public long lines() {
            return items + users + popular;
        }
    }

    /** One open session. */
    public record Record(
            String session,
            String model,
            String uuid,
            long version,
            String index,
            long fromVersion,
            long startedAt,
            long lastActivity,
            String node,
            String ephemeralId,
            boolean completing,
            boolean abandoned,
            SortedSet<Integer> writing,
            SortedMap<Integer, Written> parts)
            implements Writeable, ToXContentObject {

        public Record {
            writing = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(writing));
            parts = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(parts));
        }

        /** A session just opened on {@code node} (its ephemeral id {@code ephemeralId}): no part yet. */
        public static Record opened(
                String session, ModelVersions.Pending pending, long startedAt, String node, String ephemeralId) {
            return new Record(
                    session,
                    pending.model(),
                    pending.uuid(),
                    pending.version(),
                    pending.index(),
                    pending.fromVersion(),
                    startedAt,
                    startedAt,
                    node,
                    ephemeralId,
                    false,
                    false,
                    new TreeSet<>(),
                    new TreeMap<>());
        }

        public static Record readFrom(StreamInput in) throws IOException {
            return new Record(
                    in.readString(),
                    in.readString(),
                    in.readOptionalString(),
                    in.readVLong(),
                    in.readString(),
                    in.readZLong(),
                    in.readVLong(),
                    in.readVLong(),
                    in.readString(),
                    in.readString(),
                    in.readBoolean(),
                    in.readBoolean(),
                    new TreeSet<>(in.readCollectionAsList(StreamInput::readVInt)),
                    new TreeMap<>(in.readMap(StreamInput::readVInt, Written::readFrom)));
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(session);
            out.writeString(model);
            out.writeOptionalString(uuid);
            out.writeVLong(version);
            out.writeString(index);
            out.writeZLong(fromVersion);
            out.writeVLong(startedAt);
            out.writeVLong(lastActivity);
            out.writeString(node);
            out.writeString(ephemeralId);
            out.writeBoolean(completing);
            out.writeBoolean(abandoned);
            out.writeCollection(writing, StreamOutput::writeVInt);
            out.writeMap(parts, StreamOutput::writeVInt, StreamOutput::writeWriteable);
        }

        /** The version this session writes, as the activation and the abandonment need it (no configuration). */
        public ModelVersions.Pending pending(ModelConfig config) {
            return new ModelVersions.Pending(model, version, index, uuid, fromVersion, config);
        }

        private Record with(
                long lastActivity,
                String node,
                String ephemeralId,
                boolean completing,
                boolean abandoned,
                SortedSet<Integer> writing,
                SortedMap<Integer, Written> parts) {
            return new Record(
                    session,
                    model,
                    uuid,
                    version,
                    index,
                    fromVersion,
                    startedAt,
                    lastActivity,
                    node,
                    ephemeralId,
                    completing,
                    abandoned,
                    writing,
                    parts);
        }

        private void checkHolder(String askingEphemeralId) {
            if (abandoned) {
                throw new ResourceNotFoundException(
                        "import session [" + session + "] not found: it was abandoned (no request for its timeout)");
            }
            if (ephemeralId.equals(askingEphemeralId) == false) {
                throw new ElasticsearchStatusException(
                        "import session [" + session + "] is held by node [" + node
                                + "] now (it was taken over): send the request again",
                        RestStatus.CONFLICT);
            }
        }

        private void checkOpen() {
            if (completing) {
                throw new ElasticsearchStatusException(
                        "import session [" + session + "] is completing: it takes no more requests",
                        RestStatus.CONFLICT);
            }
        }

        /** Part {@code part} starts being written by the holder. */
        public Record beginPart(int part, String askingEphemeralId, long now) {
            checkHolder(askingEphemeralId);
            checkOpen();
            SortedSet<Integer> nextWriting = new TreeSet<>(writing);
            nextWriting.add(part);
            SortedMap<Integer, Written> nextParts = new TreeMap<>(parts);
            nextParts.remove(part); // a part sent again is no longer written until this attempt is
            return with(now, node, ephemeralId, false, false, nextWriting, nextParts);
        }

        /** Part {@code part} ended: written with {@code written}, or (null) failed and to be sent again. */
        public Record endPart(int part, Written written, String askingEphemeralId, long now) {
            checkHolder(askingEphemeralId);
            SortedSet<Integer> nextWriting = new TreeSet<>(writing);
            nextWriting.remove(part);
            SortedMap<Integer, Written> nextParts = new TreeMap<>(parts);
            if (written != null) {
                nextParts.put(part, written);
            } else {
                nextParts.remove(part);
            }
            return with(now, node, ephemeralId, completing, false, nextWriting, nextParts);
        }

        /**
         * The holder completes the session: no part from now on. Completing again is no change: the holder's own
         * completion, applied by a master that died before it answered and sent again to the next one (the holder
         * itself lets only one completion run at a time).
         */
        public Record complete(String askingEphemeralId, long now) {
            checkHolder(askingEphemeralId);
            if (completing) {
                return this;
            }
            return with(now, node, ephemeralId, true, false, writing, parts);
        }

        /**
         * Node {@code node} takes the session over, its holder being gone ({@code alive} says which ephemeral ids are in
         * the cluster). What the old holder was writing is forgotten (those parts must be sent again), and so is a
         * completion it had started (the new holder finds out from the model whether it activated).
         */
        public Record takeOver(String node, String ephemeralId, Predicate<String> alive, long now) {
            if (abandoned) {
                checkHolder(ephemeralId);
            }
            if (this.ephemeralId.equals(ephemeralId)) {
                return this;
            }
            if (alive.test(this.ephemeralId)) {
                throw new ElasticsearchStatusException(
                        "import session [" + session + "] is held by node [" + this.node
                                + "], which is in the cluster: send the request again",
                        RestStatus.CONFLICT);
            }
            return with(now, node, ephemeralId, false, false, new TreeSet<>(), parts);
        }

        /**
         * Whether the session is abandoned at {@code now}: no request for longer than {@code timeoutMillis}, and no part
         * or completion in progress on a holder that is still in the cluster (a long part is not idle).
         */
        public boolean idle(long now, long timeoutMillis, Predicate<String> alive) {
            if (abandoned) {
                return true; // a master that died while abandoning it left it to the next
            }
            if (now - lastActivity <= timeoutMillis) {
                return false;
            }
            return (writing.isEmpty() && completing == false) || alive.test(ephemeralId) == false;
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            builder.startObject()
                    .field("model", model)
                    .field("uuid", uuid)
                    .field("version", version)
                    .field("index", index)
                    .field("from_version", fromVersion)
                    .field("started_at", startedAt)
                    .field("last_activity", lastActivity)
                    .field("node", node)
                    .field("ephemeral_id", ephemeralId)
                    .field("completing", completing)
                    .field("abandoned", abandoned)
                    .field("writing", writing);
            builder.startObject("parts");
            for (Map.Entry<Integer, Written> part : parts.entrySet()) {
                builder.startObject(String.valueOf(part.getKey()))
                        .field("items", part.getValue().items())
                        .field("users", part.getValue().users())
                        .field("popular", part.getValue().popular())
                        .endObject();
            }
            builder.endObject();
            return builder.endObject();
        }

        @SuppressWarnings("unchecked")
        static Record fromMap(String session, Map<String, Object> map) {
            SortedMap<Integer, Written> parts = new TreeMap<>();
            Map<String, Object> partsMap = (Map<String, Object>) map.getOrDefault("parts", Map.of());
            for (Map.Entry<String, Object> e : partsMap.entrySet()) {
                Map<String, Object> p = (Map<String, Object>) e.getValue();
                parts.put(
                        Integer.parseInt(e.getKey()),
                        new Written(number(p.get("items")), number(p.get("users")), number(p.get("popular"))));
            }
            SortedSet<Integer> writing = new TreeSet<>();
            for (Object part : (List<Object>) map.getOrDefault("writing", List.of())) {
                writing.add((int) number(part));
            }
            return new Record(
                    session,
                    (String) map.get("model"),
                    (String) map.get("uuid"),
                    number(map.get("version")),
                    (String) map.get("index"),
                    number(map.get("from_version")),
                    number(map.get("started_at")),
                    number(map.get("last_activity")),
                    (String) map.get("node"),
                    (String) map.get("ephemeral_id"),
                    Boolean.TRUE.equals(map.get("completing")),
                    Boolean.TRUE.equals(map.get("abandoned")),
                    writing,
                    parts);
        }

        private static long number(Object value) {
            return value == null ? 0 : ((Number) value).longValue();
        }
    }

    /** A change of one session's record, applied on the elected master. */
    public enum Op {
        /** Records a session just opened. */
        OPEN,
        BEGIN_PART,
        END_PART,
        COMPLETE,
        TAKE_OVER,
        /** The holder (or, with no ephemeral id, the master) ends the session: the record goes. */
        REMOVE,
        /**
         * The master abandons an idle session: if it is still idle, the record is marked abandoned (no request is taken
         * from then on, and its import is still alive for the orphan check while the master records the outcome and
         * deletes the version), then removed.
         */
        ABANDON
    }

    /** One change: {@link #apply} is what the master runs. */
    public record Update(
            Op op,
            String session,
            String node,
            String ephemeralId,
            int part,
            Written written,
            Record record,
            long timeout)
            implements Writeable {

        public static Update open(Record record) {
            return new Update(Op.OPEN, record.session(), record.node(), record.ephemeralId(), 0, null, record, 0);
        }

        public static Update beginPart(String session, String ephemeralId, int part) {
            return new Update(Op.BEGIN_PART, session, null, ephemeralId, part, null, null, 0);
        }

        public static Update endPart(String session, String ephemeralId, int part, Written written) {
            return new Update(Op.END_PART, session, null, ephemeralId, part, written, null, 0);
        }

        public static Update complete(String session, String ephemeralId) {
            return new Update(Op.COMPLETE, session, null, ephemeralId, 0, null, null, 0);
        }

        public static Update takeOver(String session, String node, String ephemeralId) {
            return new Update(Op.TAKE_OVER, session, node, ephemeralId, 0, null, null, 0);
        }

        /** Removes the record; only if {@code ephemeralId} holds it, unless null (the master cleaning up). */
        public static Update remove(String session, String ephemeralId) {
            return new Update(Op.REMOVE, session, null, ephemeralId, 0, null, null, 0);
        }

        public static Update abandon(String session, long timeoutMillis) {
            return new Update(Op.ABANDON, session, null, null, 0, null, null, timeoutMillis);
        }

        public Update(StreamInput in) throws IOException {
            this(
                    in.readEnum(Op.class),
                    in.readString(),
                    in.readOptionalString(),
                    in.readOptionalString(),
                    in.readVInt(),
                    in.readOptionalWriteable(Written::readFrom),
                    in.readOptionalWriteable(Record::readFrom),
                    in.readVLong());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeEnum(op);
            out.writeString(session);
            out.writeOptionalString(node);
            out.writeOptionalString(ephemeralId);
            out.writeVInt(part);
            out.writeOptionalWriteable(written);
            out.writeOptionalWriteable(record);
            out.writeVLong(timeout);
        }

        /**
         * The records after this change at {@code now}, {@code alive} saying which ephemeral ids are in the cluster.
         * Throws (404, 409) when it cannot apply: the session is gone, or another node holds it.
         */
        public ImportSessionRecords apply(ImportSessionRecords current, long now, Predicate<String> alive) {
            Record held = current.get(session);
            if (op == Op.OPEN) {
                if (record.equals(held)) {
                    return current; // this very opening, applied by a master that died before it answered
                }
                if (held != null) {
                    throw new IllegalStateException("import session [" + session + "] is recorded already");
                }
                return current.with(record);
            }
            if (held == null) {
                if (op == Op.REMOVE) {
                    return current;
                }
                throw new ResourceNotFoundException(
                        "import session [" + session + "] not found: it was completed," + " aborted or abandoned");
            }
            return switch (op) {
                case BEGIN_PART -> current.with(held.beginPart(part, ephemeralId, now));
                case END_PART -> current.with(held.endPart(part, written, ephemeralId, now));
                case COMPLETE -> current.with(held.complete(ephemeralId, now));
                case TAKE_OVER -> current.with(held.takeOver(node, ephemeralId, alive, now));
                case REMOVE -> {
                    if (ephemeralId != null) {
                        held.checkHolder(ephemeralId);
                    }
                    yield current.without(session);
                }
                case ABANDON ->
                    held.abandoned() || held.idle(now, timeout, alive) == false
                            ? current
                            : current.with(held.with(
                                    held.lastActivity(),
                                    held.node(),
                                    held.ephemeralId(),
                                    held.completing(),
                                    true,
                                    held.writing(),
                                    held.parts()));
                case OPEN -> throw new AssertionError();
            };
        }

        @Override
        public String toString() {
            return "personalize import session " + op.name().toLowerCase(java.util.Locale.ROOT) + " [" + session + "]"
                    + (part > 0 ? " part [" + part + "]" : "");
        }
    }

    /** How the model package asks the elected master for a change (the action package implements it). */
    public interface Updates {
        /** Applies {@code update}; answers the record after it (null once removed). */
        void update(Update update, ActionListener<Record> listener);
    }

    private final Map<String, Record> sessions;

    public ImportSessionRecords(Map<String, Record> sessions) {
        this.sessions = Map.copyOf(new TreeMap<>(sessions));
    }

    public ImportSessionRecords(StreamInput in) throws IOException {
        this(in.readMap(Record::readFrom));
    }

    public static ImportSessionRecords of(ClusterState state) {
        return ClusterMetadata.custom(state, TYPE, EMPTY);
    }

    public Record get(String session) {
        return sessions.get(session);
    }

    public Map<String, Record> sessions() {
        return sessions;
    }

    /**
     * Whether an open session writes version {@code version} of the incarnation {@code uuid} of {@code model}: its
     * import is alive, whatever became of the node that opened it.
     */
    public boolean holds(String model, String uuid, long version) {
        for (Record record : sessions.values()) {
            if (record.model().equals(model) && Objects.equals(record.uuid(), uuid) && record.version() == version) {
                return true;
            }
        }
        return false;
    }

    ImportSessionRecords with(Record record) {
        Map<String, Record> next = new HashMap<>(sessions);
        next.put(record.session(), record);
        return new ImportSessionRecords(next);
    }

    ImportSessionRecords without(String session) {
        if (sessions.containsKey(session) == false) {
            return this;
        }
        Map<String, Record> next = new HashMap<>(sessions);
        next.remove(session);
        return new ImportSessionRecords(next);
    }

    @Override
    public String getWriteableName() {
        return TYPE;
    }

    @Override
    public TransportVersion getMinimalSupportedVersion() {
        return WireVersions.minimumCompatible();
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeMap(sessions, StreamOutput::writeWriteable);
    }

    /** Persisted with the cluster state (a session outlives a full restart) and shown by {@code GET _cluster/state}. */
    @Override
    public EnumSet<Metadata.XContentContext> context() {
        return Metadata.API_AND_GATEWAY;
    }

    @Override
    public Iterator<? extends ToXContent> toXContentChunked(ToXContent.Params params) {
        return Iterators.concat(
                ChunkedToXContentHelper.startObject("sessions"),
                Iterators.map(
                        sessions.entrySet().iterator(), e -> (builder, p) -> builder.field(e.getKey(), e.getValue())),
                ChunkedToXContentHelper.endObject());
    }

    @SuppressWarnings("unchecked")
    public static ImportSessionRecords fromXContent(XContentParser parser) throws IOException {
        if (parser.currentToken() == null) {
            parser.nextToken();
        }
        Map<String, Object> map = parser.map();
        Map<String, Record> sessions = new HashMap<>();
        Map<String, Object> records = (Map<String, Object>) map.getOrDefault("sessions", Map.of());
        for (Map.Entry<String, Object> e : records.entrySet()) {
            sessions.put(e.getKey(), Record.fromMap(e.getKey(), (Map<String, Object>) e.getValue()));
        }
        return new ImportSessionRecords(sessions);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImportSessionRecords other && sessions.equals(other.sessions);
    }

    @Override
    public int hashCode() {
        return sessions.hashCode();
    }

    @Override
    public String toString() {
        return "ImportSessionRecords" + sessions;
    }
}
