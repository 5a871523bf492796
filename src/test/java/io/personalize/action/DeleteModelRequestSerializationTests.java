package io.personalize.action;

import java.util.Locale;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.AbstractWireSerializingTestCase;

/** {@code DELETE _recommend/models/{name}}, as a node forwards it. */
public class DeleteModelRequestSerializationTests extends AbstractWireSerializingTestCase<DeleteModelAction.Request> {
    @Override
    protected DeleteModelAction.Request createTestInstance() {
        return new DeleteModelAction.Request(randomAlphaOfLengthBetween(1, 20).toLowerCase(Locale.ROOT));
    }

    @Override
    protected DeleteModelAction.Request mutateInstance(DeleteModelAction.Request r) {
        return new DeleteModelAction.Request(r.name() + "x");
    }

    @Override
    protected Writeable.Reader<DeleteModelAction.Request> instanceReader() {
        return DeleteModelAction.Request::new;
    }
}
