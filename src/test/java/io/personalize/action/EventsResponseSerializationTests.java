package io.personalize.action;

import java.util.ArrayList;
import java.util.List;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.test.AbstractWireSerializingTestCase;

/**
 * The events API's answer on the wire (from the node that ran it to the REST node), with and without the failure of
 * the newest items' update.
 */
public class EventsResponseSerializationTests extends AbstractWireSerializingTestCase<EventsAction.Response> {

    @Override
    protected Writeable.Reader<EventsAction.Response> instanceReader() {
        return EventsAction.Response::new;
    }

    @Override
    protected EventsAction.Response createTestInstance() {
        List<EventsAction.Item> items = new ArrayList<>();
        int n = between(0, 5);
        for (int i = 0; i < n; i++) {
            items.add(
                    randomBoolean()
                            ? EventsAction.Item.written(randomAlphaOfLength(20))
                            : EventsAction.Item.failed(
                                    randomFrom(RestStatus.BAD_REQUEST, RestStatus.CONFLICT),
                                    randomBoolean() ? null : randomAlphaOfLength(20),
                                    "illegal_argument_exception",
                                    randomAlphaOfLength(9)));
        }
        return new EventsAction.Response(randomNonNegativeLong(), items, randomBoolean() ? null : recentItemsFailure());
    }

    private static EventsAction.Item recentItemsFailure() {
        return EventsAction.Item.failed(RestStatus.FORBIDDEN, "cluster_block_exception", randomAlphaOfLength(12));
    }

    @Override
    protected EventsAction.Response mutateInstance(EventsAction.Response instance) {
        return new EventsAction.Response(
                instance.took() + 1, instance.items(), instance.recentItems() == null ? recentItemsFailure() : null);
    }
}
