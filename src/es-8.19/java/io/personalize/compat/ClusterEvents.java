package io.personalize.compat;

import org.elasticsearch.cluster.ClusterChangedEvent;

/** Questions about a cluster state change that Elasticsearch answers differently across releases (src/es-9.4). */
public final class ClusterEvents {

    private ClusterEvents() {}

    /**
     * Whether this change is the one that recovered the cluster state (a full cluster start): what 9.4's
     * {@code ClusterChangedEvent.clusterJustRecovered()} answers, from the two states as 9.4 does.
     */
    public static boolean justRecovered(ClusterChangedEvent event) {
        return event.state().clusterRecovered() && event.previousState().clusterRecovered() == false;
    }
}
