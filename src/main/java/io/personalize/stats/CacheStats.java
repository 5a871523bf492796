package io.personalize.stats;

import io.personalize.compat.CacheCounters;
import java.io.IOException;
import org.elasticsearch.common.cache.Cache;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.common.unit.ByteSizeValue;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;

/** A node's serving cache: entries, bytes held and the limit, hits, misses and evictions. */
public record CacheStats(long entries, long bytes, long limitBytes, long hits, long misses, long evictions)
        implements Writeable, ToXContentObject {

    /** An Elasticsearch {@link Cache}'s figures, bounded by {@code limitBytes}. */
    public static CacheStats of(Cache<?, ?> cache, long limitBytes) {
        CacheCounters counters = CacheCounters.of(cache);
        return new CacheStats(
                cache.count(), cache.weight(), limitBytes, counters.hits(), counters.misses(), counters.evictions());
    }

    public CacheStats(StreamInput in) throws IOException {
        this(in.readVLong(), in.readVLong(), in.readVLong(), in.readVLong(), in.readVLong(), in.readVLong());
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeVLong(entries);
        out.writeVLong(bytes);
        out.writeVLong(limitBytes);
        out.writeVLong(hits);
        out.writeVLong(misses);
        out.writeVLong(evictions);
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        return builder.startObject()
                .field("entries", entries)
                .humanReadableField("size_in_bytes", "size", ByteSizeValue.ofBytes(bytes))
                .humanReadableField("limit_in_bytes", "limit", ByteSizeValue.ofBytes(limitBytes))
                .field("hits", hits)
                .field("misses", misses)
                .field("evictions", evictions)
                .endObject();
    }
}
