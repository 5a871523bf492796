package io.personalize.profile;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.elasticsearch.test.ESTestCase;

public class CacheKeysTests extends ESTestCase {

    /**
     * Product codes that differ in their last characters, as Elasticsearch's Cache files them: a segment by the lowest
     * 8 bits, then a bin of the segment's HashMap by the spread HashMap applies. Without the mixing, most of them share
     * a few bins; with it, no bin holds more than a handful.
     */
    public void testProductCodesSpreadOverTheCacheSegmentsBins() {
        int withoutMixing = largestBin(false);
        int withMixing = largestBin(true);
        assertTrue("the record's own hash code piles codes into few bins: " + withoutMixing, withoutMixing >= 12);
        assertTrue(
                "mixed: at most a handful a bin, got " + withMixing + " (unmixed " + withoutMixing + ")",
                withMixing <= 8);
    }

    private static int largestBin(boolean mixed) {
        Map<Long, Integer> bins = new HashMap<>();
        int largest = 0;
        for (int code = 20000; code < 24000; code++) {
            int h = Objects.hash("shop-v1", 1_700_000_000_000L, "item:" + code);
            if (mixed) {
                h = CacheKeys.spread(h);
            }
            int segment = h & 0xff;
            // each segment holds ~16 of the 4,000 keys: a HashMap of 32 bins at its default load factor
            int bin = (h ^ (h >>> 16)) & 31;
            largest = Math.max(largest, bins.merge(((long) segment << 32) | bin, 1, Integer::sum));
        }
        return largest;
    }
}
