package io.personalize.stats;

import java.io.IOException;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.elasticsearch.ExceptionsHelper;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.tasks.TaskCancelledException;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;

/**
 * What this node served since it started: per endpoint, requests, failures and latency percentiles (HdrHistogram,
 * microseconds, two significant digits); and trainings by outcome. Shown by {@code GET _recommend/_stats}.
 */
public final class ServingStats {

    public enum Endpoint {
        RECOMMEND,
        RESCORE,
        TRAIN,
        EVALUATE,
        IMPORT;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    // an hour in microseconds: longer requests are recorded as an hour
    private static final long MAX_MICROS = 3_600_000_000L;

    private final Map<Endpoint, Counter> counters = new EnumMap<>(Endpoint.class);
    private final LongAdder trainingsSucceeded = new LongAdder();
    private final LongAdder trainingsFailed = new LongAdder();
    private final LongAdder trainingsCancelled = new LongAdder();

    private static final class Counter {
        final LongAdder count = new LongAdder();
        final LongAdder failures = new LongAdder();
        final ConcurrentHistogram micros = new ConcurrentHistogram(MAX_MICROS, 2);
    }

    public ServingStats() {
        for (Endpoint endpoint : Endpoint.values()) {
            counters.put(endpoint, new Counter());
        }
    }

    public void record(Endpoint endpoint, long nanos, boolean ok) {
        Counter counter = counters.get(endpoint);
        counter.count.increment();
        if (ok == false) {
            counter.failures.increment();
        }
        counter.micros.recordValue(Math.min(MAX_MICROS, Math.max(0, nanos / 1000)));
    }

    /** The listener, recording the time from now to its completion and whether it failed. */
    public <T> ActionListener<T> timed(Endpoint endpoint, ActionListener<T> listener) {
        long start = System.nanoTime();
        return ActionListener.wrap(
                response -> {
                    record(endpoint, System.nanoTime() - start, true);
                    listener.onResponse(response);
                },
                e -> {
                    record(endpoint, System.nanoTime() - start, false);
                    listener.onFailure(e);
                });
    }

    /** The listener of a training that started, counting its outcome when it ends. */
    public <T> ActionListener<T> countTraining(ActionListener<T> listener) {
        return ActionListener.wrap(
                response -> {
                    trainingEnded(null);
                    listener.onResponse(response);
                },
                e -> {
                    trainingEnded(e);
                    listener.onFailure(e);
                });
    }

    private void trainingEnded(Exception failure) {
        if (failure == null) {
            trainingsSucceeded.increment();
        } else if (ExceptionsHelper.unwrapCause(failure) instanceof TaskCancelledException) {
            trainingsCancelled.increment();
        } else {
            trainingsFailed.increment();
        }
    }

    public Snapshot snapshot() {
        Map<Endpoint, EndpointSnapshot> endpoints = new EnumMap<>(Endpoint.class);
        counters.forEach((endpoint, c) -> endpoints.put(
                endpoint,
                new EndpointSnapshot(
                        c.count.sum(),
                        c.failures.sum(),
                        c.micros.getTotalCount() == 0 ? 0 : c.micros.getMean() / 1000,
                        c.micros.getValueAtPercentile(50) / 1000.0,
                        c.micros.getValueAtPercentile(99) / 1000.0,
                        c.micros.getMaxValue() / 1000.0)));
        return new Snapshot(endpoints, trainingsSucceeded.sum(), trainingsFailed.sum(), trainingsCancelled.sum());
    }

    /** One endpoint's figures; latencies in milliseconds. */
    public record EndpointSnapshot(
            long count, long failures, double meanMillis, double p50Millis, double p99Millis, double maxMillis)
            implements Writeable, ToXContentObject {

        EndpointSnapshot(StreamInput in) throws IOException {
            this(in.readVLong(), in.readVLong(), in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeVLong(count);
            out.writeVLong(failures);
            out.writeDouble(meanMillis);
            out.writeDouble(p50Millis);
            out.writeDouble(p99Millis);
            out.writeDouble(maxMillis);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            return builder.startObject()
                    .field("count", count)
                    .field("failures", failures)
                    .field(
                            "latency_ms",
                            Map.of(
                                    "mean",
                                    round(meanMillis),
                                    "p50",
                                    round(p50Millis),
                                    "p99",
                                    round(p99Millis),
                                    "max",
                                    round(maxMillis)))
                    .endObject();
        }

        private static double round(double millis) {
            return Math.round(millis * 100) / 100.0;
        }
    }

    /** A node's figures at one moment. */
    public record Snapshot(
            Map<Endpoint, EndpointSnapshot> endpoints,
            long trainingsSucceeded,
            long trainingsFailed,
            long trainingsCancelled)
            implements Writeable, ToXContentObject {

        public Snapshot(StreamInput in) throws IOException {
            this(
                    in.readMap(i -> i.readEnum(Endpoint.class), EndpointSnapshot::new),
                    in.readVLong(),
                    in.readVLong(),
                    in.readVLong());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeMap(endpoints, StreamOutput::writeEnum, (o, s) -> s.writeTo(o));
            out.writeVLong(trainingsSucceeded);
            out.writeVLong(trainingsFailed);
            out.writeVLong(trainingsCancelled);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            builder.startObject().startObject("requests");
            for (Map.Entry<Endpoint, EndpointSnapshot> e : endpoints.entrySet()) {
                builder.field(e.getKey().toString(), e.getValue());
            }
            builder.endObject();
            return builder.startObject("trainings")
                    .field("succeeded", trainingsSucceeded)
                    .field("failed", trainingsFailed)
                    .field("cancelled", trainingsCancelled)
                    .endObject()
                    .endObject();
        }
    }
}
