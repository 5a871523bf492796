package io.personalize.compat;

import java.util.Collection;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.elasticsearch.cluster.node.DiscoveryNodes;
import org.elasticsearch.features.NodeFeature;
import org.elasticsearch.plugins.ActionPlugin;
import org.elasticsearch.rest.RestHandler;

/**
 * How Elasticsearch asks an {@link ActionPlugin} for its REST handlers: 9.4 passes them a {@code RestHandlersServices}
 * record, 9.1 to 9.3 nine separate arguments (src/es-9.2). The plugin only implements {@link #restHandlers()}.
 */
public interface RestHandlersPlugin extends ActionPlugin {

    /** The plugin's REST handlers (Elasticsearch asks for them after createComponents). */
    List<RestHandler> restHandlers();

    @Override
    default Collection<RestHandler> getRestHandlers(
            RestHandlersServices services,
            Supplier<DiscoveryNodes> nodesInCluster,
            Predicate<NodeFeature> clusterSupportsFeature) {
        return restHandlers();
    }
}
