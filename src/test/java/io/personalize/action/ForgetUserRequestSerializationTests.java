package io.personalize.action;

import java.util.Locale;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.AbstractWireSerializingTestCase;

/** {@code DELETE _recommend/models/{model}/users/{user}}, as a node forwards it. */
public class ForgetUserRequestSerializationTests extends AbstractWireSerializingTestCase<ForgetUserAction.Request> {
    @Override
    protected ForgetUserAction.Request createTestInstance() {
        return new ForgetUserAction.Request(
                randomAlphaOfLengthBetween(1, 20).toLowerCase(Locale.ROOT), randomAlphaOfLengthBetween(1, 20));
    }

    @Override
    protected ForgetUserAction.Request mutateInstance(ForgetUserAction.Request r) {
        return randomBoolean()
                ? new ForgetUserAction.Request(r.model() + "x", r.userId())
                : new ForgetUserAction.Request(r.model(), r.userId() + "x");
    }

    @Override
    protected Writeable.Reader<ForgetUserAction.Request> instanceReader() {
        return ForgetUserAction.Request::new;
    }
}
