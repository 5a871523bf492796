package io.personalize.serving;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/** An item's neighbours (JSON {@code neighbors}), best first, with their scores and the item's own popularity. */
public record NeighborList(String item, List<String> neighbors, float[] scores, float popularity)
        implements ModelDocument {

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
