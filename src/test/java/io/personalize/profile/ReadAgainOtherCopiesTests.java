package io.personalize.profile;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import io.personalize.PersonalizePlugin;
import io.personalize.TinyShop;
import io.personalize.action.ClearCacheAction;
import io.personalize.recommend.Reason;
import io.personalize.recommend.Recommendation;
import io.personalize.recommend.ShelfQuery;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.elasticsearch.ElasticsearchException;
import org.elasticsearch.cluster.routing.SplitShardCountSummary;
import org.elasticsearch.index.IndexSettings;
import org.elasticsearch.index.engine.Engine;
import org.elasticsearch.index.engine.EngineFactory;
import org.elasticsearch.index.engine.InternalEngine;
import org.elasticsearch.index.get.GetResult;
import org.elasticsearch.index.mapper.DocumentParser;
import org.elasticsearch.index.mapper.MappingLookup;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.EnginePlugin;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.test.ESIntegTestCase;

/**
 * A read of the shopper's profile that fails on the coordinating node's own copy is made again on the other nodes'
 * copies, one node after the other, until one answers: the shopper gets their own shelf, not a 503. A failing copy is a
 * test engine whose realtime GETs throw (a failure of one document's read, which a multi-get reports per item and does
 * not send to another copy by itself).
 */
// three nodes, each with a copy of the version (no dedicated master, which the test cluster may add and ask through)
@ESIntegTestCase.ClusterScope(
        scope = ESIntegTestCase.Scope.TEST,
        numDataNodes = 3,
        numClientNodes = 0,
        supportsDedicatedMasters = false)
public class ReadAgainOtherCopiesTests extends ESIntegTestCase {

    @Override
    protected Collection<Class<? extends Plugin>> nodePlugins() {
        return List.of(PersonalizePlugin.class, UnreadableCopies.class);
    }

    @Override
    protected boolean addMockInternalEngine() {
        // the version indices get UnreadableCopies' engine (an index takes one plugin's engine factory)
        return false;
    }

    /** The version indices' copies on the nodes named in {@link #NODES} fail every GET. */
    public static class UnreadableCopies extends Plugin implements EnginePlugin {
        static final Set<String> NODES = ConcurrentHashMap.newKeySet();
        static final AtomicInteger FAILED = new AtomicInteger();

        @Override
        public Optional<EngineFactory> getEngineFactory(IndexSettings indexSettings) {
            if (indexSettings.getIndex().getName().startsWith(".personalize-data-") == false) {
                return Optional.empty();
            }
            String node = Node.NODE_NAME_SETTING.get(indexSettings.getNodeSettings());
            return Optional.of(config -> new InternalEngine(config) {
                @Override
                public GetResult get(
                        Get get,
                        MappingLookup mappingLookup,
                        DocumentParser documentParser,
                        SplitShardCountSummary splitShardCountSummary,
                        Function<Engine.Searcher, Engine.Searcher> searcherWrapper) {
                    if (NODES.contains(node)) {
                        FAILED.incrementAndGet();
                        throw new IllegalStateException("this copy cannot be read (a test)");
                    }
                    return super.get(get, mappingLookup, documentParser, splitShardCountSummary, searcherWrapper);
                }
            });
        }
    }

    @org.junit.Before
    public void everyCopyReadable() {
        UnreadableCopies.NODES.clear();
        UnreadableCopies.FAILED.set(0);
    }

    private void trainTheShop() throws IOException {
        String version = TinyShop.trainedWithHalf(client()).version().index();
        // a copy of the version on each node
        ensureGreen(version);
        dropHalfsProfileFromEveryCache();
    }

    /** No node holds half's profile from an earlier read (the node caches it): the next shelf reads it. */
    private static void dropHalfsProfileFromEveryCache() {
        client().execute(ClearCacheAction.TYPE, ClearCacheAction.Request.user("shop", "half"))
                .actionGet();
    }

    /** "half"'s shelf as the node asks for it. */
    private static List<Recommendation> halfsShelf(String node) {
        return TinyShop.shelf(
                internalCluster().client(node),
                internalCluster().getInstance(ProfileLoader.class, node),
                new ShelfQuery.Builder().userId("half").size(3));
    }

    public void testAProfileTheNodesCopyCannotReadIsReadFromTheOtherCopy() throws Exception {
        trainTheShop();
        String node = internalCluster().getNodeNames()[0];
        UnreadableCopies.NODES.add(node);
        // several reads: asked again without a preference, Elasticsearch often picks the copy that just failed
        for (int read = 1; read <= 5; read++) {
            dropHalfsProfileFromEveryCache();
            int failedBefore = UnreadableCopies.FAILED.get();
            List<Recommendation> shelf = halfsShelf(node);
            assertThat("the node's own copy was asked first", UnreadableCopies.FAILED.get(), greaterThan(failedBefore));
            assertThat(
                    "half's shelf: the candle they have not bought " + shelf,
                    shelf.get(0).itemId(),
                    equalTo("c"));
            assertThat(shelf.get(0).reasons().get(0).type(), equalTo(Reason.Type.BECAUSE_YOU_VIEWED));
        }
    }

    /**
     * Two copies of three broken, the node's own and one other: Elasticsearch shuffles the copies a preference names, so
     * a read made again naming both other nodes at once asked the broken one in about half the reads (a 503). Each other
     * node broken in turn, so that the first node asked again is the broken one in one of the two.
     */
    public void testAProfileTwoCopiesCannotReadIsReadFromTheThird() throws Exception {
        trainTheShop();
        String[] nodes = internalCluster().getNodeNames();
        for (String broken : List.of(nodes[1], nodes[2])) {
            UnreadableCopies.NODES.clear();
            UnreadableCopies.NODES.addAll(List.of(nodes[0], broken));
            for (int read = 1; read <= 5; read++) {
                dropHalfsProfileFromEveryCache();
                List<Recommendation> shelf = halfsShelf(nodes[0]);
                assertThat(
                        "half's own shelf, " + broken + " broken: " + shelf,
                        shelf.get(0).itemId(),
                        equalTo("c"));
            }
        }
    }

    public void testAProfileNoCopyCanReadFailsTheShelf() throws Exception {
        trainTheShop();
        String node = internalCluster().getNodeNames()[0];
        UnreadableCopies.NODES.addAll(List.of(internalCluster().getNodeNames()));
        ElasticsearchException e = expectThrows(ElasticsearchException.class, () -> halfsShelf(node));
        assertThat(e.getDetailedMessage(), e.status(), equalTo(RestStatus.SERVICE_UNAVAILABLE));
        assertThat(e.getMessage(), containsString("[u:half] of version [1] of model [shop] could not be read"));
    }
}
