package io.personalize.it.model;

import static io.personalize.it.model.Models.path;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.personalize.bench.SyntheticEvents;
import io.personalize.it.EsClient;
import io.personalize.it.RealCluster;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A model for the import tests, on the shared single-node cluster: over an empty synthetic events index and a synthetic
 * catalogue, imported into rather than trained. Registered as a test class's extension ({@code @RegisterExtension}), it
 * is created before the class's tests (deleted first if an earlier run left it) and deleted after them, with its
 * indices; its names start with {@code prefix}.
 */
final class SyntheticModel implements BeforeAllCallback, AfterAllCallback {

    private final String model;
    private final String events;
    private final String items;
    private final int catalogItems;

    SyntheticModel(String prefix, int catalogItems) {
        this.model = prefix + "-model";
        this.events = prefix + "-events";
        this.items = prefix + "-items";
        this.catalogItems = catalogItems;
    }

    String model() {
        return model;
    }

    /** A node of the shared cluster. */
    EsClient es() {
        return RealCluster.single().any();
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        EsClient es = es();
        es.delete(path(model));
        SyntheticEvents.createIndex(es, events);
        SyntheticEvents.createCatalog(es, items, catalogItems);
        assertEquals(
                201,
                es.put(path(model), SyntheticEvents.modelConfig(items, events)).status());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        EsClient es = es();
        es.delete(path(model));
        es.delete("/" + events);
        es.delete("/" + items);
    }
}
