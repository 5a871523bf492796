package io.personalize.model;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import java.time.Instant;
import org.elasticsearch.test.ESTestCase;

public class EventRulesTests extends ESTestCase {

    private static final long NOW = Instant.parse("2026-11-29T12:00:00Z").toEpochMilli();
    private static final long DAY = 86_400_000L;
    private final EventRules rules = new EventRules(NOW);

    private EventRules.Reason check(String user, String item, long time) {
        return rules.check(user, item, 5.0, time, 1.0);
    }

    public void testAGoodEventIsUsed() {
        assertThat(
                check("17850", "85123A", Instant.parse("2011-06-01T00:00:00Z").toEpochMilli()), nullValue());
        assertThat("a clock a few hours ahead is tolerated", check("u", "i", NOW + DAY / 2), nullValue());
        assertThat(check("u", "i", NOW + DAY), nullValue());
    }

    public void testMissingFieldsAndTypesWithoutWeight() {
        assertThat(check(null, "i", NOW), equalTo(EventRules.Reason.MISSING_FIELD));
        assertThat(check("u", null, NOW), equalTo(EventRules.Reason.MISSING_FIELD));
        assertThat(check("u", "i", Long.MIN_VALUE), equalTo(EventRules.Reason.MISSING_FIELD));
        assertThat(rules.check("u", "i", null, NOW, 1.0), equalTo(EventRules.Reason.MISSING_FIELD));
    }

    public void testEmptyIds() {
        assertThat(check("", "i", NOW), equalTo(EventRules.Reason.EMPTY_ID));
        assertThat(check("u", "", NOW), equalTo(EventRules.Reason.EMPTY_ID));
    }

    public void testIdsLongerThanADocumentIdCanHoldAreCountedInBytes() {
        // a model document's id is "u:" or "i:" and the id: Elasticsearch's _id holds 512 bytes
        assertThat(check("x".repeat(510), "i", NOW), nullValue());
        assertThat(check("x".repeat(511), "i", NOW), equalTo(EventRules.Reason.ID_TOO_LONG));
        assertThat(check("u", "x".repeat(600), NOW), equalTo(EventRules.Reason.ID_TOO_LONG));
        // 255 two-byte characters fit, 256 do not
        assertThat(check("é".repeat(255), "i", NOW), nullValue());
        assertThat(check("é".repeat(256), "i", NOW), equalTo(EventRules.Reason.ID_TOO_LONG));
        assertThat(check("u", "😀".repeat(127), NOW), nullValue());
        assertThat(check("u", "😀".repeat(127) + "ab", NOW), nullValue());
        assertThat(check("u", "😀".repeat(127) + "abc", NOW), equalTo(EventRules.Reason.ID_TOO_LONG));
    }

    public void testDatesInTheFutureOrACenturyAgo() {
        assertThat(check("u", "i", NOW + DAY + 1), equalTo(EventRules.Reason.IN_THE_FUTURE));
        assertThat(
                check("u", "i", Instant.parse("2030-06-01T00:00:00Z").toEpochMilli()),
                equalTo(EventRules.Reason.IN_THE_FUTURE));
        assertThat(
                check("u", "i", Instant.parse("2090-01-01T00:00:00Z").toEpochMilli()),
                equalTo(EventRules.Reason.IN_THE_FUTURE));
        assertThat(
                check("u", "i", Instant.parse("1900-01-01T00:00:00Z").toEpochMilli()),
                equalTo(EventRules.Reason.TOO_OLD));
        assertThat(check("u", "i", Instant.parse("1977-01-01T00:00:00Z").toEpochMilli()), nullValue());
        assertThat(
                check("u", "i", Instant.parse("1976-01-01T00:00:00Z").toEpochMilli()),
                equalTo(EventRules.Reason.TOO_OLD));
    }

    public void testUsedEventsSpanLessThanWhatTrainingCanHold() {
        // the training keeps times as int seconds apart: less than 68 years between the oldest and the newest
        long span = (NOW + EventRules.FUTURE_TOLERANCE_MILLIS) - (NOW - EventRules.MAX_AGE_MILLIS);
        assertTrue(span / 1000 < Integer.MAX_VALUE);
    }

    public void testValuesThatMakeNoWeight() {
        assertThat(rules.check("u", "i", 5.0, NOW, 0), equalTo(EventRules.Reason.BAD_VALUE));
        assertThat(rules.check("u", "i", 5.0, NOW, -2), equalTo(EventRules.Reason.BAD_VALUE));
        assertThat(rules.check("u", "i", 5.0, NOW, Double.NaN), equalTo(EventRules.Reason.BAD_VALUE));
        assertThat(rules.check("u", "i", 5.0, NOW, 1e300), equalTo(EventRules.Reason.BAD_VALUE));
        assertThat(rules.check("u", "i", 5.0, NOW, 1e-300), equalTo(EventRules.Reason.BAD_VALUE));
        assertThat(rules.check("u", "i", 5.0, NOW, 3), nullValue());
    }

    public void testDecayIsAnchoredOnTheNewestEventButNeverAfterNow() {
        long in2011 = Instant.parse("2011-12-09T12:50:00Z").toEpochMilli();
        assertThat(
                "old but valid data keeps its newest events at full weight",
                EventRules.decayAnchorMillis(in2011, NOW),
                equalTo(in2011));
        assertThat(
                "an event within the tolerance does not move the anchor past now",
                EventRules.decayAnchorMillis(NOW + DAY / 2, NOW),
                equalTo(NOW));
    }
}
