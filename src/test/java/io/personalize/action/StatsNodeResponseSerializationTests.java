package io.personalize.action;

import io.personalize.stats.CacheStatsSerializationTests;
import io.personalize.stats.ServingStatsSnapshotSerializationTests;
import org.elasticsearch.cluster.node.DiscoveryNodeUtils;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.AbstractWireSerializingTestCase;

/** One node's answer to {@code GET _recommend/_stats}, as it travels to the node that gathers them. */
public class StatsNodeResponseSerializationTests extends AbstractWireSerializingTestCase<StatsAction.NodeResponse> {

    @Override
    protected StatsAction.NodeResponse createTestInstance() {
        return new StatsAction.NodeResponse(
                DiscoveryNodeUtils.create(randomAlphaOfLengthBetween(1, 10)),
                ServingStatsSnapshotSerializationTests.randomSnapshot(),
                CacheStatsSerializationTests.randomStats(),
                CacheStatsSerializationTests.randomStats(),
                CacheStatsSerializationTests.randomStats());
    }

    @Override
    protected StatsAction.NodeResponse mutateInstance(StatsAction.NodeResponse r) {
        return randomValueOtherThan(r, this::createTestInstance);
    }

    @Override
    protected Writeable.Reader<StatsAction.NodeResponse> instanceReader() {
        return StatsAction.NodeResponse::new;
    }
}
