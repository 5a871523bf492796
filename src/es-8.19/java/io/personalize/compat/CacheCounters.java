package io.personalize.compat;

import org.elasticsearch.common.cache.Cache;

/** The hit, miss and eviction counters of an Elasticsearch {@link Cache}: {@code Cache.CacheStats} in 9.1 (src/es-9.2). */
public record CacheCounters(long hits, long misses, long evictions) {

    public static CacheCounters of(Cache<?, ?> cache) {
        Cache.CacheStats stats = cache.stats();
        return new CacheCounters(stats.getHits(), stats.getMisses(), stats.getEvictions());
    }
}
