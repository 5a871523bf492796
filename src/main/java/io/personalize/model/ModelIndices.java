package io.personalize.model;

import io.personalize.compat.SystemIndexDescriptors;
import java.util.List;
import java.util.Locale;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.indices.SystemIndexDescriptor;

/**
 * The system indices the plugin owns. Users never read them directly (Elasticsearch hides and guards system indices);
 * the plugin reads and writes them through a client with the {@link #ORIGIN} origin.
 * <ul>
 *   <li>{@code .personalize-models}: one document per model, its configuration and {@link ModelStatus};</li>
 *   <li>{@code .personalize-data-{model}.{uuid}.v{version}}: one index per model version, one document per item's
 *       neighbour list and per user's profile, so that serving fetches only what a request needs and a version is
 *       dropped whole. The uuid is the model's, new each time a model is created: a model deleted and created again
 *       numbers its versions from 1 again, never in an index of the old one ({@code .personalize-data-{model}.v{version}}
 *       for models created before uuids).</li>
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

    /** A version index's name before models had a uuid (still recognised: such models keep their indices). */
    public static String dataIndex(String model, long version) {
        return DATA_PREFIX + model + ".v" + version;
    }

    /**
     * The index of version {@code version} of the incarnation {@code uuid} of {@code model}: the uuid keeps a model
     * deleted and created again (which numbers its versions from 1 again) from ever reusing an older incarnation's
     * index names, so that no late work of the old one can touch the new one's data. {@code uuid} null: the name
     * models without a uuid used.
     */
    public static String dataIndex(String model, String uuid, long version) {
        return uuid == null ? dataIndex(model, version) : DATA_PREFIX + model + "." + uuid + ".v" + version;
    }

    /** What a version index's name says: the model, its incarnation (null for the older names) and the version. */
    public record DataIndex(String model, String uuid, long version) {}

    /**
     * Parses {@code .personalize-data-{model}.{uuid}.v{version}} or {@code .personalize-data-{model}.v{version}}; null
     * for any other name. Model names cannot contain '.', uuids are lower-case hex.
     */
    public static DataIndex parseDataIndex(String index) {
        if (index.startsWith(DATA_PREFIX) == false) {
            return null;
        }
        String rest = index.substring(DATA_PREFIX.length());
        int v = rest.lastIndexOf(".v");
        if (v <= 0 || v + 2 == rest.length()) {
            return null;
        }
        for (int i = v + 2; i < rest.length(); i++) {
            if (Character.isDigit(rest.charAt(i)) == false) {
                return null;
            }
        }
        long version;
        try {
            version = Long.parseLong(rest.substring(v + 2));
        } catch (NumberFormatException e) {
            return null;
        }
        String head = rest.substring(0, v);
        int dot = head.indexOf('.');
        if (dot < 0) {
            return new DataIndex(head, null, version);
        }
        String uuid = head.substring(dot + 1);
        if (dot == 0
                || uuid.isEmpty()
                || uuid.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) == false) {
            return null;
        }
        return new DataIndex(head.substring(0, dot), uuid, version);
    }

    /** Whether {@code index} is a version index of {@code model} (of any incarnation). */
    public static boolean isDataIndexOf(String index, String model) {
        DataIndex parsed = parseDataIndex(index);
        return parsed != null && parsed.model().equals(model);
    }

    /** Every version index of one incarnation of a model ({@code uuid} null: the names of models without a uuid). */
    public static String dataIndexPattern(String model, String uuid) {
        return uuid == null ? DATA_PREFIX + model + ".v*" : DATA_PREFIX + model + "." + uuid + ".v*";
    }

    static final String RECENT_PREFIX = ".personalize-recent-";

    /**
     * The index of one incarnation of a model that holds, per user, the newest distinct items they had events on
     * through {@code _events} (document id: the user id). Deleted with the model; a user's document with the user.
     */
    public static String recentIndex(String model, String uuid) {
        return uuid == null ? RECENT_PREFIX + model : RECENT_PREFIX + model + "." + uuid;
    }

    /** The recent-items index of the incarnation a version index belongs to (its name carries the uuid). */
    public static String recentIndexOf(String model, String versionIndex) {
        DataIndex parsed = parseDataIndex(versionIndex);
        return recentIndex(model, parsed == null ? null : parsed.uuid());
    }

    /** Read by id beside the profile on every request: one shard with a copy on every node; refreshed as usual. */
    public static Settings recentSettings() {
        return settings();
    }

    public static String recentMappings() {
        return String.format(Locale.ROOT, """
            {"_meta": {"%s": %d}, "dynamic": false, "properties": {}}""", SystemIndexDescriptor.VERSION_META_KEY, MAPPINGS_VERSION);
    }

    /** A new model's uuid: 16 random lower-case hex digits (index names must be lower case). */
    public static String newUuid() {
        return java.util.UUID.randomUUID().toString().replace("-", "").substring(0, 16);
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
    /**
     * The part of an import session that wrote a document, and its line there: doc values only, left out of the stored
     * source (serving never sees them), read back when a node takes a session over (see {@link ImportSessions}).
     */
    public static final String IMPORT_PART = "import_part";

    public static final String IMPORT_LINE = "import_line";

    public static String dataMappings() {
        return String.format(
                Locale.ROOT,
                """
            {"_meta": {"%s": %d}, "dynamic": false, "_source": {"excludes": ["%s", "%s"]},
             "properties": {"kind": {"type": "keyword"}, "id": {"type": "keyword"},
              "%s": {"type": "integer", "index": false}, "%s": {"type": "integer", "index": false}}}""",
                SystemIndexDescriptor.VERSION_META_KEY,
                MAPPINGS_VERSION,
                IMPORT_PART,
                IMPORT_LINE,
                IMPORT_PART,
                IMPORT_LINE);
    }

    /**
     * A version index is written once, then only read: no refresh while it is written, and an asynchronous translog
     * (no fsync per bulk) because the writer flushes the complete version before it becomes active.
     */
    public static Settings dataSettings() {
        return Settings.builder()
                .put(settings())
                .put("index.refresh_interval", "-1")
                .put("index.translog.durability", "async")
                .build();
    }

    public static List<SystemIndexDescriptor> descriptors() {
        return List.of(
                SystemIndexDescriptors.managed()
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
                        .build(),
                SystemIndexDescriptor.builder()
                        .setIndexPattern(RECENT_PREFIX + "*")
                        .setDescription("personalize: each user's newest items, kept by the events API")
                        .setOrigin(ORIGIN)
                        .setType(SystemIndexDescriptor.Type.INTERNAL_UNMANAGED)
                        .build());
    }
}
