package io.personalize.recommend;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.personalize.PersonalizePlugin;
import io.personalize.TinyShop;
import io.personalize.action.EventsAction;
import io.personalize.action.ForgetUserAction;
import io.personalize.action.GetModelsAction;
import io.personalize.action.PutModelAction;
import io.personalize.action.RecommendAction;
import io.personalize.action.TrainModelAction;
import io.personalize.model.ModelConfig;
import io.personalize.model.ModelDocuments;
import io.personalize.model.ModelIndices;
import io.personalize.profile.ProfileLoader;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.index.CorruptIndexException;
import org.elasticsearch.ElasticsearchException;
import org.elasticsearch.action.ActionRequestValidationException;
import org.elasticsearch.action.support.PlainActionFuture;
import org.elasticsearch.action.support.WriteRequest;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.core.TimeValue;
import org.elasticsearch.index.query.QueryBuilders;
import org.elasticsearch.indices.IndicesService;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.search.fetch.subphase.FetchSourceContext;
import org.elasticsearch.test.ESSingleNodeTestCase;

/** Shelves from the tiny shop: for you, similar items, fallbacks, filters and exclusions, each with its reasons. */
public class RecommendSingleNodeTests extends ESSingleNodeTestCase {

    @Override
    protected Collection<Class<? extends Plugin>> getPlugins() {
        return List.of(PersonalizePlugin.class);
    }

    @org.junit.Before
    public void trainTheShop() throws IOException {
        TinyShop.trainedWithHalf(client());
    }

    private List<Recommendation> recommend(ShelfQuery.Builder body) {
        return TinyShop.shelf(client(), getInstanceFromNode(ProfileLoader.class), body);
    }

    private static List<String> items(List<Recommendation> shelf) {
        return shelf.stream().map(Recommendation::itemId).toList();
    }

    public void testForYouSuggestsTheMissingItemBecauseOfTheOnesBought() {
        List<Recommendation> shelf =
                recommend(new ShelfQuery.Builder().userId("half").size(3).explain(true));
        assertThat(shelf.get(0).itemId(), equalTo("c"));
        Reason reason = shelf.get(0).reasons().get(0);
        assertThat(reason.type(), equalTo(Reason.Type.BECAUSE_YOU_VIEWED));
        assertTrue(Set.of("a", "b").contains(reason.itemId()));
        assertTrue(
                "seen items are excluded: " + items(shelf),
                items(shelf).stream().noneMatch(Set.of("a", "b")::contains));
        assertTrue(
                "the candles attribute adds a reason",
                shelf.get(0).reasons().stream().anyMatch(r -> r.type() == Reason.Type.AFFINITY));
    }

    private long catalogueSearches() {
        return client().admin()
                .indices()
                .prepareStats("products")
                .setSearch(true)
                .get()
                .getTotal()
                .getSearch()
                .getTotal()
                .getQueryCount();
    }

    public void testAShelfWithoutAFilterReadsTheCatalogueWithoutASearch() {
        long before = catalogueSearches();
        List<Recommendation> forYou =
                recommend(new ShelfQuery.Builder().userId("half").size(3).explain(true));
        List<Recommendation> similar =
                recommend(new ShelfQuery.Builder().itemIds(List.of("x")).size(2));
        assertThat(forYou.get(0).itemId(), equalTo("c"));
        assertThat(Set.copyOf(items(similar)), equalTo(Set.of("y", "z")));
        assertEquals("the candidates were read from the catalogue's shards, not searched", before, catalogueSearches());
        // a filter is applied by a search
        recommend(new ShelfQuery.Builder().userId("half").size(3).filter(QueryBuilders.termQuery("category", "bags")));
        assertTrue(catalogueSearches() > before);
    }

    public void testSimilarItems() {
        List<Recommendation> shelf =
                recommend(new ShelfQuery.Builder().itemIds(List.of("x")).size(2));
        assertThat(Set.copyOf(items(shelf)), equalTo(Set.of("y", "z")));
        for (Recommendation r : shelf) {
            assertThat(r.reasons().get(0).type(), equalTo(Reason.Type.SIMILAR_TO));
            assertThat(r.reasons().get(0).itemId(), equalTo("x"));
        }
    }

    public void testAnUnknownUserGetsWhatIsPopular() {
        List<Recommendation> shelf =
                recommend(new ShelfQuery.Builder().userId("stranger").size(4));
        assertThat(shelf.size(), equalTo(4));
        shelf.forEach(r -> assertThat(r.reasons().get(0).type(), equalTo(Reason.Type.POPULAR)));
    }

    public void testTheFilterIsAppliedAndTheSizeStillHonoured() {
        List<Recommendation> shelf = recommend(new ShelfQuery.Builder()
                .userId("half")
                .size(3)
                .filter(QueryBuilders.termQuery("category", "bags"))
                .source(FetchSourceContext.of(true, new String[] {"category"}, null)));
        assertThat(Set.copyOf(items(shelf)), equalTo(Set.of("x", "y", "z")));
        shelf.forEach(r -> assertThat(r.source().get("category"), equalTo("bags")));
    }

    public void testExclusions() {
        assertFalse(
                items(recommend(new ShelfQuery.Builder().userId("half").size(3).exclude(List.of("c"))))
                        .contains("c"));
        List<String> withSeen =
                items(recommend(new ShelfQuery.Builder().userId("half").size(6).excludeSeen(false)));
        assertTrue("exclude_seen false keeps bought items: " + withSeen, withSeen.contains("a"));
        assertFalse(
                "the items asked about are never recommended",
                items(recommend(new ShelfQuery.Builder().itemIds(List.of("x")).size(5)))
                        .contains("x"));
    }

    public void testNeverEmptyWhileTheCatalogueHasMatchingItems() {
        // the filter keeps only the shopper's own items, which exclude_seen removes... except when nothing else matches
        List<Recommendation> shelf = recommend(
                new ShelfQuery.Builder().userId("stranger").size(2).filter(QueryBuilders.termQuery("sku", "z")));
        assertThat(items(shelf), equalTo(List.of("z")));
    }

    public void testAForgottenUserIsAStrangerToTheModel() {
        assertThat(
                recommend(new ShelfQuery.Builder().userId("half").size(1))
                        .get(0)
                        .reasons()
                        .get(0)
                        .type(),
                equalTo(Reason.Type.BECAUSE_YOU_VIEWED));
        ForgetUserAction.Response forgotten = client().execute(
                        ForgetUserAction.TYPE, new ForgetUserAction.Request("shop", "half"))
                .actionGet();
        assertThat(forgotten.deleted(), equalTo(1));
        assertFalse(client().prepareGet(activeIndex(), ModelDocuments.userDocId("half"))
                .get()
                .isExists());
        recommend(new ShelfQuery.Builder().userId("half").size(3))
                .forEach(r -> assertThat(
                        "only popularity is left: " + r, r.reasons().get(0).type(), equalTo(Reason.Type.POPULAR)));
        assertThat(
                "forgetting twice is harmless",
                client().execute(ForgetUserAction.TYPE, new ForgetUserAction.Request("shop", "half"))
                        .actionGet()
                        .deleted(),
                equalTo(0));
    }

    /**
     * The model knows an item iff the active version has its item document: the trained items, not an item whose first
     * event came after the training, nor one never seen; answered again from the node's cache.
     */
    public void testItemsKnownToTheModelAreTheVersionsItems() {
        TinyShop.event(client(), "half", "after-training", TinyShop.NOVEMBER + 10_000_000L)
                .setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE)
                .get();
        ProfileLoader loader = getInstanceFromNode(ProfileLoader.class);
        PlainActionFuture<io.personalize.profile.ActiveModel> active = new PlainActionFuture<>();
        loader.activeModel("shop", active);
        List<String> asked = List.of("a", "z", "after-training", "never-seen");
        for (int round = 0; round < 2; round++) {
            PlainActionFuture<Set<String>> known = new PlainActionFuture<>();
            loader.itemsKnownToTheModel(active.actionGet(), asked, known);
            assertThat("round " + round, known.actionGet(), equalTo(Set.of("a", "z")));
        }
    }

    public void testBadRequestsSayWhatIsWrong() {
        ActionRequestValidationException e =
                expectThrows(ActionRequestValidationException.class, () -> recommend(new ShelfQuery.Builder().size(0)));
        assertThat(e.getMessage(), containsString("give a [user_id], [item_ids], or both"));
        assertThat(e.getMessage(), containsString("[size] must be at least 1, got [0]"));
        IllegalArgumentException tooBig = expectThrows(
                IllegalArgumentException.class,
                () -> recommend(new ShelfQuery.Builder().userId("u").size(1000)));
        assertThat(
                tooBig.getMessage(),
                containsString(
                        "[size] is [1000], more than the limit of [100] set by [personalize.recommend.max_size]"));
        e = expectThrows(
                ActionRequestValidationException.class,
                () -> recommend(new ShelfQuery.Builder().userId("u").diversity(1.5f)));
        assertThat(e.getMessage(), containsString("[diversity] must be between 0 and 1"));
        e = expectThrows(
                ActionRequestValidationException.class,
                () -> recommend(new ShelfQuery.Builder().userId("u").contentWeight(-0.1f)));
        assertThat(e.getMessage(), containsString("[content_weight] must be between 0 and 1, got [-0.1]"));
        e = expectThrows(
                ActionRequestValidationException.class,
                () -> recommend(new ShelfQuery.Builder().userId("u").similarContentWeight(2f)));
        assertThat(e.getMessage(), containsString("[similar_content_weight] must be between 0 and 1, got [2.0]"));
        e = expectThrows(
                ActionRequestValidationException.class,
                () -> recommend(new ShelfQuery.Builder().userId("u").contentSlots(0)));
        assertThat(e.getMessage(), containsString("[content_slots] must be at least 1, got [0]"));
        e = expectThrows(
                ActionRequestValidationException.class,
                () -> recommend(new ShelfQuery.Builder().userId("u").contentNeighbors(0)));
        assertThat(e.getMessage(), containsString("[content_neighbors] must be between 1 and 100, got [0]"));
        e = expectThrows(
                ActionRequestValidationException.class,
                () -> recommend(new ShelfQuery.Builder().userId("u").contentDirections(65)));
        assertThat(e.getMessage(), containsString("[content_directions] must be between 0 and 64, got [65]"));
        e = expectThrows(
                ActionRequestValidationException.class,
                () -> recommend(new ShelfQuery.Builder().userId("u").contentSources(101)));
        assertThat(e.getMessage(), containsString("[content_sources] must be between 1 and 100, got [101]"));
        e = expectThrows(
                ActionRequestValidationException.class,
                () -> recommend(new ShelfQuery.Builder().userId("u").contentSupport(0)));
        assertThat(e.getMessage(), containsString("[content_support] must be between 1 and 100, got [0]"));
        IllegalArgumentException wrongIndex = expectThrows(IllegalArgumentException.class, () -> client().execute(
                        RecommendAction.TYPE,
                        new RecommendAction.Request(new ShelfQuery.Builder()
                                        .model("shop")
                                        .userId("u")
                                        .build())
                                .index("events"))
                .actionGet());
        assertThat(wrongIndex.getMessage(), containsString("recommends from [products], not from [events]"));
    }

    /**
     * The catalogue is resolved from the node's copy of the model; when the model moved to another catalogue since (the
     * action, authorized for the old one, refuses), the model is read again and the request authorized for the new one.
     */
    public void testTheActionResolvesTheCatalogueAgainWhenTheModelMoved() throws IOException {
        assertThat(items(recommend(new ShelfQuery.Builder().userId("half").size(1))), equalTo(List.of("c")));
        // the same products under another index, and the model moved there (its cached copy still says "products")
        moveTheModelTo(copyOfTheCatalogue("products-moved", 1));
        assertThat(items(recommend(new ShelfQuery.Builder().userId("half").size(1))), equalTo(List.of("c")));
        IllegalArgumentException old = expectThrows(IllegalArgumentException.class, () -> client().execute(
                        RecommendAction.TYPE,
                        new RecommendAction.Request(new ShelfQuery.Builder()
                                        .model("shop")
                                        .userId("half")
                                        .build())
                                .index("products"))
                .actionGet());
        assertThat(old.getMessage(), containsString("recommends from [products-moved], not from [products]"));
    }

    /** The tiny shop's products in a new index of {@code shards} shards; its name. */
    private String copyOfTheCatalogue(String index, int shards) {
        client().admin()
                .indices()
                .prepareCreate(index)
                .setSettings(Settings.builder().put("index.number_of_shards", shards))
                .setMapping("""
            {"properties": {"sku": {"type": "keyword"}, "title": {"type": "text"}, "category": {"type": "keyword"}}}""")
                .get();
        for (String sku : List.of("a", "b", "c", "x", "y", "z")) {
            client().prepareIndex(index)
                    .setId(sku)
                    .setSource(java.util.Map.of(
                            "sku", sku, "title", sku, "category", "abc".contains(sku) ? "candles" : "bags"))
                    .setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE)
                    .get();
        }
        return index;
    }

    /** The model's catalogue changed to {@code index}, and the model trained again. */
    private void moveTheModelTo(String index) throws IOException {
        ModelConfig moved = TinyShop.config();
        moved = new ModelConfig(
                new ModelConfig.Catalog(
                        index, moved.catalog().idField(), moved.catalog().attributes(), null),
                moved.events(),
                moved.similarity(),
                moved.training());
        client().execute(PutModelAction.TYPE, new PutModelAction.Request("shop", moved))
                .actionGet();
        client().execute(TrainModelAction.TYPE, new TrainModelAction.Request("shop"))
                .actionGet();
    }

    /**
     * A catalogue shard without a copy to answer makes the shelf fail with a 503, on the shard read's path and on the
     * search's, rather than a shelf silently without that shard's items (a search allows partial results by default).
     */
    public void testACatalogueShardWithoutACopyFailsTheShelfInsteadOfHidingItsItems() throws Exception {
        moveTheModelTo(copyOfTheCatalogue("products-split", 2));
        List<String> whole =
                items(recommend(new ShelfQuery.Builder().userId("stranger").size(6)));
        assertThat(Set.copyOf(whole), equalTo(Set.of("a", "b", "c", "x", "y", "z")));
        failTheOnlyCopy("products-split", 1, 1);
        for (ShelfQuery.Builder shelf : List.of(
                new ShelfQuery.Builder().userId("stranger").size(6),
                new ShelfQuery.Builder().userId("half").size(6),
                new ShelfQuery.Builder().itemIds(List.of("x")).size(6),
                new ShelfQuery.Builder().userId("half").size(6).filter(QueryBuilders.matchAllQuery()))) {
            ElasticsearchException e = expectThrows(ElasticsearchException.class, () -> recommend(shelf));
            assertThat(e.getDetailedMessage(), e.status(), equalTo(RestStatus.SERVICE_UNAVAILABLE));
        }
    }

    /** The index of the model's active version. */
    private String activeIndex() {
        return client().execute(GetModelsAction.TYPE, new GetModelsAction.Request("shop"))
                .actionGet()
                .models()
                .get(0)
                .status()
                .active()
                .index();
    }

    /** The 503 that asking "half"'s shelf fails with. */
    private ElasticsearchException halfsShelfUnavailable() {
        ElasticsearchException e = expectThrows(
                ElasticsearchException.class,
                () -> recommend(new ShelfQuery.Builder().userId("half").size(3)));
        assertThat(e.getDetailedMessage(), e.status(), equalTo(RestStatus.SERVICE_UNAVAILABLE));
        return e;
    }

    /**
     * Fails the only copy of the index's shard as corrupt (it is not allocated again: no valid copy is left) and waits
     * until the index has {@code activeLeft} active shards.
     */
    private void failTheOnlyCopy(String index, int shard, int activeLeft) throws Exception {
        getInstanceFromNode(IndicesService.class)
                .indexServiceSafe(resolveIndex(index))
                .getShard(shard)
                .failShard("a test", new CorruptIndexException("a test", index + " shard " + shard));
        assertBusy(() -> assertThat(
                client().admin()
                        .cluster()
                        .prepareHealth(TimeValue.THIRTY_SECONDS, index)
                        .get()
                        .getActiveShards(),
                equalTo(activeLeft)));
    }

    /**
     * A version index whose shard has no copy to answer fails the shelf with a 503 instead of serving a known shopper as
     * a stranger (their profile unread, where a node that can read it serves them their own shelf).
     */
    public void testAVersionShardWithoutACopyFailsTheShelfInsteadOfServingAStranger() throws Exception {
        String version = activeIndex();
        failTheOnlyCopy(version, 0, 0);
        assertThat(halfsShelfUnavailable().getMessage(), containsString("could not be read"));
    }

    /**
     * An events index one of whose shards has no copy to answer fails the shelf with a 503 instead of serving the shopper
     * without the newest items that shard holds (a search allows partial results by default).
     */
    public void testAnEventsShardWithoutACopyFailsTheShelfInsteadOfDroppingItsEvents() throws Exception {
        client().admin()
                .indices()
                .prepareCreate("events-split")
                .setSettings(Settings.builder().put("index.number_of_shards", 2))
                .setMapping(TinyShop.EVENTS_MAPPING)
                .get();
        var bulk = client().prepareBulk().setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE);
        var events = client().prepareSearch("events").setSize(1000).get();
        try {
            for (var hit : events.getHits()) {
                bulk.add(
                        client().prepareIndex("events-split").setId(hit.getId()).setSource(hit.getSourceAsMap()));
            }
        } finally {
            events.decRef();
        }
        assertFalse(bulk.get().hasFailures());
        client().execute(
                        PutModelAction.TYPE,
                        new PutModelAction.Request("shop", TinyShop.config("products", "sku", "events-split")))
                .actionGet();
        client().execute(TrainModelAction.TYPE, new TrainModelAction.Request("shop"))
                .actionGet();
        failTheOnlyCopy("events-split", 1, 1);
        halfsShelfUnavailable();
    }

    /**
     * With the newest items kept by the events API: a newest-items index whose only shard has no copy fails the shelf
     * with a 503 instead of serving the shopper without the newest items (once the node's own copy of them is gone).
     */
    public void testANewestItemsShardWithoutACopyFailsTheShelfInsteadOfDroppingThem() throws Exception {
        client().execute(
                        PutModelAction.TYPE,
                        new PutModelAction.Request("shop", TinyShop.config("products", "sku", "events", "api")))
                .actionGet();
        client().execute(TrainModelAction.TYPE, new TrainModelAction.Request("shop"))
                .actionGet();
        Map<String, Object> event =
                Map.of("user_id", "half", "sku", "c", "type", "purchase", "@timestamp", TinyShop.NOVEMBER);
        client().execute(EventsAction.TYPE, new EventsAction.Request("shop", List.of(event)).index("events"))
                .actionGet();
        String version = activeIndex();
        getInstanceFromNode(ProfileLoader.class).cache().recentItems().clear();
        failTheOnlyCopy(ModelIndices.recentIndexOf("shop", version), 0, 0);
        assertThat(
                halfsShelfUnavailable().getMessage(),
                containsString("the newest items of user [half] of model [shop] could not be read"));
    }

    public void testDiversityCapsPerCategoryWithoutVectors() throws IOException {
        // a stranger gets the popular items: all six of the shop, best first
        List<String> popular =
                items(recommend(new ShelfQuery.Builder().userId("stranger").size(6)));
        assertThat(Set.copyOf(popular), equalTo(Set.of("a", "b", "c", "x", "y", "z")));
        List<String> topCategory =
                TinyShop.candles().contains(popular.get(0)) ? TinyShop.candles() : List.of("x", "y", "z");
        // leave one item of the other category, the least popular one: the two best left are then of the top category
        List<String> others = popular.stream()
                .filter(item -> topCategory.contains(item) == false)
                .toList();
        String other = others.get(others.size() - 1);
        List<String> exclude = others.subList(0, others.size() - 1);

        List<String> plain = items(
                recommend(new ShelfQuery.Builder().userId("stranger").size(2).exclude(exclude)));
        assertThat(
                "without diversity the two best are both of the top category: " + popular,
                plain.stream().filter(topCategory::contains).count(),
                equalTo(2L));
        // size 2 with diversity 0.5: at most ceil(2 * 0.5) = 1 item per category
        List<String> diverse = items(recommend(new ShelfQuery.Builder()
                .userId("stranger")
                .size(2)
                .diversity(0.5f)
                .exclude(exclude)));
        assertThat(
                "one per category at most with diversity 0.5 and size 2: " + diverse,
                diverse,
                equalTo(List.of(plain.get(0), other)));
    }
}
