package io.personalize.recommend;

import io.personalize.model.ModelDocuments;
import io.personalize.profile.Profile;
import io.personalize.profile.SourceItem;

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
 * Attribute affinity is added later, once the candidates' attribute values are read from the catalogue.
 */
public final class CandidateScorer {

    /** Popular items fill what the collaborative signals leave empty: their scale stays below those signals'. */
    static final float POPULAR_WEIGHT = 0.1f;

    private CandidateScorer() {}

    /** The collaborative candidates of a profile, excluding {@code excluded}. */
    public static Map<String, Candidate> collaborative(Profile profile, Set<String> excluded) {
        Map<String, Candidate> candidates = new HashMap<>();
        ModelDocuments.UserDoc user = profile.user();
        if (user != null) {
            float max = max(user.scores());
            for (int r = 0; r < user.items().size(); r++) {
                String item = user.items().get(r);
                if (excluded.contains(item) == false && max > 0) {
                    String because = user.because() == null ? null : user.because().get(r);
                    float weight = user.scores()[r] / max;
                    Reason reason = because == null ? Reason.of(Reason.Type.POPULAR, weight) : Reason.item(Reason.Type.BECAUSE_YOU_VIEWED, because, weight);
                    candidates.computeIfAbsent(item, Candidate::new).add(reason);
                }
            }
        }
        // events the model was trained on are in the stored list already: real time adds only what came after
        long trainedUntil = profile.model().version().newestEvent();
        addNeighbours(profile, s -> s.origin() == SourceItem.Origin.RECENT && s.time() > trainedUntil, Reason.Type.BECAUSE_YOU_VIEWED, excluded, candidates);
        addNeighbours(profile, s -> s.origin() == SourceItem.Origin.CONTEXT, Reason.Type.SIMILAR_TO, excluded, candidates);
        return candidates;
    }

    /** The popular items not yet candidates, as fallback candidates. */
    public static void addPopular(Profile profile, Set<String> excluded, Map<String, Candidate> candidates) {
        ModelDocuments.PopularDoc popular = profile.popular();
        if (popular == null) {
            return;
        }
        float max = max(popular.scores());
        for (int r = 0; r < popular.popular().size(); r++) {
            String item = popular.popular().get(r);
            if (excluded.contains(item) == false && candidates.containsKey(item) == false) {
                float weight = max > 0 ? POPULAR_WEIGHT * popular.scores()[r] / max : 0f;
                candidates.computeIfAbsent(item, Candidate::new).add(Reason.of(Reason.Type.POPULAR, weight));
            }
        }
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

    private static float max(float[] values) {
        float max = 0;
        for (float v : values) {
            max = Math.max(max, v);
        }
        return max;
    }
}
