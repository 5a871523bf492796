package io.personalize.compat;

import org.elasticsearch.indices.SystemIndexDescriptor;

/** How a system index descriptor is started for a managed index (one Elasticsearch creates and upgrades itself). */
public final class SystemIndexDescriptors {

    private SystemIndexDescriptors() {}

    /** A builder for a managed system index. Elasticsearch 9 versions a managed system index by its mappings only; 8.19 also requires a node version key (src/es-8.19). */
    public static SystemIndexDescriptor.Builder managed() {
        return SystemIndexDescriptor.builder();
    }
}
