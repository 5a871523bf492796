package io.personalize.stats;

import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.AbstractWireSerializingTestCase;

/** A node's serving-cache figures, as it answers {@code GET _recommend/stats}. */
public class CacheStatsSerializationTests extends AbstractWireSerializingTestCase<CacheStats> {

    public static CacheStats randomStats() {
        return new CacheStats(
                randomNonNegativeLong(),
                randomNonNegativeLong(),
                randomNonNegativeLong(),
                randomNonNegativeLong(),
                randomNonNegativeLong(),
                randomNonNegativeLong());
    }

    @Override
    protected CacheStats createTestInstance() {
        return randomStats();
    }

    @Override
    protected CacheStats mutateInstance(CacheStats c) {
        return randomValueOtherThan(c, this::createTestInstance);
    }

    @Override
    protected Writeable.Reader<CacheStats> instanceReader() {
        return CacheStats::new;
    }
}
