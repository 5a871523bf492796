package io.personalize.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class WorkersTests {

    @Test
    void everyTaskRunsOnceOnTheCallerAndTheHelpers() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            AtomicIntegerArray runs = new AtomicIntegerArray(5000);
            Set<Thread> threads = ConcurrentHashMap.newKeySet();
            AtomicInteger scratches = new AtomicInteger();
            Thread caller = Thread.currentThread();
            // the caller and the first helper meet in their first tasks, so that both take part however the threads
            // are scheduled (on a loaded machine a helper could otherwise run out the tasks before the caller claims
            // one, or the caller before a helper starts)
            CountDownLatch callerWorks = new CountDownLatch(1);
            CountDownLatch aHelperWorks = new CountDownLatch(1);
            new Workers(pool, 4).forEach(5000, scratches::incrementAndGet, (scratch, task) -> {
                runs.incrementAndGet(task);
                threads.add(Thread.currentThread());
                boolean isCaller = Thread.currentThread() == caller;
                (isCaller ? callerWorks : aHelperWorks).countDown();
                try {
                    assertTrue((isCaller ? aHelperWorks : callerWorks).await(30, TimeUnit.SECONDS), "no meeting");
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            for (int t = 0; t < runs.length(); t++) {
                assertEquals(1, runs.get(t), "task " + t);
            }
            assertTrue(threads.contains(Thread.currentThread()), "the caller works too");
            assertTrue(threads.size() > 1, "helpers took tasks: " + threads);
            assertEquals(threads.size(), scratches.get(), "one scratch per thread taking part");
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void aFullQueueLeavesTheWorkToTheCaller() {
        AtomicInteger done = new AtomicInteger();
        Workers rejecting = new Workers(
                command -> {
                    throw new RejectedExecutionException("queue full");
                },
                8);
        rejecting.forEach(100, task -> done.incrementAndGet());
        assertEquals(100, done.get());
    }

    @Test
    void helpersThatNeverStartDoNotBlockTheCallerAndDoNothingLater() {
        // a saturated pool: the helpers wait in its queue behind other work
        List<Runnable> queued = new ArrayList<>();
        AtomicInteger done = new AtomicInteger();
        new Workers(queued::add, 4).forEach(50, task -> done.incrementAndGet());
        assertEquals(50, done.get());
        assertEquals(3, queued.size());
        queued.forEach(Runnable::run);
        assertEquals(50, done.get(), "a helper that starts after the caller returned runs nothing");
    }

    @Test
    void aHelpersFailureStopsTheWorkAndTheCallerRethrowsItAfterTheHelpersStop() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            IllegalStateException cancelled = new IllegalStateException("cancelled");
            AtomicInteger running = new AtomicInteger();
            AtomicInteger ran = new AtomicInteger();
            CountDownLatch helperStarted = new CountDownLatch(1);
            Thread caller = Thread.currentThread();
            IllegalStateException thrown =
                    assertThrows(IllegalStateException.class, () -> new Workers(pool, 3).forEach(1_000_000, task -> {
                        running.incrementAndGet();
                        try {
                            if (Thread.currentThread() != caller) {
                                helperStarted.countDown();
                                throw cancelled;
                            }
                            // the caller waits for a helper to start, so that the failure comes from a helper
                            if (helperStarted.await(60, TimeUnit.SECONDS) == false) {
                                throw new AssertionError("no helper started in 60 s");
                            }
                            ran.incrementAndGet();
                        } catch (InterruptedException e) {
                            throw new AssertionError(e);
                        } finally {
                            running.decrementAndGet();
                        }
                    }));
            assertSame(cancelled, thrown);
            assertEquals(0, running.get(), "no task still runs once forEach has returned");
            assertTrue(ran.get() < 1_000_000, "the failure stopped the claiming");
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void oneThreadNeedsNoExecutor() {
        AtomicInteger done = new AtomicInteger();
        Workers.SERIAL.forEach(10, task -> done.incrementAndGet());
        assertEquals(10, done.get());
        assertThrows(IllegalArgumentException.class, () -> new Workers(null, 2));
        assertThrows(IllegalArgumentException.class, () -> new Workers(Runnable::run, 0));
    }
}
