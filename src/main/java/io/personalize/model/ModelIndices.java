package io.personalize.model;

import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.indices.SystemIndexDescriptor;

import java.util.List;
import java.util.Locale;

/**
 * The system indices the plugin owns. Users never read them directly (Elasticsearch hides and guards system indices);
 * the plugin reads and writes them through a client with the {@link #ORIGIN} origin.
 * <ul>
 *   <li>{@code .personalize-models}: one document per model, its configuration and {@link ModelStatus};</li>
 *   <li>{@code .personalize-data-{model}.v{version}}: one index per model version, one document per item's neighbour
 *       list and per user's profile, so that serving fetches only what a request needs and a version is dropped
 *       whole.</li>
 * </ul>
 */
public final class ModelIndices {

    /**
     * The origin internal requests run under. With security on, Elasticsearch maps only the origins it knows to its
     * internal users and rejects any other, so a plugin cannot bring its own: "stack" is the generic origin for
     * stack features and gives access to system indices (see the README's security section).
     */
    public static final String ORIGIN = "stack";

    public static final String MODELS = ".personalize-models";
    static final String DATA_PREFIX = ".personalize-data-";
    public static final String DATA_PATTERN = DATA_PREFIX + "*";

    private static final int MAPPINGS_VERSION = 1;

    private ModelIndices() {}

    public static String dataIndex(String model, long version) {
        return DATA_PREFIX + model + ".v" + version;
    }

    /** Every data index of a model, for deleting them all (the model name cannot contain '.'). */
    /** Whether {@code index} is a version index of {@code model}. */
    public static boolean isDataIndexOf(String index, String model) {
        String prefix = DATA_PREFIX + model + ".v";
        if (index.startsWith(prefix) == false || index.length() == prefix.length()) {
            return false;
        }
        for (int i = prefix.length(); i < index.length(); i++) {
            if (Character.isDigit(index.charAt(i)) == false) {
                return false;
            }
        }
        return true;
    }

    public static String dataIndexPattern(String model) {
        return DATA_PREFIX + model + ".v*";
    }

    // Small indices read by id on every request: one shard, a copy on every node so that reads stay local.
    static Settings settings() {
        return Settings.builder()
            .put("index.number_of_shards", 1)
            .put("index.auto_expand_replicas", "0-all")
            .put("index.hidden", true)
            .build();
    }

    // Locale.ROOT: in some locales %d prints other digits (Persian, Arabic...), which is not JSON
    static String modelsMappings() {
        return String.format(Locale.ROOT, """
            {"_meta": {"%s": %d}, "dynamic": false,
             "properties": {"name": {"type": "keyword"}, "config": {"type": "object", "enabled": false},
                            "status": {"type": "object", "enabled": false}}}""", SystemIndexDescriptor.VERSION_META_KEY, MAPPINGS_VERSION);
    }

    /** Mappings of a version index: documents are read by id; only their kind and id are indexed, for scans. */
    public static String dataMappings() {
        return String.format(Locale.ROOT, """
            {"_meta": {"%s": %d}, "dynamic": false,
             "properties": {"kind": {"type": "keyword"}, "id": {"type": "keyword"}}}""", SystemIndexDescriptor.VERSION_META_KEY, MAPPINGS_VERSION);
    }

    /**
     * A version index is written once, then only read: no refresh while it is written, and an asynchronous translog
     * (no fsync per bulk) because the writer flushes the complete version before it becomes active.
     */
    public static Settings dataSettings() {
        return Settings.builder().put(settings()).put("index.refresh_interval", "-1").put("index.translog.durability", "async").build();
    }

    public static List<SystemIndexDescriptor> descriptors() {
        return List.of(
            SystemIndexDescriptor.builder()
                .setIndexPattern(MODELS + "*")
                .setPrimaryIndex(MODELS)
                .setDescription("personalize: recommendation model configurations and status")
                .setMappings(modelsMappings())
                .setSettings(settings())
                .setOrigin(ORIGIN)
                .setType(SystemIndexDescriptor.Type.INTERNAL_MANAGED)
                .build(),
            SystemIndexDescriptor.builder()
                .setIndexPattern(DATA_PATTERN)
                .setDescription("personalize: trained and imported model versions")
                .setOrigin(ORIGIN)
                .setType(SystemIndexDescriptor.Type.INTERNAL_UNMANAGED)
                .build()
        );
    }
}
