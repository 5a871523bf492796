package io.personalize.model;

import static org.elasticsearch.xcontent.ConstructingObjectParser.constructorArg;
import static org.elasticsearch.xcontent.ConstructingObjectParser.optionalConstructorArg;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.xcontent.ConstructingObjectParser;
import org.elasticsearch.xcontent.ParseField;
import org.elasticsearch.xcontent.ToXContent;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;

/**
 * The state of a model: its stored versions, the one serving, and the last training. Changed only by compare-and-set
 * on the model's document, so that two nodes never both believe they activated a version or started a training.
 */
public record ModelStatus(
        long activeVersion,
        long lastVersion,
        List<Version> versions,
        Training training,
        String uuid,
        Training importing)
        implements ToXContentObject, Writeable {

    public static final ModelStatus NEW = new ModelStatus(0, 0, List.of(), null, null, null);

    /**
     * A {@link ToXContent.Params} key: the comma-separated names of version indices that no longer exist, so that the
     * status shows them (given by GET; never stored).
     */
    public static final String MISSING_INDICES_PARAM = "personalize_missing_indices";

    /** The status of a model created now: no version, and a new uuid naming this incarnation of the model. */
    public static ModelStatus created() {
        return new ModelStatus(0, 0, List.of(), null, ModelIndices.newUuid(), null);
    }

    /** One stored version of the model: a complete set of neighbour lists and user profiles in its own index. */
    public record Version(
            long version,
            String index,
            String source,
            long createdAt,
            long events,
            long users,
            long items,
            long newestEvent,
            long tookMillis,
            String algorithm,
            long startedAt,
            SkippedEvents skippedEvents,
            Map<String, Object> tuning,
            String importId)
            implements ToXContentObject, Writeable {

        /** A version without a tuning report or an import id (see {@link #withTuning}, {@link #withImportId}). */
        public Version(
                long version,
                String index,
                String source,
                long createdAt,
                long events,
                long users,
                long items,
                long newestEvent,
                long tookMillis,
                String algorithm,
                long startedAt,
                SkippedEvents skippedEvents) {
            this(
                    version,
                    index,
                    source,
                    createdAt,
                    events,
                    users,
                    items,
                    newestEvent,
                    tookMillis,
                    algorithm,
                    startedAt,
                    skippedEvents,
                    null,
                    null);
        }

        /** A version whose build start is not known (as if it started when it was created), without skipped events. */
        public Version(
                long version,
                String index,
                String source,
                long createdAt,
                long events,
                long users,
                long items,
                long newestEvent,
                long tookMillis,
                String algorithm) {
            this(version, index, source, createdAt, events, users, items, newestEvent, tookMillis, algorithm, 0, null);
        }

        /**
         * When the build of this version started (the training's or import's start): a user forgotten at or after it may
         * be in it. Versions stored before {@code started_at} existed count from their creation.
         */
        public long builtFrom() {
            return startedAt > 0 ? startedAt : createdAt;
        }

        /** This version, with the events its training skipped (null or none: nothing is shown). */
        public Version withSkippedEvents(SkippedEvents skipped) {
            SkippedEvents some = skipped == null || skipped.count() == 0 ? null : skipped;
            return new Version(
                    version,
                    index,
                    source,
                    createdAt,
                    events,
                    users,
                    items,
                    newestEvent,
                    tookMillis,
                    algorithm,
                    startedAt,
                    some,
                    tuning,
                    importId);
        }

        /**
         * This version, with what self-tuning tried (every candidate's validation figures, the skipped ones, the
         * choice): stored as it is shown, read back as a map.
         */
        public Version withTuning(Map<String, Object> report) {
            return new Version(
                    version,
                    index,
                    source,
                    createdAt,
                    events,
                    users,
                    items,
                    newestEvent,
                    tookMillis,
                    algorithm,
                    startedAt,
                    skippedEvents,
                    report,
                    importId);
        }

        /**
         * This version, with the id its import was given by the caller ({@code _import?import_id=}): a one-request
         * import sent again with the same id is answered with this version instead of making another.
         */
        public Version withImportId(String id) {
            return new Version(
                    version,
                    index,
                    source,
                    createdAt,
                    events,
                    users,
                    items,
                    newestEvent,
                    tookMillis,
                    algorithm,
                    startedAt,
                    skippedEvents,
                    tuning,
                    id);
        }

        public static final String TRAINED = "training";
        public static final String IMPORTED = "import";

        static final ConstructingObjectParser<Version, Void> PARSER = new ConstructingObjectParser<>(
                "version",
                true,
                a -> new Version(
                        (Long) a[0],
                        (String) a[1],
                        (String) a[2],
                        (Long) a[3],
                        orZero(a[4]),
                        orZero(a[5]),
                        orZero(a[6]),
                        orZero(a[7]),
                        orZero(a[8]),
                        (String) a[9],
                        orZero(a[10]),
                        (SkippedEvents) a[11],
                        castMap(a[12]),
                        (String) a[13]));

        static {
            PARSER.declareLong(constructorArg(), new ParseField("version"));
            PARSER.declareString(constructorArg(), new ParseField("index"));
            PARSER.declareString(constructorArg(), new ParseField("source"));
            PARSER.declareLong(constructorArg(), new ParseField("created_at"));
            PARSER.declareLong(optionalConstructorArg(), new ParseField("events"));
            PARSER.declareLong(optionalConstructorArg(), new ParseField("users"));
            PARSER.declareLong(optionalConstructorArg(), new ParseField("items"));
            PARSER.declareLong(optionalConstructorArg(), new ParseField("newest_event"));
            PARSER.declareLong(optionalConstructorArg(), new ParseField("took_ms"));
            PARSER.declareString(optionalConstructorArg(), new ParseField("algorithm"));
            PARSER.declareLong(optionalConstructorArg(), new ParseField("started_at"));
            PARSER.declareObject(
                    optionalConstructorArg(),
                    (p, c) -> SkippedEvents.fromMap(p.map()),
                    new ParseField("skipped_events"));
            PARSER.declareObject(optionalConstructorArg(), (p, c) -> p.map(), new ParseField("tuning"));
            PARSER.declareString(optionalConstructorArg(), new ParseField("import_id"));
        }

        @SuppressWarnings("unchecked")
        private static Map<String, Object> castMap(Object map) {
            return (Map<String, Object>) map;
        }

        public Version(StreamInput in) throws IOException {
            this(
                    in.readVLong(),
                    in.readString(),
                    in.readString(),
                    in.readVLong(),
                    in.readVLong(),
                    in.readVLong(),
                    in.readVLong(),
                    in.readZLong(),
                    in.readVLong(),
                    in.readOptionalString(),
                    in.readZLong(),
                    in.readOptionalWriteable(SkippedEvents::new),
                    in.readBoolean() ? in.readGenericMap() : null,
                    in.readOptionalString());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeVLong(version);
            out.writeString(index);
            out.writeString(source);
            out.writeVLong(createdAt);
            out.writeVLong(events);
            out.writeVLong(users);
            out.writeVLong(items);
            out.writeZLong(newestEvent);
            out.writeVLong(tookMillis);
            out.writeOptionalString(algorithm);
            out.writeZLong(startedAt);
            out.writeOptionalWriteable(skippedEvents);
            out.writeBoolean(tuning != null);
            if (tuning != null) {
                out.writeGenericMap(tuning);
            }
            out.writeOptionalString(importId);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            builder.startObject()
                    .field("version", version)
                    .field("index", index)
                    .field("source", source)
                    .timestampFieldsFromUnixEpochMillis("created_at", "created", createdAt)
                    .field("events", events)
                    .field("users", users)
                    .field("items", items);
            if (newestEvent > 0) {
                builder.timestampFieldsFromUnixEpochMillis("newest_event", "newest_event_time", newestEvent);
            }
            builder.field("took_ms", tookMillis);
            if (algorithm != null) {
                builder.field("algorithm", algorithm);
            }
            if (startedAt > 0) {
                builder.timestampFieldsFromUnixEpochMillis("started_at", "started", startedAt);
            }
            if (skippedEvents != null && skippedEvents.count() > 0) {
                builder.field("skipped_events", skippedEvents);
            }
            if (tuning != null) {
                builder.field("tuning", tuning);
            }
            if (importId != null) {
                builder.field("import_id", importId);
            }
            if (missing(params, index)) {
                builder.field("index_missing", true);
            }
            return builder.endObject();
        }
    }

    /** The last (or current) training of the model and how it ended. */
    public record Training(
            State state,
            String taskId,
            String nodeId,
            long startedAt,
            long finishedAt,
            long version,
            String reason,
            String importId)
            implements ToXContentObject, Writeable {

        /** A build whose caller gave it no id (every training; an import without {@code import_id}). */
        public Training(
                State state,
                String taskId,
                String nodeId,
                long startedAt,
                long finishedAt,
                long version,
                String reason) {
            this(state, taskId, nodeId, startedAt, finishedAt, version, reason, null);
        }

        public enum State {
            RUNNING,
            SUCCEEDED,
            FAILED,
            CANCELLED,
            /** Built, but not activated: another version was activated or the configuration replaced meanwhile. */
            SUPERSEDED;

            @Override
            public String toString() {
                return name().toLowerCase(Locale.ROOT);
            }
        }

        static final ConstructingObjectParser<Training, Void> PARSER = new ConstructingObjectParser<>(
                "training",
                true,
                a -> new Training(
                        State.valueOf(((String) a[0]).toUpperCase(Locale.ROOT)),
                        (String) a[1],
                        (String) a[2],
                        (Long) a[3],
                        orZero(a[4]),
                        orZero(a[5]),
                        (String) a[6],
                        (String) a[7]));

        static {
            PARSER.declareString(constructorArg(), new ParseField("state"));
            PARSER.declareString(optionalConstructorArg(), new ParseField("task_id"));
            PARSER.declareString(optionalConstructorArg(), new ParseField("node_id"));
            PARSER.declareLong(constructorArg(), new ParseField("started_at"));
            PARSER.declareLong(optionalConstructorArg(), new ParseField("finished_at"));
            PARSER.declareLong(optionalConstructorArg(), new ParseField("version"));
            PARSER.declareString(optionalConstructorArg(), new ParseField("reason"));
            // an import session opened with ?import_id= (an older build ignores the field: the parser is lenient)
            PARSER.declareString(optionalConstructorArg(), new ParseField("import_id"));
        }

        public Training(StreamInput in) throws IOException {
            this(
                    in.readEnum(State.class),
                    in.readOptionalString(),
                    in.readOptionalString(),
                    in.readZLong(),
                    in.readZLong(),
                    in.readZLong(),
                    in.readOptionalString(),
                    in.readOptionalString());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeEnum(state);
            out.writeOptionalString(taskId);
            out.writeOptionalString(nodeId);
            out.writeZLong(startedAt);
            out.writeZLong(finishedAt);
            out.writeZLong(version);
            out.writeOptionalString(reason);
            out.writeOptionalString(importId);
        }

        public Training finish(State outcome, long at, String why) {
            return new Training(outcome, taskId, nodeId, startedAt, at, version, why, importId);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            builder.startObject().field("state", state.toString());
            if (taskId != null) {
                builder.field("task_id", taskId);
            }
            if (nodeId != null) {
                builder.field("node_id", nodeId);
            }
            builder.timestampFieldsFromUnixEpochMillis("started_at", "started", startedAt);
            if (finishedAt > 0) {
                builder.timestampFieldsFromUnixEpochMillis("finished_at", "finished", finishedAt);
            }
            if (version > 0) {
                builder.field("version", version);
            }
            if (reason != null) {
                builder.field("reason", reason);
            }
            if (importId != null) {
                builder.field("import_id", importId);
            }
            return builder.endObject();
        }
    }

    @SuppressWarnings("unchecked")
    public static final ConstructingObjectParser<ModelStatus, Void> PARSER = new ConstructingObjectParser<>(
            "status",
            true,
            a -> new ModelStatus(
                    orZero(a[0]),
                    orZero(a[1]),
                    a[2] == null ? List.of() : (List<Version>) a[2],
                    (Training) a[3],
                    (String) a[4],
                    (Training) a[5]));

    static {
        PARSER.declareLong(optionalConstructorArg(), new ParseField("active_version"));
        PARSER.declareLong(optionalConstructorArg(), new ParseField("last_version"));
        PARSER.declareObjectArray(optionalConstructorArg(), Version.PARSER, new ParseField("versions"));
        PARSER.declareObject(optionalConstructorArg(), Training.PARSER, new ParseField("training"));
        PARSER.declareString(optionalConstructorArg(), new ParseField("uuid"));
        PARSER.declareObject(optionalConstructorArg(), Training.PARSER, new ParseField("import"));
    }

    public ModelStatus {
        versions = List.copyOf(versions);
    }

    public ModelStatus(StreamInput in) throws IOException {
        this(
                in.readZLong(),
                in.readZLong(),
                in.readCollectionAsImmutableList(Version::new),
                in.readOptionalWriteable(Training::new),
                in.readOptionalString(),
                in.readOptionalWriteable(Training::new));
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeZLong(activeVersion);
        out.writeZLong(lastVersion);
        out.writeCollection(versions);
        out.writeOptionalWriteable(training);
        out.writeOptionalString(uuid);
        out.writeOptionalWriteable(importing);
    }

    public Version active() {
        for (Version v : versions) {
            if (v.version() == activeVersion) {
                return v;
            }
        }
        return null;
    }

    public boolean isTraining() {
        return training != null && training.state() == Training.State.RUNNING;
    }

    public ModelStatus withTraining(Training newTraining) {
        return new ModelStatus(activeVersion, lastVersion, versions, newTraining, uuid, importing);
    }

    /** The last (or current) import, recorded as a training is: running on a node, then how it ended. */
    public ModelStatus withImport(Training newImport) {
        return new ModelStatus(activeVersion, lastVersion, versions, training, uuid, newImport);
    }

    public boolean isImporting() {
        return importing != null && importing.state() == Training.State.RUNNING;
    }

    /** Reserves the next version number (never reused, even when a training fails). */
    public ModelStatus reserveVersion() {
        return new ModelStatus(activeVersion, lastVersion + 1, versions, training, uuid, importing);
    }

    /**
     * Makes {@code version} the active one and keeps at most {@code keep} versions, newest first; the versions dropped
     * are returned by {@link #droppedBy(ModelStatus)} so that their indices can be deleted.
     */
    public ModelStatus activate(Version version, int keep) {
        List<Version> kept = new ArrayList<>();
        kept.add(version);
        for (Version v : versions) {
            if (kept.size() < keep && v.version() != version.version()) {
                kept.add(v);
            }
        }
        return new ModelStatus(
                version.version(), Math.max(lastVersion, version.version()), kept, training, uuid, importing);
    }

    /** The versions this status has that {@code newer} no longer has. */
    public List<Version> droppedBy(ModelStatus newer) {
        List<Version> dropped = new ArrayList<>();
        for (Version v : versions) {
            if (newer.versions.stream().noneMatch(n -> n.version() == v.version())) {
                dropped.add(v);
            }
        }
        return dropped;
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject().field("active_version", activeVersion).field("last_version", lastVersion);
        builder.startArray("versions");
        for (Version v : versions) {
            v.toXContent(builder, params);
        }
        builder.endArray();
        if (training != null) {
            builder.field("training", training);
        }
        if (importing != null) {
            builder.field("import", importing);
        }
        if (uuid != null) {
            builder.field("uuid", uuid);
        }
        Version active = active();
        if (active != null && missing(params, active.index())) {
            builder.field(
                    "error",
                    "the index [" + active.index() + "] of the active version [" + activeVersion
                            + "] is missing: _recommend and the rescorer "
                            + "answer 503 for this model until a new version is trained or imported");
        }
        return builder.endObject();
    }

    private static boolean missing(Params params, String index) {
        String missing = params.param(MISSING_INDICES_PARAM);
        return missing != null && List.of(missing.split(",")).contains(index);
    }

    private static long orZero(Object value) {
        return value == null ? 0 : (Long) value;
    }
}
