package io.personalize.serving;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.elasticsearch.test.ESTestCase;

/**
 * One shopper's memo ({@link NumberedItems}) served by many threads at once while the version's numbering grows and a
 * new version (another numbering, which gives the same items other slots) activates: no thread reads slots of one
 * numbering for another, a half-built memo, or a memo older than an item numbered before its call began (that item
 * would be missing from the exclusions: a bought item recommended again).
 */
public class NumberedItemsTests extends ESTestCase {

    private static final int ITEMS = 200;
    private static final int READERS = 6;

    public void testManyThreadsReadOnlyTheirNumberingsWholeAndCurrentSlots() {
        List<String> items = new ArrayList<>();
        for (int i = 0; i < ITEMS; i++) {
            items.add("item-" + i);
        }
        NumberedItems memo = NumberedItems.of(items);
        for (int round = 0; round < 20; round++) {
            ItemNumbering old = new ItemNumbering(100_000);
            ItemNumbering next = new ItemNumbering(100_000);
            // numbered[0] and [1]: item i was numbered (its slot() returned) in the old and the new numbering
            AtomicIntegerArray[] numbered = {new AtomicIntegerArray(ITEMS), new AtomicIntegerArray(ITEMS)};
            ItemNumbering[] numberings = {old, next};
            AtomicReference<ItemNumbering> active = new AtomicReference<>(old);
            AtomicIntegerArray finished = new AtomicIntegerArray(2);
            // each numbering gives the items slots in its own order (drawn here: the test's random is this thread's),
            // with other items between them
            List<List<Integer>> orders = new ArrayList<>();
            for (int n = 0; n < 2; n++) {
                List<Integer> order = new ArrayList<>();
                for (int i = 0; i < ITEMS; i++) {
                    order.add(i);
                }
                Collections.shuffle(order, random());
                orders.add(order);
            }
            assertNotEquals("the numberings give other slots", orders.get(0), orders.get(1));
            runInParallel(2 + READERS, thread -> {
                if (thread < 2) {
                    for (int k = 0; k < ITEMS; k++) {
                        int i = orders.get(thread).get(k);
                        numberings[thread].slot("other-" + thread + "-" + k);
                        numberings[thread].slot(items.get(i));
                        numbered[thread].set(i, 1);
                        if (thread == 0 && k == ITEMS / 2) {
                            active.set(next); // the new version activates while the old one still grows
                        }
                    }
                    finished.set(thread, 1);
                    return;
                }
                boolean[] before = new boolean[ITEMS];
                for (int call = thread; finished.get(0) == 0 || finished.get(1) == 0; call++) {
                    // mostly the active version; every third request still serves the other one
                    int which = (active.get() == next ? 1 : 0) ^ (call % 3 == 0 ? 1 : 0);
                    ItemNumbering numbering = numberings[which];
                    for (int i = 0; i < ITEMS; i++) {
                        before[i] = numbered[which].get(i) == 1;
                    }
                    int[] slots = memo.slotsIn(numbering);
                    assertEquals(ITEMS, slots.length);
                    for (int i = 0; i < ITEMS; i++) {
                        if (before[i]) {
                            assertTrue("item " + i + " was numbered before the call", slots[i] >= 0);
                        }
                        if (slots[i] >= 0) {
                            assertEquals("item " + i + "'s slot", numbering.slotOf(items.get(i)), slots[i]);
                        }
                    }
                }
            });
            // both numberings complete: every item has its slot in each
            for (ItemNumbering numbering : numberings) {
                int[] slots = memo.slotsIn(numbering);
                for (int i = 0; i < ITEMS; i++) {
                    assertEquals(numbering.slotOf(items.get(i)), slots[i]);
                }
            }
        }
    }
}
