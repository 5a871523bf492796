package io.personalize.recommend;

import io.personalize.profile.Profile;
import io.personalize.profile.SourceItem;
import io.personalize.serving.NeighborList;
import io.personalize.serving.NumberedSet;
import io.personalize.serving.ProfileScorer;
import io.personalize.serving.UserProfile;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Scores the candidates of a shelf from a shopper's {@link Profile}. Each signal is scaled to [0, 1] by its own
 * maximum, so that they add up on one scale:
 * <pre>
 *   score(j) = affinity(u, j)                          the stored "for you" list (reason: the history item behind it)
 *            + Σ_{i ∈ recent events} S[i][j]            real time: neighbours of what the shopper did since training
 *            + Σ_{c ∈ item_ids} S[c][j]                 "similar items": neighbours of the items the request names
 *            + popular_weight · pop(j) / max pop         the fallback, below any collaborative signal
 * </pre>
 * For a shopper the model knows, affinity is the stored list's training-time score (the model's formula,
 * {@link io.personalize.serving.NeighborhoodScorer}) divided by the list's best; the items past the stored list
 * (when a filter or {@code exclude_seen: false} asks for more) are scored by the same scorer
 * ({@link ProfileScorer#score}) on the same scale,
 * from the neighbour lists of the shopper's most recent history items, and the popular fallback is the formula's
 * popularity term: so the whole ranking is the model's, and the stored list always ranks first.
 * Attribute affinity is added later, once the candidates' attribute values are read from the catalogue. The sums
 * are {@link ProfileScorer}'s: this class only puts them on their scales and gives them their reasons.
 */
public final class CandidateScorer {

    /** Popular items fill what the collaborative signals leave empty: their scale stays below those signals'. */
    static final float POPULAR_WEIGHT = 0.1f;
    /** The popular fallback's scale for a shopper whose model does not count popularity: below anything it scores. */
    static final float UNSCORED_POPULAR_WEIGHT = 1e-6f;
    /** Ties among popular items go by the popular list's order, after any tie on the stored list. */
    static final int POPULAR_RANKS = 1 << 20;

    private CandidateScorer() {}

    /**
     * The collaborative candidates of a profile, excluding {@code excluded}; with {@code beyondStoredList}, also the
     * items past the shopper's stored list that the neighbour lists of their history items (as loaded) reach.
     */
    public static Map<String, Candidate> collaborative(
            Profile profile, Set<String> excluded, boolean beyondStoredList) {
        Map<String, Candidate> candidates = new HashMap<>();
        collaborative(profile, excluded, beyondStoredList, candidates).addTo(candidates);
        return candidates;
    }

    /**
     * {@link #collaborative(Profile, Set, boolean)} into {@code candidates}, but the items past the stored list that no
     * other signal names are left out of them: the list returned has them, for a {@link Ranking} to take as it reaches
     * them.
     */
    static BeyondStoredList collaborative(
            Profile profile, Set<String> excluded, boolean beyondStoredList, Map<String, Candidate> candidates) {
        UserProfile user = profile.user();
        BeyondStoredList beyond =
                user != null && beyondStoredList ? beyondStoredList(profile, excluded) : BeyondStoredList.NONE;
        if (user != null) {
            float max = max(user.scores());
            for (int r = 0; r < user.recommended().size(); r++) {
                String item = user.recommended().get(r);
                if (excluded.contains(item) == false && max > 0) {
                    String because = user.because(r);
                    float weight = user.scores()[r] / max;
                    Reason reason = because == null
                            ? Reason.of(Reason.Type.POPULAR, weight)
                            : Reason.item(Reason.Type.BECAUSE_YOU_VIEWED, because, weight);
                    candidates.computeIfAbsent(item, Candidate::new).rank(r).add(reason);
                }
            }
        }
        // events the model was trained on are in the stored list already: real time adds only what came after
        long trainedUntil = profile.model().version().newestEvent();
        addNeighbors(
                profile,
                s -> s.origin() == SourceItem.Origin.RECENT && s.time() > trainedUntil,
                Reason.Type.BECAUSE_YOU_VIEWED,
                excluded,
                beyond,
                candidates);
        addNeighbors(
                profile,
                s -> s.origin() == SourceItem.Origin.CONTEXT,
                Reason.Type.SIMILAR_TO,
                excluded,
                beyond,
                candidates);
        return beyond;
    }

    /**
     * The weight of the most popular item as a fallback candidate: for a shopper with a stored list, on the list's scale
     * with the model's popularity weight (what the model's formula gives an item no history item leads to, so never
     * above an item of the stored list); otherwise {@link #POPULAR_WEIGHT}. {@link Ranking} takes them lazily.
     */
    static float popularScale(Profile profile) {
        float stored = profile.user() == null ? 0f : max(profile.user().scores());
        if (stored <= 0) {
            return POPULAR_WEIGHT;
        }
        double beta = profile.scoring().popularityWeight();
        // a model without popularity scores an item no history item leads to 0: after all it ranks, by popularity
        return beta > 0 ? (float) (beta / stored) : UNSCORED_POPULAR_WEIGHT;
    }

    static Candidate popularCandidate(String item, int rank, float popularity, float maxPopularity, float scale) {
        float weight = maxPopularity > 0 ? scale * popularity / maxPopularity : 0f;
        return new Candidate(item).rank(POPULAR_RANKS + rank).add(Reason.of(Reason.Type.POPULAR, weight));
    }

    /**
     * Items past the stored list: the model's score ({@link ProfileScorer#score}) over the shopper's stored history,
     * from the neighbour lists the profile has of it (their most recent history items), divided by the stored list's
     * best score. A partial sum of the model's own score, so an item that is not on the stored list ranks below every
     * item that is (the list is the model's top items for the shopper); the history items themselves come in this way
     * when they are not excluded. Only items some history item leads to: the popular ones come as the popular fallback.
     */
    static BeyondStoredList beyondStoredList(Profile profile, Set<String> excluded) {
        UserProfile user = profile.user();
        float stored = max(user.scores());
        if (stored <= 0 || user.history().isEmpty()) {
            return BeyondStoredList.NONE;
        }
        long trainedUntil = profile.model().version().newestEvent();
        Map<String, NeighborList> trained = new HashMap<>();
        for (SourceItem source : profile.sources()) {
            boolean fromTraining = source.origin() == SourceItem.Origin.HISTORY
                    || (source.origin() == SourceItem.Origin.RECENT && source.time() <= trainedUntil);
            NeighborList list = fromTraining ? profile.neighbors().get(source.item()) : null;
            if (list != null) {
                trained.put(source.item(), list);
            }
        }
        if (trained.isEmpty()) {
            return BeyondStoredList.NONE;
        }
        // with the slots memoized with the profile and the shopper's newest items when the excluded items have
        // them (the set of ids is then made only if asked by id)
        Set<String> notAgain =
                NumberedSet.union(excluded, user.recommended(), user.numbered().recommended());
        // only the items some history item leads to: the popular ones are never numbered here
        return new BeyondStoredList(
                ProfileScorer.scoreReached(
                        user.history(), user.historyWeights(), trained, profile.popular(), profile.scoring(), notAgain),
                stored);
    }

    /** Items named in the request that the model has no neighbours for: new products, for content similarity. */
    public static List<String> withoutNeighbors(Profile profile) {
        return profile.sources().stream()
                .filter(s -> s.origin() == SourceItem.Origin.CONTEXT)
                .map(SourceItem::item)
                .filter(item -> profile.neighbors().get(item) == null
                        || profile.neighbors().get(item).neighbors().isEmpty())
                .toList();
    }

    /** The neighbours of the profile's sources that pass {@code sources}, by the sum of their scores, max scaled to 1. */
    private static void addNeighbors(
            Profile profile,
            Predicate<SourceItem> sources,
            Reason.Type type,
            Set<String> excluded,
            BeyondStoredList beyond,
            Map<String, Candidate> candidates) {
        List<String> items =
                profile.sources().stream().filter(sources).map(SourceItem::item).toList();
        // the candidates need no order (the ranking orders them), only the best sum for the scale
        List<ProfileScorer.Scored> sums = ProfileScorer.sumUnranked(items, profile.neighbors(), excluded);
        if (sums.isEmpty()) {
            return;
        }
        float max = Float.NEGATIVE_INFINITY;
        for (ProfileScorer.Scored sum : sums) {
            max = Math.max(max, sum.score());
        }
        for (ProfileScorer.Scored sum : sums) {
            // an item past the stored list gets that reason first
            candidates
                    .computeIfAbsent(sum.item(), beyond::candidate)
                    .add(Reason.item(type, sum.source(), sum.score() / max));
        }
    }

    static float max(float[] values) {
        float max = 0;
        for (float v : values) {
            max = Math.max(max, v);
        }
        return max;
    }
}
