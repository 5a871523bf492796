package io.personalize.recommend;

import org.elasticsearch.common.hash.MurmurHash3;

/**
 * An item's entry in one of the node's per-item copies (Elasticsearch {@code Cache}s), within a scope: the caller,
 * the catalogue and what else the answer depends on. The scope is built once per shelf, not concatenated with each of
 * its items and hashed again per look-up (string keys were a few percent of a warm shelf's CPU on the bench).
 *
 * <p>The hash is mixed. A {@code Cache} picks one of its 256 segments by the hash's low 8 bits, and the segment's
 * {@code HashMap} a bin by the low bits of {@code hash ^ hash >>> 16}; a record's hash of one scope and item ids that
 * differ in their last characters ("85123A", "85123B") left the items of a segment with nearly the same high bits, so
 * that they shared bins: on the bench's catalogue (4,070 products) bins of up to 17 keys, turned into trees searched
 * key by key with {@code equals}, about 6 keys compared per look-up against 1.5 with a mixed hash (Elasticsearch's
 * MurmurHash3 finalizer over both hashes). {@code equals} compares the item first: in one scope only the items differ.
 */
record ScopedItem(String scope, String item) {

    @Override
    public boolean equals(Object other) {
        return other instanceof ScopedItem that && item.equals(that.item) && scope.equals(that.scope);
    }

    @Override
    public int hashCode() {
        return (int) MurmurHash3.fmix(((long) scope.hashCode() << 32) | (item.hashCode() & 0xFFFFFFFFL));
    }
}
