package io.personalize.action;

import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.AbstractWireSerializingTestCase;

/** What each node is told to drop from its serving cache (a model's documents, or a forgotten user's profile). */
public class ClearCacheNodeRequestSerializationTests
        extends AbstractWireSerializingTestCase<ClearCacheAction.NodeRequest> {

    @Override
    protected ClearCacheAction.NodeRequest createTestInstance() {
        return new ClearCacheAction.NodeRequest(
                randomAlphaOfLengthBetween(1, 12),
                randomBoolean() ? null : randomAlphaOfLengthBetween(1, 30),
                randomBoolean() ? null : randomAlphaOfLengthBetween(1, 20),
                randomLong());
    }

    @Override
    protected ClearCacheAction.NodeRequest mutateInstance(ClearCacheAction.NodeRequest r) {
        return randomValueOtherThan(r, this::createTestInstance);
    }

    @Override
    protected Writeable.Reader<ClearCacheAction.NodeRequest> instanceReader() {
        return ClearCacheAction.NodeRequest::new;
    }
}
