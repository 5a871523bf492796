package io.personalize.profile;

/**
 * An item whose neighbours count for a request: one the shopper has in context (a cart, the page viewed), viewed or
 * bought recently (from the events index, in real time, with the time of their newest event on it), or has in their
 * stored history.
 */
public record SourceItem(String item, Origin origin, long time) {

    /** An item without a known time (context and stored history). */
    public SourceItem(String item, Origin origin) {
        this(item, origin, 0L);
    }

    public enum Origin {
        CONTEXT,
        RECENT,
        HISTORY
    }
}
