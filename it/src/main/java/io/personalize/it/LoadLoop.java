package io.personalize.it;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * Sends requests from a few threads until stopped, and records each one's outcome: continuous traffic for fault
 * tests. Each thread loops over its own sequence of requests; a request that throws counts as a failure.
 */
public final class LoadLoop implements AutoCloseable {

    /** One request's outcome: when it ended, its status (0 when it threw) and the body of a failure. */
    public record Outcome(long nanoTime, int status, String failure) {
        public boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    private final List<Thread> threads = new ArrayList<>();

    /** Starts {@code count} threads; thread t sends {@code request.apply(t * 1_000_000 + i)} for i = 0, 1, ... */
    public LoadLoop(int count, Function<Integer, EsClient.Response> request) {
        for (int t = 0; t < count; t++) {
            int first = t * 1_000_000;
            Thread thread = new Thread(
                    () -> {
                        for (int i = first; running.get(); i++) {
                            try {
                                EsClient.Response response = request.apply(i);
                                outcomes.add(new Outcome(
                                        System.nanoTime(),
                                        response.status(),
                                        response.status() >= 300 ? response.body() : null));
                            } catch (RuntimeException e) {
                                outcomes.add(new Outcome(System.nanoTime(), 0, e.toString()));
                            }
                        }
                    },
                    "load-" + t);
            thread.setDaemon(true);
            thread.start();
            threads.add(thread);
        }
    }

    public List<Outcome> outcomes() {
        return List.copyOf(outcomes);
    }

    public List<Outcome> failures() {
        return outcomes.stream().filter(o -> o.ok() == false).toList();
    }

    @Override
    public void close() {
        running.set(false);
        for (Thread thread : threads) {
            try {
                thread.join(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
