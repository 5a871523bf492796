package io.personalize.compat;

import java.util.Map;
import org.elasticsearch.cluster.ClusterState;
import org.elasticsearch.cluster.metadata.IndexMetadata;
import org.elasticsearch.cluster.metadata.Metadata;

/**
 * Where the plugin's metadata and indices are in a cluster state: the cluster-wide metadata in Elasticsearch 9.0 and
 * 8.19, which have no projects (9.1 on: the default project, src/es-9.1).
 */
public final class ClusterMetadata {

    private ClusterMetadata() {}

    /** The plugin's custom named {@code type}, or {@code empty} when the cluster state has none. */
    public static <T extends PluginMetadataCustom> T custom(ClusterState state, String type, T empty) {
        return state.metadata().custom(type, empty);
    }

    /** The cluster state with {@code custom} as the plugin's custom named {@code type}. */
    public static ClusterState withCustom(ClusterState state, String type, PluginMetadataCustom custom) {
        return ClusterState.builder(state)
                .metadata(Metadata.builder(state.metadata()).putCustom(type, custom))
                .build();
    }

    /** The indices the cluster has, by name. */
    public static Map<String, IndexMetadata> indices(ClusterState state) {
        return state.metadata().indices();
    }

    /** Whether the cluster has the index. */
    public static boolean hasIndex(ClusterState state, String index) {
        return state.metadata().hasIndex(index);
    }
}
