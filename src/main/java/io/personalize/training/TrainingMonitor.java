package io.personalize.training;

/**
 * Progress and cancellation hook for long-running training steps.
 *
 * <p>Training code calls {@link #progress} every now and then and {@link #checkCancelled()} at
 * regular intervals; an implementation cancels training by throwing from {@code checkCancelled}
 * (the plugin's training task throws Elasticsearch's TaskCancelledException). {@link #progress} is called from the thread
 * that runs the training step; {@link #checkCancelled()} also from the helper threads of its {@link Workers}, so it must
 * be safe to call from any thread.
 */
public interface TrainingMonitor {

    /** A monitor that ignores progress and never cancels. */
    TrainingMonitor NOOP = new TrainingMonitor() {
        @Override
        public void progress(String phase, long done, long total) {}

        @Override
        public void checkCancelled() {}
    };

    /**
     * Reports progress of a phase.
     *
     * @param phase short, stable phase name (for example {@code "similarity"})
     * @param done units of work done so far in that phase
     * @param total total units of work of that phase
     */
    void progress(String phase, long done, long total);

    /** Throws (any unchecked exception) if training must stop. */
    void checkCancelled();
}
