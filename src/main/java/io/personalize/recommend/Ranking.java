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
 * candidate with {@link Candidate#BEST_FIRST} would.
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

    Ranking(Map<String, Candidate> candidates, PopularList popular, float popularScale, Set<String> excluded) {
        this.candidates = candidates;
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
        return scored.size() == 0 && peekPopular() == null;
    }

    /** Every candidate taken so far, best first, and those added after them (catalogue fill). */
    List<Candidate> taken() {
        return taken;
    }

    private Candidate next() {
        Candidate a = scored.size() > 0 ? scored.top() : null;
        Candidate b = peekPopular();
        Candidate pick;
        if (a == null && b == null) {
            return null;
        } else if (b == null || (a != null && Candidate.BEST_FIRST.compare(a, b) <= 0)) {
            pick = scored.pop();
        } else {
            pick = b;
            pendingPopular = null;
        }
        taken.add(pick);
        return pick;
    }

    private Candidate peekPopular() {
        if (pendingPopular != null || popular == null) {
            return pendingPopular;
        }
        while (nextPopular < popular.items().size()) {
            int r = nextPopular++;
            String item = popular.items().get(r);
            if (excluded.contains(item) == false && candidates.containsKey(item) == false) {
                pendingPopular =
                        CandidateScorer.popularCandidate(item, r, popular.scores()[r], popularMax, popularScale);
                return pendingPopular;
            }
        }
        return null;
    }
}
