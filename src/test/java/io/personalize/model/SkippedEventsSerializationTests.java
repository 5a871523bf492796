package io.personalize.model;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.AbstractXContentSerializingTestCase;
import org.elasticsearch.xcontent.XContentParser;

/** The events a training skipped, as stored in a version's status and sent with it. */
public class SkippedEventsSerializationTests extends AbstractXContentSerializingTestCase<SkippedEvents> {

    static SkippedEvents randomSkippedEvents(int minReasons) {
        Map<String, SkippedEvents.Reason> reasons = new HashMap<>();
        int n = between(minReasons, 4);
        long count = 0;
        for (int i = 0; i < n; i++) {
            long c = randomLongBetween(1, 1_000_000);
            count += c;
            reasons.put(
                    randomAlphaOfLengthBetween(1, 12),
                    new SkippedEvents.Reason(
                            c, randomList(0, SkippedEvents.IDS_PER_REASON, () -> randomAlphaOfLengthBetween(1, 10))));
        }
        return new SkippedEvents(Math.max(count, 1), reasons);
    }

    @Override
    protected SkippedEvents createTestInstance() {
        return randomSkippedEvents(0);
    }

    @Override
    protected SkippedEvents mutateInstance(SkippedEvents s) {
        return randomBoolean()
                ? new SkippedEvents(s.count() + between(1, 10), s.reasons())
                : new SkippedEvents(s.count(), randomValueOtherThan(s.reasons(), () -> randomSkippedEvents(1)
                        .reasons()));
    }

    @Override
    protected Writeable.Reader<SkippedEvents> instanceReader() {
        return SkippedEvents::new;
    }

    @Override
    protected SkippedEvents doParseInstance(XContentParser parser) throws IOException {
        return SkippedEvents.fromMap(parser.map());
    }
}
