package io.personalize.profile;

import io.personalize.model.ModelStore;

import org.elasticsearch.common.cache.Cache;
import org.elasticsearch.common.cache.CacheBuilder;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a node keeps between requests, so that a request reads only what is its own (the user's profile and events):
 * <ul>
 *   <li>the model documents (configuration and status), as last read: a request still reads the model's document, but
 *       at the same time as its other reads, and the parsed model is reused while the document has not changed (see
 *       {@code TransportRecommendAction});</li>
 *   <li>the documents of model versions that every request needs (the popular list) or that many share (the items'
 *       neighbour lists), and the knowledge that an item has none. A version index is written once, before it is
 *       activated, and never changed: its documents are keyed by the index name, the version's creation time (a model
 *       deleted and created again reuses index names) and the document id, and are never stale. Least recently used
 *       documents are evicted beyond {@link #MAX_BYTES}.</li>
 * </ul>
 * User profiles are not kept: each shopper's is read by the request that needs it.
 */
public final class ServingCache {

    /** The estimated heap the version documents may take. */
    static final long MAX_BYTES = 64L << 20;

    /** A document that does not exist in its version (an item the model has no neighbours for). */
    static final Object MISSING = new Object();

    private final Map<String, ModelStore.StoredModel> models = new ConcurrentHashMap<>();
    private final Cache<Key, Entry> documents;

    record Key(String index, long createdAt, String id) {}

    record Entry(Object doc, long bytes) {}

    public ServingCache() {
        this(MAX_BYTES);
    }

    ServingCache(long maxBytes) {
        this.documents = CacheBuilder.<Key, Entry>builder().setMaximumWeight(maxBytes).weigher((key, entry) -> entry.bytes()).build();
    }

    /** The model as last read on this node, or null. */
    public ModelStore.StoredModel model(String name) {
        return models.get(name);
    }

    /** Keeps the newest of what is known of a model (by primary term, then sequence number). */
    public void model(ModelStore.StoredModel model) {
        models.merge(model.name(), model, (known, read) -> newer(read, known) ? read : known);
    }

    public void forget(String model) {
        models.remove(model);
    }

    private static boolean newer(ModelStore.StoredModel a, ModelStore.StoredModel b) {
        return a.primaryTerm() != b.primaryTerm() ? a.primaryTerm() > b.primaryTerm() : a.seqNo() >= b.seqNo();
    }

    /** A version document: the parsed document, {@link #MISSING}, or null when it is not kept. */
    Object document(ActiveModel model, String id) {
        Entry entry = documents.get(key(model, id));
        return entry == null ? null : entry.doc();
    }

    /** Keeps a version document (or {@link #MISSING}) whose source had {@code sourceBytes} bytes. */
    void document(ActiveModel model, String id, Object doc, long sourceBytes) {
        // parsed JSON takes a few times its text on the heap: strings, boxed keys, arrays
        documents.put(key(model, id), new Entry(doc, 200 + 4 * Math.max(0, sourceBytes)));
    }

    long documentCount() {
        return documents.count();
    }

    private static Key key(ActiveModel model, String id) {
        return new Key(model.index(), model.version().createdAt(), id);
    }
}
