package io.personalize.serving;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The items of one model version numbered 0, 1, 2... (slots) in the order a node first parses them, shared by every
 * request the version serves: a neighbour list parsed for the version carries its items' slots
 * ({@link #numbered(NeighborList)}), so that summing a shopper's lists ({@link NeighborSums}) indexes arrays by slot
 * instead of hashing an id per neighbour (that hashing was 11-12% of a warm shelf's CPU). A version's documents never
 * change, so a slot never does; slots mean nothing outside their numbering, which is why a list keeps the numbering
 * that gave its slots and the sums use slots only when every list of a request has the same one.
 *
 * <p>Thread-safe. At most {@code capacity} items: a list with an item past that is left without slots (it is summed by
 * hashing its ids, as before), so the numbering's memory is bounded whatever the catalogue.
 */
public final class ItemNumbering {

    /** Scratch kept per numbering for requests to reuse: about as many as requests run at once on a node. */
    private static final int POOLED = 8;

    private final ConcurrentHashMap<String, Integer> slots = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();
    private final int capacity;
    private final ConcurrentLinkedQueue<Scratch> pool = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pooled = new AtomicInteger();

    public ItemNumbering(int capacity) {
        this.capacity = capacity;
    }

    /** How many items are numbered: every slot given so far is below it. */
    public int size() {
        return size.get();
    }

    /**
     * How many items are numbered and visible to {@link #slotOf}: an item numbered after this is read counts in a later
     * read (the map counts an entry after it is in), which is what a memo of {@link #slotOf}'s answers is checked by
     * ({@link NumberedItems}). Not {@link #size}: that counter moves before the new entry is in the map.
     */
    long published() {
        return slots.mappingCount();
    }

    /** The item's slot, or -1 when it has none (yet). */
    public int slotOf(String item) {
        Integer slot = slots.get(item);
        return slot == null ? -1 : slot;
    }

    /** The item's slot, numbering it now when new; -1 when the numbering is full. */
    public int slot(String item) {
        Integer slot = slots.get(item);
        if (slot != null) {
            return slot;
        }
        if (size.get() >= capacity) {
            return -1;
        }
        // the counter moves only for a new key: slots stay dense
        return slots.computeIfAbsent(item, absent -> size.getAndIncrement());
    }

    /** The list with its items' slots in this numbering, or the list as it is when the numbering is full. */
    public NeighborList numbered(NeighborList list) {
        int own = slot(list.item());
        int[] numbered = slots(list.neighbors());
        return own < 0 || numbered == null ? list : list.withSlots(new NeighborList.Slots(this, own, numbered));
    }

    /** The items' slots (numbering the new ones), or null when the numbering is full before the last. */
    private int[] slots(List<String> items) {
        int[] slots = new int[items.size()];
        for (int p = 0; p < slots.length; p++) {
            slots[p] = slot(items.get(p));
            if (slots[p] < 0) {
                return null;
            }
        }
        return slots;
    }

    /** A popular list's scores by slot (0 for an item not on it; a repeated item's last score), for one list. */
    private record PopularBySlot(List<String> items, float[] scores) {}

    private volatile PopularBySlot popular;

    /**
     * The popular list's score of each slot's item (a repeated item's last score, 0 off the list; a slot at or past the
     * array's end is off the list), or null when the list has an item this numbering cannot number. Kept for the last
     * list asked about: a version has one popular list, the same cached document request after request.
     */
    float[] popularity(PopularList list) {
        PopularBySlot known = popular;
        if (known != null && known.items() == list.items()) {
            return known.scores();
        }
        List<String> items = list.items();
        int[] at = slots(items);
        if (at == null) {
            return null;
        }
        float[] scores = new float[size()];
        for (int r = 0; r < at.length; r++) {
            scores[at[r]] = list.scores()[r];
        }
        popular = new PopularBySlot(items, scores);
        return scores;
    }

    /**
     * Per-request arrays indexed by slot, marked by a stamp so that nothing is cleared between requests; one request
     * uses one at a time ({@link #borrow}, {@link #release}).
     */
    static final class Scratch {
        int[] mark = new int[0];
        int[] candidate = new int[0];
        int stamp;

        /** A new stamp for a request over slots below {@code slots}: no slot is marked with it yet. */
        int next(int slots) {
            if (mark.length < slots) {
                int length = Math.max(slots, mark.length + (mark.length >> 1));
                mark = new int[length];
                candidate = new int[length];
                stamp = 0;
            }
            if (stamp == Integer.MAX_VALUE) {
                Arrays.fill(mark, 0);
                stamp = 0;
            }
            return ++stamp;
        }
    }

    Scratch borrow() {
        Scratch scratch = pool.poll();
        if (scratch == null) {
            return new Scratch();
        }
        pooled.decrementAndGet();
        return scratch;
    }

    void release(Scratch scratch) {
        if (pooled.incrementAndGet() <= POOLED) {
            pool.offer(scratch);
        } else {
            pooled.decrementAndGet();
        }
    }
}
