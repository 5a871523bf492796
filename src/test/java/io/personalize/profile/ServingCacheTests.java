package io.personalize.profile;

import io.personalize.model.ModelConfig;
import io.personalize.model.ModelDocuments;
import io.personalize.model.ModelStatus;
import io.personalize.serving.ModelDocument;
import io.personalize.serving.NeighborList;
import io.personalize.serving.PopularList;
import java.util.List;
import java.util.Set;
import org.elasticsearch.common.settings.ClusterSettings;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.unit.ByteSizeValue;
import org.elasticsearch.test.ESTestCase;

public class ServingCacheTests extends ESTestCase {

    private static final ModelConfig CONFIG = new ModelConfig(
            new ModelConfig.Catalog("products", "sku", List.of(), null),
            new ModelConfig.Events("events", null, null, null, null, null, null, null),
            null,
            null);

    private static ActiveModel version(String model, long version, long createdAt) {
        String index = ".personalize-data-" + model + ".v" + version;
        return new ActiveModel(
                model, CONFIG, new ModelStatus.Version(version, index, "training", createdAt, 1, 1, 1, 1, 1, "cosine"));
    }

    private static ServingCache cache(Settings settings) {
        return new ServingCache(settings, new ClusterSettings(settings, Set.copyOf(ServingCache.settings())));
    }

    public void testDocumentsAreKeptPerVersionAndCreationTime() {
        ServingCache cache = cache(Settings.EMPTY);
        ActiveModel v1 = version("shop", 1, 100);
        cache.put(v1, ModelDocuments.POPULAR_ID, doc("popular of v1"), 100, cache.generation());
        cache.put(v1, ModelDocuments.userDocId("u1"), null, 0, cache.generation());
        assertEquals("popular of v1", label(cache.document(v1, ModelDocuments.POPULAR_ID)));
        assertEquals("absent", label(cache.document(v1, ModelDocuments.userDocId("u1"))));
        assertNull(label(cache.document(version("shop", 2, 200), ModelDocuments.POPULAR_ID)));
        // a model deleted and trained again reuses the index name, never the creation time
        assertNull(label(cache.document(version("shop", 1, 300), ModelDocuments.POPULAR_ID)));
        assertEquals(2, cache.stats().misses());
        assertEquals(2, cache.stats().hits());
    }

    public void testForgettingAUserDropsTheirProfileInEveryVersionOfThatModelOnly() {
        ServingCache cache = cache(Settings.EMPTY);
        ActiveModel v1 = version("shop", 1, 100), v2 = version("shop", 2, 200), other = version("shop2", 1, 100);
        String u1 = ModelDocuments.userDocId("u1");
        for (ActiveModel model : List.of(v1, v2, other)) {
            cache.put(model, u1, doc("profile"), 100, cache.generation());
            cache.put(model, ModelDocuments.userDocId("u2"), doc("profile"), 100, cache.generation());
        }
        cache.invalidateUser("shop", "u1");
        assertNull(label(cache.document(v1, u1)));
        assertNull(label(cache.document(v2, u1)));
        assertEquals("profile", label(cache.document(other, u1)));
        assertEquals("profile", label(cache.document(v2, ModelDocuments.userDocId("u2"))));
    }

    public void testANewVersionDropsTheOldOnesButKeepsItself() {
        ServingCache cache = cache(Settings.EMPTY);
        ActiveModel v1 = version("shop", 1, 100), v2 = version("shop", 2, 200), other = version("shop2", 1, 100);
        for (ActiveModel model : List.of(v1, v2, other)) {
            cache.put(model, ModelDocuments.POPULAR_ID, doc("popular"), 100, cache.generation());
        }
        cache.invalidateModel("shop", v2.index());
        assertNull(label(cache.document(v1, ModelDocuments.POPULAR_ID)));
        assertEquals("popular", label(cache.document(v2, ModelDocuments.POPULAR_ID)));
        assertEquals("popular", label(cache.document(other, ModelDocuments.POPULAR_ID)));
        cache.invalidateModel("shop", null);
        assertNull(label(cache.document(v2, ModelDocuments.POPULAR_ID)));
    }

    public void testBoundedInBytesAndResizedByTheDynamicSetting() {
        Settings settings =
                Settings.builder().put(ServingCache.SIZE.getKey(), "10kb").build();
        ClusterSettings clusterSettings = new ClusterSettings(settings, Set.copyOf(ServingCache.settings()));
        ServingCache cache = new ServingCache(settings, clusterSettings);
        ActiveModel v1 = version("shop", 1, 100);
        for (int i = 0; i < 100; i++) {
            cache.put(v1, ModelDocuments.itemDocId("item" + i), doc("neighbours"), 1000, cache.generation());
        }
        assertTrue(cache.stats().bytes() <= 10 * 1024);
        assertTrue(cache.stats().evictions() > 0);
        assertEquals(10 * 1024, cache.stats().limitBytes());

        clusterSettings.applySettings(
                Settings.builder().put(ServingCache.SIZE.getKey(), "1mb").build());
        assertEquals(1 << 20, cache.stats().limitBytes());
        assertEquals("a new bound starts an empty cache", 0, cache.stats().entries());
        for (int i = 0; i < 100; i++) {
            cache.put(v1, ModelDocuments.itemDocId("item" + i), doc("neighbours"), 1000, cache.generation());
        }
        assertEquals(100, cache.stats().entries());
    }

    public void testAReadStartedBeforeAnInvalidationIsNotCached() {
        ServingCache cache = cache(Settings.EMPTY);
        ActiveModel v1 = version("shop", 1, 100);
        long before = cache.generation();
        cache.invalidateUser("shop", "u1"); // the user is forgotten while their profile is being read
        cache.put(v1, ModelDocuments.userDocId("u1"), doc("profile read before the forgetting"), 100, before);
        assertNull(label(cache.document(v1, ModelDocuments.userDocId("u1"))));
        cache.put(v1, ModelDocuments.userDocId("u1"), doc("profile"), 100, cache.generation());
        assertEquals("profile", label(cache.document(v1, ModelDocuments.userDocId("u1"))));
    }

    public void testAnInvalidationBetweenTheGenerationCheckAndThePutLeavesNothing() {
        ServingCache cache = cache(Settings.EMPTY);
        ActiveModel v1 = version("shop", 1, 100);
        String u1 = ModelDocuments.userDocId("u1");
        // the interleaving of the race, made deterministic: the check has passed, the put has not happened yet
        cache.beforePut(() -> cache.invalidateUser("shop", "u1"));
        cache.put(v1, u1, doc("profile read before the forgetting"), 100, cache.generation());
        assertNull("the forgotten profile must not stay in the cache", label(cache.document(v1, u1)));
        cache.beforePut(() -> {});
        cache.put(v1, u1, doc("profile"), 100, cache.generation());
        assertEquals("a read after the invalidation is cached", "profile", label(cache.document(v1, u1)));
    }

    public void testAnInvalidationOfAnotherUserBetweenCheckAndPutDropsOnlyThisReadsEntry() {
        ServingCache cache = cache(Settings.EMPTY);
        ActiveModel v1 = version("shop", 1, 100);
        cache.put(v1, ModelDocuments.userDocId("u2"), doc("u2 profile"), 100, cache.generation());
        cache.beforePut(() -> cache.invalidateUser("shop", "u3"));
        cache.put(v1, ModelDocuments.userDocId("u1"), doc("u1 profile"), 100, cache.generation());
        // conservative: the read overlapped an invalidation, so it is not kept (a later read caches it)
        assertNull(label(cache.document(v1, ModelDocuments.userDocId("u1"))));
        assertEquals("u2 profile", label(cache.document(v1, ModelDocuments.userDocId("u2"))));
    }

    public void testADisabledCacheKeepsNothing() {
        ServingCache cache = ServingCache.disabled();
        ActiveModel v1 = version("shop", 1, 100);
        cache.put(v1, ModelDocuments.POPULAR_ID, doc("popular"), 100, cache.generation());
        assertNull(label(cache.document(v1, ModelDocuments.POPULAR_ID)));
    }

    public void testKnownItemsAreKeptPerVersionAndDroppedWithIt() {
        ServingCache cache = cache(Settings.EMPTY);
        ActiveModel v1 = version("shop", 1, 100), v2 = version("shop", 2, 200);
        cache.knownItem(v1, "a", true, cache.generation());
        cache.knownItem(v1, "new", false, cache.generation());
        cache.knownItem(v2, "a", true, cache.generation());
        assertEquals(Boolean.TRUE, cache.knownItem(v1, "a"));
        assertEquals(Boolean.FALSE, cache.knownItem(v1, "new"));
        assertNull(cache.knownItem(v1, "unasked"));
        // a model deleted and trained again reuses the index name, never the creation time
        assertNull(cache.knownItem(version("shop", 1, 300), "a"));
        cache.invalidateModel("shop", v2.index());
        assertNull("a version no longer served is forgotten", cache.knownItem(v1, "a"));
        assertEquals(Boolean.TRUE, cache.knownItem(v2, "a"));
        cache.invalidateIndex(v2.index());
        assertNull("a version whose index is gone answers from nothing kept", cache.knownItem(v2, "a"));
    }

    public void testAKnownItemReadBeforeAnInvalidationIsNotKept() {
        ServingCache cache = cache(Settings.EMPTY);
        ActiveModel v1 = version("shop", 1, 100);
        long before = cache.generation();
        cache.invalidateIndex(v1.index()); // the version's index deleted while its item documents were being read
        cache.knownItem(v1, "a", true, before);
        assertNull(cache.knownItem(v1, "a"));
        cache.knownItem(v1, "a", true, cache.generation());
        assertEquals(Boolean.TRUE, cache.knownItem(v1, "a"));
    }

    public void testADisabledCacheKeepsNoKnownItem() {
        ServingCache cache = ServingCache.disabled();
        ActiveModel v1 = version("shop", 1, 100);
        cache.knownItem(v1, "a", true, cache.generation());
        assertNull(cache.knownItem(v1, "a"));
    }

    /**
     * A version's lists share one numbering of its items, which belongs to that version alone: another version, the same
     * index name recreated, or the version dropped, numbers anew (so no request mixes two versions' slots: the sums
     * use slots only when its lists share one numbering); a disabled cache numbers nothing; the slots count in the
     * entry's weight.
     */
    public void testNeighbourListsCarrySlotsOfTheirVersionsOwnNumbering() {
        ServingCache cache = cache(Settings.EMPTY);
        ActiveModel v1 = version("shop", 1, 100), v2 = version("shop", 2, 200);
        NeighborList a = (NeighborList) cache.numbered(v1, list("a", "b", "c"));
        NeighborList b = (NeighborList) cache.numbered(v1, list("b", "c", "d"));
        assertSame(a.slots().numbering(), b.slots().numbering());
        assertArrayEquals(new int[] {1, 2}, a.slots().neighbors());
        assertArrayEquals(new int[] {2, 3}, b.slots().neighbors());
        assertEquals(1, b.slots().item());
        assertEquals(list("a", "b", "c"), a);
        PopularList popular = new PopularList(List.of("p"), new float[] {1}, null);
        assertSame("other documents are served as they are", popular, cache.numbered(v1, popular));
        NeighborList other = (NeighborList) cache.numbered(v2, list("a", "b", "c"));
        assertNotSame(a.slots().numbering(), other.slots().numbering());
        NeighborList recreated = (NeighborList) cache.numbered(version("shop", 1, 300), list("a", "b", "c"));
        assertNotSame(a.slots().numbering(), recreated.slots().numbering());
        NeighborList v2Again = (NeighborList) cache.numbered(v2, list("x"));
        assertSame(other.slots().numbering(), v2Again.slots().numbering());
        cache.invalidateIndex(v2.index());
        assertNotSame(
                other.slots().numbering(),
                ((NeighborList) cache.numbered(v2, list("x"))).slots().numbering());
        assertNull(ServingCache.disabled().numbered(v1, list("a", "b")) instanceof NeighborList l ? l.slots() : "");
        assertEquals(0, ServingCache.slotBytes(list("a", "b")));
        assertTrue(ServingCache.slotBytes(a) >= 16 + 2 * Integer.BYTES);
        // the numbering's bound: its share of the cache's
        assertEquals(
                ByteSizeValue.parseBytesSizeValue("1mb", "test").getBytes()
                        / ServingCache.NUMBERING_SHARE
                        / ServingCache.BYTES_PER_SLOT,
                cache(Settings.builder().put(ServingCache.SIZE.getKey(), "1mb").build())
                        .slotsPerVersion());
    }

    private static NeighborList list(String item, String... neighbors) {
        return new NeighborList(item, List.of(neighbors), new float[neighbors.length], 1f);
    }

    /** A document standing for {@code label}. */
    private static ModelDocument doc(String label) {
        return new PopularList(List.of(label), new float[] {1}, null);
    }

    /** The label of a cached document, "absent" for a document the version has not, null when not cached. */
    private static String label(ServingCache.Cached cached) {
        if (cached == null) {
            return null;
        }
        return cached.document() instanceof PopularList list ? list.items().get(0) : "absent";
    }
}
