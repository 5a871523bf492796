package io.personalize.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.personalize.bench.ContentChoice.Candidate;
import io.personalize.bench.ContentChoice.Row;
import io.personalize.bench.ContentQualityBench.OrTime;
import io.personalize.bench.ContentQualityBench.Sparse;
import io.personalize.bench.ContentQualityBench.Variant;
import io.personalize.bench.ContentQualityBench.Vectors;
import io.personalize.it.OnlineRetail;
import io.personalize.it.OnlineRetail.Purchase;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The bench's content choice is blind to the test split: chosen on validation, the test read for the choices only. */
class ContentChoiceTest {

    private static final int PRODUCTS = 8;
    private static final long DAY = 86_400_000L;

    @Test
    void choosesEachFamilyAndTheFamilyOnValidationAndScoresOnlyTheChoicesOnTest() {
        Map<String, Integer> productIndex = new HashMap<>();
        for (int i = 0; i < PRODUCTS; i++) {
            productIndex.put("p" + i, i);
        }
        // validation: shoppers who bought p0/p1 then p2; test: the same shoppers then p3 (the two splits disagree on
        // which vectors are best, so a choice that read the test would differ)
        OrTime validation = new OrTime(protocol(Map.of("a", "p2", "b", "p2")), productIndex);
        OrTime test = new OrTime(protocol(Map.of("a", "p3", "b", "p3")), productIndex);
        List<Candidate> candidates = new ArrayList<>();
        candidates.addAll(ContentChoice.hashing("near p2", vectors(2)));
        candidates.addAll(ContentChoice.hashing("near p3", vectors(3)));

        ContentChoice choice = ContentChoice.validate(candidates, validation, test);

        assertEquals(0, choice.testedRows(), "validating reads no test figure");
        for (String family : List.of("near p2", "near p3")) {
            double best = choice.rows.stream()
                    .filter(r -> r.candidate().family().equals(family))
                    .mapToDouble(Row::validation)
                    .max()
                    .orElseThrow();
            assertEquals(best, choice.best.get(family).validation(), family);
        }
        assertEquals("near p2", choice.chosenFamily, "the family whose choice is best on validation");
        List<Set<String>> tokens = new ArrayList<>();
        BitSet[] buyers = new BitSet[PRODUCTS];
        for (int i = 0; i < PRODUCTS; i++) {
            tokens.add(Set.of("t" + i));
            buyers[i] = new BitSet();
        }
        choice.report("near p3", tokens, buyers);
        assertEquals(2, choice.testedRows(), "the test split is read for each family's choice only");
        // the test prefers the other family: a choice made on it would have been "near p3"
        double chosenOnTest = choice.test(choice.best.get("near p2")).metrics().ndcg();
        double otherOnTest = choice.test(choice.best.get("near p3")).metrics().ndcg();
        assertTrue(otherOnTest > chosenOnTest, otherOnTest + " > " + chosenOnTest);
    }

    /** Shoppers a and b bought p0 and p1 before the split; each then bought {@code truth}'s item. */
    private static OnlineRetail.Protocol protocol(Map<String, String> truth) {
        List<Purchase> train = new ArrayList<>();
        Map<String, Set<String>> items = new HashMap<>();
        for (String user : List.of("a", "b")) {
            train.add(new Purchase(user, "p0", OnlineRetail.SPLIT - 40 * DAY, 1));
            train.add(new Purchase(user, "p1", OnlineRetail.SPLIT - 10 * DAY, 1));
            items.put(user, Set.of("p0", "p1"));
        }
        // a third shopper puts every product in the train catalogue
        for (int i = 0; i < PRODUCTS; i++) {
            train.add(new Purchase("c", "p" + i, OnlineRetail.SPLIT - 20 * DAY, 1));
        }
        items.put("c", catalogue(train));
        Map<String, Set<String>> truthByUser = new HashMap<>();
        truth.forEach((user, sku) -> truthByUser.put(user, Set.of(sku)));
        return new OnlineRetail.Protocol(train, catalogue(train), items, truthByUser);
    }

    private static Set<String> catalogue(List<Purchase> train) {
        Set<String> skus = new HashSet<>();
        train.forEach(p -> skus.add(p.sku()));
        return skus;
    }

    /** Product i on axis i, except {@code near}, which lies between p0's and p1's axes: their content neighbour. */
    private static Vectors vectors(int near) {
        Sparse[] byProduct = new Sparse[PRODUCTS];
        for (int i = 0; i < PRODUCTS; i++) {
            float[] v = new float[PRODUCTS];
            if (i == near) {
                v[0] = 1;
                v[1] = 1;
            } else {
                v[i] = 1;
            }
            byProduct[i] = Sparse.of(v);
        }
        return new Vectors(new Variant("test", PRODUCTS, ""), PRODUCTS, byProduct, 0);
    }
}
