package io.personalize.model;

import io.personalize.recommend.Reason;
import java.util.Locale;
import org.apache.lucene.util.UnicodeUtil;

/**
 * Which events a training uses. A bad event is skipped and counted ({@link SkippedEvents}), never fatal: one wrong
 * date or id in a shop's events must not fail a training or wipe out the model.
 * <ul>
 *   <li>a user or item id must be non-empty and at most {@link #MAX_ID_BYTES} bytes in UTF-8: both become parts of
 *       document ids ({@code u:<user>}, {@code i:<item>}), and Elasticsearch's {@code _id} is at most 512 bytes;</li>
 *   <li>an event dated more than {@link #FUTURE_TOLERANCE_MILLIS} (one day, for clocks and time zones) after the
 *       training started is "in the future": time decay is measured back from the newest event, so a single
 *       future-dated event would make every real event look years old and decay every weight to zero;</li>
 *   <li>an event dated more than {@link #MAX_AGE_MILLIS} (50 years) before the training started is "too old": a year
 *       1900 is a missing date, not a purchase, and the training keeps event times in a span of less than 68 years.</li>
 * </ul>
 * Time decay is then anchored on the newest used event, never later than the training's start: old but valid data
 * (a 2011 data set trained today) keeps its newest events at full weight rather than decaying all of them away.
 */
public final class EventRules {

    /** Why an event was skipped; the names are those of the status. */
    public enum Reason {
        /** No user, item or time, or a type without a weight. */
        MISSING_FIELD,
        /** The value field is missing, zero, negative or not a number. */
        BAD_VALUE,
        EMPTY_ID,
        ID_TOO_LONG,
        IN_THE_FUTURE,
        TOO_OLD;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Elasticsearch's {@code _id} limit (512 bytes) less the two-byte prefix of model documents ({@code u:}, {@code i:}). */
    public static final int MAX_ID_BYTES = ModelDocuments.MAX_ID_BYTES;

    public static final long FUTURE_TOLERANCE_MILLIS = 86_400_000L;
    public static final long MAX_AGE_MILLIS = 50L * 36_525 * 86_400_000L / 100; // 50 years of 365.25 days

    private final long newestAllowed;
    private final long oldestAllowed;

    /** The rules of a training that started at {@code nowMillis}. */
    public EventRules(long nowMillis) {
        this.newestAllowed = nowMillis + FUTURE_TOLERANCE_MILLIS;
        this.oldestAllowed = nowMillis - MAX_AGE_MILLIS;
    }

    /**
     * Why the event is skipped, or null when it is used. {@code weight} is null for a type without a weight;
     * {@code time} is {@link Long#MIN_VALUE} when missing.
     */
    public Reason check(String user, String item, Double weight, long time, double value) {
        if (user == null || item == null || weight == null || time == Long.MIN_VALUE) {
            return Reason.MISSING_FIELD;
        }
        if (user.isEmpty() || item.isEmpty()) {
            return Reason.EMPTY_ID;
        }
        if (tooLong(user) || tooLong(item)) {
            return Reason.ID_TOO_LONG;
        }
        if (time > newestAllowed) {
            return Reason.IN_THE_FUTURE;
        }
        if (time < oldestAllowed) {
            return Reason.TOO_OLD;
        }
        // the training needs a finite positive float weight
        float product = (float) (weight * value);
        if ((product > 0) == false || Float.isInfinite(product)) {
            return Reason.BAD_VALUE;
        }
        return null;
    }

    /** Whether {@code id} is longer than {@link #MAX_ID_BYTES} in UTF-8 (counted without encoding it). */
    public static boolean tooLong(String id) {
        // a UTF-8 byte count is at least the char count and at most three times it
        if (id.length() <= MAX_ID_BYTES / 3) {
            return false;
        }
        return id.length() > MAX_ID_BYTES || UnicodeUtil.calcUTF16toUTF8Length(id, 0, id.length()) > MAX_ID_BYTES;
    }

    /** The time decay anchor: the newest used event, but never after the training started. */
    public static long decayAnchorMillis(long newestEventMillis, long nowMillis) {
        return Math.min(newestEventMillis, nowMillis);
    }
}
