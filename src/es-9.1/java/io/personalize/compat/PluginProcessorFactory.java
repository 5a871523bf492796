package io.personalize.compat;

import java.util.Map;
import org.elasticsearch.cluster.metadata.ProjectId;
import org.elasticsearch.ingest.Processor;

/**
 * An ingest processor factory as the plugin writes it: {@link #create(Map, String, String, Map)}. Elasticsearch 9.1 on
 * also passes the pipeline's project, which the plugin's processors do not use; 9.0 and 8.19 do not (src/es-9.0).
 */
public interface PluginProcessorFactory extends Processor.Factory {

    Processor create(
            Map<String, Processor.Factory> registry, String tag, String description, Map<String, Object> config)
            throws Exception;

    @Override
    default Processor create(
            Map<String, Processor.Factory> registry,
            String tag,
            String description,
            Map<String, Object> config,
            ProjectId projectId)
            throws Exception {
        return create(registry, tag, description, config);
    }
}
