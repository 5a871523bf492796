package io.personalize.it.events;

import io.personalize.it.RealCluster;

/** {@link EventsCases} on three nodes: every index with three shards and a replica. */
class EventsThreeNodeIT extends EventsCases {
    EventsThreeNodeIT() {
        super(RealCluster.three(), "ev3");
    }
}
