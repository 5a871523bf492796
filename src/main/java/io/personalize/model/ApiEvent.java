package io.personalize.model;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.lucene.util.UnicodeUtil;
import org.elasticsearch.common.time.DateFormatter;
import org.elasticsearch.common.time.DateFormatters;

/**
 * One event sent to {@code POST _recommend/models/{m}/_events}, checked against the model's event schema: the user, the
 * item, the type and the time under the model's field names, the value when the model has a value field. The rules are
 * the training's ({@link EventRules}): an event the API accepts is an event the next training uses. A bad event is an
 * {@link IllegalArgumentException} naming the field, which the API answers as that event's 400.
 *
 * <p>{@code id} is the event's own {@code _id}, when the client gives one ({@link #ID_FIELD}): the events index's
 * document id, so that the same event sent again is the same document (a create that answers 409), not a second one.
 */
public record ApiEvent(
        String id, String user, String item, String type, long timeMillis, Map<String, Object> document) {

    /**
     * The key of an event that names its document id, as {@code _bulk}'s action line does: it cannot be a field of the
     * document (Elasticsearch refuses {@code _id} in a source), so it never clashes with the shop's fields.
     */
    public static final String ID_FIELD = "_id";

    /** Elasticsearch's bound on a document id, checked here so that one event's id fails that event, not the bulk. */
    static final int MAX_DOCUMENT_ID_BYTES = 512;

    // what Elasticsearch's date field takes by default, plus epoch milliseconds as a number or a string
    private static final DateFormatter DATES = DateFormatter.forPattern("strict_date_optional_time||epoch_millis");

    /**
     * The event in {@code source} (the JSON object as sent), checked against {@code events} at {@code nowMillis}; the
     * document to index is the event as sent, other fields included (a session, a page: the events index is the
     * shop's).
     */
    public static ApiEvent parse(Map<String, Object> source, ModelConfig.Events events, long nowMillis) {
        String id = documentId(source);
        String user = id(source, events.userField());
        String item = id(source, events.itemField());
        Object typeValue = required(source, events.typeField());
        if (typeValue instanceof String == false) {
            throw new IllegalArgumentException(
                    "[" + events.typeField() + "] must be a string, got [" + typeValue + "]");
        }
        String type = (String) typeValue;
        Double weight = events.weights().get(type);
        if (weight == null) {
            throw new IllegalArgumentException(
                    "[" + events.typeField() + "] [" + type + "] is not one of the model's event types "
                            + new java.util.TreeSet<>(events.weights().keySet()));
        }
        Object timeValue = required(source, events.timeField());
        long time = millis(events.timeField(), timeValue);
        double value = 1;
        if (events.valueField() != null && source.containsKey(events.valueField())) {
            Object v = source.get(events.valueField());
            if (v instanceof Number number) {
                value = number.doubleValue();
            } else {
                throw new IllegalArgumentException(
                        "[" + events.valueField() + "] must be a positive number, got [" + v + "]");
            }
        }
        // the rules read the earliest long as "no time": sent, it is a time too old
        EventRules.Reason reason = time == Long.MIN_VALUE
                ? EventRules.Reason.TOO_OLD
                : new EventRules(nowMillis).check(user, item, weight, time, value);
        if (reason != null) {
            throw new IllegalArgumentException(describe(reason, events, time, value));
        }
        Map<String, Object> document = new LinkedHashMap<>(source);
        document.remove(ID_FIELD);
        return new ApiEvent(id, user, item, type, time, document);
    }

    /** The event's {@code _id}, or null when it has none (the events index then generates one). */
    private static String documentId(Map<String, Object> source) {
        if (source.containsKey(ID_FIELD) == false) {
            return null;
        }
        if (source.get(ID_FIELD) instanceof String id && id.isEmpty() == false) {
            requireValidUnicode(ID_FIELD, id);
            if (UnicodeUtil.calcUTF16toUTF8Length(id, 0, id.length()) > MAX_DOCUMENT_ID_BYTES) {
                throw new IllegalArgumentException(
                        "[" + ID_FIELD + "] must be at most " + MAX_DOCUMENT_ID_BYTES + " bytes");
            }
            return id;
        }
        throw new IllegalArgumentException(
                "[" + ID_FIELD + "] must be a non-empty string, got [" + source.get(ID_FIELD) + "]");
    }

    private static Object required(Map<String, Object> source, String field) {
        Object value = source.get(field);
        if (value == null) {
            throw new IllegalArgumentException("[" + field + "] is missing");
        }
        return value;
    }

    /** An id: a string, or an integer (which the events index's keyword field keeps as its digits). */
    private static String id(Map<String, Object> source, String field) {
        Object value = required(source, field);
        if (value instanceof String s) {
            requireValidUnicode(field, s);
            return s;
        }
        if (value instanceof Integer || value instanceof Long) {
            return value.toString();
        }
        throw new IllegalArgumentException("[" + field + "] must be a string, got [" + value + "]");
    }

    /**
     * Refuses a string with half a surrogate pair (a JSON {@code \\ud800} escape can carry one): stored as UTF-8 it would
     * become U+FFFD, another id (another shopper's events and newest items, another event's document).
     */
    private static void requireValidUnicode(String field, String s) {
        int unpaired = unpairedSurrogate(s);
        if (unpaired >= 0) {
            throw new IllegalArgumentException(
                    "[" + field + "] is not valid Unicode: an unpaired surrogate at [" + unpaired + "]");
        }
    }

    /** The index of the first char of {@code s} that is a surrogate without its pair, or -1. */
    private static int unpairedSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }

    private static long millis(String field, Object value) {
        if (value instanceof Integer || value instanceof Long) {
            return ((Number) value).longValue();
        }
        if (value instanceof String s) {
            try {
                return DateFormatters.from(DATES.parse(s)).toInstant().toEpochMilli();
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(
                        "[" + field + "] must be a date (ISO 8601 or epoch milliseconds), got [" + s + "]");
            }
        }
        throw new IllegalArgumentException(
                "[" + field + "] must be a date (ISO 8601 or epoch milliseconds), got [" + value + "]");
    }

    private static String describe(EventRules.Reason reason, ModelConfig.Events events, long time, double value) {
        return switch (reason) {
            case MISSING_FIELD -> "a field of the event is missing";
            case EMPTY_ID -> "[" + events.userField() + "] and [" + events.itemField() + "] must not be empty";
            case ID_TOO_LONG ->
                "[" + events.userField() + "] and [" + events.itemField() + "] must be at most "
                        + EventRules.MAX_ID_BYTES + " bytes";
            case IN_THE_FUTURE ->
                "[" + events.timeField() + "] is more than a day in the future [" + DATES.formatMillis(time) + "]";
            case TOO_OLD -> "[" + events.timeField() + "] is more than 50 years ago [" + DATES.formatMillis(time) + "]";
            case BAD_VALUE ->
                "[" + events.valueField() + "] must be a positive number, got ["
                        + String.format(Locale.ROOT, "%s", value) + "]";
        };
    }
}
