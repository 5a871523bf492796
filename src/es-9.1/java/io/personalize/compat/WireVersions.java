package io.personalize.compat;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.elasticsearch.TransportVersion;
import org.elasticsearch.TransportVersions;

/**
 * The wire versions the plugin's named writeables declare. The oldest compatible one moved within 9.0.x and 9.1.x: the constant
 * {@code TransportVersions.MINIMUM_COMPATIBLE} up to 9.0.2 and 9.1.3, the method {@code TransportVersion.minimumCompatible()} in
 * 9.0.8 and 9.1.4 (and 8.19.5, 9.2 on). One zip per patch release is compiled against one server jar, so the 9.0 and 9.1 adapters look
 * it up once, whichever the node has, rather than split 9.0 and 9.1 into two adapter generations each for one call.
 */
public final class WireVersions {

    private static final TransportVersion MINIMUM_COMPATIBLE = lookUp();

    private WireVersions() {}

    /** The oldest wire version this node still talks to: every node of a cluster it can join can read the object. */
    public static TransportVersion minimumCompatible() {
        return MINIMUM_COMPATIBLE;
    }

    private static TransportVersion lookUp() {
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        try {
            return (TransportVersion) lookup.findStatic(
                            TransportVersion.class, "minimumCompatible", MethodType.methodType(TransportVersion.class))
                    .invoke();
        } catch (NoSuchMethodException e) {
            try {
                return (TransportVersion)
                        lookup.findStaticGetter(TransportVersions.class, "MINIMUM_COMPATIBLE", TransportVersion.class)
                                .invoke();
            } catch (Throwable t) {
                throw new IllegalStateException(
                        "this Elasticsearch release names no minimum compatible wire version", t);
            }
        } catch (Throwable t) {
            throw new IllegalStateException("this Elasticsearch release names no minimum compatible wire version", t);
        }
    }
}
