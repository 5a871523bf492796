package io.personalize.recommend;

import io.personalize.profile.CacheKeys;

/**
 * An item's entry in one of the node's per-item copies (Elasticsearch {@code Cache}s), within a scope: the caller,
 * the catalogue and what else the answer depends on. The scope is built once per shelf, not concatenated with each of
 * its items and hashed again per look-up (string keys were a few percent of a warm shelf's CPU on the bench); the hash
 * is {@link CacheKeys#mixed}, for the reason it gives.
 */
record ScopedItem(String scope, String item) {

    @Override
    public boolean equals(Object other) {
        return other instanceof ScopedItem that && item.equals(that.item) && scope.equals(that.scope);
    }

    @Override
    public int hashCode() {
        return CacheKeys.mixed(scope.hashCode(), item.hashCode());
    }
}
