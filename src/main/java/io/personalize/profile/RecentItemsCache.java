package io.personalize.profile;

import io.personalize.model.ModelIndices;
import io.personalize.serving.NumberedItems;
import io.personalize.stats.CacheStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.elasticsearch.common.cache.Cache;
import org.elasticsearch.common.cache.CacheBuilder;
import org.elasticsearch.common.settings.ClusterSettings;
import org.elasticsearch.common.settings.Setting;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.unit.ByteSizeValue;
import org.elasticsearch.core.TimeValue;
import org.elasticsearch.index.seqno.SequenceNumbers;

/**
 * A node's copy of the shoppers' {@link RecentItems} documents (the events API's per-user documents), so that a request
 * reads none while nothing changed: the read of the newest items was a realtime multi-get per request, a hop through
 * the {@code system_read} pool, most of what a personalized search cost beyond the no-op rescorer.
 * <p>
 * Real time is kept by the writers, not by expiry: the events API (and the scrub of a forgotten user's items) sends
 * every node the documents it wrote, with their sequence numbers, and answers once every node has applied them
 * ({@code RecentItemsChangedAction}); a forgetting clears the user here on every node ({@code ClearCacheAction}).
 * Three rules keep a node from serving an older document than the newest write it was told about, whatever the order
 * in which reads, changes and evictions land:
 * <ul>
 *   <li>a change replaces an entry only when newer (primary term, then sequence number), and never creates one: an
 *       entry evicted before a late, older change arrives is not brought back by it;</li>
 *   <li>an entry is created only by a read, and only when no change or clearing touched the user's stripe since the
 *       read started ({@link #stamp}), so that a realtime read that raced a write is not kept;</li>
 *   <li>the whole copy goes when the node joins a master anew (it may have missed changes while cut off) and a user's
 *       entries when their index is deleted; an entry is read again {@link #EXPIRE_AFTER_WRITE} (5 minutes by default)
 *       after it was written here, whatever happened.</li>
 * </ul>
 * A forgotten user's items are filtered by the cluster state's forgetting time whether they come from here or from a
 * read ({@code ProfileLoader}), so a copy that missed a clearing still shows nothing of before the forgetting.
 */
public final class RecentItemsCache {

    public static final Setting<ByteSizeValue> SIZE = Setting.memorySizeSetting(
            "personalize.cache.recent_items.size", "1%", Setting.Property.NodeScope, Setting.Property.Dynamic);

    /**
     * How long a copy serves before it is read again: the bound on how long a node that missed a change and stayed in
     * the cluster (the events API asked it {@code RecentItemsChangedAction.ATTEMPTS} times, or it did not answer in
     * time, and it was logged) serves an older copy. Shorter costs a realtime GET per shopper and period on each node;
     * nothing else depends on it. Changing it starts an empty copy, as the size does.
     */
    public static final Setting<TimeValue> EXPIRE_AFTER_WRITE = Setting.timeSetting(
            "personalize.cache.recent_items.expire_after_write",
            TimeValue.timeValueMinutes(5),
            TimeValue.timeValueSeconds(1),
            TimeValue.timeValueHours(24),
            Setting.Property.NodeScope,
            Setting.Property.Dynamic);

    private static final int STRIPES = 256;

    /** A user's document in a model's per-user index; hashed by {@link CacheKeys#mixed}, for the reason it gives. */
    record Key(String model, String index, String user) {

        @Override
        public boolean equals(Object other) {
            return other instanceof Key that
                    && user.equals(that.user)
                    && index.equals(that.index)
                    && model.equals(that.model);
        }

        @Override
        public int hashCode() {
            return CacheKeys.mixed(31 * model.hashCode() + index.hashCode(), user.hashCode());
        }
    }

    /**
     * What a node knows of a user's document: its items (none when the document does not exist) as of the write with
     * this primary term and sequence number (unassigned for a document that does not exist).
     */
    public record Known(RecentItems items, long primaryTerm, long seqNo) {

        public static final Known ABSENT = new Known(
                RecentItems.EMPTY, SequenceNumbers.UNASSIGNED_PRIMARY_TERM, SequenceNumbers.UNASSIGNED_SEQ_NO);

        boolean newerThan(Known other) {
            return primaryTerm != other.primaryTerm ? primaryTerm > other.primaryTerm : seqNo > other.seqNo;
        }

        long bytes() {
            // the items' slots memoized with them (NumberedItems) count from the start
            long bytes = 96
                    + NumberedItems.BYTES
                    + NumberedItems.BYTES_PER_ITEM * items.items().size();
            for (SourceItem item : items.items()) {
                bytes += 64 + 2L * item.item().length();
            }
            return bytes;
        }
    }

    /** A write of a user's document: its items, or null when it was deleted. */
    public record Change(String user, RecentItems items, long primaryTerm, long seqNo) {
        Known known() {
            return new Known(items == null ? RecentItems.EMPTY : items, primaryTerm, seqNo);
        }
    }

    private final AtomicLong[] stripes = new AtomicLong[STRIPES];
    private volatile long limitBytes;
    private volatile TimeValue expireAfterWrite;
    private volatile Cache<Key, Weighed> entries;

    /**
     * A copy with its weight, computed once when it is kept: Elasticsearch's {@code Cache} weighs an entry each time a
     * look-up moves it to the head of its LRU list (subtracted, then added again), which summed the shopper's items
     * twice per search.
     */
    private record Weighed(Known known, long weight) {
        static Weighed of(Key key, Known known) {
            return new Weighed(
                    known,
                    known.bytes() + 2L * (key.index().length() + key.user().length()));
        }
    }

    public RecentItemsCache(Settings settings, ClusterSettings clusterSettings) {
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new AtomicLong();
        }
        this.limitBytes = SIZE.get(settings).getBytes();
        this.expireAfterWrite = EXPIRE_AFTER_WRITE.get(settings);
        rebuild();
        if (clusterSettings != null) {
            clusterSettings.addSettingsUpdateConsumer(SIZE, v -> {
                limitBytes = v.getBytes();
                rebuild();
            });
            clusterSettings.addSettingsUpdateConsumer(EXPIRE_AFTER_WRITE, v -> {
                expireAfterWrite = v;
                rebuild();
            });
        }
    }

    // Elasticsearch's Cache cannot be resized nor given a new expiry: a new bound starts a new, empty one (every stripe
    // bumped: a read in flight puts nothing in it)
    private synchronized void rebuild() {
        for (AtomicLong stripe : stripes) {
            stripe.incrementAndGet();
        }
        entries = CacheBuilder.<Key, Weighed>builder()
                .setMaximumWeight(Math.max(0, limitBytes))
                .setExpireAfterWrite(expireAfterWrite)
                .weigher((key, weighed) -> weighed.weight())
                .build();
    }

    private AtomicLong stripe(Key key) {
        return stripes[(key.hashCode() & 0x7fffffff) % STRIPES];
    }

    // per version index, the name of its model's newest-items index: named once, not parsed and built per request (the
    // same String each time, whose hash is kept: the look-ups' keys hash and compare it cheaply)
    private final Map<String, IndexName> indexNames = new ConcurrentHashMap<>();

    private record IndexName(String model, String index) {}

    /** The newest-items index of the model's incarnation ({@link ModelIndices#recentIndexOf}). */
    public String indexOf(ActiveModel model) {
        IndexName known = indexNames.get(model.index());
        if (known == null || known.model().equals(model.name()) == false) {
            if (indexNames.size() >= MAX_INDEX_NAMES) {
                indexNames.clear(); // old versions' names: named again when asked
            }
            known = new IndexName(model.name(), ModelIndices.recentIndexOf(model.name(), model.index()));
            indexNames.put(model.index(), known);
        }
        return known.index();
    }

    private static final int MAX_INDEX_NAMES = 256;

    /** What this node knows of the user's document, or null: read it (after taking a {@link #stamp}). */
    public Known get(String model, String index, String user) {
        return known(entries.get(new Key(model, index, user)));
    }

    private static Known known(Weighed weighed) {
        return weighed == null ? null : weighed.known();
    }

    /** To take before reading the user's document, and to give to {@link #offer}. */
    public long stamp(String model, String index, String user) {
        return stripe(new Key(model, index, user)).get();
    }

    /**
     * Keeps what a realtime read of the user's document found, unless the user's stripe changed since {@code stamp}
     * was taken (a write or a clearing landed meanwhile: the read may be older than it) or a newer copy is held.
     */
    public void offer(String model, String index, String user, Known read, long stamp) {
        if (limitBytes <= 0) {
            return;
        }
        Key key = new Key(model, index, user);
        AtomicLong stripe = stripe(key);
        synchronized (stripe) {
            if (stripe.get() != stamp) {
                return;
            }
            Known held = known(entries.get(key));
            if (held == null || read.newerThan(held)) {
                entries.put(key, Weighed.of(key, read));
            }
        }
    }

    /** Applies writes of users' documents in a model's per-user index: see the class comment for the rules. */
    public void changed(String model, String index, List<Change> changes) {
        for (Change change : changes) {
            Key key = new Key(model, index, change.user());
            AtomicLong stripe = stripe(key);
            synchronized (stripe) {
                stripe.incrementAndGet();
                Known held = known(entries.get(key));
                Known written = change.known();
                if (held != null && written.newerThan(held)) {
                    entries.put(key, Weighed.of(key, written));
                }
            }
        }
    }

    /** Forgets a user's documents in the model. */
    public void invalidateUser(String model, String user) {
        invalidate(key -> key.model().equals(model) && key.user().equals(user));
    }

    /** Forgets every document of the model. */
    public void invalidateModel(String model) {
        invalidate(key -> key.model().equals(model));
    }

    /** Forgets the documents of a deleted index. */
    public void invalidateIndex(String index) {
        invalidate(key -> key.index().equals(index));
    }

    /** Forgets everything (the node may have missed changes). */
    public void clear() {
        invalidate(key -> true);
    }

    private void invalidate(Predicate<Key> which) {
        // every stripe first: a read in flight, whatever its key, keeps nothing it read before this; an entry a read
        // kept before the bump is in the scan below
        for (AtomicLong stripe : stripes) {
            synchronized (stripe) {
                stripe.incrementAndGet();
            }
        }
        List<Key> keys = new ArrayList<>();
        for (Key key : entries.keys()) {
            if (which.test(key)) {
                keys.add(key);
            }
        }
        for (Key key : keys) {
            AtomicLong stripe = stripe(key);
            synchronized (stripe) {
                entries.invalidate(key);
            }
        }
    }

    public long count() {
        return entries.count();
    }

    /** Entries, their weight, the limit, hits, misses and evictions (since the copy was last sized). */
    public CacheStats stats() {
        return CacheStats.of(entries, limitBytes);
    }
}
