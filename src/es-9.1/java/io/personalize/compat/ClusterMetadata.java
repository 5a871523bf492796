package io.personalize.compat;

import java.util.Map;
import org.elasticsearch.cluster.ClusterState;
import org.elasticsearch.cluster.metadata.IndexMetadata;
import org.elasticsearch.cluster.metadata.ProjectId;
import org.elasticsearch.cluster.metadata.ProjectMetadata;

/**
 * Where the plugin's metadata and indices are in a cluster state: the default project from Elasticsearch 9.1 on (the
 * plugin's indices live there), the cluster-wide metadata in 9.0 and 8.19, which have no projects (src/es-9.0).
 */
public final class ClusterMetadata {

    private ClusterMetadata() {}

    /** The plugin's custom named {@code type}, or {@code empty} when the cluster state has none. */
    public static <T extends PluginMetadataCustom> T custom(ClusterState state, String type, T empty) {
        ProjectMetadata project = state.metadata().projects().get(ProjectId.DEFAULT);
        return project == null ? empty : project.custom(type, empty);
    }

    /** The cluster state with {@code custom} as the plugin's custom named {@code type}. */
    public static ClusterState withCustom(ClusterState state, String type, PluginMetadataCustom custom) {
        ProjectMetadata project = state.metadata().getProject(ProjectId.DEFAULT);
        return ClusterState.builder(state)
                .putProjectMetadata(ProjectMetadata.builder(project).putCustom(type, custom))
                .build();
    }

    /** The indices the cluster has (those of the default project), by name. */
    public static Map<String, IndexMetadata> indices(ClusterState state) {
        ProjectMetadata project = state.metadata().projects().get(ProjectId.DEFAULT);
        return project == null ? Map.of() : project.indices();
    }

    /** Whether the cluster has the index (in the default project). */
    public static boolean hasIndex(ClusterState state, String index) {
        return indices(state).containsKey(index);
    }
}
