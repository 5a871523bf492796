package io.personalize.recommend;

import io.personalize.model.ModelDocuments;
import io.personalize.profile.Profile;
import io.personalize.profile.SourceItem;

import java.util.HashMap;
import java.util.HashSet;
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
 * For a shopper the model knows, affinity is the stored list's training-time score (the model's formula, see
 * {@code io.personalize.training.NeighborhoodScorer}) divided by the list's best; the items past the stored list
 * (when a filter or {@code exclude_seen: false} asks for more) are scored with the same formula on the same scale,
 * from the neighbour lists of the shopper's most recent history items, and the popular fallback is the formula's
 * popularity term: so the whole ranking is the model's, and the stored list always ranks first.
 * Attribute affinity is added later, once the candidates' attribute values are read from the catalogue.
 */
public final class CandidateScorer {

    /** Popular items fill what the collaborative signals leave empty: their scale stays below those signals'. */
    static final float POPULAR_WEIGHT = 0.1f;
    /** The popular fallback's scale for a shopper whose model does not count popularity: below anything it scores. */
    static final float UNSCORED_POPULAR_WEIGHT = 1e-6f;
    /** Ties among popular items go by the popular list's order, after any tie on the stored list. */
    static final int POPULAR_RANKS = 1 << 20;

    private CandidateScorer() {}

    /** The collaborative candidates of a profile, excluding {@code excluded}. */
    public static Map<String, Candidate> collaborative(Profile profile, Set<String> excluded) {
        return collaborative(profile, excluded, false);
    }

    /**
     * The collaborative candidates of a profile, excluding {@code excluded}; with {@code beyondStoredList}, also the
     * items past the shopper's stored list that the neighbour lists of their history items (as loaded) reach.
     */
    public static Map<String, Candidate> collaborative(Profile profile, Set<String> excluded, boolean beyondStoredList) {
        Map<String, Candidate> candidates = new HashMap<>();
        ModelDocuments.UserDoc user = profile.user();
        if (user != null && beyondStoredList) {
            addBeyondStoredList(profile, excluded, candidates);
        }
        if (user != null) {
            float max = max(user.scores());
            for (int r = 0; r < user.items().size(); r++) {
                String item = user.items().get(r);
                if (excluded.contains(item) == false && max > 0) {
                    String because = user.because() == null ? null : user.because().get(r);
                    float weight = user.scores()[r] / max;
                    Reason reason = because == null ? Reason.of(Reason.Type.POPULAR, weight) : Reason.item(Reason.Type.BECAUSE_YOU_VIEWED, because, weight);
                    candidates.computeIfAbsent(item, Candidate::new).rank(r).add(reason);
                }
            }
        }
        // events the model was trained on are in the stored list already: real time adds only what came after
        long trainedUntil = profile.model().version().newestEvent();
        addNeighbours(profile, s -> s.origin() == SourceItem.Origin.RECENT && s.time() > trainedUntil, Reason.Type.BECAUSE_YOU_VIEWED, excluded, candidates);
        addNeighbours(profile, s -> s.origin() == SourceItem.Origin.CONTEXT, Reason.Type.SIMILAR_TO, excluded, candidates);
        return candidates;
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
     * Items past the stored list: {@code Σ h_i · S[i][j] + β · pop(j) / max pop} over the shopper's history items whose
     * neighbour lists the profile has (their most recent ones), divided by the stored list's best score. A partial sum
     * of the model's own score, so an item that is not on the stored list ranks below every item that is (the list is
     * the model's top items for the shopper); the history items themselves come in this way when they are not excluded.
     */
    static void addBeyondStoredList(Profile profile, Set<String> excluded, Map<String, Candidate> candidates) {
        ModelDocuments.UserDoc user = profile.user();
        float stored = max(user.scores());
        if (stored <= 0 || user.history().isEmpty()) {
            return;
        }
        Set<String> onList = new HashSet<>(user.items());
        float[] factors = historyFactors(user.historyWeights(), profile.scoring());
        Map<String, Integer> position = new HashMap<>();
        for (int x = 0; x < user.history().size(); x++) {
            position.putIfAbsent(user.history().get(x), x);
        }
        long trainedUntil = profile.model().version().newestEvent();
        Map<String, Sum> sums = new HashMap<>();
        for (SourceItem source : profile.sources()) {
            boolean trained = source.origin() == SourceItem.Origin.HISTORY || (source.origin() == SourceItem.Origin.RECENT && source.time() <= trainedUntil);
            Integer x = position.get(source.item());
            ModelDocuments.ItemDoc doc = trained && x != null ? profile.neighbors().get(source.item()) : null;
            if (doc == null || factors[x] == 0f) {
                continue;
            }
            for (int n = 0; n < doc.neighbors().size(); n++) {
                String item = doc.neighbors().get(n);
                float part = factors[x] * doc.scores()[n];
                if (part <= 0 || onList.contains(item) || excluded.contains(item)) {
                    continue;
                }
                Sum sum = sums.get(item);
                if (sum == null) {
                    sums.put(item, new Sum(part, source.item()));
                } else {
                    sum.add(part, source.item());
                }
            }
        }
        if (sums.isEmpty()) {
            return;
        }
        Map<String, Float> popularity = new HashMap<>();
        float maxPopularity = 0;
        ModelDocuments.PopularDoc popular = profile.popular();
        if (popular != null) {
            maxPopularity = max(popular.scores());
            for (int r = 0; r < popular.popular().size(); r++) {
                popularity.putIfAbsent(popular.popular().get(r), popular.scores()[r]);
            }
        }
        double beta = profile.scoring().popularityWeight();
        for (Map.Entry<String, Sum> sum : sums.entrySet()) {
            double score = sum.getValue().total;
            if (maxPopularity > 0) {
                score += beta * popularity.getOrDefault(sum.getKey(), 0f) / maxPopularity;
            }
            Candidate candidate = new Candidate(sum.getKey()).add(
                Reason.item(Reason.Type.BECAUSE_YOU_VIEWED, sum.getValue().strongestSource, (float) (score / stored))
            );
            candidates.put(sum.getKey(), candidate);
        }
    }

    /** A sum of contributions, and the source of the strongest one. */
    private static final class Sum {
        float total;
        float strongest;
        String strongestSource;

        Sum(float part, String source) {
            total = part;
            strongest = part;
            strongestSource = source;
        }

        void add(float part, String source) {
            total += part;
            if (part > strongest) {
                strongest = part;
                strongestSource = source;
            }
        }
    }

    /** h_i = g(w_i) / (Σ g(w))^q over the whole stored history, as the model scores (see NeighborhoodScorer). */
    static float[] historyFactors(float[] weights, ModelDocuments.Scoring scoring) {
        float[] h = new float[weights.length];
        double z = 0;
        for (int x = 0; x < weights.length; x++) {
            double w = weights[x];
            double g = w > 0 ? (scoring.historyWeightExponent() == 0 ? 1.0 : Math.pow(w, scoring.historyWeightExponent())) : 0.0;
            h[x] = (float) g;
            z += g;
        }
        if (scoring.historyNormExponent() != 0 && z > 0) {
            double zq = Math.pow(z, scoring.historyNormExponent());
            for (int x = 0; x < h.length; x++) {
                h[x] = (float) (h[x] / zq);
            }
        }
        return h;
    }

    /** Items named in the request that the model has no neighbours for: new products, for content similarity. */
    public static List<String> withoutNeighbours(Profile profile) {
        return profile.sources()
            .stream()
            .filter(s -> s.origin() == SourceItem.Origin.CONTEXT)
            .map(SourceItem::item)
            .filter(item -> profile.neighbors().get(item) == null || profile.neighbors().get(item).neighbors().isEmpty())
            .toList();
    }

    private static void addNeighbours(
        Profile profile,
        Predicate<SourceItem> sources,
        Reason.Type type,
        Set<String> excluded,
        Map<String, Candidate> candidates
    ) {
        Map<String, Float> sums = new HashMap<>();
        Map<String, Reason> strongest = new HashMap<>();
        for (SourceItem source : profile.sources()) {
            ModelDocuments.ItemDoc doc = sources.test(source) ? profile.neighbors().get(source.item()) : null;
            if (doc == null) {
                continue;
            }
            for (int n = 0; n < doc.neighbors().size(); n++) {
                String item = doc.neighbors().get(n);
                float score = doc.scores()[n];
                if (excluded.contains(item) || score <= 0) {
                    continue;
                }
                sums.merge(item, score, Float::sum);
                Reason best = strongest.get(item);
                if (best == null || score > best.weight()) {
                    strongest.put(item, Reason.item(type, source.item(), score));
                }
            }
        }
        float max = sums.values().stream().max(Float::compare).orElse(0f);
        if (max <= 0) {
            return;
        }
        for (Map.Entry<String, Float> sum : sums.entrySet()) {
            Reason reason = strongest.get(sum.getKey());
            candidates.computeIfAbsent(sum.getKey(), Candidate::new).add(Reason.item(type, reason.itemId(), sum.getValue() / max));
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
