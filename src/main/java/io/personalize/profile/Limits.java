package io.personalize.profile;

import java.util.List;
import org.elasticsearch.common.settings.ClusterSettings;
import org.elasticsearch.common.settings.Setting;
import org.elasticsearch.common.settings.Settings;

/**
 * Bounds on what one request may ask for, as dynamic cluster settings ({@code PUT _cluster/settings}), so that an
 * operator can tighten them without a restart. The defaults suit a shop's pages: shelves of up to 100 items, a cart of
 * up to 100 items.
 */
public final class Limits {

    public static final Setting<Integer> MAX_SIZE = Setting.intSetting(
            "personalize.recommend.max_size", 100, 1, 10_000, Setting.Property.NodeScope, Setting.Property.Dynamic);
    public static final Setting<Integer> MAX_ITEM_IDS = Setting.intSetting(
            "personalize.recommend.max_item_ids", 100, 1, 10_000, Setting.Property.NodeScope, Setting.Property.Dynamic);
    public static final Setting<Integer> MAX_EXCLUDE = Setting.intSetting(
            "personalize.recommend.max_exclude",
            1000,
            0,
            100_000,
            Setting.Property.NodeScope,
            Setting.Property.Dynamic);
    public static final Setting<Integer> MAX_CONTEXT_ITEMS = Setting.intSetting(
            "personalize.rescore.max_context_items",
            100,
            0,
            10_000,
            Setting.Property.NodeScope,
            Setting.Property.Dynamic);
    public static final Setting<Integer> MAX_WINDOW_SIZE = Setting.intSetting(
            "personalize.rescore.max_window_size",
            10_000,
            1,
            100_000,
            Setting.Property.NodeScope,
            Setting.Property.Dynamic);
    public static final Setting<Integer> MAX_RECENT_ITEMS = Setting.intSetting(
            "personalize.max_recent_items", 100, 0, 1_000, Setting.Property.NodeScope, Setting.Property.Dynamic);

    public static List<Setting<?>> settings() {
        return List.of(MAX_SIZE, MAX_ITEM_IDS, MAX_EXCLUDE, MAX_CONTEXT_ITEMS, MAX_WINDOW_SIZE, MAX_RECENT_ITEMS);
    }

    /** The defaults, for callers without a node (tests, Java clients building requests). */
    public static final Limits DEFAULTS = new Limits(Settings.EMPTY, null);

    private volatile int maxSize;
    private volatile int maxItemIds;
    private volatile int maxExclude;
    private volatile int maxContextItems;
    private volatile int maxWindowSize;
    private volatile int maxRecentItems;

    public Limits(Settings settings, ClusterSettings clusterSettings) {
        maxSize = MAX_SIZE.get(settings);
        maxItemIds = MAX_ITEM_IDS.get(settings);
        maxExclude = MAX_EXCLUDE.get(settings);
        maxContextItems = MAX_CONTEXT_ITEMS.get(settings);
        maxWindowSize = MAX_WINDOW_SIZE.get(settings);
        maxRecentItems = MAX_RECENT_ITEMS.get(settings);
        if (clusterSettings != null) {
            clusterSettings.addSettingsUpdateConsumer(MAX_SIZE, v -> maxSize = v);
            clusterSettings.addSettingsUpdateConsumer(MAX_ITEM_IDS, v -> maxItemIds = v);
            clusterSettings.addSettingsUpdateConsumer(MAX_EXCLUDE, v -> maxExclude = v);
            clusterSettings.addSettingsUpdateConsumer(MAX_CONTEXT_ITEMS, v -> maxContextItems = v);
            clusterSettings.addSettingsUpdateConsumer(MAX_WINDOW_SIZE, v -> maxWindowSize = v);
            clusterSettings.addSettingsUpdateConsumer(MAX_RECENT_ITEMS, v -> maxRecentItems = v);
        }
    }

    public void checkSize(int size) {
        check(size, maxSize, "size", MAX_SIZE);
    }

    public void checkItemIds(int count) {
        check(count, maxItemIds, "item_ids", MAX_ITEM_IDS);
    }

    public void checkExclude(int count) {
        check(count, maxExclude, "exclude", MAX_EXCLUDE);
    }

    public void checkContextItems(int count) {
        check(count, maxContextItems, "context_items", MAX_CONTEXT_ITEMS);
    }

    public void checkWindowSize(int window) {
        check(window, maxWindowSize, "window_size", MAX_WINDOW_SIZE);
    }

    public void checkRecentItems(int count) {
        check(count, maxRecentItems, "recent_items", MAX_RECENT_ITEMS);
    }

    private static void check(int value, int max, String field, Setting<Integer> setting) {
        if (value > max) {
            throw new IllegalArgumentException("[" + field + "] is [" + value + "], more than the limit of [" + max
                    + "] set by [" + setting.getKey() + "]");
        }
    }
}
