package io.personalize.serving;

import java.util.List;
import java.util.function.IntFunction;

/**
 * The items of a document a node keeps parsed (a shopper's history or stored list, their newest items), with their
 * slots in the last {@link ItemNumbering} asked about: computed once and reused while neither the document nor the
 * numbering changes, so that a request excluding these items finds their candidates by slot
 * ({@link NeighborSums#reached}) instead of hashing each id (3.2% of a warm shelf's CPU, by JFR). Slots of one numbering
 * are never used with another: the memo keeps the numbering it was computed in.
 *
 * <p>Items are never numbered from here ({@link ItemNumbering#slotOf}, not {@code slot}): an item without a slot is one
 * no neighbour list of the version has reached, so it is no candidate of a request whose lists all have slots. The memo
 * holds while the numbering has numbered nothing since (an item numbered later could be one of these); a node's
 * numbering of a version stops growing once its lists are parsed.
 *
 * <p>Thread-safe without a lock, for many threads serving one shopper while the numbering grows and a new version (a new
 * numbering) activates. The memo is one immutable record (final fields) whose slots array is filled before the record
 * is written to the volatile field and never written after: a thread that reads the record sees the whole array (the
 * volatile write and read order them), never a half-built memo. A call reads the record once and takes the numbering,
 * its count and the slots from that one read, so it never pairs one numbering with another's slots. An item whose
 * {@code slot} call finished before this call began is in the memo returned: {@link ItemNumbering#published} counts an
 * entry only once it is in the map, so either the memo's look-ups saw it or the count moved past the memo's since and
 * the memo is made again. A race computes the memo twice, each right for its numbering; the last write stays. The
 * array returned is shared: callers only read it. A memo belongs to one document's own items (a profile, a newest-items
 * write): it goes with the document, so a forgotten shopper's document dropped from the caches takes its memo along.
 * {@code NumberedItemsTests} serves one memo from six threads while two numberings grow and the active one changes.
 * Memory: an {@code int} per item and a small record, once per kept document ({@link #BYTES_PER_ITEM}).
 */
public final class NumberedItems {

    /** What the memo costs a kept document, per item (its slot) and once (this object, the memo's record). */
    public static final long BYTES_PER_ITEM = Integer.BYTES;

    public static final long BYTES = 96;

    private final int size;
    private final IntFunction<String> item;

    private record Memo(ItemNumbering numbering, long published, int[] slots) {}

    private volatile Memo memo;

    /** {@code size} items, the {@code i}-th {@code item.apply(i)}. */
    public NumberedItems(int size, IntFunction<String> item) {
        this.size = size;
        this.item = item;
    }

    public static NumberedItems of(List<String> items) {
        return new NumberedItems(items.size(), items::get);
    }

    public int size() {
        return size;
    }

    /** The items' slots in {@code numbering}, aligned with them; -1 for an item it has not numbered. */
    public int[] slotsIn(ItemNumbering numbering) {
        Memo known = memo;
        if (known != null && known.numbering() == numbering && known.published() == numbering.published()) {
            return known.slots();
        }
        // read before the look-ups: an item numbered meanwhile counts in a later read, which then computes again
        long published = numbering.published();
        int[] slots = new int[size];
        for (int i = 0; i < size; i++) {
            slots[i] = numbering.slotOf(item.apply(i));
        }
        memo = new Memo(numbering, published, slots);
        return slots;
    }
}
