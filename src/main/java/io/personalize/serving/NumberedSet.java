package io.personalize.serving;

import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * A read-only set of item ids made of parts ({@link NumberedItems}) whose slots in a numbering are memoized with the
 * documents they come from: asked by id like any set, and by slot by {@link NeighborSums#reached}, which then marks the
 * excluded candidates without hashing an id. The parts hold exactly the set's ids (an id may be in several).
 */
public final class NumberedSet extends AbstractSet<String> {

    private final Set<String> ids;
    private final List<NumberedItems> parts;

    /** {@code ids}, whose items are exactly those of {@code parts}. */
    public NumberedSet(Set<String> ids, List<NumberedItems> parts) {
        this.ids = ids;
        this.parts = parts;
    }

    /**
     * {@code ids} with the parts of {@code set} when it has some, and {@code more}: the ids must be exactly those of
     * {@code set} and {@code more}. A plain set otherwise.
     */
    public static Set<String> with(Set<String> ids, Set<String> set, List<NumberedItems> more) {
        if (set instanceof NumberedSet numbered && ids == set && more.isEmpty()) {
            return numbered;
        }
        if (set instanceof NumberedSet numbered) {
            List<NumberedItems> parts = new ArrayList<>(numbered.parts.size() + more.size());
            parts.addAll(numbered.parts);
            parts.addAll(more);
            return new NumberedSet(ids, parts);
        }
        return Collections.unmodifiableSet(ids);
    }

    List<NumberedItems> parts() {
        return parts;
    }

    @Override
    public boolean contains(Object o) {
        return ids.contains(o);
    }

    @Override
    public int size() {
        return ids.size();
    }

    @Override
    public Iterator<String> iterator() {
        return Collections.unmodifiableSet(ids).iterator();
    }
}
