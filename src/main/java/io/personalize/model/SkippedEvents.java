package io.personalize.model;

import io.personalize.recommend.Reason;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;

/**
 * The events a training skipped, per reason ({@link EventRules.Reason}), with the ids of the first few documents of
 * each reason, so that a shop can find and fix them: {@code "skipped_events": {"count": 3, "reasons":
 * {"in_the_future": {"count": 2, "first_ids": ["e1", "e9"]}, "id_too_long": {"count": 1, "first_ids": ["e4"]}}}}.
 */
public record SkippedEvents(long count, Map<String, Reason> reasons) implements ToXContentObject, Writeable {

    /** How many document ids are kept per reason. */
    public static final int IDS_PER_REASON = 5;

    public static final SkippedEvents NONE = new SkippedEvents(0, Map.of());

    /** The events skipped for one reason, and the ids of the first of them (when they were read). */
    public record Reason(long count, List<String> firstIds) {
        public Reason {
            firstIds = List.copyOf(firstIds);
        }
    }

    public SkippedEvents {
        reasons = Collections.unmodifiableMap(new TreeMap<>(reasons));
    }

    public SkippedEvents(StreamInput in) throws IOException {
        this(
                in.readVLong(),
                in.readMap(StreamInput::readString, i -> new Reason(i.readVLong(), i.readStringCollectionAsList())));
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeVLong(count);
        out.writeMap(reasons, StreamOutput::writeString, (o, r) -> {
            o.writeVLong(r.count());
            o.writeStringCollection(r.firstIds());
        });
    }

    /** The count of one reason (0 when none was skipped for it). */
    public long count(EventRules.Reason reason) {
        Reason r = reasons.get(reason.toString());
        return r == null ? 0 : r.count();
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject().field("count", count).startObject("reasons");
        for (Map.Entry<String, Reason> reason : reasons.entrySet()) {
            builder.startObject(reason.getKey())
                    .field("count", reason.getValue().count())
                    .field("first_ids", reason.getValue().firstIds())
                    .endObject();
        }
        return builder.endObject().endObject();
    }

    /** Reads the stored form back (lenient: unknown fields are ignored, as for the rest of the status). */
    @SuppressWarnings("unchecked")
    static SkippedEvents fromMap(Map<String, Object> map) {
        Map<String, Reason> reasons = new TreeMap<>();
        if (map.get("reasons") instanceof Map<?, ?> stored) {
            for (Map.Entry<?, ?> entry : stored.entrySet()) {
                if (entry.getValue() instanceof Map<?, ?> reason) {
                    long count = reason.get("count") instanceof Number n ? n.longValue() : 0;
                    List<String> ids = new ArrayList<>();
                    if (reason.get("first_ids") instanceof List<?> list) {
                        list.forEach(id -> ids.add(String.valueOf(id)));
                    }
                    reasons.put(String.valueOf(entry.getKey()), new Reason(count, ids));
                }
            }
        }
        return new SkippedEvents(map.get("count") instanceof Number n ? n.longValue() : 0, reasons);
    }

    /**
     * Counts skipped events while reading; not thread-safe (the reader calls it under its lock). The first few of each
     * reason are kept by document id or, when the id was not read, by position in the scan, to be looked up once the
     * reading is done ({@link #unresolved()}, {@link #resolve(Map)}).
     */
    public static final class Counter {
        private final long[] counts = new long[EventRules.Reason.values().length];
        private final List<List<Object>> ids = new ArrayList<>(); // String ids, or IndexScan.Position to look up
        private long total;

        public Counter() {
            for (int r = 0; r < counts.length; r++) {
                ids.add(new ArrayList<>(IDS_PER_REASON));
            }
        }

        /** Counts one skipped event; {@code id} is its document id, or null when it was not read. */
        public void skip(EventRules.Reason reason, String id) {
            skip(reason, id, null);
        }

        /** Counts one skipped event, known by its id or, when that is null, by its position in the scan (if any). */
        public void skip(EventRules.Reason reason, String id, IndexScan.Position position) {
            total++;
            counts[reason.ordinal()]++;
            List<Object> first = ids.get(reason.ordinal());
            if (first.size() < IDS_PER_REASON && (id != null || position != null)) {
                first.add(id != null ? id : position);
            }
        }

        /** The positions of the kept events whose ids are still to be looked up. */
        public List<IndexScan.Position> unresolved() {
            List<IndexScan.Position> positions = new ArrayList<>();
            ids.forEach(first -> first.forEach(id -> {
                if (id instanceof IndexScan.Position position) {
                    positions.add(position);
                }
            }));
            return positions;
        }

        /** Replaces positions by the ids found for them; those not found are dropped. */
        public void resolve(Map<IndexScan.Position, String> found) {
            for (List<Object> first : ids) {
                List<Object> resolved = new ArrayList<>(first.size());
                for (Object id : first) {
                    Object name = id instanceof IndexScan.Position position ? found.get(position) : id;
                    if (name != null) {
                        resolved.add(name);
                    }
                }
                first.clear();
                first.addAll(resolved);
            }
        }

        public long total() {
            return total;
        }

        public SkippedEvents build() {
            Map<String, Reason> reasons = new TreeMap<>();
            for (EventRules.Reason reason : EventRules.Reason.values()) {
                if (counts[reason.ordinal()] > 0) {
                    List<String> names = new ArrayList<>();
                    ids.get(reason.ordinal()).forEach(id -> {
                        if (id instanceof String name) {
                            names.add(name);
                        }
                    });
                    reasons.put(reason.toString(), new Reason(counts[reason.ordinal()], names));
                }
            }
            return new SkippedEvents(total, reasons);
        }
    }
}
