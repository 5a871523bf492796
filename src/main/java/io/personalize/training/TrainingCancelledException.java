package io.personalize.training;

/** Thrown by a {@link TrainingMonitor} to stop training. */
public class TrainingCancelledException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public TrainingCancelledException(String message) {
        super(message);
    }
}
