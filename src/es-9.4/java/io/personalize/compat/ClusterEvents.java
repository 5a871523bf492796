package io.personalize.compat;

import org.elasticsearch.cluster.ClusterChangedEvent;

/** Questions about a cluster state change that Elasticsearch answers differently across releases (src/es-9.2). */
public final class ClusterEvents {

    private ClusterEvents() {}

    /** Whether this change is the one that recovered the cluster state (a full cluster start). */
    public static boolean justRecovered(ClusterChangedEvent event) {
        return event.clusterJustRecovered();
    }
}
