package io.personalize.action;

import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.index.shard.ShardId;
import org.elasticsearch.test.AbstractWireSerializingTestCase;

/** The shard read of a shelf's candidates, as it travels to the node holding the copy. */
public class CatalogItemsRequestSerializationTests extends AbstractWireSerializingTestCase<CatalogItemsAction.Request> {

    @Override
    protected CatalogItemsAction.Request createTestInstance() {
        return new CatalogItemsAction.Request(
                randomAlphaOfLengthBetween(1, 10),
                new ShardId(randomAlphaOfLengthBetween(1, 10), randomAlphaOfLength(8), between(0, 5)),
                randomAlphaOfLengthBetween(1, 10),
                randomList(0, 3, () -> randomAlphaOfLengthBetween(1, 8)),
                randomList(0, 20, () -> randomAlphaOfLengthBetween(1, 12)),
                between(1, 100));
    }

    @Override
    protected CatalogItemsAction.Request mutateInstance(CatalogItemsAction.Request r) {
        return randomValueOtherThan(r, this::createTestInstance);
    }

    @Override
    protected Writeable.Reader<CatalogItemsAction.Request> instanceReader() {
        return CatalogItemsAction.Request::new;
    }
}
