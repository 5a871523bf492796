package io.personalize.action;

import io.personalize.model.ModelConfigSerializationTests;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.AbstractWireSerializingTestCase;

/** {@code PUT _recommend/models/{name}}, as the receiving node forwards it (the configuration as a Writeable). */
public class PutModelRequestSerializationTests extends AbstractWireSerializingTestCase<PutModelAction.Request> {

    @Override
    protected PutModelAction.Request createTestInstance() {
        return new PutModelAction.Request(
                randomAlphaOfLengthBetween(1, 20).toLowerCase(java.util.Locale.ROOT),
                ModelConfigSerializationTests.randomModelConfig());
    }

    @Override
    protected PutModelAction.Request mutateInstance(PutModelAction.Request r) {
        return randomBoolean()
                ? new PutModelAction.Request(r.name() + "x", r.config())
                : new PutModelAction.Request(
                        r.name(), randomValueOtherThan(r.config(), ModelConfigSerializationTests::randomModelConfig));
    }

    @Override
    protected Writeable.Reader<PutModelAction.Request> instanceReader() {
        return PutModelAction.Request::new;
    }
}
