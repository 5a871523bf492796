package io.personalize.profile;

import java.util.List;
import java.util.Set;
import org.elasticsearch.common.settings.ClusterSettings;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.test.ESTestCase;

public class RecentItemsCacheTests extends ESTestCase {

    private static final String MODEL = "shop";
    private static final String INDEX = ".personalize-recent-shop.uuid1";

    private static RecentItemsCache cache(Settings settings) {
        return new RecentItemsCache(
                settings,
                new ClusterSettings(settings, Set.of(RecentItemsCache.SIZE, RecentItemsCache.EXPIRE_AFTER_WRITE)));
    }

    private static RecentItems items(String... ids) {
        List<SourceItem> list = new java.util.ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            list.add(new SourceItem(ids[i], SourceItem.Origin.RECENT, 1000 - i));
        }
        return new RecentItems(List.copyOf(list));
    }

    private static RecentItemsCache.Known known(long seqNo, String... ids) {
        return new RecentItemsCache.Known(items(ids), 1, seqNo);
    }

    private static RecentItemsCache.Change change(String user, long seqNo, String... ids) {
        return new RecentItemsCache.Change(user, items(ids), 1, seqNo);
    }

    private static List<String> held(RecentItemsCache cache, String user) {
        RecentItemsCache.Known known = cache.get(MODEL, INDEX, user);
        return known == null
                ? null
                : known.items().items().stream().map(SourceItem::item).toList();
    }

    private static void read(RecentItemsCache cache, String user, RecentItemsCache.Known found) {
        cache.offer(MODEL, INDEX, user, found, cache.stamp(MODEL, INDEX, user));
    }

    public void testAReadIsKeptAndAChangeReplacesIt() {
        RecentItemsCache cache = cache(Settings.EMPTY);
        assertNull(held(cache, "u1"));
        read(cache, "u1", known(3, "a"));
        assertEquals(List.of("a"), held(cache, "u1"));
        cache.changed(MODEL, INDEX, List.of(change("u1", 5, "b", "a")));
        assertEquals(List.of("b", "a"), held(cache, "u1"));
        // a user the node never read is not created by a change: the next request reads them
        cache.changed(MODEL, INDEX, List.of(change("u2", 6, "c")));
        assertNull(held(cache, "u2"));
        // a deletion leaves an empty copy
        cache.changed(MODEL, INDEX, List.of(new RecentItemsCache.Change("u1", null, 1, 7)));
        assertEquals(List.of(), held(cache, "u1"));
    }

    public void testAUserWithoutADocumentIsKeptAsSuchUntilTheirFirstEvent() {
        RecentItemsCache cache = cache(Settings.EMPTY);
        read(cache, "u1", RecentItemsCache.Known.ABSENT);
        assertEquals(List.of(), held(cache, "u1"));
        cache.changed(MODEL, INDEX, List.of(change("u1", 0, "a")));
        assertEquals(List.of("a"), held(cache, "u1"));
    }

    public void testAnOlderChangeNeverReplacesANewerCopy() {
        RecentItemsCache cache = cache(Settings.EMPTY);
        read(cache, "u1", known(3, "a"));
        cache.changed(MODEL, INDEX, List.of(change("u1", 9, "c", "b", "a")));
        // two events requests of the same shopper, their changes arriving out of order
        cache.changed(MODEL, INDEX, List.of(change("u1", 8, "b", "a")));
        assertEquals(List.of("c", "b", "a"), held(cache, "u1"));
        // a newer primary term wins over a higher sequence number of an older one
        cache.changed(MODEL, INDEX, List.of(new RecentItemsCache.Change("u1", items("d"), 2, 1)));
        assertEquals(List.of("d"), held(cache, "u1"));
    }

    public void testAReadThatRacedAWriteIsNotKept() {
        RecentItemsCache cache = cache(Settings.EMPTY);
        long stamp = cache.stamp(MODEL, INDEX, "u1");
        // the write lands (and is told to this node) while the read is on its way: the read may be older
        cache.changed(MODEL, INDEX, List.of(change("u1", 4, "b")));
        cache.offer(MODEL, INDEX, "u1", known(3, "a"), stamp);
        assertNull(held(cache, "u1"));
        // a read that started after it is kept
        read(cache, "u1", known(4, "b"));
        assertEquals(List.of("b"), held(cache, "u1"));
        // and an older read never replaces a newer copy
        read(cache, "u1", known(2, "z"));
        assertEquals(List.of("b"), held(cache, "u1"));
    }

    public void testALateOlderChangeDoesNotBringBackAnEvictedUser() {
        RecentItemsCache cache = cache(Settings.EMPTY);
        read(cache, "u1", known(3, "a"));
        cache.changed(MODEL, INDEX, List.of(change("u1", 9, "c")));
        cache.invalidateUser(MODEL, "u1"); // gone, as an eviction would take it
        cache.changed(MODEL, INDEX, List.of(change("u1", 8, "b")));
        assertNull("the next request reads the document", held(cache, "u1"));
    }

    public void testClearingsDropWhatTheyName() {
        RecentItemsCache cache = cache(Settings.EMPTY);
        read(cache, "u1", known(1, "a"));
        read(cache, "u2", known(2, "b"));
        cache.offer(
                "other",
                ".personalize-recent-other.uuid2",
                "u1",
                known(1, "x"),
                cache.stamp("other", ".personalize-recent-other.uuid2", "u1"));
        long stamp = cache.stamp(MODEL, INDEX, "u2");
        cache.invalidateUser(MODEL, "u1");
        assertNull(held(cache, "u1"));
        assertEquals(List.of("b"), held(cache, "u2"));
        assertNotNull(cache.get("other", ".personalize-recent-other.uuid2", "u1"));
        // a read in flight during a clearing keeps nothing
        cache.invalidateUser(MODEL, "u2");
        cache.offer(MODEL, INDEX, "u2", known(2, "b"), stamp);
        assertNull(held(cache, "u2"));
        cache.invalidateIndex(".personalize-recent-other.uuid2");
        assertNull(cache.get("other", ".personalize-recent-other.uuid2", "u1"));
        read(cache, "u3", known(1, "c"));
        cache.clear();
        assertEquals(0, cache.count());
    }

    public void testASizeOfZeroKeepsNothing() {
        RecentItemsCache cache = cache(
                Settings.builder().put(RecentItemsCache.SIZE.getKey(), "0b").build());
        read(cache, "u1", known(1, "a"));
        assertNull(held(cache, "u1"));
    }

    public void testServingCacheClearsTheNewestItemsOfAForgottenUserAndOfADeletedIndex() {
        Settings settings = Settings.EMPTY;
        ServingCache serving =
                new ServingCache(settings, new ClusterSettings(settings, Set.copyOf(ServingCache.settings())));
        RecentItemsCache cache = serving.recentItems();
        read(cache, "u1", known(1, "a"));
        read(cache, "u2", known(2, "b"));
        serving.invalidateUser(MODEL, "u1");
        assertNull(held(cache, "u1"));
        assertEquals(List.of("b"), held(cache, "u2"));
        serving.invalidateIndex(INDEX);
        assertNull(held(cache, "u2"));
        assertEquals(0, ServingCache.disabled().recentItems().count());
    }

    public void testACopyIsReadAgainOnceExpireAfterWriteHasPassed() throws Exception {
        Settings settings = Settings.builder()
                .put(RecentItemsCache.EXPIRE_AFTER_WRITE.getKey(), "1s")
                .build();
        RecentItemsCache cache = cache(settings);
        read(cache, "u1", known(3, "a"));
        assertEquals(List.of("a"), held(cache, "u1"));
        // a node that missed a change (it did not answer the events API's broadcast in time) serves the older copy
        // for this long at most: then the next request reads the document again
        assertBusy(() -> assertNull(held(cache, "u1")), 10, java.util.concurrent.TimeUnit.SECONDS);
    }

    public void testChangingExpireAfterWriteStartsAnEmptyCopy() {
        ClusterSettings clusterSettings =
                new ClusterSettings(Settings.EMPTY, Set.of(RecentItemsCache.SIZE, RecentItemsCache.EXPIRE_AFTER_WRITE));
        RecentItemsCache cache = new RecentItemsCache(Settings.EMPTY, clusterSettings);
        long stamp = cache.stamp(MODEL, INDEX, "u1");
        read(cache, "u1", known(3, "a"));
        assertEquals(List.of("a"), held(cache, "u1"));
        clusterSettings.applySettings(Settings.builder()
                .put(RecentItemsCache.EXPIRE_AFTER_WRITE.getKey(), "10s")
                .build());
        assertNull(held(cache, "u1"));
        // a read that started before the change keeps nothing
        cache.offer(MODEL, INDEX, "u1", known(4, "b"), stamp);
        assertNull(held(cache, "u1"));
    }

    public void testExpireAfterWriteIsBounded() {
        assertEquals(
                org.elasticsearch.core.TimeValue.timeValueMinutes(5),
                RecentItemsCache.EXPIRE_AFTER_WRITE.get(Settings.EMPTY));
        for (String bad : List.of("0s", "500ms", "25h", "-1")) {
            IllegalArgumentException e = expectThrows(
                    IllegalArgumentException.class,
                    () -> RecentItemsCache.EXPIRE_AFTER_WRITE.get(Settings.builder()
                            .put(RecentItemsCache.EXPIRE_AFTER_WRITE.getKey(), bad)
                            .build()));
            assertTrue(e.getMessage(), e.getMessage().contains("personalize.cache.recent_items.expire_after_write"));
        }
    }
}
