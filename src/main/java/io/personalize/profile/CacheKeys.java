package io.personalize.profile;

/**
 * The hash of a key of the node's per-item and per-user copies (Elasticsearch {@code Cache}s): a scope (a version, a
 * model's index, a shelf's caller and catalogue) and an id within it.
 *
 * <p>A {@code Cache} picks one of its 256 segments by the hash's low 8 bits, and the segment's {@code HashMap} a bin by
 * the low bits of {@code hash ^ hash >>> 16}; a record's hash of one scope and ids that differ in their last
 * characters ("85123A", "85123B") left the ids of a segment with nearly the same high bits, so that they shared bins:
 * on the bench's catalogue (4,070 products) bins of up to 17 keys, turned into trees searched key by key with
 * {@code equals}, about 6 keys compared per look-up against 1.5 with this hash (MurmurHash3's 64-bit finalizer over
 * both hashes: Elasticsearch's {@code MurmurHash3.fmix}, written out here because it is not public in every release
 * the plugin is built for, 9.0 among them). Keys compare their id first: within one scope only the ids differ.
 */
public final class CacheKeys {

    private CacheKeys() {}

    public static int mixed(int scopeHash, int idHash) {
        long k = ((long) scopeHash << 32) | (idHash & 0xFFFFFFFFL);
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return (int) k;
    }
}
