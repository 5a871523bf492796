package io.personalize.recommend;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

public class ScopedItemTests extends org.elasticsearch.test.ESTestCase {

    /**
     * Product ids that differ in their last digits, as in a shop's catalogue, laid out as Elasticsearch's {@code Cache}
     * lays out its keys: one of 256 segments by the hash's low 8 bits, then a bin of the segment's {@code HashMap} by
     * {@code (hash ^ hash >>> 16)} over a table of at least {@code entries / 0.75}. No bin reaches 8 keys, where a
     * {@code HashMap} turns it into a tree searched key by key (a record's own hash gave bins of 20 here).
     */
    public void testConsecutiveIdsSpreadOverTheCacheSegmentsAndTheirBins() {
        String scope = "/products/content_vector/";
        Map<Integer, List<Integer>> segments = new HashMap<>();
        for (int id = 20_000; id < 24_000; id++) {
            int hash = new ScopedItem(scope, Integer.toString(id)).hashCode();
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
        assertThat(fullest, lessThan(8));
    }

    public void testEqualWhenScopeAndItemAre() {
        assertThat(new ScopedItem("a/", "1"), equalTo(new ScopedItem("a/", new String("1"))));
        assertThat(new ScopedItem("a/", "1").hashCode(), equalTo(new ScopedItem("a/", "1").hashCode()));
        assertThat(new ScopedItem("a/", "1"), not(equalTo(new ScopedItem("b/", "1"))));
        assertThat(new ScopedItem("a/", "1"), not(equalTo(new ScopedItem("a/", "2"))));
    }
}
