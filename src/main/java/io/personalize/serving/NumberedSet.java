package io.personalize.serving;

import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A read-only set of item ids made of parts ({@link NumberedItems}) whose slots in a numbering are memoized with the
 * documents they come from: asked by id like any set, and by slot by {@link NeighborSums#reached}, which then marks the
 * excluded candidates without hashing an id. The parts hold exactly the set's ids (an id may be in several).
 */
public final class NumberedSet extends AbstractSet<String> {

    private final Supplier<Set<String>> make;
    private volatile Set<String> ids;
    private final List<NumberedItems> parts;

    /**
     * The ids {@code make} gives (exactly those of {@code parts}), made when first asked by id: a request whose look-ups
     * all go by slot never hashes them into a set.
     */
    public NumberedSet(Supplier<Set<String>> make, List<NumberedItems> parts) {
        this.make = make;
        this.parts = parts;
    }

    private Set<String> ids() {
        Set<String> made = ids;
        if (made == null) {
            // threads racing here make the same set
            made = make.get();
            ids = made;
        }
        return made;
    }

    /** The set, read-only: as it is when it is a {@link NumberedSet} (which is), else an unmodifiable view. */
    public static Set<String> readOnly(Set<String> set) {
        return set instanceof NumberedSet ? set : Collections.unmodifiableSet(set);
    }

    /**
     * The union of {@code set} and {@code more} (made when first asked by id), with the parts of {@code set} when it has
     * some; else that union, made now.
     */
    public static Set<String> union(Set<String> set, List<String> more, NumberedItems moreNumbered) {
        Supplier<Set<String>> union = () -> {
            Set<String> ids = HashSet.newHashSet(set.size() + more.size());
            ids.addAll(more);
            ids.addAll(set);
            return ids;
        };
        if (set instanceof NumberedSet numbered) {
            List<NumberedItems> parts = new ArrayList<>(numbered.parts.size() + 1);
            parts.addAll(numbered.parts);
            parts.add(moreNumbered);
            return new NumberedSet(union, parts);
        }
        return union.get();
    }

    /**
     * {@code ids} with the parts of {@code set} when it has some, and {@code more}: the ids must be exactly those of
     * {@code set} and {@code more}. An unmodifiable view of {@code ids} otherwise.
     */
    public static Set<String> with(Set<String> ids, Set<String> set, List<NumberedItems> more) {
        if (set instanceof NumberedSet numbered) {
            List<NumberedItems> parts = new ArrayList<>(numbered.parts.size() + more.size());
            parts.addAll(numbered.parts);
            parts.addAll(more);
            return new NumberedSet(() -> ids, parts);
        }
        return Collections.unmodifiableSet(ids);
    }

    List<NumberedItems> parts() {
        return parts;
    }

    @Override
    public boolean contains(Object o) {
        return ids().contains(o);
    }

    @Override
    public int size() {
        return ids().size();
    }

    @Override
    public Iterator<String> iterator() {
        return Collections.unmodifiableSet(ids()).iterator();
    }
}
