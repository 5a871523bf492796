package io.personalize.rescore;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.lucene.tests.util.RamUsageTester;
import org.apache.lucene.util.RamUsageEstimator;
import org.elasticsearch.common.io.stream.BytesStreamOutput;
import org.elasticsearch.test.ESTestCase;

/**
 * What a shopper's entry of the signals cache really holds, measured by Lucene's {@link RamUsageTester} (which walks
 * every object the entry reaches) once the entry is used as a coordinating node with local shards uses it: shipped to
 * remote shards, its shard side built, a keyword id's items turned into several segments' ordinals up to their
 * ceiling. The cache's weight ({@link SignalsCache#weight}) must cover it, and not by much: an entry weighed too light
 * lets the cache outgrow its share of the heap, one weighed too heavy evicts shoppers for nothing.
 */
public class SignalsCacheWeightTests extends ESTestCase {

    /** Ids shaped like Online Retail's stock codes: five digits, a quarter of them with a letter ("85123A"). */
    private static String[] retailIds(int n) {
        String[] ids = new String[n];
        for (int i = 0; i < n; i++) {
            // new Strings: what the entry would hold alone if the serving cache dropped the neighbour lists
            ids[i] = new String((20000 + i * 7) + (i % 4 == 0 ? String.valueOf((char) ('A' + i % 3)) : ""));
        }
        return ids;
    }

    /** A shopper's signals as the node computes them (their ids as Strings), then as the cache keeps them. */
    private static PersonalizationSignals cached(int n, Map<String, Map<String, Float>> attributes) {
        float[] similarity = new float[n];
        float[] affinity = new float[n];
        float[] popularity = new float[n];
        for (int i = 0; i < n; i++) {
            similarity[i] = (i % 5) / 5f;
            affinity[i] = (i % 7) / 7f;
            popularity[i] = (i % 3) / 3f;
        }
        return new PersonalizationSignals(
                        "sku", 1, retailIds(n), similarity, affinity, popularity, null, null, attributes)
                .withoutNames();
    }

    /** Uses the signals as a coordinating node with local shards does: shipped, indexed, resolved to its ceiling. */
    private static int use(PersonalizationSignals signals) throws IOException {
        try (BytesStreamOutput remote = new BytesStreamOutput()) {
            signals.writeTo(remote); // to a remote shard
        }
        ShardSignals shard = signals.shardSignals();
        shard.utf8Ids();
        int n = signals.size();
        long[] packed = new long[n];
        for (int i = 0; i < n; i++) {
            packed[i] = ((long) (3 * i) << 32) | i;
        }
        // one segment with few distinct ids (a table of every ordinal's item), then sparse ones (too many ids for a bit
        // per ordinal: pairs only, which fill the budget most closely), until refused
        long sparse = Math.max(1_000_000, (long) ShardSignals.NAMED_ORDS_PER_ITEM * n + 1);
        shard.resolvedKeywordIds(new Object(), ShardSignals.ResolvedIds.unpack(packed, 4L * n));
        int segments = 1;
        while (segments < ShardSignals.MAX_RESOLVED_SEGMENTS) {
            Object segment = new Object();
            shard.resolvedKeywordIds(segment, ShardSignals.ResolvedIds.unpack(packed, sparse));
            if (shard.resolvedKeywordIds(segment) == null) {
                break;
            }
            segments++;
        }
        return segments;
    }

    public void testTheWeightCoversWhatAnEntryHoldsOnceUsed() throws IOException {
        for (int n : new int[] {0, 1, 10, 600, 1500, 5000}) {
            for (boolean withAttributes : new boolean[] {false, true}) {
                Map<String, Map<String, Float>> attributes = new HashMap<>();
                if (withAttributes) {
                    Map<String, Float> values = new HashMap<>();
                    for (int v = 0; v < 20; v++) {
                        values.put("category-" + v, v / 20f);
                    }
                    attributes.put("category", values);
                }
                PersonalizationSignals signals = cached(n, attributes);
                long weight = SignalsCache.weight(signals);
                use(signals);
                long held = RamUsageTester.ramUsed(signals);
                String what = n + " items, attributes " + withAttributes + ": held " + held + ", weight " + weight;
                assertTrue(what, held + SignalsCache.ENTRY_BYTES <= weight);
                // the only slack: a keyword id's resolutions weighed at their ceiling, which use() nearly fills
                assertTrue(what, weight <= held + SignalsCache.ENTRY_BYTES + 8L * n + 512);
            }
        }
    }

    /** The cache keeps no String per item: the ids as one array of UTF-8 bytes, with their starts. */
    public void testTheCachedCopyKeepsTheIdsAsBytesOnly() throws IOException {
        PersonalizationSignals signals = cached(600, Map.of());
        use(signals);
        long strings = RamUsageEstimator.sizeOf(retailIds(600));
        long held = RamUsageTester.ramUsed(signals);
        PersonalizationSignals computed = new PersonalizationSignals(
                "sku", 1, retailIds(600), new float[600], new float[600], new float[600], null, null, Map.of());
        use(computed);
        assertTrue(
                "held " + held + ", computed " + RamUsageTester.ramUsed(computed) + ", strings " + strings,
                RamUsageTester.ramUsed(computed) - held >= strings - 600 * 8);
        assertArrayEquals(retailIds(600), signals.items());
    }

    /**
     * Prints what an entry holds, by structure, per item ({@code -Dtests.verbose=true}): the weight at 600 items, about
     * a bench shopper's own items on Online Retail.
     */
    public void testPrintBytesPerItemByStructure() throws IOException {
        int n = 600;
        PersonalizationSignals signals = cached(n, Map.of());
        int segments = use(signals);
        ShardSignals shard = signals.shardSignals();
        PersonalizationSignals.Utf8Ids ids = signals.utf8Ids();
        List<String> rows = new ArrayList<>();
        rows.add(row("ids' UTF-8 bytes", RamUsageEstimator.sizeOf(ids.bytes()), n));
        rows.add(row("ids' starts", RamUsageEstimator.sizeOf(ids.start()), n));
        rows.add(row("similarity, affinity, popularity", 3 * RamUsageEstimator.sizeOf(new float[n]), n));
        rows.add(row("hash table's slots (" + IdTable.compactSlots(n) + ")", IdTable.compactBytes(n), n));
        rows.add(row("resolved ordinals (" + segments + " segments, ceiling)", shard.resolvedBudget(), n));
        long held = RamUsageTester.ramUsed(signals);
        rows.add(row("held in all (RamUsageTester)", held, n));
        rows.add(row("weight (SignalsCache.weight)", SignalsCache.weight(signals), n));
        if (VERBOSE) {
            rows.forEach(System.out::println);
        }
        assertTrue(SignalsCache.weight(signals) >= held);
    }

    private static String row(String what, long bytes, int items) {
        return String.format(Locale.ROOT, "%-45s %,9d bytes %7.1f an item", what, bytes, bytes / (double) items);
    }
}
