package io.personalize.compat;

import org.elasticsearch.TransportVersion;

/** The wire versions the plugin's named writeables declare (src/es-9.0 finds it on 9.0.x, which moved it). */
public final class WireVersions {

    private WireVersions() {}

    /** The oldest wire version this node still talks to: every node of a cluster it can join can read the object. */
    public static TransportVersion minimumCompatible() {
        return TransportVersion.minimumCompatible();
    }
}
