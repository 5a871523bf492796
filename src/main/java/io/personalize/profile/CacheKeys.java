package io.personalize.profile;

/**
 * Hash codes for the keys of the node's caches. Elasticsearch's {@code Cache} picks one of 256 segments by a key's
 * lowest 8 bits, and each segment's {@code HashMap} a bin mostly by the bits above 16: product codes and user ids that
 * differ in their last characters ("22111", "22112") have {@code String} hash codes that differ in the middle bits
 * only, so a record of them piled into a few bins of a few segments (turned into trees whose keys are not comparable,
 * so walked one by one: 4% of a loaded node's samples in {@code bin/bench rescore-speed}). Every bit of the record's
 * hash code is mixed into every bit of the result (MurmurHash3's 32-bit finalizer).
 */
public final class CacheKeys {

    private CacheKeys() {}

    public static int spread(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }
}
