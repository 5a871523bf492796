package io.personalize.rescore;

import java.util.Locale;

/**
 * How the first-pass (BM25) score is put on the scale of the personalization signals, which lie in [0, 1].
 * {@code minmax} and the window are per shard: with several shards a hit's normalised score depends on its shard's
 * window, so prefer {@code log} (or a single shard) when exact cross-shard comparability matters.
 */
public enum QueryNormalization {
    /** (score - min) / (max - min) over the shard's window; 1 when all scores are equal. */
    MINMAX,
    /** ln(1 + score): compresses large BM25 scores, the same on every shard. */
    LOG,
    /** The score as it is. */
    NONE;

    public static QueryNormalization parse(String value) {
        try {
            return valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "[query_normalization] must be one of [minmax, log, none], got [" + value + "]");
        }
    }

    public float apply(float score, float min, float max) {
        return switch (this) {
            case MINMAX -> max > min ? (score - min) / (max - min) : 1f;
            case LOG -> log1p(Math.max(0f, score));
            case NONE -> score;
        };
    }

    /**
     * ln(1 + x) of a float: {@code Math.log} of the double {@code 1 + x} is a JIT intrinsic where {@code Math.log1p}
     * (StrictMath's) is not, and it is called for every hit of a window and every match of the query form; {@code 1 + x}
     * is exact in a double for any float x from 2^-29 on, so the float result is log1p's but in rare last-bit
     * roundings. Below that, log1p itself (BM25 scores are far above it).
     */
    static float log1p(float x) {
        return x >= 0x1p-29f ? (float) Math.log(1.0 + x) : (float) Math.log1p(x);
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
