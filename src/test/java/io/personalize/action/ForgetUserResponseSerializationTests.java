package io.personalize.action;

import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.AbstractWireSerializingTestCase;

/** The answer to forgetting a user: the versions looked at and the profiles deleted. */
public class ForgetUserResponseSerializationTests extends AbstractWireSerializingTestCase<ForgetUserAction.Response> {

    @Override
    protected ForgetUserAction.Response createTestInstance() {
        return new ForgetUserAction.Response(
                randomAlphaOfLengthBetween(1, 12), randomAlphaOfLengthBetween(1, 12), between(0, 10), between(0, 10));
    }

    @Override
    protected ForgetUserAction.Response mutateInstance(ForgetUserAction.Response r) {
        return randomValueOtherThan(r, this::createTestInstance);
    }

    @Override
    protected Writeable.Reader<ForgetUserAction.Response> instanceReader() {
        return ForgetUserAction.Response::new;
    }
}
