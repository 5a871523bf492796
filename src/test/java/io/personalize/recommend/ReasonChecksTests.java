package io.personalize.recommend;

import java.util.List;
import java.util.Set;
import org.elasticsearch.test.ESTestCase;

/**
 * Which items a shelf's reasons make the caller's privileges be checked for: those a batch's reasons name, ridden on
 * the batch's catalogue read, and, before answering, any a shown reason names that no check asked about.
 */
public class ReasonChecksTests extends ESTestCase {

    private static Candidate candidate(String item, Reason... reasons) {
        Candidate candidate = new Candidate(item);
        for (Reason reason : reasons) {
            candidate.add(reason);
        }
        return candidate;
    }

    /** c because of a (and close to x), d because of b, e because of c, f popular. */
    private static List<Candidate> candidates() {
        return List.of(
                candidate(
                        "c",
                        Reason.item(Reason.Type.BECAUSE_YOU_VIEWED, "a", 1f),
                        Reason.item(Reason.Type.CONTENT_SIMILAR, "x", 0.5f)),
                candidate("d", Reason.item(Reason.Type.BECAUSE_YOU_VIEWED, "b", 0.8f)),
                candidate("e", Reason.item(Reason.Type.BECAUSE_YOU_VIEWED, "c", 0.7f)),
                candidate("f", Reason.of(Reason.Type.POPULAR, 0.1f)));
    }

    public void testABatchNamesTheItemsOfAllItsReasons() {
        assertEquals(Set.of("a", "x", "b", "c"), Recommender.reasonItems(candidates()));
    }

    public void testAShownReasonNamingAnItemNoCheckAskedAboutIsUnchecked() {
        List<Candidate> shelf = candidates();
        Set<String> onTheShelf = Set.of("c", "d", "e", "f");
        ShelfQuery plain = new ShelfQuery.Builder().userId("u").build();
        // "a" was asked about, "c" is on the shelf (the catalogue passed it): only "b" needs a check; "x" is not shown
        assertEquals(Set.of("b"), Recommender.unchecked(shelf, plain, onTheShelf, Set.of("a")));
        // with explain, every reason is shown
        ShelfQuery explained =
                new ShelfQuery.Builder().userId("u").explain(true).build();
        assertEquals(Set.of("b", "x"), Recommender.unchecked(shelf, explained, onTheShelf, Set.of("a")));
        assertEquals(Set.of(), Recommender.unchecked(shelf, explained, Set.of("c"), Set.of("a", "b", "x")));
    }
}
