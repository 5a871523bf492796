package io.personalize.profile;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntUnaryOperator;

public class CacheKeysTests extends org.elasticsearch.test.ESTestCase {

    /**
     * The fullest bin when the hashes of ids 20000..23999 (ids that differ in their last digits, as in a shop's
     * catalogue) are laid out as Elasticsearch's {@code Cache} lays out its keys: one of 256 segments by the hash's low
     * 8 bits, then a bin of the segment's {@code HashMap} by {@code (hash ^ hash >>> 16)} over a table of at least
     * {@code entries / 0.75}; fails unless every segment is used. From 8 keys a {@code HashMap} turns a bin into a tree
     * searched key by key (a record's own hash gave bins of 20 here).
     */
    public static int fullestBinOfConsecutiveIds(IntUnaryOperator hashOfId) {
        Map<Integer, List<Integer>> segments = new HashMap<>();
        for (int id = 20_000; id < 24_000; id++) {
            int hash = hashOfId.applyAsInt(id);
            segments.computeIfAbsent(hash & 0xff, s -> new ArrayList<>()).add(hash);
        }
        assertThat(segments.size(), equalTo(256));
        int fullest = 0;
        for (List<Integer> hashes : segments.values()) {
            int table = 16;
            while (table * 0.75 < hashes.size()) {
                table *= 2;
            }
            Map<Integer, Integer> bins = new HashMap<>();
            for (int hash : hashes) {
                fullest = Math.max(fullest, bins.merge((hash ^ (hash >>> 16)) & (table - 1), 1, Integer::sum));
            }
        }
        return fullest;
    }

    public void testAVersionsDocumentsSpreadOverTheCacheSegmentsAndTheirBins() {
        assertThat(
                fullestBinOfConsecutiveIds(
                        id -> new ServingCache.Key(".personalize-shop-v3", 1_764_547_200_000L, "i:" + id).hashCode()),
                lessThan(8));
    }

    public void testAModelsShoppersSpreadOverTheCacheSegmentsAndTheirBins() {
        assertThat(
                fullestBinOfConsecutiveIds(
                        id -> new RecentItemsCache.Key("shop", ".personalize-recent-shop.abc", "" + id).hashCode()),
                lessThan(8));
    }

    public void testKeysAreEqualWhenEveryPartIs() {
        ServingCache.Key key = new ServingCache.Key("v1", 7, "i:1");
        assertThat(key, equalTo(new ServingCache.Key("v1", 7, new String("i:1"))));
        assertThat(key.hashCode(), equalTo(new ServingCache.Key("v1", 7, "i:1").hashCode()));
        assertThat(key, not(equalTo(new ServingCache.Key("v2", 7, "i:1"))));
        assertThat(key, not(equalTo(new ServingCache.Key("v1", 8, "i:1"))));
        assertThat(key, not(equalTo(new ServingCache.Key("v1", 7, "i:2"))));
        RecentItemsCache.Key user = new RecentItemsCache.Key("m", "r", "u");
        assertThat(user, equalTo(new RecentItemsCache.Key("m", "r", new String("u"))));
        assertThat(user, not(equalTo(new RecentItemsCache.Key("n", "r", "u"))));
        assertThat(user, not(equalTo(new RecentItemsCache.Key("m", "s", "u"))));
        assertThat(user, not(equalTo(new RecentItemsCache.Key("m", "r", "v"))));
    }
}
