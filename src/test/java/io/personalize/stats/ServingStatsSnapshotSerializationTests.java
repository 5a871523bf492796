package io.personalize.stats;

import java.util.EnumMap;
import java.util.Map;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.AbstractWireSerializingTestCase;

/** A node's request and training figures, as it answers {@code GET _recommend/stats}. */
public class ServingStatsSnapshotSerializationTests extends AbstractWireSerializingTestCase<ServingStats.Snapshot> {

    static Map<ServingStats.Endpoint, ServingStats.EndpointSnapshot> randomEndpoints() {
        Map<ServingStats.Endpoint, ServingStats.EndpointSnapshot> endpoints =
                new EnumMap<>(ServingStats.Endpoint.class);
        for (ServingStats.Endpoint endpoint : ServingStats.Endpoint.values()) {
            if (randomBoolean()) {
                endpoints.put(
                        endpoint,
                        new ServingStats.EndpointSnapshot(
                                randomNonNegativeLong(),
                                randomNonNegativeLong(),
                                randomDouble(),
                                randomDouble(),
                                randomDouble(),
                                randomDouble()));
            }
        }
        return endpoints;
    }

    public static ServingStats.Snapshot randomSnapshot() {
        return new ServingStats.Snapshot(
                randomEndpoints(), randomNonNegativeLong(), randomNonNegativeLong(), randomNonNegativeLong());
    }

    @Override
    protected ServingStats.Snapshot createTestInstance() {
        return randomSnapshot();
    }

    @Override
    protected ServingStats.Snapshot mutateInstance(ServingStats.Snapshot s) {
        return switch (between(0, 3)) {
            case 0 ->
                new ServingStats.Snapshot(
                        randomValueOtherThan(s.endpoints(), ServingStatsSnapshotSerializationTests::randomEndpoints),
                        s.trainingsSucceeded(),
                        s.trainingsFailed(),
                        s.trainingsCancelled());
            case 1 ->
                new ServingStats.Snapshot(
                        s.endpoints(), s.trainingsSucceeded() + 1, s.trainingsFailed(), s.trainingsCancelled());
            case 2 ->
                new ServingStats.Snapshot(
                        s.endpoints(), s.trainingsSucceeded(), s.trainingsFailed() + 1, s.trainingsCancelled());
            default ->
                new ServingStats.Snapshot(
                        s.endpoints(), s.trainingsSucceeded(), s.trainingsFailed(), s.trainingsCancelled() + 1);
        };
    }

    @Override
    protected Writeable.Reader<ServingStats.Snapshot> instanceReader() {
        return ServingStats.Snapshot::new;
    }
}
