package io.personalize.recommend;

import io.personalize.model.ModelConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.common.cache.Cache;
import org.elasticsearch.common.cache.CacheBuilder;
import org.elasticsearch.core.TimeValue;

/**
 * This node's copy of catalogue items' content vectors, read for the content terms of a shelf (the shopper's newest
 * items, the new items asked about): a shopper's items repeat from one shelf to the next, and popular items from one
 * shopper to the next, so most shelves read no vector. The catalogue tells the plugin nothing when a product changes,
 * so a copy (or the fact that an item has no vector) is kept {@link #TTL} after it was read, as the catalogue's mean
 * vector is kept 10 minutes: a product's new text counts in the content terms within that time. A vector only steers
 * the direction of the content search: the shelf's items are still read as the caller, through the filter; copies are
 * kept per {@link Caller}, since the catalogue read them as the caller.
 */
final class ItemVectors {

    static final TimeValue TTL = TimeValue.timeValueSeconds(60);
    /** Items kept at most (a 256-dimension vector is about 1 KB). */
    static final int MAX_ITEMS = 10_000;

    private static final float[] NONE = new float[0];

    private final Cache<ScopedItem, float[]> vectors;

    ItemVectors() {
        this(TTL, MAX_ITEMS);
    }

    ItemVectors(TimeValue ttl, int maxItems) {
        vectors = CacheBuilder.<ScopedItem, float[]>builder()
                .setExpireAfterWrite(ttl)
                .setMaximumWeight(maxItems)
                .build();
    }

    /** The vectors of those of {@code items} that have one: from this node's copy, the rest read in one search. */
    void of(
            ModelConfig.Catalog config,
            CatalogReader catalog,
            List<String> items,
            String caller,
            ActionListener<Map<String, float[]>> listener) {
        String scope = caller + "/" + config.index() + "/" + config.vectorField() + "/";
        Map<String, float[]> found = new HashMap<>();
        List<String> missing = new ArrayList<>();
        for (String item : items) {
            float[] vector = vectors.get(new ScopedItem(scope, item));
            if (vector == null) {
                missing.add(item);
            } else if (vector.length > 0) {
                found.put(item, vector);
            }
        }
        if (missing.isEmpty()) {
            listener.onResponse(found);
            return;
        }
        catalog.vectors(missing, listener.map(read -> {
            for (String item : missing) {
                float[] vector = read.get(item);
                vectors.put(new ScopedItem(scope, item), vector == null ? NONE : vector);
                if (vector != null) {
                    found.put(item, vector);
                }
            }
            return found;
        }));
    }

    void clear() {
        vectors.invalidateAll();
    }
}
