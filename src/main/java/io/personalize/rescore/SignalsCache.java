package io.personalize.rescore;

import io.personalize.model.ModelConfig;
import io.personalize.profile.ActiveModel;
import io.personalize.profile.RecentItemsCache;
import io.personalize.serving.PopularList;
import io.personalize.stats.CacheStats;
import java.util.concurrent.ExecutionException;
import org.elasticsearch.common.cache.Cache;
import org.elasticsearch.common.cache.CacheBuilder;
import org.elasticsearch.common.settings.ClusterSettings;
import org.elasticsearch.common.settings.Setting;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.unit.ByteSizeValue;
import org.elasticsearch.core.TimeValue;

/**
 * A coordinating node's copy of the shoppers' {@link PersonalizationSignals} as last computed, keyed by everything they
 * are computed from: the model's active version and configuration (as the write of the model's document it was read
 * from: a new configuration is a new write, and a new incarnation of the model a new version index), the shopper, how
 * many newest items count, when the shopper was last forgotten (as the cluster state says) and which write of their newest-items document the node holds
 * (the events API's, kept current on every node). A shopper's next search with none of these changed (the common case:
 * several searches between two events) ships the same signals without loading the profile or summing the neighbour
 * lists again. Any change is a new key; old entries are never served again and go as the least recently used (or idle
 * ones after {@link #EXPIRE_AFTER_ACCESS}). Only signals that do not depend on the caller are kept: no context items
 * (whose visibility is checked as the caller) and no explain (which names items).
 */
public final class SignalsCache {

    public static final Setting<ByteSizeValue> SIZE = Setting.memorySizeSetting(
            "personalize.cache.signals.size", "5%", Setting.Property.NodeScope, Setting.Property.Dynamic);
    static final TimeValue EXPIRE_AFTER_ACCESS = TimeValue.timeValueMinutes(10);

    /**
     * What a shopper's signals are computed from: {@code model}, the model's active version and the write of its
     * configuration, as the popular part they share is keyed ({@link PersonalizationSignals.PopularKey}); the shopper,
     * how many newest items count, when the shopper was last forgotten, and {@code recentTerm}/{@code recentSeqNo}: the
     * write of the shopper's newest-items document the signals counted (unassigned when there is none; -1 when no
     * newest items count).
     */
    public record Key(
            PersonalizationSignals.PopularKey model,
            String user,
            int recentItems,
            long forgottenAt,
            long recentTerm,
            long recentSeqNo) {}

    /**
     * The key of a shopper's signals, or null when they are not to be kept: their newest items come from a search of
     * the events index (read for every request) or no write of the events API's newest-items document is known
     * ({@code recent}, null), or the write the model's configuration was read from is not known. {@code recent}: for a
     * look-up, the write this node's copy holds (null when it holds none: the load reads the document and fills the
     * copy); to keep signals, the write the load counted (ProfileLoader.Loaded), so that the signals of a load that
     * read the document are found by the shopper's next request. {@code forgottenAt}: when the shopper was last
     * forgotten, as the node's cluster state says.
     */
    public static Key keyOf(
            ActiveModel model, String user, int recentItems, long forgottenAt, RecentItemsCache.Known recent) {
        PersonalizationSignals.PopularKey stamp = PersonalizationSignals.PopularKey.of(model);
        if (stamp == null) {
            return null;
        }
        long term = -1;
        long seqNo = -1;
        if (recentItems > 0) {
            if (model.config().events().recentEvents() != ModelConfig.Events.RecentEvents.API || recent == null) {
                return null;
            }
            term = recent.primaryTerm();
            seqNo = recent.seqNo();
        }
        return new Key(stamp, user, recentItems, forgottenAt, term, seqNo);
    }

    private volatile long limitBytes;
    // keyed by Key (a shopper's signals) or PersonalizationSignals.PopularKey (a model version's popular part, which
    // every shopper's signals of that version and configuration share: weighed once, here)
    private volatile Cache<Object, Weighed> entries;

    /**
     * Signals and their {@link #weight}, computed once when they are kept: Elasticsearch's {@code Cache} weighs an entry
     * each time a look-up moves it to the head of its LRU list (subtracted, then added again), which summed a shopper's
     * attribute values twice per search; and a weight computed anew differs from the one added once signals built a
     * part lazily (their UTF-8 ids when kept with Strings), leaving the cache's total off when the entry goes.
     */
    private record Weighed(PersonalizationSignals signals, long weight) {
        static Weighed of(PersonalizationSignals signals) {
            return new Weighed(signals, SignalsCache.weight(signals));
        }
    }

    public SignalsCache(Settings settings, ClusterSettings clusterSettings) {
        this.limitBytes = SIZE.get(settings).getBytes();
        rebuild();
        if (clusterSettings != null) {
            clusterSettings.addSettingsUpdateConsumer(SIZE, v -> {
                limitBytes = v.getBytes();
                rebuild();
            });
        }
    }

    private synchronized void rebuild() {
        entries = CacheBuilder.<Object, Weighed>builder()
                .setMaximumWeight(Math.max(0, limitBytes))
                .setExpireAfterAccess(EXPIRE_AFTER_ACCESS)
                .weigher((key, weighed) -> weighed.weight())
                .build();
    }

    /** The cache's own entry for a key, the key and the shopper's id: about what {@link Cache} holds per entry. */
    static final long ENTRY_BYTES = 256;

    /**
     * What an entry holds once its signals are used: the signals as they are ({@link PersonalizationSignals#ramBytesUsed}:
     * per item the id's UTF-8 bytes and start, and the three scores) and their shard side at most
     * ({@link ShardSignals#bytesOnceBuilt}: the items' hash table, and a keyword id's items turned into the local shards'
     * segments' ordinals, within {@link ShardSignals#RESOLVED_BYTES_PER_ITEM} an item). A shopper's own items only: the
     * popular part they share is an entry of its own.
     */
    static long weight(PersonalizationSignals signals) {
        return ENTRY_BYTES + signals.ramBytesUsed() + ShardSignals.bytesOnceBuilt(signals);
    }

    public PersonalizationSignals get(Key key) {
        Weighed held = entries.get(key);
        return held == null ? null : held.signals();
    }

    public void put(Key key, PersonalizationSignals signals) {
        if (limitBytes > 0) {
            entries.put(key, Weighed.of(signals));
        }
    }

    /**
     * The popular part of {@code model}'s signals ({@link PersonalizationSignals#popularOf}): this node's copy, shared
     * by every shopper's signals of the same version and configuration (and, on the shards here, their per-segment
     * ordinals), built when the node holds none. Null for a model without a popular list.
     */
    public PersonalizationSignals popular(ActiveModel model, PopularList list) {
        if (list == null) {
            return null;
        }
        PersonalizationSignals.PopularKey key = PersonalizationSignals.PopularKey.of(model);
        if (key == null || limitBytes <= 0) {
            return PersonalizationSignals.popularOf(model, list);
        }
        try {
            // built once: a second search asking meanwhile waits for it
            return entries.computeIfAbsent(key, k -> Weighed.of(PersonalizationSignals.popularOf(model, list)))
                    .signals();
        } catch (ExecutionException e) {
            // the build throws nothing checked: what it threw is passed on as it was
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    public long count() {
        return entries.count();
    }

    /** Entries, their weight, the limit, hits, misses and evictions (since the cache was last sized). */
    public CacheStats stats() {
        return CacheStats.of(entries, limitBytes);
    }
}
