package io.personalize.model;

import io.personalize.compat.ClusterMetadata;
import io.personalize.compat.PluginMetadataCustom;
import io.personalize.compat.WireVersions;
import java.io.IOException;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.elasticsearch.TransportVersion;
import org.elasticsearch.cluster.ClusterState;
import org.elasticsearch.cluster.metadata.Metadata;
import org.elasticsearch.common.collect.Iterators;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.common.xcontent.ChunkedToXContentHelper;
import org.elasticsearch.xcontent.ToXContent;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.XContentParser;

/**
 * Which version of each model serves, as every node's cluster state says: serving reads it instead of the model's
 * document, so that a request costs no read of {@code .personalize-models}. The model's document stays the source of
 * truth (configuration, status, history of versions); an entry is published by the master after each write of the
 * document that changes what serving uses (an activation, a new configuration, the model's creation) and dropped with
 * the model. Each entry carries the primary term and sequence number of the document write it mirrors: a node whose copy
 * of the document is older reads it again (once), and the master never lets an older write replace a newer one, so
 * publications that arrive out of order (two activations in a row, a retry) cannot move a model back in time.
 */
public final class ActiveVersions extends PluginMetadataCustom {

    public static final String TYPE = "personalize_active_versions";
    public static final ActiveVersions EMPTY = new ActiveVersions(Map.of());

    /**
     * What serving needs of a model: its incarnation, the write of its document this mirrors, and the version that
     * serves (null: none yet, which answers 404 without a read).
     */
    public record Entry(String uuid, long primaryTerm, long seqNo, ModelStatus.Version active)
            implements Writeable, ToXContentObject {

        /** The entry that mirrors the model's document as written. */
        public static Entry of(ModelStore.StoredModel model) {
            return new Entry(
                    model.status().uuid(),
                    model.primaryTerm(),
                    model.seqNo(),
                    model.status().active());
        }

        public static Entry readFrom(StreamInput in) throws IOException {
            return new Entry(
                    in.readOptionalString(),
                    in.readZLong(),
                    in.readZLong(),
                    in.readOptionalWriteable(ModelStatus.Version::new));
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeOptionalString(uuid);
            out.writeZLong(primaryTerm);
            out.writeZLong(seqNo);
            out.writeOptionalWriteable(active);
        }

        /** Whether this mirrors a later write of the document than {@code other} (of the same incarnation or not). */
        public boolean newerThan(Entry other) {
            return isNewer(primaryTerm, seqNo, other.primaryTerm, other.seqNo);
        }

        /** Whether the model's document as {@code model} was read is at least as new as the write this mirrors. */
        public boolean seenBy(ModelStore.StoredModel model) {
            return Objects.equals(uuid, model.status().uuid())
                    && isNewer(primaryTerm, seqNo, model.primaryTerm(), model.seqNo()) == false;
        }

        private static boolean isNewer(long termA, long seqA, long termB, long seqB) {
            return termA != termB ? termA > termB : seqA > seqB;
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            builder.startObject();
            if (uuid != null) {
                builder.field("uuid", uuid);
            }
            builder.field("primary_term", primaryTerm).field("seq_no", seqNo);
            if (active != null) {
                builder.field("active", active);
            }
            return builder.endObject();
        }

        static Entry fromXContent(XContentParser parser) throws IOException {
            String uuid = null;
            long term = 0;
            long seqNo = 0;
            ModelStatus.Version active = null;
            XContentParser.Token token = parser.currentToken() == null ? parser.nextToken() : parser.currentToken();
            if (token != XContentParser.Token.START_OBJECT) {
                throw new IllegalArgumentException("an active version entry must be an object");
            }
            String field = null;
            while ((token = parser.nextToken()) != XContentParser.Token.END_OBJECT) {
                if (token == XContentParser.Token.FIELD_NAME) {
                    field = parser.currentName();
                } else if ("active".equals(field)) {
                    active = ModelStatus.Version.PARSER.apply(parser, null);
                } else if ("uuid".equals(field)) {
                    uuid = parser.text();
                } else if ("primary_term".equals(field)) {
                    term = parser.longValue();
                } else if ("seq_no".equals(field)) {
                    seqNo = parser.longValue();
                } else {
                    parser.skipChildren();
                }
            }
            return new Entry(uuid, term, seqNo, active);
        }
    }

    private final Map<String, Entry> models;

    public ActiveVersions(Map<String, Entry> models) {
        this.models = Map.copyOf(new TreeMap<>(models));
    }

    public ActiveVersions(StreamInput in) throws IOException {
        this(in.readMap(Entry::readFrom));
    }

    /** What the node's cluster state knows (the default project from 9.1 on, where the plugin's indices live). */
    public static ActiveVersions of(ClusterState state) {
        return ClusterMetadata.custom(state, TYPE, EMPTY);
    }

    /** The model's entry, or null when the cluster state has none (a model never published, or deleted). */
    public Entry get(String model) {
        return models.get(model);
    }

    public Map<String, Entry> models() {
        return models;
    }

    /**
     * With {@code entry} for the model, unless the entry held mirrors a later write of the model's document (then this
     * unchanged): a late publication never replaces a newer one.
     */
    public ActiveVersions put(String model, Entry entry) {
        Entry held = models.get(model);
        if (held != null && (held.equals(entry) || held.newerThan(entry))) {
            return this;
        }
        Map<String, Entry> next = new HashMap<>(models);
        next.put(model, entry);
        return new ActiveVersions(next);
    }

    /** Without the model's entry (the model was deleted). */
    public ActiveVersions remove(String model) {
        if (models.containsKey(model) == false) {
            return this;
        }
        Map<String, Entry> next = new HashMap<>(models);
        next.remove(model);
        return new ActiveVersions(next);
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
        out.writeMap(models, StreamOutput::writeWriteable);
    }

    /**
     * Persisted with the cluster state (GATEWAY: after a full restart nodes serve without reading the documents) and
     * shown by {@code GET _cluster/state}.
     */
    @Override
    public EnumSet<Metadata.XContentContext> context() {
        return Metadata.API_AND_GATEWAY;
    }

    @Override
    public Iterator<? extends ToXContent> toXContentChunked(ToXContent.Params params) {
        return Iterators.concat(
                ChunkedToXContentHelper.startObject("models"),
                Iterators.map(
                        models.entrySet().iterator(), e -> (builder, p) -> builder.field(e.getKey(), e.getValue())),
                ChunkedToXContentHelper.endObject());
    }

    public static ActiveVersions fromXContent(XContentParser parser) throws IOException {
        Map<String, Entry> models = new HashMap<>();
        XContentParser.Token token = parser.currentToken() == null ? parser.nextToken() : parser.currentToken();
        if (token != XContentParser.Token.START_OBJECT) {
            throw new IllegalArgumentException("[" + TYPE + "] must be an object");
        }
        while ((token = parser.nextToken()) != XContentParser.Token.END_OBJECT) {
            if (token == XContentParser.Token.FIELD_NAME && parser.currentName().equals("models")) {
                parser.nextToken();
                while (parser.nextToken() == XContentParser.Token.FIELD_NAME) {
                    String model = parser.currentName();
                    parser.nextToken();
                    models.put(model, Entry.fromXContent(parser));
                }
            } else if (token == XContentParser.Token.START_OBJECT || token == XContentParser.Token.START_ARRAY) {
                parser.skipChildren();
            }
        }
        return new ActiveVersions(models);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ActiveVersions other && models.equals(other.models);
    }

    @Override
    public int hashCode() {
        return models.hashCode();
    }

    @Override
    public String toString() {
        return "ActiveVersions" + models;
    }
}
