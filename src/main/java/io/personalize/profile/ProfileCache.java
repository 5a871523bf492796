package io.personalize.profile;

import org.elasticsearch.common.cache.Cache;
import org.elasticsearch.common.cache.CacheBuilder;
import org.elasticsearch.common.settings.Setting;
import org.elasticsearch.common.unit.ByteSizeValue;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A node's cache of what serving reads from model versions, so that a search or a shelf does not fetch and parse the
 * same documents again:
 * <ul>
 *   <li>the documents of a version (user profiles, neighbour lists, the popular list), parsed, and the ids a version
 *       has no document for. A version is written completely before it becomes active and never changes after, so
 *       these entries are never stale: they are keyed by the version's index and creation time (a model deleted and
 *       trained again reuses index names, not creation times) and simply age out (least recently used, bounded by
 *       {@link #SIZE}) once their version stops serving;</li>
 *   <li>the last active version seen per model, which is only ever a guess: {@link ProfileLoader} still reads the
 *       model's document on every request, in parallel with the profile it loads from the guessed version, and loads
 *       again from the version the document names when they differ. A new active version (a training, an import) is
 *       therefore seen by the very next request, as without the cache.</li>
 * </ul>
 * The shopper's newest events are never cached: they are read for every request (real time).
 */
public final class ProfileCache {

    public static final Setting<ByteSizeValue> SIZE = Setting.byteSizeSetting(
        "personalize.profile_cache.size",
        ByteSizeValue.ofMb(64),
        Setting.Property.NodeScope
    );

    /** What a version has no document for: cached as well (most searches are by shoppers the model does not know). */
    static final Object MISSING = new Object();

    record Key(String index, long createdAt, String id) {}

    /** A cached document (or {@link #MISSING}) with the size of its source, for the cache's weight. */
    private record Entry(Object document, int sourceBytes) {}

    private final Cache<Key, Entry> documents;
    private final Map<String, ActiveModel> active = new ConcurrentHashMap<>();

    public ProfileCache(long maxBytes) {
        this.documents = maxBytes <= 0
            ? null
            : CacheBuilder.<Key, Entry>builder().setMaximumWeight(maxBytes).weigher(ProfileCache::weight).build();
    }

    /** A cache that keeps nothing. */
    public static ProfileCache disabled() {
        return new ProfileCache(0);
    }

    /** A parsed document of the model's active version, {@link #MISSING}, or null when not cached. */
    Object get(ActiveModel model, String id) {
        if (documents == null) {
            return null;
        }
        Entry entry = documents.get(key(model, id));
        return entry == null ? null : entry.document();
    }

    /** Keeps a parsed document (or {@link #MISSING}) whose source had {@code sourceBytes} bytes. */
    void put(ActiveModel model, String id, Object document, int sourceBytes) {
        if (documents != null) {
            documents.put(key(model, id), new Entry(document, sourceBytes));
        }
    }

    // parsed documents take about three times their JSON source on the heap; keys count too
    private static long weight(Key key, Entry entry) {
        return 3L * entry.sourceBytes() + 2L * (key.index().length() + key.id().length()) + 96;
    }

    private static Key key(ActiveModel model, String id) {
        return new Key(model.index(), model.version().createdAt(), id);
    }

    /** The last active version seen for a model, or null. */
    ActiveModel activeModel(String name) {
        return active.get(name);
    }

    void activeModel(String name, ActiveModel model) {
        if (model == null) {
            active.remove(name);
        } else {
            active.put(name, model);
        }
    }

    /** For tests and stats: documents cached. */
    public int count() {
        return documents == null ? 0 : documents.count();
    }
}
