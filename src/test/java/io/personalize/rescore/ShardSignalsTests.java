package io.personalize.rescore;

import java.util.Arrays;
import org.elasticsearch.test.ESTestCase;

public class ShardSignalsTests extends ESTestCase {

    /**
     * The table of every ordinal's item names the item the binary search finds, and -1 for every other ordinal; with
     * more ordinals per item, the bit per ordinal is set exactly for the ordinals the binary search finds.
     */
    public void testResolvedIdsTableOfEveryOrdinalAgreesWithTheBinarySearch() {
        int valueCount = randomBoolean() ? between(1, 2000) : between(1, 200_000);
        int found = between(1, valueCount);
        long[] ords = randomUniqueSortedOrds(valueCount, found);
        long[] packed = new long[found];
        for (int k = 0; k < found; k++) {
            packed[k] = (ords[k] << 32) | between(0, 5000);
        }
        ShardSignals.ResolvedIds resolved = ShardSignals.ResolvedIds.unpack(packed, valueCount);
        boolean dense = valueCount <= (long) ShardSignals.DENSE_ORDS_PER_ITEM * found;
        assertEquals(dense, resolved.itemOfOrd() != null);
        boolean named = dense == false && valueCount <= (long) ShardSignals.NAMED_ORDS_PER_ITEM * found;
        assertEquals(named, resolved.named() != null);
        for (int ord = 0; ord < valueCount; ord++) {
            int k = Arrays.binarySearch(resolved.ords(), ord);
            int bySearch = k < 0 ? -1 : resolved.items()[k];
            if (dense) {
                assertEquals("ordinal " + ord, bySearch, resolved.itemOfOrd()[ord]);
            }
            if (named) {
                assertEquals("ordinal " + ord, k >= 0, resolved.named().get(ord));
            }
        }
        // within what a shopper's entry counts for one segment
        assertTrue(resolved.bytes() <= ShardSignals.resolvedBudget(found));
        for (int k = 0; k < found; k++) {
            assertEquals((int) packed[k], resolved.items()[k]);
            assertEquals(packed[k] >>> 32, resolved.ords()[k]);
        }
    }

    /** Many distinct ids beside few items (a catalogue of unique products): no table, the binary search serves. */
    public void testNoTableWhenTheSegmentHasManyIdsPerItem() {
        long[] packed = {(5L << 32) | 1, (12L << 32) | 0};
        int most = 2 * ShardSignals.DENSE_ORDS_PER_ITEM;
        assertNull(ShardSignals.ResolvedIds.unpack(packed, most + 1).itemOfOrd());
        assertNull(ShardSignals.ResolvedIds.unpack(packed, 1_000_000).itemOfOrd());
        int[] table = ShardSignals.ResolvedIds.unpack(packed, most).itemOfOrd();
        assertNotNull(table);
        assertEquals(most, table.length);
        assertEquals(1, table[5]);
        assertEquals(0, table[12]);
        assertEquals(-1, table[6]);
    }

    /**
     * A shopper's resolved segments are kept within {@link ShardSignals#RESOLVED_BYTES_PER_ITEM} an item, what
     * {@link SignalsCache} counts for them: one segment's table of every ordinal's item fits, and segments past the
     * budget are not kept (their next pass resolves them again); the first kept stays.
     */
    public void testResolvedSegmentsKeptWithinWhatTheCacheCounts() {
        int items = 1000;
        String[] ids = new String[items];
        float[] scores = new float[items];
        for (int i = 0; i < items; i++) {
            ids[i] = "item-" + i;
        }
        ShardSignals signals = new ShardSignals(
                new PersonalizationSignals("sku", 1, ids, scores, scores, scores, null, null, java.util.Map.of()));
        long[] packed = new long[items];
        for (int k = 0; k < items; k++) {
            packed[k] = ((long) k << 32) | k;
        }
        // a dense segment: every ordinal's item (8 ordinals an item), the largest one segment may hold
        ShardSignals.ResolvedIds dense =
                ShardSignals.ResolvedIds.unpack(packed, (long) ShardSignals.DENSE_ORDS_PER_ITEM * items);
        assertNotNull(dense.itemOfOrd());
        assertTrue(dense.bytes() <= signals.resolvedBudget());
        Object first = new Object();
        signals.resolvedKeywordIds(first, dense);
        assertSame(dense, signals.resolvedKeywordIds(first));
        // another segment's pairs (8 bytes an item) no longer fit beside it
        Object second = new Object();
        signals.resolvedKeywordIds(second, ShardSignals.ResolvedIds.unpack(packed, 1_000_000));
        assertNull(signals.resolvedKeywordIds(second));
        assertSame(dense, signals.resolvedKeywordIds(first));
        // sparse segments only: as many as the budget holds (three or four, by the arrays' headers)
        ShardSignals sparse = new ShardSignals(
                new PersonalizationSignals("sku", 1, ids, scores, scores, scores, null, null, java.util.Map.of()));
        int kept = 0;
        for (int s = 0; s < 10; s++) {
            Object key = new Object();
            sparse.resolvedKeywordIds(key, ShardSignals.ResolvedIds.unpack(packed, 1_000_000));
            if (sparse.resolvedKeywordIds(key) != null) {
                kept++;
            }
        }
        long one = ShardSignals.ResolvedIds.unpack(packed, 1_000_000).bytes();
        assertEquals(sparse.resolvedBudget() / one, kept);
        assertThat(kept, org.hamcrest.Matchers.greaterThanOrEqualTo(3));
    }

    /** A cache entry's weight counts at least what its signals keep resolved, beside its own arrays. */
    public void testTheCachesWeightCoversTheResolvedBudget() {
        for (int items : new int[] {0, 1, 10, 1000}) {
            String[] ids = new String[items];
            float[] scores = new float[items];
            for (int i = 0; i < items; i++) {
                ids[i] = "item-" + i;
            }
            PersonalizationSignals signals =
                    new PersonalizationSignals("sku", 1, ids, scores, scores, scores, null, null, java.util.Map.of());
            long arrays = 12L * items + signals.utf8Ids().bytes().length + 4L * (items + 1);
            assertTrue(
                    items + " items",
                    SignalsCache.weight(signals) >= signals.shardSignals().resolvedBudget() + arrays);
        }
    }

    /** Many ids per item, as many documents per product id: a bit per ordinal, within the budget at the most ids. */
    public void testBitPerOrdinalWithinTheBudget() {
        long[] packed = {(5L << 32) | 1, (12L << 32) | 0};
        int most = 2 * ShardSignals.NAMED_ORDS_PER_ITEM;
        ShardSignals.ResolvedIds resolved = ShardSignals.ResolvedIds.unpack(packed, most);
        assertNull(resolved.itemOfOrd());
        assertNotNull(resolved.named());
        assertTrue(resolved.bytes() <= ShardSignals.resolvedBudget(2));
        assertEquals(2, resolved.named().cardinality());
        assertNull(ShardSignals.ResolvedIds.unpack(packed, most + 1).named());
    }

    private static long[] randomUniqueSortedOrds(int valueCount, int n) {
        int[] all = new int[valueCount];
        for (int i = 0; i < valueCount; i++) {
            all[i] = i;
        }
        for (int i = valueCount - 1; i > 0; i--) {
            int j = between(0, i);
            int t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        long[] chosen = new long[n];
        for (int i = 0; i < n; i++) {
            chosen[i] = all[i];
        }
        Arrays.sort(chosen);
        return chosen;
    }
}
