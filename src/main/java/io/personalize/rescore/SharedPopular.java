package io.personalize.rescore;

import java.io.IOException;
import org.elasticsearch.common.bytes.BytesArray;
import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.common.cache.Cache;
import org.elasticsearch.common.cache.CacheBuilder;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.core.TimeValue;

/**
 * The popular parts of {@link PersonalizationSignals} a shard's node received, one per key (model, version,
 * configuration's write), so that every shopper's signals read on this node share one copy, and with it the part's
 * per-segment ordinals ({@link ShardSignals#resolvedKeywordIds}), kept once per (version, segment) instead of once per
 * request. A part is shipped whole with its key; the copy held is used only when its bytes are the ones received, so a
 * key reused by another cluster in the same JVM (tests), or anything else unforeseen, can never score with other items.
 */
final class SharedPopular {

    /** Parts held at most: a node serves a few models; beyond, the least recently used part is read anew. */
    static final int MAX_PARTS = 64;

    private static final Cache<PersonalizationSignals.PopularKey, PersonalizationSignals> PARTS =
            CacheBuilder.<PersonalizationSignals.PopularKey, PersonalizationSignals>builder()
                    .setMaximumWeight(MAX_PARTS)
                    .setExpireAfterAccess(TimeValue.timeValueMinutes(10))
                    .build();

    private SharedPopular() {}

    /** Reads a popular part as {@link PersonalizationSignals#writeTo} ships it: the node's copy when it is the same. */
    static PersonalizationSignals read(StreamInput in) throws IOException {
        PersonalizationSignals.PopularKey key = in.readOptionalWriteable(PersonalizationSignals.PopularKey::new);
        BytesReference bytes = in.readBytesReference();
        PersonalizationSignals held = key == null ? null : PARTS.get(key);
        if (held != null && held.wire().equals(bytes)) {
            return held;
        }
        // a copy of its own: the bytes read may be a slice of a pooled network buffer
        BytesReference kept = new BytesArray(BytesReference.toBytes(bytes));
        PersonalizationSignals part;
        try (StreamInput partIn = kept.streamInput()) {
            part = new PersonalizationSignals(partIn, key, kept);
        }
        if (key != null) {
            PARTS.put(key, part);
        }
        return part;
    }

    /** Parts held now (tests). */
    static long count() {
        return PARTS.count();
    }
}
