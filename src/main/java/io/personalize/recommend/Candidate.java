package io.personalize.recommend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/** An item on its way to a shelf: its score so far and the reasons behind it, largest first. */
public final class Candidate {

    /**
     * Best score first; ties in the order of the model's own lists (the stored list ranks its items as training did,
     * the popular list by popularity), then by item id so that shelves are stable.
     */
    public static final Comparator<Candidate> BEST_FIRST = (a, b) -> {
        if (a.score != b.score) {
            return a.score > b.score ? -1 : 1;
        }
        if (a.rank != b.rank) {
            return Integer.compare(a.rank, b.rank);
        }
        return a.item.compareTo(b.item);
    };

    private final String item;
    private float score;
    private int rank = Integer.MAX_VALUE;
    private final List<Reason> reasons = new ArrayList<>(2);

    public Candidate(String item) {
        this.item = item;
    }

    public String item() {
        return item;
    }

    public float score() {
        return score;
    }

    /** The candidate's position in a list of the model's (the best one it has), for ties. */
    public Candidate rank(int position) {
        rank = Math.min(rank, position);
        return this;
    }

    public List<Reason> reasons() {
        reasons.sort(Comparator.comparingDouble((Reason r) -> -r.weight()));
        return reasons;
    }

    /** Adds the items its reasons name to {@code into}. */
    void reasonItems(Set<String> into) {
        for (Reason reason : reasons) {
            if (reason.itemId() != null) {
                into.add(reason.itemId());
            }
        }
    }

    /** Adds a signal's part of the score, and its reason (the strongest reason of each type is kept). */
    public Candidate add(Reason reason) {
        addReason(reason);
        return this;
    }

    private void addReason(Reason reason) {
        score += reason.weight();
        for (int i = 0; i < reasons.size(); i++) {
            Reason existing = reasons.get(i);
            if (existing.type() == reason.type()
                    && (reason.type() != Reason.Type.AFFINITY
                            || existing.attribute().equals(reason.attribute()))) {
                if (reason.weight() > existing.weight()) {
                    // the score keeps the sum, the reason names the item that gave the most
                    reasons.set(
                            i,
                            new Reason(
                                    reason.type(),
                                    reason.itemId(),
                                    reason.attribute(),
                                    reason.value(),
                                    existing.weight() + reason.weight()));
                } else {
                    reasons.set(
                            i,
                            new Reason(
                                    existing.type(),
                                    existing.itemId(),
                                    existing.attribute(),
                                    existing.value(),
                                    existing.weight() + reason.weight()));
                }
                return;
            }
        }
        reasons.add(reason);
    }
}
