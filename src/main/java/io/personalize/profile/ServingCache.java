package io.personalize.profile;

import io.personalize.model.ModelDocuments;
import io.personalize.model.ModelIndices;
import io.personalize.model.ModelStore;
import io.personalize.serving.ItemNumbering;
import io.personalize.serving.ModelDocument;
import io.personalize.serving.NeighborList;
import io.personalize.serving.NumberedItems;
import io.personalize.serving.UserProfile;
import io.personalize.stats.CacheStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.apache.lucene.util.RamUsageEstimator;
import org.elasticsearch.common.cache.Cache;
import org.elasticsearch.common.cache.CacheBuilder;
import org.elasticsearch.common.settings.ClusterSettings;
import org.elasticsearch.common.settings.Setting;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.unit.ByteSizeValue;
import org.elasticsearch.core.TimeValue;

/**
 * A node's cache of what serving reads from model versions, so that a search or a shelf does not fetch and parse the
 * same documents again:
 * <ul>
 *   <li>the documents of a version (user profiles, neighbour lists, the popular list), parsed, and the ids a version
 *       has no document for (most searches are by shoppers the model does not know). A version is written completely
 *       before it becomes active, so entries are keyed by the version's index and creation time (a model deleted and
 *       trained again reuses index names, not creation times). Least recently used entries go beyond
 *       {@link #SIZE} bytes, idle ones after {@link #EXPIRE_AFTER_ACCESS}; a version's entries go on every node when
 *       another version is activated or the model deleted, a user's when they are forgotten
 *       ({@code ClearCacheAction});</li>
 *   <li>the model's document as last read, for its configuration: the version that serves comes from the cluster state,
 *       whose entry for the model names the write of the document it mirrors; a copy older than that is read again
 *       ({@link ProfileLoader#withActive}).</li>
 * </ul>
 * The shopper's newest events from a search of the events index are never cached; those the events API keeps are, in
 * {@link RecentItemsCache}, which the events API updates on every node before it answers. Size and expiry are
 * dynamic cluster settings; changing one starts an empty cache.
 */
public final class ServingCache {

    public static final Setting<ByteSizeValue> SIZE = Setting.memorySizeSetting(
            "personalize.cache.size", "5%", Setting.Property.NodeScope, Setting.Property.Dynamic);
    public static final Setting<TimeValue> EXPIRE_AFTER_ACCESS = Setting.timeSetting(
            "personalize.cache.expire_after_access",
            TimeValue.timeValueMinutes(30),
            TimeValue.timeValueSeconds(1),
            Setting.Property.NodeScope,
            Setting.Property.Dynamic);

    public static List<Setting<?>> settings() {
        return List.of(SIZE, EXPIRE_AFTER_ACCESS, RecentItemsCache.SIZE, RecentItemsCache.EXPIRE_AFTER_WRITE);
    }

    /** An id in a version; hashed by {@link CacheKeys#mixed}, for the reason it gives. */
    record Key(String index, long createdAt, String id) {

        @Override
        public boolean equals(Object other) {
            return other instanceof Key that
                    && id.equals(that.id)
                    && createdAt == that.createdAt
                    && index.equals(that.index);
        }

        @Override
        public int hashCode() {
            return CacheKeys.mixed(31 * index.hashCode() + Long.hashCode(createdAt), id.hashCode());
        }
    }

    /** What the cache knows of an id in a version: its parsed document, or (null) that the version has none. */
    record Cached(ModelDocument document) {
        static final Cached ABSENT = new Cached(null);
    }

    /** A cached look-up with its estimated heap size. */
    private record Entry(Cached cached, long bytes) {}

    private volatile long limitBytes;
    private volatile TimeValue expireAfterAccess;
    private volatile Cache<Key, Entry> documents;
    private final Map<String, ModelStore.StoredModel> models = new ConcurrentHashMap<>();
    // bumped by every invalidation: a read that started before one must not put back what it dropped
    private final AtomicLong generation = new AtomicLong();
    private final RecentItemsCache recentItems;
    /**
     * By version index: what the node learnt of the version, kept while it serves and dropped with it, in one record so
     * that one replacement (a new version's creation time) or one removal drops every part at once.
     */
    private final Map<String, VersionMemo> versions = new ConcurrentHashMap<>();

    /**
     * What a version's documents say, which never change once it is written: {@code items} numbers its items into slots,
     * which the neighbour lists parsed for it carry ({@link ItemNumbering}; a list cached from a dropped numbering is
     * still served, by id: the sums use slots only when a request's lists share one numbering); {@code known} says which
     * items it has an item document for (true) or not (false), by item id. The content term asks the latter of a
     * hundred items or so per shelf; the document cache answers each through a document id made per item, a key per
     * look-up and Elasticsearch's {@code Cache}, whose LRU lock every hit takes (3-5% of a warm shelf's CPU, by JFR);
     * this is one look-up in a concurrent map of plain ids.
     */
    private record VersionMemo(long createdAt, ItemNumbering items, Map<String, Boolean> known) {}

    /** The memo of the model's version, made now when this node has none for it (or one of an older creation). */
    private VersionMemo memo(ActiveModel model) {
        long createdAt = model.version().createdAt();
        VersionMemo memo = versions.get(model.index());
        if (memo != null && memo.createdAt() == createdAt) {
            return memo;
        }
        return versions.compute(
                model.index(),
                (index, kept) -> kept != null && kept.createdAt() == createdAt
                        ? kept
                        : new VersionMemo(createdAt, new ItemNumbering(slotsPerVersion()), new ConcurrentHashMap<>()));
    }

    /**
     * What a slot costs the numbering, as Lucene's {@code RamUsageEstimator} counts the parts: a
     * {@code ConcurrentHashMap} node (header, hash, key, value and next references), the boxed slot, and the table's
     * reference (the table is at least 3/8 full). The id's String is the parsed list's (counted with the list while it is
     * cached).
     */
    static final long BYTES_PER_SLOT = RamUsageEstimator.alignObjectSize(RamUsageEstimator.NUM_BYTES_OBJECT_HEADER
                    + Integer.BYTES
                    + 3L * RamUsageEstimator.NUM_BYTES_OBJECT_REF)
            + RamUsageEstimator.shallowSizeOfInstance(Integer.class)
            + 8L * RamUsageEstimator.NUM_BYTES_OBJECT_REF / 3;

    /** A version's numbering takes at most this share of the cache's bound: past it, new items get no slot. */
    static final int NUMBERING_SHARE = 8;

    /** Items a version's memo of known items holds at most (about 100 bytes each): new items past it are read again. */
    static final int KNOWN_ITEMS_PER_VERSION = 1 << 16;

    public ServingCache(Settings settings, ClusterSettings clusterSettings) {
        this.limitBytes = SIZE.get(settings).getBytes();
        this.expireAfterAccess = EXPIRE_AFTER_ACCESS.get(settings);
        this.recentItems = new RecentItemsCache(settings, clusterSettings);
        rebuild();
        if (clusterSettings != null) {
            clusterSettings.addSettingsUpdateConsumer(SIZE, v -> {
                limitBytes = v.getBytes();
                rebuild();
            });
            clusterSettings.addSettingsUpdateConsumer(EXPIRE_AFTER_ACCESS, v -> {
                expireAfterAccess = v;
                rebuild();
            });
        }
    }

    /** A cache that keeps no document (for Java callers without the node's services). */
    public static ServingCache disabled() {
        return new ServingCache(
                Settings.builder()
                        .put(SIZE.getKey(), "0b")
                        .put(RecentItemsCache.SIZE.getKey(), "0b")
                        .build(),
                null);
    }

    // Elasticsearch's Cache cannot be resized: a new bound or expiry starts a new, empty one
    private synchronized void rebuild() {
        versions.clear();
        documents = CacheBuilder.<Key, Entry>builder()
                .setMaximumWeight(Math.max(0, limitBytes))
                .setExpireAfterAccess(expireAfterAccess)
                .weigher((key, entry) -> entry.bytes())
                .build();
    }

    /** What the cache knows of a document of the model's version, or null when it knows nothing. */
    Cached document(ActiveModel model, String id) {
        Entry entry = documents.get(key(model, id));
        return entry == null ? null : entry.cached();
    }

    /** The generation to give {@link #put}: read it before reading the documents to put. */
    long generation() {
        return generation.get();
    }

    /**
     * Keeps a parsed document (or, null, that the version has none) whose JSON source had {@code sourceBytes} bytes, read since
     * {@code generation}: unless something was invalidated meanwhile (a user forgotten while their profile was read).
     */
    void put(ActiveModel model, String id, ModelDocument document, long sourceBytes, long generation) {
        if (limitBytes <= 0 || this.generation.get() != generation) {
            return;
        }
        Key key = key(model, id);
        beforePut.run();
        // parsed JSON takes a few times its text on the heap (strings, arrays, map entries); keys count too
        documents.put(
                key,
                new Entry(
                        document == null ? Cached.ABSENT : new Cached(document),
                        3 * sourceBytes + 2L * (model.index().length() + id.length()) + 96 + slotBytes(document)));
        // An invalidation may have landed between the check above and the put: it bumped the generation before scanning
        // the keys, so either its scan saw this entry (and dropped it) or this recheck sees the new generation. Either
        // way, nothing read before an invalidation survives it, without a lock on the serving path.
        if (this.generation.get() != generation) {
            documents.invalidate(key);
        }
    }

    /**
     * A document's slots, held with it: a list's {@link NeighborList.Slots} and its array; a profile's memo of its
     * history's and stored list's slots ({@link NumberedItems}), counted from the start.
     */
    static long slotBytes(ModelDocument document) {
        return switch (document) {
            case NeighborList list
            when list.slots() != null ->
                RamUsageEstimator.shallowSizeOfInstance(NeighborList.Slots.class)
                        + RamUsageEstimator.sizeOf(list.slots().neighbors());
            case UserProfile profile ->
                2 * NumberedItems.BYTES
                        + NumberedItems.BYTES_PER_ITEM
                                * (profile.history().size()
                                        + profile.recommended().size());
            case null, default -> 0;
        };
    }

    // a test seam: runs between the generation check and the put (an invalidation landing there is the race to close)
    private volatile Runnable beforePut = () -> {};

    void beforePut(Runnable hook) {
        this.beforePut = hook;
    }

    private static Key key(ActiveModel model, String id) {
        return new Key(model.index(), model.version().createdAt(), id);
    }

    /** Whether the model's version knows the item (has an item document for it), or null when not recorded. */
    Boolean knownItem(ActiveModel model, String item) {
        VersionMemo memo = versions.get(model.index());
        return memo == null || memo.createdAt() != model.version().createdAt()
                ? null
                : memo.known().get(item);
    }

    /**
     * Records whether the model's version knows the item, learnt from a read (or the document cache) started at
     * {@code generation}: nothing is kept when an invalidation came in between (the version's index deleted, a new
     * version activated), as for {@link #put}.
     */
    void knownItem(ActiveModel model, String item, boolean known, long generation) {
        if (limitBytes <= 0 || this.generation.get() != generation) {
            return;
        }
        VersionMemo memo = memo(model);
        if (memo.known().size() < KNOWN_ITEMS_PER_VERSION) {
            memo.known().put(item, known);
        }
        if (this.generation.get() != generation) {
            versions.remove(model.index(), memo);
        }
    }

    /**
     * The document as served from the model's version: a neighbour list with its items' slots in the version's
     * {@link ItemNumbering} (made at the version's first list), other documents as they are. A disabled cache numbers
     * nothing.
     */
    ModelDocument numbered(ActiveModel model, ModelDocument document) {
        if (document instanceof NeighborList list && limitBytes > 0) {
            return memo(model).items().numbered(list);
        }
        return document;
    }

    /** How many items a version's numbering holds at most: its share of the cache's bound. */
    int slotsPerVersion() {
        return (int) Math.min(Integer.MAX_VALUE - 8, limitBytes / NUMBERING_SHARE / BYTES_PER_SLOT);
    }

    /** The node's copy of the shoppers' newest items kept by the events API. */
    public RecentItemsCache recentItems() {
        return recentItems;
    }

    /** The model's document as this node last read it, or null. */
    public ModelStore.StoredModel model(String name) {
        return models.get(name);
    }

    /** Keeps the newest of what is known of a model (by primary term, then sequence number). */
    void model(ModelStore.StoredModel model) {
        models.merge(model.name(), model, (known, read) -> newer(read, known) ? read : known);
    }

    private static boolean newer(ModelStore.StoredModel a, ModelStore.StoredModel b) {
        return a.primaryTerm() != b.primaryTerm() ? a.primaryTerm() > b.primaryTerm() : a.seqNo() >= b.seqNo();
    }

    /** Forgets the model's document and every document of its versions but {@code keepIndex} (may be null). */
    public void invalidateModel(String name, String keepIndex) {
        models.remove(name);
        generation.incrementAndGet();
        Predicate<String> dropped =
                index -> ModelIndices.isDataIndexOf(index, name) && index.equals(keepIndex) == false;
        versions.keySet().removeIf(dropped);
        invalidate(key -> dropped.test(key.index()));
    }

    /**
     * Forgets every document of a version index that no longer exists (seen deleted in the cluster state): what is
     * served must come from data that exists, so that serving a version whose index is gone answers an error.
     */
    public void invalidateIndex(String index) {
        recentItems.invalidateIndex(index);
        generation.incrementAndGet();
        versions.remove(index);
        invalidate(key -> key.index().equals(index));
    }

    /** Forgets a user's profile in every version of the model. */
    public void invalidateUser(String name, String userId) {
        String id = ModelDocuments.userDocId(userId);
        recentItems.invalidateUser(name, userId);
        invalidate(key -> key.id().equals(id) && ModelIndices.isDataIndexOf(key.index(), name));
    }

    private void invalidate(Predicate<Key> which) {
        generation.incrementAndGet();
        List<Key> keys = new ArrayList<>();
        for (Key key : documents.keys()) {
            if (which.test(key)) {
                keys.add(key);
            }
        }
        keys.forEach(documents::invalidate);
    }

    public CacheStats stats() {
        return CacheStats.of(documents, limitBytes);
    }
}
