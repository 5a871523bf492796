package io.personalize.model;

import java.util.HashMap;
import java.util.Map;
import org.elasticsearch.test.ESTestCase;

/** The events API's check of one event against the model's schema: every bad event is a 400 naming its field. */
public class ApiEventTests extends ESTestCase {

    private static final long NOW = 1_796_004_996_000L;
    private static final ModelConfig.Events SCHEMA =
            new ModelConfig.Events("events", "user_id", "sku", "type", "@timestamp", null, null, "quantity");

    private static Map<String, Object> event(Object... fields) {
        Map<String, Object> event = new HashMap<>();
        event.put("user_id", "u1");
        event.put("sku", "a");
        event.put("type", "view");
        event.put("@timestamp", NOW - 1000);
        for (int i = 0; i < fields.length; i += 2) {
            if (fields[i + 1] == null) {
                event.remove((String) fields[i]);
            } else {
                event.put((String) fields[i], fields[i + 1]);
            }
        }
        return event;
    }

    private static void assertBad(Map<String, Object> event, String reason) {
        IllegalArgumentException e =
                expectThrows(IllegalArgumentException.class, () -> ApiEvent.parse(event, SCHEMA, NOW));
        assertTrue(
                "[" + e.getMessage() + "] contains [" + reason + "]",
                e.getMessage().contains(reason));
    }

    public void testAGoodEvent() {
        ApiEvent event = ApiEvent.parse(event("quantity", 2), SCHEMA, NOW);
        assertEquals("u1", event.user());
        assertEquals("a", event.item());
        assertEquals("view", event.type());
        assertEquals(NOW - 1000, event.timeMillis());
        assertEquals(event("quantity", 2), event.document());
    }

    public void testOtherFieldsAreKeptAsSent() {
        assertEquals(
                "web",
                ApiEvent.parse(event("channel", "web"), SCHEMA, NOW).document().get("channel"));
    }

    public void testDatesAndNumericIds() {
        ApiEvent event = ApiEvent.parse(event("@timestamp", "2026-11-30T01:02:03Z", "user_id", 17850), SCHEMA, NOW);
        assertEquals("17850", event.user());
        assertEquals(1_796_000_523_000L, event.timeMillis());
        assertEquals(
                NOW - 5,
                ApiEvent.parse(event("@timestamp", Long.toString(NOW - 5)), SCHEMA, NOW)
                        .timeMillis());
    }

    public void testEachBadEventNamesItsField() {
        assertBad(event("user_id", null), "[user_id] is missing");
        assertBad(event("sku", null), "[sku] is missing");
        assertBad(event("type", null), "[type] is missing");
        assertBad(event("@timestamp", null), "[@timestamp] is missing");
        assertBad(event("user_id", Map.of("id", 1)), "[user_id] must be a string");
        assertBad(event("sku", 1.5), "[sku] must be a string");
        assertBad(event("type", 3), "[type] must be a string");
        assertBad(event("type", "like"), "[type] [like] is not one of the model's event types [cart, purchase, view]");
        assertBad(event("@timestamp", "yesterday"), "[@timestamp] must be a date");
        assertBad(event("@timestamp", true), "[@timestamp] must be a date");
        assertBad(event("@timestamp", NOW + 2 * 86_400_000L), "[@timestamp] is more than a day in the future");
        assertBad(event("@timestamp", 5), "[@timestamp] is more than 50 years ago");
        assertBad(event("quantity", "two"), "[quantity] must be a positive number");
        assertBad(event("quantity", -1), "[quantity] must be a positive number");
        assertBad(event("user_id", ""), "[user_id] and [sku] must not be empty");
        assertBad(event("sku", "x".repeat(600)), "must be at most");
    }

    /**
     * An id that is not valid Unicode (an unpaired surrogate, which JSON's {@code \\ud800} escape can carry) is stored
     * by the index as its UTF-8 bytes, with U+FFFD in the surrogate's place: {@code "a\\ud800b"} would be the shopper
     * {@code "a\\ufffdb"} (the same events, the same newest items), another's history under a name that is not theirs.
     * A 400 naming the field instead; paired surrogates (emoji) and U+FFFD itself are ids as any.
     */
    public void testIdsThatAreNotValidUnicodeAreRefused() {
        assertBad(event("user_id", "a\ud800b"), "[user_id] is not valid Unicode: an unpaired surrogate at [1]");
        assertBad(event("sku", "\udc00"), "[sku] is not valid Unicode: an unpaired surrogate at [0]");
        assertBad(event("sku", "ab\ud83d"), "[sku] is not valid Unicode: an unpaired surrogate at [2]");
        assertEquals(
                "a\ud83d\ude00b",
                ApiEvent.parse(event("user_id", "a\ud83d\ude00b"), SCHEMA, NOW).user());
        assertEquals(
                "a\ufffdb",
                ApiEvent.parse(event("user_id", "a\ufffdb"), SCHEMA, NOW).user());
    }

    /** The earliest time a long holds is a time too old, named as such (not "a field of the event is missing"). */
    public void testTheEarliestLongIsTooOldNotMissing() {
        assertBad(event("@timestamp", Long.MIN_VALUE), "[@timestamp] is more than 50 years ago");
        assertBad(event("@timestamp", Long.MAX_VALUE), "[@timestamp] is more than a day in the future");
    }

    /** An event's {@code _id} is its document id, not a field of the document (Elasticsearch refuses it in a source). */
    public void testTheEventsIdIsTheDocumentsNotAField() {
        ApiEvent event = ApiEvent.parse(event("_id", "order-17/line-2"), SCHEMA, NOW);
        assertEquals("order-17/line-2", event.id());
        assertFalse(event.document().containsKey("_id"));
        assertEquals(event(), event.document());
        assertNull(ApiEvent.parse(event(), SCHEMA, NOW).id());
    }

    /** A bad {@code _id} fails its event with a 400 naming it, not the whole bulk (as Elasticsearch's check would). */
    public void testABadIdNamesTheField() {
        assertBad(event("_id", ""), "[_id] must be a non-empty string, got []");
        assertBad(event("_id", 17), "[_id] must be a non-empty string, got [17]");
        assertBad(event("_id", "e\ud800"), "[_id] is not valid Unicode: an unpaired surrogate at [1]");
        assertBad(event("_id", "é".repeat(257)), "[_id] must be at most 512 bytes");
        assertEquals(
                "é".repeat(256),
                ApiEvent.parse(event("_id", "é".repeat(256)), SCHEMA, NOW).id());
    }
}
