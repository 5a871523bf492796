package io.personalize.it.events;

import io.personalize.it.RealCluster;

/** {@link EventsCases} on one node. */
class EventsIT extends EventsCases {
    EventsIT() {
        super(RealCluster.single(), "ev1");
    }
}
