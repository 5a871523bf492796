package io.personalize.profile;

import io.personalize.PersonalizePlugin;
import io.personalize.model.ForgottenUsers;
import io.personalize.model.ModelIndices;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.elasticsearch.action.get.GetResponse;
import org.elasticsearch.action.support.PlainActionFuture;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.client.internal.OriginSettingClient;
import org.elasticsearch.index.IndexNotFoundException;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.test.ESSingleNodeTestCase;

/**
 * {@link RecentItemsWriter#scrub}: before a forgotten user's entry leaves the cluster state (after which serving no
 * longer hides their items of before the forgetting), their newest-items document keeps only what came after it.
 */
public class RecentItemsWriterSingleNodeTests extends ESSingleNodeTestCase {

    private static final long FORGOTTEN_AT = 1_000;

    @Override
    protected Collection<Class<? extends Plugin>> getPlugins() {
        return List.of(PersonalizePlugin.class);
    }

    private Client system() {
        return new OriginSettingClient(client(), ModelIndices.ORIGIN);
    }

    private List<String> items(String index, String user) throws Exception {
        GetResponse get = system().prepareGet(index, user).get();
        if (get.isExists() == false) {
            return null;
        }
        return RecentItems.parse(get.getSourceAsBytesRef()).items().stream()
                .map(SourceItem::item)
                .toList();
    }

    /**
     * A forgetting cut short (its node died after recording the user, before deleting the document) leaves the items of
     * before it in the document: scrubbed, a user with only those has no document left, one who came back keeps what
     * came after, one with nothing of before is untouched, and a user without a document is no error.
     */
    public void testScrubDropsWhatCameBeforeTheForgettingAndKeepsWhatCameAfter() throws Exception {
        String index = ModelIndices.recentIndex("shop", "uuid1");
        RecentItemsWriter writer = new RecentItemsWriter(system(), () -> ForgottenUsers.EMPTY);
        PlainActionFuture<RecentItemsWriter.Merged> written = new PlainActionFuture<>();
        writer.update(
                index,
                "shop",
                Map.of(
                        "cut", List.of(new RecentItems.Seen("a", 500), new RecentItems.Seen("b", FORGOTTEN_AT)),
                        "back", List.of(new RecentItems.Seen("a", 500), new RecentItems.Seen("c", 1_500)),
                        "new", List.of(new RecentItems.Seen("d", 2_000))),
                written);
        assertNull(written.get().failure());
        assertEquals(List.of("b", "a"), items(index, "cut"));

        PlainActionFuture<List<RecentItemsCache.Change>> scrubbed = new PlainActionFuture<>();
        writer.scrub(
                index,
                Map.of("cut", FORGOTTEN_AT, "back", FORGOTTEN_AT, "new", FORGOTTEN_AT, "none", FORGOTTEN_AT),
                scrubbed);
        scrubbed.get();
        assertNull("only items of before the forgetting: no document left", items(index, "cut"));
        assertEquals(List.of("c"), items(index, "back"));
        assertEquals(List.of("d"), items(index, "new"));
        assertNull(items(index, "none"));
    }

    public void testScrubOfAModelThatNeverKeptNewestItemsDoesNothing() throws Exception {
        RecentItemsWriter writer = new RecentItemsWriter(system(), () -> ForgottenUsers.EMPTY);
        PlainActionFuture<List<RecentItemsCache.Change>> scrubbed = new PlainActionFuture<>();
        writer.scrub(ModelIndices.recentIndex("shop", "never"), Map.of("u1", FORGOTTEN_AT), scrubbed);
        scrubbed.get();
        // no index created for nothing
        expectThrows(
                IndexNotFoundException.class, () -> system().prepareGet(ModelIndices.recentIndex("shop", "never"), "u1")
                        .get());
    }

    /**
     * The merge comes after the events are written: a document that cannot be written (a write block here) is an
     * answer naming why, with what was written, not a failure that would have the caller send the events again.
     */
    public void testAMergeThatCannotWriteAnswersWhyInsteadOfFailing() throws Exception {
        String index = ModelIndices.recentIndex("shop", "uuid4");
        RecentItemsWriter writer = new RecentItemsWriter(system(), () -> ForgottenUsers.EMPTY);
        PlainActionFuture<RecentItemsWriter.Merged> first = new PlainActionFuture<>();
        writer.update(index, "shop", Map.of("u", List.of(new RecentItems.Seen("i0", 1))), first);
        assertEquals(1, first.get().changes().size());
        system().admin()
                .indices()
                .prepareUpdateSettings(index)
                .setSettings(
                        org.elasticsearch.common.settings.Settings.builder().put("index.blocks.write", true))
                .get();
        try {
            PlainActionFuture<RecentItemsWriter.Merged> blocked = new PlainActionFuture<>();
            writer.update(index, "shop", Map.of("u", List.of(new RecentItems.Seen("i1", 2))), blocked);
            RecentItemsWriter.Merged merged = blocked.get();
            assertNotNull(merged.failure());
            assertEquals(
                    org.elasticsearch.rest.RestStatus.FORBIDDEN,
                    org.elasticsearch.ExceptionsHelper.status(merged.failure()));
            assertEquals(List.of(), merged.changes());
        } finally {
            system().admin()
                    .indices()
                    .prepareUpdateSettings(index)
                    .setSettings(
                            org.elasticsearch.common.settings.Settings.builder().putNull("index.blocks.write"))
                    .get();
        }
        assertEquals(List.of("i0"), items(index, "u"));
    }

    /**
     * Many events requests for one shopper at once (a hostile or a busy tracker): each merges its item into the one
     * document with a compare-and-set, retried when another wrote first. Every request's item must be kept; none may
     * fail after its events were written (the caller would get an error for events already written, and send them
     * again).
     */
    public void testManyConcurrentUpdatesOfOneShopperAllLand() throws Exception {
        String index = ModelIndices.recentIndex("shop", "uuid3");
        RecentItemsWriter writer = new RecentItemsWriter(system(), () -> ForgottenUsers.EMPTY);
        PlainActionFuture<RecentItemsWriter.Merged> first = new PlainActionFuture<>();
        writer.update(index, "shop", Map.of("u", List.of(new RecentItems.Seen("i0", 1))), first);
        first.get();
        int senders = 40;
        java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
        List<PlainActionFuture<RecentItemsWriter.Merged>> answers = new java.util.ArrayList<>();
        List<Thread> threads = new java.util.ArrayList<>();
        for (int i = 1; i <= senders; i++) {
            PlainActionFuture<RecentItemsWriter.Merged> answer = new PlainActionFuture<>();
            answers.add(answer);
            String item = "i" + i;
            long time = 1 + i;
            Thread t = new Thread(() -> {
                safeAwait(start);
                writer.update(index, "shop", Map.of("u", List.of(new RecentItems.Seen(item, time))), answer);
            });
            t.start();
            threads.add(t);
        }
        start.countDown();
        int failed = 0;
        String firstFailure = null;
        for (PlainActionFuture<RecentItemsWriter.Merged> answer : answers) {
            Exception failure =
                    answer.get(60, java.util.concurrent.TimeUnit.SECONDS).failure();
            if (failure != null) {
                failed++;
                firstFailure = firstFailure == null ? failure.toString() : firstFailure;
            }
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals("requests failed after their events were written: " + firstFailure, 0, failed);
        assertEquals(senders + 1, items(index, "u").size());
    }
}
