package io.personalize.action;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.AbstractWireSerializingTestCase;

/** The events API's request on the wire (from the REST node to the node that runs it). */
public class EventsRequestSerializationTests extends AbstractWireSerializingTestCase<EventsAction.Request> {

    @Override
    protected Writeable.Reader<EventsAction.Request> instanceReader() {
        return EventsAction.Request::new;
    }

    @Override
    protected EventsAction.Request createTestInstance() {
        List<Map<String, Object>> events = new ArrayList<>();
        int n = between(0, 5);
        for (int i = 0; i < n; i++) {
            events.add(Map.of(
                    "user_id", randomAlphaOfLength(5), "sku", randomAlphaOfLength(3), "@timestamp", randomLong()));
        }
        EventsAction.Request request = new EventsAction.Request(randomAlphaOfLength(6), events);
        return randomBoolean() ? request : request.index(randomAlphaOfLength(8));
    }

    @Override
    protected EventsAction.Request mutateInstance(EventsAction.Request instance) {
        return new EventsAction.Request(instance.model() + "x", instance.events()).index(instance.index());
    }
}
