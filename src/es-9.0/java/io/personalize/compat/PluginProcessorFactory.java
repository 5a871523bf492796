package io.personalize.compat;

import java.util.Map;
import org.elasticsearch.ingest.Processor;

/**
 * An ingest processor factory as the plugin writes it: {@link #create(Map, String, String, Map)}, which is
 * {@code Processor.Factory}'s own in Elasticsearch 9.0 and 8.19 (9.1 on adds the project, src/es-9.1).
 */
public interface PluginProcessorFactory extends Processor.Factory {

    @Override
    Processor create(
            Map<String, Processor.Factory> registry, String tag, String description, Map<String, Object> config)
            throws Exception;
}
