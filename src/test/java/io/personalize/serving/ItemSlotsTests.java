package io.personalize.serving;

import java.util.HashMap;
import java.util.Map;
import org.elasticsearch.test.ESTestCase;

/** The id numbering answers as a {@code HashMap<String, Integer>} given the same calls does, through growth and clears. */
public class ItemSlotsTests extends ESTestCase {

    public void testAnswersAsAHashMap() {
        for (int round = 0; round < 50; round++) {
            ItemSlots slots = new ItemSlots(randomIntBetween(0, 40));
            Map<String, Integer> map = new HashMap<>();
            int n = randomIntBetween(0, 3000);
            for (int i = 0; i < n; i++) {
                // equal ids as distinct String instances, as ids parsed from different documents are
                String item = new String(randomFrom("85123", "é", "\uD83D\uDE00", "") + randomInt(n));
                int next = map.size();
                Integer expected = map.putIfAbsent(item, next);
                assertEquals(item, expected == null ? next : expected, slots.putIfAbsent(item, next));
            }
            assertEquals(map.size(), slots.size());
            map.forEach((item, slot) -> assertEquals(item, (int) slot, slots.get(new String(item))));
            assertEquals(-1, slots.get("never added"));
            slots.clear();
            assertEquals(0, slots.size());
            map.keySet().forEach(item -> assertEquals(item, -1, slots.get(item)));
            assertEquals(7, slots.putIfAbsent("again", 7));
            assertEquals(7, slots.get("again"));
        }
    }

    /** Ids whose hash codes share their low bits (a table indexed by them alone would probe long runs). */
    public void testIdsWithCollidingLowBits() {
        ItemSlots slots = new ItemSlots(16);
        int n = 5000;
        for (int i = 0; i < n; i++) {
            assertEquals(i, slots.putIfAbsent(Integer.toString(i * 1024), i));
        }
        for (int i = 0; i < n; i++) {
            assertEquals(i, slots.get(Integer.toString(i * 1024)));
        }
    }
}
