package io.personalize.rescore;

import io.personalize.model.ModelConfig;
import io.personalize.model.ModelStatus;
import io.personalize.profile.ActiveModel;
import io.personalize.profile.RecentItems;
import io.personalize.profile.RecentItemsCache;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.elasticsearch.common.settings.ClusterSettings;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.test.ESTestCase;

/**
 * The signals cache's key: whatever the signals are computed from changes the key (a new configuration, a new version,
 * a forgetting, an event through the API, another {@code recent_items}), so a cached entry is never served stale; and
 * the same state gives the same key, so a shopper's next search is served from the cache.
 */
public class SignalsCacheTests extends ESTestCase {

    private static ModelConfig config(ModelConfig.Events.RecentEvents recent, Map<String, Double> weights) {
        return new ModelConfig(
                new ModelConfig.Catalog("products", "sku", List.of("category"), null),
                new ModelConfig.Events("events", null, null, null, null, weights, null, null, recent),
                null,
                null);
    }

    private static ModelStatus.Version version(long number, long createdAt) {
        return new ModelStatus.Version(
                number, ".personalize-data-shop.abc.v" + number, "training", createdAt, 1, 1, 1, 1, 1, "cosine");
    }

    private static ActiveModel model(long configTerm, long configSeqNo, ModelStatus.Version version) {
        return new ActiveModel(
                "shop",
                config(ModelConfig.Events.RecentEvents.API, Map.of("view", 1.0)),
                version,
                configTerm,
                configSeqNo);
    }

    private static RecentItemsCache.Known written(long seqNo) {
        return new RecentItemsCache.Known(RecentItems.EMPTY, 1, seqNo);
    }

    public void testTheSameStateGivesTheSameKeyWhateverTheConfigurationsIdentity() {
        ModelStatus.Version v1 = version(1, 1000);
        SignalsCache.Key key = SignalsCache.keyOf(model(1, 7, v1), "u1", 10, 0, written(3));
        assertNotNull(key);
        // the configuration parsed again from the same write (another instance, equal or not: the write names it)
        ActiveModel again =
                new ActiveModel("shop", config(ModelConfig.Events.RecentEvents.API, Map.of("view", 1.0)), v1, 1, 7);
        assertEquals(key, SignalsCache.keyOf(again, "u1", 10, 0, written(3)));
        assertEquals(
                key.hashCode(),
                SignalsCache.keyOf(again, "u1", 10, 0, written(3)).hashCode());
    }

    public void testEveryChangeOfWhatTheSignalsAreComputedFromIsANewKey() {
        ModelStatus.Version v1 = version(1, 1000);
        SignalsCache.Key key = SignalsCache.keyOf(model(1, 7, v1), "u1", 10, 0, written(3));
        List<SignalsCache.Key> changed = List.of(
                // a PUT of the configuration: a new write of the model's document
                SignalsCache.keyOf(model(1, 8, v1), "u1", 10, 0, written(3)),
                // the same sequence number under a new primary term (the models index's primary moved)
                SignalsCache.keyOf(model(2, 7, v1), "u1", 10, 0, written(3)),
                // a new version activated
                SignalsCache.keyOf(model(1, 7, version(2, 2000)), "u1", 10, 0, written(3)),
                // the same version number in a new incarnation of the model (its index names the new uuid)
                SignalsCache.keyOf(
                        new ActiveModel(
                                "shop",
                                config(ModelConfig.Events.RecentEvents.API, Map.of("view", 1.0)),
                                new ModelStatus.Version(
                                        1, ".personalize-data-shop.def.v1", "training", 1000, 1, 1, 1, 1, 1, "cosine"),
                                1,
                                7),
                        "u1",
                        10,
                        0,
                        written(3)),
                // another shopper, another recent_items
                SignalsCache.keyOf(model(1, 7, v1), "u2", 10, 0, written(3)),
                SignalsCache.keyOf(model(1, 7, v1), "u1", 5, 0, written(3)),
                // the shopper forgotten
                SignalsCache.keyOf(model(1, 7, v1), "u1", 10, 12345, written(3)),
                // an event through the API: a new write of their newest-items document
                SignalsCache.keyOf(model(1, 7, v1), "u1", 10, 0, written(4)),
                SignalsCache.keyOf(model(1, 7, v1), "u1", 10, 0, new RecentItemsCache.Known(RecentItems.EMPTY, 2, 3)));
        assertEquals(changed.size(), Set.copyOf(changed).size());
        for (SignalsCache.Key other : changed) {
            assertNotNull(other);
            assertNotEquals(key, other);
        }
    }

    public void testNothingIsKeptWhenAnInputIsNotKnown() {
        ModelStatus.Version v1 = version(1, 1000);
        // their newest items not in this node's copy yet
        assertNull(SignalsCache.keyOf(model(1, 7, v1), "u1", 10, 0, null));
        // but no newest items counted: none needed
        assertNotNull(SignalsCache.keyOf(model(1, 7, v1), "u1", 0, 0, null));
        // newest items searched in the events index on every request
        ActiveModel fromIndex =
                new ActiveModel("shop", config(ModelConfig.Events.RecentEvents.INDEX, Map.of("view", 1.0)), v1, 1, 7);
        assertNull(SignalsCache.keyOf(fromIndex, "u1", 10, 0, written(3)));
        assertNotNull(SignalsCache.keyOf(fromIndex, "u1", 0, 0, null));
        // a configuration whose write is not known
        ActiveModel unstamped =
                new ActiveModel("shop", config(ModelConfig.Events.RecentEvents.API, Map.of("view", 1.0)), v1);
        assertNull(SignalsCache.keyOf(unstamped, "u1", 0, 0, null));
    }

    public void testAnEntryIsServedForItsKeyOnly() {
        SignalsCache cache =
                new SignalsCache(Settings.EMPTY, new ClusterSettings(Settings.EMPTY, Set.of(SignalsCache.SIZE)));
        ModelStatus.Version v1 = version(1, 1000);
        SignalsCache.Key key = SignalsCache.keyOf(model(1, 7, v1), "u1", 10, 0, written(3));
        PersonalizationSignals signals = new PersonalizationSignals(
                "sku", 1, new String[] {"a"}, new float[] {1}, new float[] {0}, new float[] {0}, null, null, Map.of());
        cache.put(key, signals);
        assertSame(signals, cache.get(SignalsCache.keyOf(model(1, 7, v1), "u1", 10, 0, written(3))));
        assertNull(cache.get(SignalsCache.keyOf(model(1, 8, v1), "u1", 10, 0, written(3))));
        assertNull(cache.get(SignalsCache.keyOf(model(1, 7, v1), "u1", 10, 0, written(4))));
        assertNull(cache.get(SignalsCache.keyOf(model(1, 7, v1), "u1", 10, 99, written(3))));
        // what _recommend/_stats shows of it: one entry, one search served from it, three not
        var stats = cache.stats();
        assertEquals(1, stats.entries());
        assertEquals(SignalsCache.weight(signals), stats.bytes());
        assertEquals(1, stats.hits());
        assertEquals(3, stats.misses());
    }

    /**
     * The node's popular part of a model version: built once and shared while the version and the configuration's
     * write are the same, a new one for either changed; one entry of the cache, weighed once.
     */
    public void testThePopularPartIsKeptOncePerVersionAndConfiguration() {
        SignalsCache cache =
                new SignalsCache(Settings.EMPTY, new ClusterSettings(Settings.EMPTY, Set.of(SignalsCache.SIZE)));
        io.personalize.serving.PopularList list =
                new io.personalize.serving.PopularList(List.of("a", "b"), new float[] {2f, 1f}, null);
        ModelStatus.Version v1 = version(1, 1000);
        PersonalizationSignals part = cache.popular(model(1, 7, v1), list);
        assertSame(part, cache.popular(model(1, 7, v1), list));
        assertNotSame(part, cache.popular(model(1, 8, v1), list));
        assertNotSame(part, cache.popular(model(1, 7, version(2, 2000)), list));
        assertNull(cache.popular(model(1, 7, v1), null));
        assertEquals(3, cache.stats().entries());
        // a configuration whose write is not known: built, not kept
        ActiveModel unstamped =
                new ActiveModel("shop", config(ModelConfig.Events.RecentEvents.API, Map.of("view", 1.0)), v1);
        assertNotSame(cache.popular(unstamped, list), cache.popular(unstamped, list));
        assertEquals(3, cache.stats().entries());
    }
}
