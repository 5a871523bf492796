package io.personalize.training;

import java.nio.charset.StandardCharsets;

/**
 * The stratified random split of offline evaluation (the protocol of the Microsoft Recommenders benchmarks): each
 * user's distinct items are split at random, a {@code fraction} of them (rounded, at least one item always left to
 * train on) held out as the user's test items, every event of a held-out (user, item) with it. The draw depends only
 * on the seed and the ids' text, never on the order events arrive or on how ids are numbered, so that anyone can
 * reproduce the split from the same events ({@link #key}: within a user, the items with the smallest keys are held
 * out).
 */
public final class StratifiedSplit {

    private final double fraction;
    private final long seed;

    /**
     * @param fraction share of each user's items held out, in (0, 1)
     * @param seed the draw's seed
     */
    public StratifiedSplit(double fraction, long seed) {
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException("fraction must be in (0, 1)");
        }
        this.fraction = fraction;
        this.seed = seed;
    }

    /** How many of a user's {@code items} distinct items are held out. */
    public int heldOut(int items) {
        if (items < 2) {
            return 0;
        }
        return (int) Math.min(items - 1, Math.round(fraction * items));
    }

    /** The (user, item) pair's draw: within a user, the items with the smallest keys are held out. */
    public long key(String user, String item) {
        long h = mix(seed ^ 0x9E3779B97F4A7C15L);
        h = hash(h, user.getBytes(StandardCharsets.UTF_8));
        h = mix(h ^ 0x5DEECE66DL);
        return hash(h, item.getBytes(StandardCharsets.UTF_8));
    }

    private static long hash(long h, byte[] bytes) {
        for (byte b : bytes) {
            h = mix(h ^ (b & 0xff));
        }
        return mix(h ^ bytes.length);
    }

    // the finaliser of SplitMix64: every input bit affects every output bit
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Which of one user's distinct items are held out.
     *
     * @param keys the user's items' {@link #key}s
     * @return true at the positions held out
     */
    public boolean[] heldOut(long[] keys) {
        int n = keys.length;
        boolean[] out = new boolean[n];
        int take = heldOut(n);
        if (take == 0) {
            return out;
        }
        long[] sorted = keys.clone();
        java.util.Arrays.sort(sorted);
        long cut = sorted[take - 1];
        int taken = 0;
        for (int x = 0; x < n && taken < take; x++) {
            if (keys[x] <= cut) {
                out[x] = true;
                taken++;
            }
        }
        return out;
    }

    public double fraction() {
        return fraction;
    }

    public long seed() {
        return seed;
    }
}
