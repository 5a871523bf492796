package io.personalize.recommend;

import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.elasticsearch.test.ESTestCase;

/** The content term of a "for you" shelf: scaled by its best cosine to the content weight, below collaborative signals. */
public class ShopperContentTests extends ESTestCase {

    public void testTheBestContentItemGetsTheWeightTheOthersTheirShareOfIt() {
        Map<String, Float> nearest = new LinkedHashMap<>();
        nearest.put("new1", 0.9f); // knn score (1 + cosine) / 2: cosine .8
        nearest.put("new2", 0.7f); // cosine .4
        nearest.put("opposite", 0.4f); // cosine -.2: no content term
        nearest.put("seen", 0.95f); // excluded
        Map<String, Candidate> candidates = new HashMap<>();
        Recommender.addContentTerm(nearest, null, 0.2f, Set.of(), Set.of("seen"), candidates);
        assertThat((double) candidates.get("new1").score(), closeTo(0.2, 1e-6));
        assertThat((double) candidates.get("new2").score(), closeTo(0.1, 1e-6));
        assertThat(candidates, not(hasKey("opposite")));
        assertThat(candidates, not(hasKey("seen")));
        assertThat(candidates.get("new1").reasons().get(0).type(), equalTo(Reason.Type.CONTENT_SIMILAR));
    }

    public void testTheTermAddsToACollaborativeCandidateAndStaysBelowTheBestCollaborativeOne() {
        Map<String, Candidate> candidates = new HashMap<>();
        candidates.put("known", new Candidate("known").add(Reason.item(Reason.Type.BECAUSE_YOU_VIEWED, "a", 1f)));
        candidates.put("tail", new Candidate("tail").add(Reason.item(Reason.Type.BECAUSE_YOU_VIEWED, "a", 0.05f)));
        Recommender.addContentTerm(
                Map.of("tail", 0.8f, "new", 0.8f),
                "x",
                ShelfQuery.DEFAULT_CONTENT_WEIGHT,
                Set.of(),
                Set.of(),
                candidates);
        assertThat((double) candidates.get("tail").score(), closeTo(0.05 + ShelfQuery.DEFAULT_CONTENT_WEIGHT, 1e-6));
        assertThat(
                candidates.get("new").score(), lessThan(candidates.get("known").score()));
        List<Candidate> ranked =
                candidates.values().stream().sorted(Candidate.BEST_FIRST).toList();
        assertThat(ranked.stream().map(Candidate::item).toList(), contains("known", "tail", "new"));
    }

    /** Items the model knows are skipped (the collaborative signals rank them) but still set the scale. */
    public void testItemsTheModelKnowsAreSkippedButSetTheScale() {
        Map<String, Candidate> candidates = new HashMap<>();
        Recommender.addContentTerm(
                Map.of("known", 0.9f, "new", 0.7f), null, 0.3f, Set.of("known"), Set.of(), candidates);
        assertThat(candidates, not(hasKey("known")));
        assertThat((double) candidates.get("new").score(), closeTo(0.3 * 0.4 / 0.8, 1e-6));
    }

    public void testNoPositiveCosineNoTerm() {
        Map<String, Candidate> candidates = new HashMap<>();
        Recommender.addContentTerm(Map.of("a", 0.5f, "b", 0.2f), null, 0.5f, Set.of(), Set.of(), candidates);
        assertThat(candidates.size(), equalTo(0));
    }
}
