package io.personalize.profile;

/**
 * An item whose neighbours count for a request: one the shopper has in context (a cart, the page viewed), viewed or
 * bought recently (from the events index, in real time), or has in their stored history.
 */
public record SourceItem(String item, Origin origin) {

    public enum Origin {
        CONTEXT,
        RECENT,
        HISTORY
    }
}
