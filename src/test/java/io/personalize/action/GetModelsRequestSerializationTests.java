package io.personalize.action;

import java.util.Locale;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.AbstractWireSerializingTestCase;

/** {@code GET _recommend/models[/{name}]}, as a node forwards it. */
public class GetModelsRequestSerializationTests extends AbstractWireSerializingTestCase<GetModelsAction.Request> {
    @Override
    protected GetModelsAction.Request createTestInstance() {
        return new GetModelsAction.Request(
                randomBoolean() ? null : randomAlphaOfLengthBetween(1, 20).toLowerCase(Locale.ROOT));
    }

    @Override
    protected GetModelsAction.Request mutateInstance(GetModelsAction.Request r) {
        return new GetModelsAction.Request(
                r.name() == null ? randomAlphaOfLengthBetween(1, 20).toLowerCase(Locale.ROOT) : null);
    }

    @Override
    protected Writeable.Reader<GetModelsAction.Request> instanceReader() {
        return GetModelsAction.Request::new;
    }
}
