package io.personalize.it.events;

import io.personalize.it.RealCluster;

/** {@link ActiveVersionCases} on three nodes: every index with three shards and a replica. */
class ActiveVersionThreeNodeIT extends ActiveVersionCases {
    ActiveVersionThreeNodeIT() {
        super(RealCluster.three(), "av3");
    }
}
