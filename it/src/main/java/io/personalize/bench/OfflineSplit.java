package io.personalize.bench;

import io.personalize.it.OnlineRetail;
import io.personalize.training.StratifiedSplit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The evaluation protocols of {@code _evaluate}, reproduced in the bench's JVM on the Online Retail purchases, so that
 * the bench can choose parameters on validation splits (never the test split) and compute its own references (an
 * exact dense EASE) on exactly the split the node uses: train events, and each judged user's truth. {@code byTime}:
 * protocol time, whose lists leave out the user's kept history only, as the node's do (see {@link OfflineEvaluator}).
 */
record OfflineSplit(
        String name,
        List<OnlineRetail.Purchase> train,
        Map<String, Set<String>> truth,
        long anchorMillis,
        boolean byTime) {

    /** Protocol time: train before {@code split}, judge the new items of [split, end). */
    static OfflineSplit time(List<OnlineRetail.Purchase> purchases, long split, long end, String name) {
        List<OnlineRetail.Purchase> train = new ArrayList<>();
        Map<String, Set<String>> known = new HashMap<>();
        for (OnlineRetail.Purchase p : purchases) {
            if (p.time() < split) {
                train.add(p);
                known.computeIfAbsent(p.user(), k -> new HashSet<>()).add(p.sku());
            }
        }
        Map<String, Set<String>> truth = new TreeMap<>();
        for (OnlineRetail.Purchase p : purchases) {
            Set<String> k = known.get(p.user());
            if (p.time() >= split && p.time() < end && k != null && k.contains(p.sku()) == false) {
                truth.computeIfAbsent(p.user(), x -> new HashSet<>()).add(p.sku());
            }
        }
        return new OfflineSplit(name, train, truth, split, true);
    }

    /** Protocol stratified: each user's distinct items split by {@link StratifiedSplit}, as the plugin splits them. */
    static OfflineSplit stratified(List<OnlineRetail.Purchase> purchases, double fraction, long seed, String name) {
        StratifiedSplit draw = new StratifiedSplit(fraction, seed);
        Map<String, Set<String>> items = new TreeMap<>();
        for (OnlineRetail.Purchase p : purchases) {
            items.computeIfAbsent(p.user(), k -> new java.util.TreeSet<>()).add(p.sku());
        }
        Map<String, Set<String>> heldOut = new TreeMap<>();
        for (Map.Entry<String, Set<String>> e : items.entrySet()) {
            List<String> list = new ArrayList<>(e.getValue());
            long[] keys = new long[list.size()];
            for (int x = 0; x < keys.length; x++) {
                keys[x] = draw.key(e.getKey(), list.get(x));
            }
            boolean[] out = draw.heldOut(keys);
            for (int x = 0; x < keys.length; x++) {
                if (out[x]) {
                    heldOut.computeIfAbsent(e.getKey(), k -> new HashSet<>()).add(list.get(x));
                }
            }
        }
        List<OnlineRetail.Purchase> train = new ArrayList<>();
        long newest = Long.MIN_VALUE;
        for (OnlineRetail.Purchase p : purchases) {
            Set<String> out = heldOut.get(p.user());
            if (out == null || out.contains(p.sku()) == false) {
                train.add(p);
                newest = Math.max(newest, p.time());
            }
        }
        return new OfflineSplit(name, train, heldOut, newest, false);
    }
}
