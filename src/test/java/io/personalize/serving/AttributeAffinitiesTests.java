package io.personalize.serving;

import static org.hamcrest.Matchers.equalTo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.elasticsearch.test.ESTestCase;

/**
 * Users' attribute affinities: per attribute, the history items' factors summed per value, the strongest scaled to 1,
 * at most {@link AttributeAffinities#VALUES}, ties to the value met first; items without values or outside the index
 * add nothing; an attribute no history item has is left out.
 */
public class AttributeAffinitiesTests extends ESTestCase {

    // items 0..3; "category": 0 -> a, 1 -> b, 2 -> a and c, 3 -> none; "brand": 1 -> x only
    private static AttributeAffinities catalogue() {
        int[][] items = {{0, 1, 2, 2}, {1}};
        int[][] values = {{0, 1, 0, 2}, {0}};
        return AttributeAffinities.index(
                List.of("category", "brand"), new String[][] {{"a", "b", "c"}, {"x"}}, 4, (attribute, pairs) -> {
                    for (int p = 0; p < items[attribute].length; p++) {
                        pairs.accept(items[attribute][p], values[attribute][p]);
                    }
                });
    }

    public void testValuesWeightedByTheHistoryFactorsAndScaledToTheStrongest() {
        Map<String, Map<String, Float>> got =
                catalogue().of(new int[] {2, 0, 1, 3}, new float[] {0.5f, 0.25f, 1.0f, 4.0f});
        Map<String, Float> category = new LinkedHashMap<>();
        category.put("b", 1.0f); // 1.0
        category.put("a", 0.75f); // 0.5 + 0.25
        category.put("c", 0.5f); // 0.5
        assertThat(got.get("category"), equalTo(category));
        assertThat(new ArrayList<>(got.get("category").keySet()), equalTo(List.of("b", "a", "c")));
        assertThat(got.get("brand"), equalTo(Map.of("x", 1.0f)));
    }

    public void testTiesGoToTheValueMetFirstAndItemsOutsideTheIndexAddNothing() {
        Map<String, Map<String, Float>> got = catalogue().of(new int[] {2, 7}, new float[] {1f, 9f});
        assertThat(new ArrayList<>(got.get("category").keySet()), equalTo(List.of("a", "c")));
        assertFalse("no history item has a brand", got.containsKey("brand"));
    }

    public void testAtMostTwentyValuesPerAttribute() {
        int items = 30;
        String[][] names = {new String[items]};
        for (int i = 0; i < items; i++) {
            names[0][i] = "v" + i;
        }
        AttributeAffinities affinities = AttributeAffinities.index(List.of("tag"), names, items, (a, pairs) -> {
            for (int i = 0; i < items; i++) {
                pairs.accept(i, i);
            }
        });
        int[] history = new int[items];
        float[] factors = new float[items];
        for (int i = 0; i < items; i++) {
            history[i] = i;
            factors[i] = i + 1;
        }
        Map<String, Float> tag = affinities.of(history, factors).get("tag");
        assertThat(tag.size(), equalTo(AttributeAffinities.VALUES));
        assertThat(tag.get("v29"), equalTo(1.0f));
        assertFalse(tag.containsKey("v9"));
    }

    public void testNoAttributesNoAffinities() {
        assertTrue(
                AttributeAffinities.none().of(new int[] {0}, new float[] {1f}).isEmpty());
        assertTrue(AttributeAffinities.none().isEmpty());
    }
}
