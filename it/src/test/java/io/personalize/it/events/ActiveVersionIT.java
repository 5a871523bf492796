package io.personalize.it.events;

import io.personalize.it.RealCluster;

/** {@link ActiveVersionCases} on one node. */
class ActiveVersionIT extends ActiveVersionCases {
    ActiveVersionIT() {
        super(RealCluster.single(), "av1");
    }
}
