package io.personalize.training;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.function.ObjIntConsumer;
import java.util.function.Supplier;

/**
 * The threads a training's maths may use: the caller's own, plus up to {@code threads - 1} helpers taken from an
 * {@link Executor} (in the node, the {@code personalize_training_workers} thread pool; {@link #SERIAL} elsewhere).
 *
 * <p>{@link #forEach} runs independent tasks: each task runs exactly once, on whichever thread claims it first, and
 * writes only what no other task of the same call writes, so the results do not depend on the number of threads nor
 * on which thread ran what. The caller claims tasks like any helper and then waits only for the helpers that have
 * started (they hold claimed tasks); a helper that starts after the work ran out returns at once. A saturated or
 * shut-down executor therefore never blocks the caller: at worst it does every task itself. A task's exception
 * (cancellation included) stops the claiming, and the caller rethrows the first one once every started helper is done.
 */
public final class Workers {

    /** Everything on the caller's thread. */
    public static final Workers SERIAL = new Workers(null, 1);

    private final Executor executor;
    private final int threads;

    /**
     * @param executor where helpers run (may be null when {@code threads == 1})
     * @param threads the most threads a {@link #forEach} uses, the caller's included (>= 1)
     */
    public Workers(Executor executor, int threads) {
        if (threads < 1 || (threads > 1 && executor == null)) {
            throw new IllegalArgumentException("threads must be >= 1, with an executor beyond 1");
        }
        this.executor = executor;
        this.threads = threads;
    }

    /** The most threads a {@link #forEach} uses, the caller's included. */
    public int threads() {
        return threads;
    }

    /** Runs {@code body} for every task in {@code [0, tasks)}, each once; returns when all have run. */
    public void forEach(int tasks, IntConsumer body) {
        forEach(tasks, () -> null, (ignored, task) -> body.accept(task));
    }

    /**
     * Runs {@code body(scratch, task)} for every task in {@code [0, tasks)}, each once; returns when all have run.
     * Each thread taking part asks {@code scratch} for its own working state once (before its first task) and hands it
     * to every task it runs: buffers a task clears after use.
     */
    public <S> void forEach(int tasks, Supplier<S> scratch, ObjIntConsumer<S> body) {
        if (tasks <= 0) {
            return;
        }
        Run<S> run = new Run<>(tasks, scratch, body);
        int helpers = Math.min(threads, tasks) - 1;
        for (int h = 0; h < helpers; h++) {
            try {
                executor.execute(run::help);
            } catch (RejectedExecutionException e) {
                break; // a full queue or a closing node: the caller does the rest itself
            }
        }
        run.work();
        run.finish();
    }

    private static final class Run<S> {
        private final int tasks;
        private final Supplier<S> scratch;
        private final ObjIntConsumer<S> body;
        private final AtomicInteger next = new AtomicInteger();
        private volatile boolean failed;
        // guarded by this
        private int active;
        private boolean closed;
        private Throwable failure;

        Run(int tasks, Supplier<S> scratch, ObjIntConsumer<S> body) {
            this.tasks = tasks;
            this.scratch = scratch;
            this.body = body;
        }

        /** A helper's part: nothing if the caller has already finished. */
        void help() {
            synchronized (this) {
                if (closed) {
                    return;
                }
                active++;
            }
            try {
                work();
            } finally {
                synchronized (this) {
                    if (--active == 0) {
                        notifyAll();
                    }
                }
            }
        }

        /** Claims and runs tasks until none is left or one has failed; records the failure. */
        void work() {
            try {
                S state = null;
                boolean first = true;
                for (int t; failed == false && (t = next.getAndIncrement()) < tasks; ) {
                    if (first) {
                        state = scratch.get();
                        first = false;
                    }
                    body.accept(state, t);
                }
            } catch (Throwable e) {
                synchronized (this) {
                    if (failure == null) {
                        failure = e;
                    }
                    failed = true;
                }
            }
        }

        /** The caller's end: no helper may start any more; waits for the started ones, rethrows the first failure. */
        void finish() {
            boolean interrupted = false;
            Throwable first;
            synchronized (this) {
                closed = true;
                while (active > 0) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        // the helpers write into the caller's arrays and finish their tasks soon: wait for them
                        interrupted = true;
                    }
                }
                first = failure;
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            if (first instanceof RuntimeException e) {
                throw e;
            }
            if (first instanceof Error e) {
                throw e;
            }
            if (first != null) {
                throw new IllegalStateException(first);
            }
        }
    }
}
