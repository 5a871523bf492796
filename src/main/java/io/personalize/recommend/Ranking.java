package io.personalize.recommend;

import io.personalize.serving.PopularList;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.util.PriorityQueue;

/**
 * The candidates of a shelf best first, taken as the catalogue rounds need them: the scored candidates, in a heap that
 * yields them best first (built in linear time: a shelf takes a few dozen of up to thousands of candidates, and the
 * rest need no order), merged with the popular fallback, which is never materialised beyond what is taken. The popular
 * list is already in decreasing order of its weight ({@link CandidateScorer#popularWeight}), so the merge ranks exactly as sorting every
 * candidate with {@link Candidate#BEST_FIRST} would. The items past the stored list that no other signal named
 * ({@link BeyondStoredList}) are merged the same way, each made a candidate only when it is next.
 */
final class Ranking {

    private final PriorityQueue<Candidate> scored;
    private final PopularList popular;
    private final float popularScale;
    private final float popularMax;
    private final Set<String> excluded;
    private final Map<String, Candidate> candidates;
    private final List<Candidate> taken = new ArrayList<>();
    private int nextPopular;
    private Candidate pendingPopular;
    private final BeyondStoredList beyond;
    private int nextBeyond;
    private Candidate pendingBeyond;
    private boolean firstBeyondTaken;
    private String takenByScan;
    private boolean beyondExhausted;

    Ranking(Map<String, Candidate> candidates, PopularList popular, float popularScale, Set<String> excluded) {
        this(candidates, BeyondStoredList.NONE, popular, popularScale, excluded);
    }

    /** {@code beyond}: the items past the stored list that are not among {@code candidates} yet. */
    Ranking(
            Map<String, Candidate> candidates,
            BeyondStoredList beyond,
            PopularList popular,
            float popularScale,
            Set<String> excluded) {
        this.candidates = candidates;
        this.beyond = beyond;
        this.scored = new PriorityQueue<>(candidates.size()) {
            @Override
            protected boolean lessThan(Candidate a, Candidate b) {
                return Candidate.BEST_FIRST.compare(a, b) < 0; // the best on top
            }
        };
        this.scored.addAll(candidates.values());
        this.popular = popular;
        this.popularScale = popularScale;
        this.popularMax = popular == null ? 0f : CandidateScorer.max(popular.scores());
        this.excluded = excluded;
    }

    /** The next {@code n} candidates at most (fewer when they run out). */
    List<Candidate> next(int n) {
        List<Candidate> batch = new ArrayList<>(n);
        while (batch.size() < n) {
            Candidate next = next();
            if (next == null) {
                break;
            }
            batch.add(next);
        }
        return batch;
    }

    boolean exhausted() {
        return scored.size() == 0 && peekPopular() == null && peekBeyond() == null;
    }

    /** Every candidate taken so far, best first, and those added after them (catalogue fill). */
    List<Candidate> taken() {
        return taken;
    }

    private Candidate next() {
        Candidate a = scored.size() > 0 ? scored.top() : null;
        Candidate b = peekPopular();
        Candidate c = peekBeyond();
        Candidate pick = a;
        if (b != null && (pick == null || Candidate.BEST_FIRST.compare(b, pick) < 0)) {
            pick = b;
        }
        if (c != null && (pick == null || Candidate.BEST_FIRST.compare(c, pick) < 0)) {
            pick = c;
        }
        if (pick == null) {
            return null;
        } else if (pick == a) {
            scored.pop();
        } else if (pick == b) {
            pendingPopular = null;
        } else {
            if (firstBeyondTaken == false) {
                takenByScan = c.item();
            }
            pendingBeyond = null;
            firstBeyondTaken = true;
        }
        taken.add(pick);
        return pick;
    }

    /** The next item past the stored list that is not a candidate already, as a candidate; null when none. */
    private Candidate peekBeyond() {
        if (pendingBeyond != null || beyondExhausted) {
            return pendingBeyond;
        }
        if (firstBeyondTaken == false) {
            // the first, by a scan: most shelves never take one, and need only to compare with it
            int best = beyond.best(candidates);
            pendingBeyond = best < 0 ? null : beyond.candidate(best);
            beyondExhausted = best < 0;
            return pendingBeyond;
        }
        Integer[] order = beyond.order();
        while (nextBeyond < order.length) {
            int i = order[nextBeyond++];
            if (candidates.containsKey(beyond.item(i)) == false && isTaken(beyond.item(i)) == false) {
                pendingBeyond = beyond.candidate(i);
                return pendingBeyond;
            }
        }
        beyondExhausted = true;
        return null;
    }

    private boolean isTaken(String item) {
        // the one taken by the scan, before the order was sorted (the others come in order, after it)
        return takenByScan != null && takenByScan.equals(item);
    }

    private Candidate peekPopular() {
        if (pendingPopular != null || popular == null) {
            return pendingPopular;
        }
        while (nextPopular < popular.items().size()) {
            int r = nextPopular++;
            String item = popular.items().get(r);
            // an item past the stored list ranks as such (its score), not as a popular one
            if (excluded.contains(item) == false
                    && candidates.containsKey(item) == false
                    && beyond.contains(item) == false) {
                pendingPopular =
                        CandidateScorer.popularCandidate(item, r, popular.scores()[r], popularMax, popularScale);
                return pendingPopular;
            }
        }
        return null;
    }
}
