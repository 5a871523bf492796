package io.personalize.serving;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Which products a "for you" shelf's content term may bring: products the model does not know, that enough of the
 * shopper's items lead to, and, when the catalogue dates its products ({@code catalog.created_field}), only those created
 * after the events the serving version was built from. A model does not know every product: the training has an item
 * for each product of its events, so an old product no known shopper bought (on Online Retail, 256 of the 3,958
 * products with a title at the test split: sold to anonymous customers only, and 36 never sold) is as unknown as a
 * product created yesterday, yet the shop could have had events for it, and had none: it is not new. The date tells
 * the two apart; without it every product the model does not know counts, as before.
 */
public final class NewProducts {

    private NewProducts() {}

    /**
     * The time after which a product is new to a version (epoch milliseconds): its newest event, as the training or the
     * import recorded it, but not after its build began (an event stamped in the future does not make today's products
     * old); when the newest event is not known (an import without {@code newest_event}), when its build began.
     */
    public static long eventsCutoff(long newestEvent, long builtFrom) {
        if (newestEvent <= 0) {
            return builtFrom;
        }
        return builtFrom > 0 ? Math.min(newestEvent, builtFrom) : newestEvent;
    }

    /**
     * Of the items the shopper's items reach, those the content term may score before any date is known: not known to
     * the model, on at least the support's count of the shopper's neighbour lists (not in {@code unsupported}), not
     * excluded; in the order reached.
     */
    public static Set<String> unknownAndSupported(
            Collection<String> reached, Set<String> known, Set<String> unsupported, Set<String> excluded) {
        Set<String> out = new LinkedHashSet<>();
        for (String item : reached) {
            if (known.contains(item) == false
                    && unsupported.contains(item) == false
                    && excluded.contains(item) == false) {
                out.add(item);
            }
        }
        return out;
    }

    /** The items reached that get no content term: all but {@code scored}. */
    public static Set<String> skipped(Collection<String> reached, Set<String> scored) {
        Set<String> out = new LinkedHashSet<>(reached);
        out.removeAll(scored);
        return out;
    }
}
