package io.personalize.profile;

import static org.hamcrest.Matchers.equalTo;

import java.util.HashSet;
import org.elasticsearch.common.settings.ClusterSettings;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.test.ESTestCase;

public class LimitsTests extends ESTestCase {

    public void testDefaultsAndMessages() {
        Limits.DEFAULTS.checkSize(100);
        Limits.DEFAULTS.checkContextItems(100);
        Limits.DEFAULTS.checkWindowSize(10_000);
        IllegalArgumentException e =
                expectThrows(IllegalArgumentException.class, () -> Limits.DEFAULTS.checkContextItems(101));
        assertThat(
                e.getMessage(),
                equalTo(
                        "[context_items] is [101], more than the limit of [100] set by [personalize.rescore.max_context_items]"));
        expectThrows(IllegalArgumentException.class, () -> Limits.DEFAULTS.checkItemIds(101));
        expectThrows(IllegalArgumentException.class, () -> Limits.DEFAULTS.checkExclude(1001));
        expectThrows(IllegalArgumentException.class, () -> Limits.DEFAULTS.checkRecentItems(101));
    }

    public void testLimitsFollowDynamicSettings() {
        HashSet<org.elasticsearch.common.settings.Setting<?>> registered =
                new HashSet<>(ClusterSettings.BUILT_IN_CLUSTER_SETTINGS);
        registered.addAll(Limits.settings());
        ClusterSettings clusterSettings = new ClusterSettings(Settings.EMPTY, registered);
        Limits limits = new Limits(Settings.EMPTY, clusterSettings);
        limits.checkSize(50);
        clusterSettings.applySettings(
                Settings.builder().put("personalize.recommend.max_size", 20).build());
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> limits.checkSize(50));
        assertThat(
                e.getMessage(),
                equalTo("[size] is [50], more than the limit of [20] set by [personalize.recommend.max_size]"));
    }
}
