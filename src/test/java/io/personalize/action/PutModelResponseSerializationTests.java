package io.personalize.action;

import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.AbstractWireSerializingTestCase;

/** The answer to {@code PUT _recommend/models/{name}}. */
public class PutModelResponseSerializationTests extends AbstractWireSerializingTestCase<PutModelAction.Response> {

    @Override
    protected PutModelAction.Response createTestInstance() {
        return new PutModelAction.Response(randomAlphaOfLengthBetween(1, 12), randomBoolean());
    }

    @Override
    protected PutModelAction.Response mutateInstance(PutModelAction.Response r) {
        return randomValueOtherThan(r, this::createTestInstance);
    }

    @Override
    protected Writeable.Reader<PutModelAction.Response> instanceReader() {
        return PutModelAction.Response::new;
    }
}
