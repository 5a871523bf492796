package io.personalize.compat;

import org.elasticsearch.indices.SystemIndexDescriptor;

/** How a system index descriptor is started for a managed index (one Elasticsearch creates and upgrades itself). */
public final class SystemIndexDescriptors {

    /**
     * The key in the mappings' {@code _meta} that 8.19 reads the node version from when it upgrades a managed index: the
     * plugin's mappings carry only their own version ({@code managed_index_mappings_version}), and 8.19 reads this one on
     * a best effort basis (absent is fine).
     */
    private static final String NODE_VERSION_META_KEY = "version";

    private SystemIndexDescriptors() {}

    /** A builder for a managed system index. 8.19 requires a node version key for managed system indices; Elasticsearch 9 has none (it versions their mappings only). */
    public static SystemIndexDescriptor.Builder managed() {
        return SystemIndexDescriptor.builder().setVersionMetaKey(NODE_VERSION_META_KEY);
    }
}
