package io.personalize.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class IdDictionaryTests {

    @Test
    void renumberingGivesIdsInKeyOrderAndMapsTheOldOnes() {
        IdDictionary dictionary = new IdDictionary();
        String[] arrival = {"pear", "apple", "quince", "banana"};
        for (String key : arrival) {
            dictionary.add(key);
        }
        int[] remap = dictionary.renumberSorted();
        assertArrayEquals(new int[] {2, 0, 3, 1}, remap);
        String[] sorted = {"apple", "banana", "pear", "quince"};
        for (int id = 0; id < sorted.length; id++) {
            assertEquals(sorted[id], dictionary.get(id));
            assertEquals(id, dictionary.find(sorted[id]));
        }
        assertEquals(4, dictionary.size());
        assertEquals(4, dictionary.add("apricot"), "a renumbered dictionary still takes new keys");
    }

    @Test
    void sameKeysInAnyOrderGetTheSameIds() {
        IdDictionary a = new IdDictionary();
        IdDictionary b = new IdDictionary();
        for (int i = 0; i < 1000; i++) {
            a.add("user-" + i);
            b.add("user-" + (999 - i));
        }
        a.renumberSorted();
        b.renumberSorted();
        for (int id = 0; id < 1000; id++) {
            assertEquals(a.get(id), b.get(id));
        }
    }
}
