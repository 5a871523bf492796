package io.personalize.it.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import io.personalize.it.RealCluster;
import io.personalize.it.Shop;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code _recommend} under security on three nodes, the catalogue in three shards without replicas: every node holds
 * one shard and reads the other two on the nodes that hold them ({@code indices:data/read/personalize/catalog_items},
 * authorized there again). Document-level security applies on every node, to the local shard and to the remote ones
 * alike: a shelf never names an item the caller cannot read, and a caller without {@code read} on the catalogue gets
 * nothing.
 */
class RecommendThreeNodeSecurityIT {

    private static final String PASSWORD = "personalize-pw";
    private static final List<String> SHOPPERS = List.of("17850", "12583", "14911", "13047");

    private static RealCluster.Nodes cluster;

    @BeforeAll
    static void secureCluster() throws URISyntaxException {
        Path roles =
                Path.of(Objects.requireNonNull(RecommendThreeNodeSecurityIT.class.getResource("/security/roles.yml"))
                        .toURI());
        String prefix = System.getenv().getOrDefault("PERSONALIZE_IT_NAME", "it");
        int port = Integer.parseInt(System.getenv().getOrDefault("PERSONALIZE_IT_PORT", "19250")) + 60;
        cluster = RealCluster.start(
                prefix + "-secure3",
                3,
                port,
                "--security",
                "--roles",
                roles.toString(),
                "--user",
                "shopper:" + PASSWORD + ":shop_search",
                "--user",
                "dlsshopper:" + PASSWORD + ":shop_search_dls",
                "--user",
                "eventsreader:" + PASSWORD + ":events_reader");
        EsClient admin = cluster.any();
        OnlineRetail data = OnlineRetail.load();
        Shop.createProductsIndex(admin, "sec-products", null, 3, 0);
        Shop.loadProducts(admin, "sec-products", data.products());
        Shop.createEventsIndex(admin, "sec-events", 1, 0);
        Shop.loadEvents(admin, "sec-events", data.purchases().subList(0, 60_000));
        assertEquals(
                201,
                admin.put("/_recommend/models/shop3", Shop.modelConfig("sec-products", "sec-events"))
                        .status());
        assertEquals(200, admin.post("/_recommend/models/shop3/_train", null).status());
        cluster.green();
    }

    @Test
    void everyNodeShowsEachCallerOnlyWhatTheyMayReadInEveryShard() {
        boolean hiddenNamedWithoutDls = false;
        for (String user : SHOPPERS) {
            String body = "{\"model\": \"shop3\", \"user_id\": \"" + user + "\", \"size\": 20, \"explain\": true}";
            Set<String> first = null;
            for (EsClient node : cluster.nodes()) {
                EsClient dls = node.as("dlsshopper", PASSWORD);
                JsonNode shelf = dls.post("/_recommend", body).ok();
                Set<String> named = SecurityIT.namedIds(shelf);
                assertEquals(20, shelf.path("recommendations").size(), node.baseUrl() + " " + shelf);
                assertEquals(
                        named,
                        SecurityIT.visibleTo(dls, named),
                        node.baseUrl() + " user " + user + ": the shelf names items hidden from the caller");
                if (first == null) {
                    first = named;
                } else {
                    assertEquals(first, named, node.baseUrl() + " answers as the first node, user " + user);
                }
                Set<String> open = SecurityIT.namedIds(
                        node.as("shopper", PASSWORD).post("/_recommend", body).ok());
                hiddenNamedWithoutDls |= SecurityIT.visibleTo(dls, open).equals(open) == false;
            }
        }
        assertTrue(
                hiddenNamedWithoutDls,
                "these shelves name hidden items to a caller who may read them: the test would prove nothing");
    }

    @Test
    void withoutReadOnTheCatalogueNoNodeRecommends() {
        for (EsClient node : cluster.nodes()) {
            EsClient.Response refused = node.as("eventsreader", PASSWORD)
                    .post("/_recommend", "{\"model\": \"shop3\", \"user_id\": \"17850\"}");
            assertEquals(403, refused.status(), refused.body());
            assertFalse(refused.body().contains("\"recommendations\""), refused.body());
        }
    }
}
