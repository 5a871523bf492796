package io.personalize.model;

import io.personalize.compat.ClusterMetadata;
import io.personalize.compat.PluginMetadataCustom;
import io.personalize.compat.WireVersions;
import java.io.IOException;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongPredicate;
import org.elasticsearch.TransportVersion;
import org.elasticsearch.cluster.ClusterState;
import org.elasticsearch.cluster.metadata.Metadata;
import org.elasticsearch.common.collect.Iterators;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.common.xcontent.ChunkedToXContentHelper;
import org.elasticsearch.xcontent.ToXContent;
import org.elasticsearch.xcontent.XContentParser;

/**
 * The users forgotten by {@code DELETE _recommend/models/{m}/users/{u}}: model name, then user id, then when they were
 * forgotten (epoch milliseconds). Cluster state metadata, so that every node has it before it serves (a node that was
 * cut off gets it when it rejoins, before it is in the cluster again) and it survives full restarts (persisted in the
 * gateway). Serving never uses a stored profile of a user forgotten at or after the time its version's build started
 * ({@link #hides}). Entries go once no kept version of the model started before them, and with the model.
 */
public final class ForgottenUsers extends PluginMetadataCustom {

    public static final String TYPE = "personalize_forgotten_users";
    public static final ForgottenUsers EMPTY = new ForgottenUsers(Map.of());

    private final Map<String, Map<String, Long>> models;

    public ForgottenUsers(Map<String, Map<String, Long>> models) {
        Map<String, Map<String, Long>> copy = new TreeMap<>();
        models.forEach((model, users) -> {
            if (users.isEmpty() == false) {
                copy.put(model, Map.copyOf(users));
            }
        });
        this.models = Map.copyOf(copy);
    }

    public ForgottenUsers(StreamInput in) throws IOException {
        this(in.readMap(i -> i.readMap(StreamInput::readLong)));
    }

    /** What the node's cluster state knows (the default project from 9.1 on, where the plugin's indices live). */
    public static ForgottenUsers of(ClusterState state) {
        return ClusterMetadata.custom(state, TYPE, EMPTY);
    }

    /** When the user was forgotten from the model, or 0. */
    public long forgottenAt(String model, String user) {
        Map<String, Long> users = models.get(model);
        Long at = users == null ? null : users.get(user);
        return at == null ? 0 : at;
    }

    /**
     * Whether a profile of the user in a version whose build started at {@code builtFrom} must not be used: the user was
     * forgotten at or after that time (a build that started later read the events as they were after the forget).
     */
    public boolean hides(String model, String user, long builtFrom) {
        long at = forgottenAt(model, user);
        return at > 0 && at >= builtFrom;
    }

    /** The users of the model forgotten at or after {@code builtFrom}: the profiles a version built from then must not hold. */
    public Map<String, Long> forgottenSince(String model, long builtFrom) {
        Map<String, Long> since = new HashMap<>();
        models.getOrDefault(model, Map.of()).forEach((user, at) -> {
            if (at >= builtFrom) {
                since.put(user, at);
            }
        });
        return since;
    }

    public Map<String, Map<String, Long>> models() {
        return models;
    }

    /** With the user forgotten at {@code at} (or later, when already forgotten later). */
    public ForgottenUsers forget(String model, String user, long at) {
        Map<String, Map<String, Long>> next = new HashMap<>(models);
        Map<String, Long> users = new HashMap<>(models.getOrDefault(model, Map.of()));
        users.merge(user, at, Math::max);
        next.put(model, users);
        return new ForgottenUsers(next);
    }

    /** Without the model's entries whose time {@code drop} accepts (or all of them, with {@code drop} always true). */
    public ForgottenUsers prune(String model, LongPredicate drop) {
        Map<String, Long> users = models.get(model);
        if (users == null) {
            return this;
        }
        Map<String, Long> kept = new HashMap<>();
        users.forEach((user, at) -> {
            if (drop.test(at) == false) {
                kept.put(user, at);
            }
        });
        if (kept.size() == users.size()) {
            return this;
        }
        Map<String, Map<String, Long>> next = new HashMap<>(models);
        next.put(model, kept);
        return new ForgottenUsers(next);
    }

    public int size() {
        return models.values().stream().mapToInt(Map::size).sum();
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
        out.writeMap(models, (o, users) -> o.writeMap(users, StreamOutput::writeLong));
    }

    /** Persisted with the cluster state (GATEWAY: it survives full restarts) and shown by {@code GET _cluster/state}. */
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

    public static ForgottenUsers fromXContent(XContentParser parser) throws IOException {
        Map<String, Object> root = parser.map();
        Map<String, Map<String, Long>> models = new HashMap<>();
        if (root.get("models") instanceof Map<?, ?> byModel) {
            byModel.forEach((model, users) -> {
                Map<String, Long> times = new HashMap<>();
                if (users instanceof Map<?, ?> byUser) {
                    byUser.forEach((user, at) -> times.put(String.valueOf(user), ((Number) at).longValue()));
                }
                models.put(String.valueOf(model), times);
            });
        }
        return new ForgottenUsers(models);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ForgottenUsers other && models.equals(other.models);
    }

    @Override
    public int hashCode() {
        return models.hashCode();
    }

    @Override
    public String toString() {
        return "ForgottenUsers" + models;
    }
}
