package io.personalize.serving;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * An item's neighbours (JSON {@code neighbors}), best first, with their scores and the item's own popularity; and, once
 * a node has parsed it for a version, the slots of its items in the version's {@link ItemNumbering} (null otherwise:
 * not part of the document, nor of equality).
 */
public record NeighborList(String item, List<String> neighbors, float[] scores, float popularity, Slots slots)
        implements ModelDocument {

    /** The slots of a list's item and of its neighbours (aligned with {@link #neighbors}) in {@code numbering}. */
    public record Slots(ItemNumbering numbering, int item, int[] neighbors) {}

    public NeighborList(String item, List<String> neighbors, float[] scores, float popularity) {
        this(item, neighbors, scores, popularity, null);
    }

    /** This list with its items' slots. */
    NeighborList withSlots(Slots slots) {
        return new NeighborList(item, neighbors, scores, popularity, slots);
    }

    /** The slots of this list's items when it has them in {@code numbering}, else null. */
    int[] slotsIn(ItemNumbering numbering) {
        return slots != null && slots.numbering() == numbering ? slots.neighbors() : null;
    }

    public NeighborList {
        ModelDocument.requireId(item, "item");
        neighbors = ModelDocument.copy(neighbors);
        scores = scores == null ? new float[0] : scores;
        ModelDocument.sameLength(neighbors.size(), scores.length, "item [" + item + "]", "neighbors", "scores");
        ModelDocument.requireFinite(scores, "item [" + item + "] scores");
        ModelDocument.requireFinite(new float[] {popularity}, "item [" + item + "] popularity");
    }

    public int size() {
        return neighbors.size();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NeighborList other
                && item.equals(other.item)
                && neighbors.equals(other.neighbors)
                && Arrays.equals(scores, other.scores)
                && Float.compare(popularity, other.popularity) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(item, neighbors, Arrays.hashCode(scores), popularity);
    }
}
