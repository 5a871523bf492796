package io.personalize.rescore;

import java.util.Arrays;
import org.elasticsearch.test.ESTestCase;

public class ShardSignalsTests extends ESTestCase {

    /** The table of every ordinal's item names the item the binary search finds, and -1 for every other ordinal. */
    public void testResolvedIdsTableOfEveryOrdinalAgreesWithTheBinarySearch() {
        int valueCount = between(1, 2000);
        int found = between(1, valueCount);
        long[] ords = randomUniqueSortedOrds(valueCount, found);
        long[] packed = new long[found];
        for (int k = 0; k < found; k++) {
            packed[k] = (ords[k] << 32) | between(0, 5000);
        }
        ShardSignals.ResolvedIds resolved = ShardSignals.ResolvedIds.unpack(packed, valueCount);
        boolean dense = valueCount <= (long) ShardSignals.DENSE_ORDS_PER_ITEM * found;
        assertEquals(dense, resolved.itemOfOrd() != null);
        for (int ord = 0; ord < valueCount; ord++) {
            int k = Arrays.binarySearch(resolved.ords(), ord);
            int bySearch = k < 0 ? -1 : resolved.items()[k];
            if (dense) {
                assertEquals("ordinal " + ord, bySearch, resolved.itemOfOrd()[ord]);
            }
        }
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
