package io.personalize.recommend;

import static org.hamcrest.Matchers.equalTo;

import io.personalize.serving.PopularList;
import io.personalize.training.ScoringParams;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.elasticsearch.test.ESTestCase;

/** The lazy merge of scored candidates and the popular fallback ranks exactly as sorting them all would. */
public class RankingTests extends ESTestCase {

    public void testTheMergeIsTheFullSort() {
        for (int iteration = 0; iteration < 50; iteration++) {
            int n = randomIntBetween(0, 60);
            List<String> popular = new ArrayList<>();
            float[] popularScores = new float[randomIntBetween(0, 80)];
            float p = 100;
            for (int r = 0; r < popularScores.length; r++) {
                popular.add("i" + randomIntBetween(0, 120));
                p -= randomBoolean() ? 0 : randomFloat(); // ties included
                popularScores[r] = p;
            }
            // the popular list holds each item once
            List<String> distinct = new ArrayList<>(new java.util.LinkedHashSet<>(popular));
            PopularList doc = new PopularList(
                    distinct, java.util.Arrays.copyOf(popularScores, distinct.size()), ScoringParams.DEFAULTS);
            Set<String> excluded = new HashSet<>();
            for (int e = randomIntBetween(0, 10); e > 0; e--) {
                excluded.add("i" + randomIntBetween(0, 120));
            }
            Map<String, Candidate> scored = new HashMap<>();
            for (int c = 0; c < n; c++) {
                String item = "i" + randomIntBetween(0, 120);
                if (excluded.contains(item) == false) {
                    scored.computeIfAbsent(item, Candidate::new)
                            .rank(randomIntBetween(0, 5))
                            .add(Reason.of(Reason.Type.SIMILAR_TO, randomFrom(0.05f, 0.1f, randomFloat())));
                }
            }
            float scale = randomFrom(0.1f, 0.5f, 2f);

            Map<String, Candidate> all = new HashMap<>(scored);
            float max = CandidateScorer.max(doc.scores());
            for (int r = 0; r < doc.items().size(); r++) {
                String item = doc.items().get(r);
                if (excluded.contains(item) == false && all.containsKey(item) == false) {
                    all.put(item, CandidateScorer.popularCandidate(item, r, doc.scores()[r], max, scale));
                }
            }
            List<Candidate> sorted = new ArrayList<>(all.values());
            sorted.sort(Candidate.BEST_FIRST);

            Ranking ranking = new Ranking(scored, doc, scale, excluded);
            List<String> merged = new ArrayList<>();
            while (ranking.exhausted() == false) {
                ranking.next(randomIntBetween(1, 7)).forEach(c -> merged.add(c.item()));
            }
            assertThat(merged, equalTo(sorted.stream().map(Candidate::item).toList()));
            assertThat(ranking.next(3), equalTo(List.of()));
        }
    }

    public void testTiesFollowTheModelsListsThenTheId() {
        Candidate second = new Candidate("a").rank(2).add(Reason.of(Reason.Type.POPULAR, 0.5f));
        Candidate first = new Candidate("b").rank(1).add(Reason.of(Reason.Type.POPULAR, 0.5f));
        Candidate unranked = new Candidate("0").add(Reason.of(Reason.Type.POPULAR, 0.5f));
        Candidate better = new Candidate("z").add(Reason.of(Reason.Type.POPULAR, 0.6f));
        List<Candidate> list = new ArrayList<>(List.of(unranked, second, first, better));
        list.sort(Candidate.BEST_FIRST);
        assertThat(list.stream().map(Candidate::item).toList(), equalTo(List.of("z", "b", "a", "0")));
    }
}
