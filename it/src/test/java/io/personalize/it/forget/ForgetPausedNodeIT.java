package io.personalize.it.forget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.bench.SyntheticEvents;
import io.personalize.it.EsClient;
import io.personalize.it.RealCluster;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 10, case 1 (and the fault suite's "a paused node during a forget"): on 3 real nodes, one node (not the master)
 * has the shopper's profile in its serving cache and is paused with SIGSTOP while {@code DELETE users/{u}} runs; once
 * it is resumed and back in the cluster, it serves neither their {@code because_you_viewed} shelf nor their
 * personalized rescore: it answers for them as for a shopper the model never saw.
 */
class ForgetPausedNodeIT {

    private static RealCluster.Nodes cluster;
    private static ForgetShop shop;

    @BeforeAll
    static void shop() throws Exception {
        cluster = RealCluster.three();
        shop = new ForgetShop(
                        cluster.any(), "fg3", new SyntheticEvents(20_000, 2_000, 1_000, SyntheticEvents.DEFAULT_SEED))
                .load();
        // a copy of the shop's indices on every node: searches go on while one node is out
        cluster.any()
                .put("/" + shop.items + "," + shop.events + "/_settings", "{\"index\": {\"number_of_replicas\": 2}}")
                .ok();
        shop.train();
        cluster.any().get("/_cluster/health?wait_for_status=green&timeout=120s").ok();
    }

    @AfterAll
    static void cleanUp() {
        if (shop != null) {
            shop.cleanUp();
        }
    }

    @Test
    void aNodePausedDuringTheForgettingDoesNotServeTheProfileAfterItRejoins() {
        String master = cluster.any().get("/_cat/master?h=node").body().trim();
        int paused = master.equals("node-2") ? 1 : 2;
        EsClient pausedNode = cluster.nodes().get(paused);
        EsClient coordinator = cluster.nodes().get(0);
        // the shop deletes the shopper's events first (README): what serves them is now only their stored profile
        shop.deleteEvents(ForgetShop.SHOPPER);

        // before: the paused-to-be node serves their profile, and caches it
        JsonNode before = shop.shelf(pausedNode, ForgetShop.SHOPPER);
        assertTrue(ForgetShop.becauseYouViewed(before) > 0, "a shelf from their history before: " + before);
        shop.shelf(pausedNode, ForgetShop.SHOPPER);
        List<String> nobodyRescored = shop.rescored(pausedNode, ForgetShop.NOBODY);
        List<String> rescoredBefore = shop.rescored(pausedNode, ForgetShop.SHOPPER);
        assertNotEquals(nobodyRescored, rescoredBefore, "their affinity reorders the hits before");
        List<String> nobodyShelf = ForgetShop.items(shop.shelf(pausedNode, ForgetShop.NOBODY));

        RealCluster.pauseNode(cluster, paused);
        EsClient.Response forgotten;
        try {
            long start = System.nanoTime();
            forgotten = shop.forget(coordinator, ForgetShop.SHOPPER);
            System.out.println("ForgetPausedNodeIT: DELETE with node-" + paused + " paused took "
                    + (System.nanoTime() - start) / 1_000_000 + " ms: " + forgotten.status() + " " + forgotten.body());
        } finally {
            RealCluster.resumeNode(cluster, paused);
        }
        assertEquals(200, forgotten.status(), forgotten.body());

        // back in the cluster: the master counts it again, and it has applied the master's cluster state (a resumed
        // node first serves from the state it had when paused, until it notices it was removed: seconds)
        coordinator
                .get("/_cluster/health?wait_for_nodes=3&wait_for_status=green&timeout=120s")
                .ok();
        long version =
                coordinator.get("/_cluster/state/version").ok().path("version").asLong();
        waitUntilApplied(pausedNode, version);

        // never a reason from their history, from the first request on; the whole shelf equal to a stranger's may take
        // a few more seconds (seen once under heavy load: two popular items still excluded as seen right after the
        // rejoin, gone at the next requests; the cause is not understood yet, so the test says so rather than hide it)
        JsonNode after = shop.shelf(pausedNode, ForgetShop.SHOPPER);
        long until = System.currentTimeMillis() + 30_000;
        while (true) {
            assertEquals(0, ForgetShop.becauseYouViewed(after), "nothing from their history after: " + after);
            if (nobodyShelf.equals(ForgetShop.items(after)) || System.currentTimeMillis() > until) {
                break;
            }
            System.out.println("ForgetPausedNodeIT: shelf not yet a stranger's: " + after);
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            after = shop.shelf(pausedNode, ForgetShop.SHOPPER);
        }
        assertEquals(nobodyShelf, ForgetShop.items(after), "their shelf is a stranger's");
        assertEquals(nobodyRescored, shop.rescored(pausedNode, ForgetShop.SHOPPER), "their rescore is a stranger's");
        for (EsClient node : cluster.nodes()) {
            assertEquals(0, ForgetShop.becauseYouViewed(shop.shelf(node, ForgetShop.SHOPPER)), node.baseUrl());
            assertTrue(
                    shop.forgottenAt(node, ForgetShop.SHOPPER) > 0,
                    "every node's cluster state forgets the user: " + node.baseUrl());
        }
    }

    /** Waits until the node's own (local) cluster state is at least {@code version}: it has rejoined. */
    private static void waitUntilApplied(EsClient node, long version) {
        long deadline = System.currentTimeMillis() + 120_000;
        while (true) {
            EsClient.Response state = node.get("/_cluster/state/version?local=true");
            if (state.status() == 200 && state.json().path("version").asLong() >= version) {
                return;
            }
            assertTrue(System.currentTimeMillis() < deadline, "node did not rejoin: " + state.body());
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
