package io.personalize.rescore;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.personalize.PersonalizePlugin;
import io.personalize.TinyShop;
import io.personalize.action.PutModelAction;
import io.personalize.action.TrainModelAction;
import io.personalize.model.ModelConfig;
import java.io.IOException;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import org.elasticsearch.ResourceNotFoundException;
import org.elasticsearch.action.search.SearchRequestBuilder;
import org.elasticsearch.action.search.SearchResponse;
import org.elasticsearch.action.support.WriteRequest;
import org.elasticsearch.index.query.QueryBuilders;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.search.SearchHit;
import org.elasticsearch.test.ESSingleNodeTestCase;

/** The rescorer inside a node: a shopper's taste reorders "gift" results; a stranger's search stays as it was. */
public class PersonalizeRescorerSingleNodeTests extends ESSingleNodeTestCase {

    // the shopper's own signals, without the model's popularity: what these tests are about
    private static final RescoreWeights SHOPPER_ONLY = new RescoreWeights(1f, 1f, 1f, 0.5f, 0f);

    @Override
    protected Collection<Class<? extends Plugin>> getPlugins() {
        return List.of(PersonalizePlugin.class);
    }

    private List<String> search(String userId, List<String> context, boolean explain) {
        SearchRequestBuilder search = client().prepareSearch("products")
                .setQuery(QueryBuilders.matchQuery("title", "gift"))
                .setSize(6)
                .setExplain(explain);
        if (userId != null || context.isEmpty() == false) {
            search.addRescorer(
                    new PersonalizeRescorerBuilder(
                            "shop", userId, context, SHOPPER_ONLY, QueryNormalization.MINMAX, 20, () -> null),
                    10);
        }
        SearchResponse response = search.get();
        try {
            return Arrays.stream(response.getHits().getHits())
                    .map(SearchHit::getId)
                    .toList();
        } finally {
            response.decRef();
        }
    }

    public void testAShoppersTasteReordersResults() throws IOException {
        TinyShop.trainedModel(client());
        List<String> plain = search(null, List.of(), false);
        List<String> candleBuyer = search("u0", List.of(), false);
        List<String> bagBuyer = search("u1", List.of(), false);
        assertThat(plain.size(), equalTo(6));
        assertTrue(
                "a candle buyer sees candles first: " + candleBuyer,
                TinyShop.candles().containsAll(candleBuyer.subList(0, 3)));
        assertTrue(
                "a bag buyer sees bags first: " + bagBuyer,
                TinyShop.candles().stream().noneMatch(bagBuyer.subList(0, 3)::contains));
    }

    public void testAStrangerKeepsTheFirstPassOrder() throws IOException {
        TinyShop.trainedModel(client());
        assertThat(search("nobody-knows-me", List.of(), false), equalTo(search(null, List.of(), false)));
    }

    public void testContextItemsPersonalizeWithoutAUser() throws IOException {
        TinyShop.trainedModel(client());
        List<String> withBagInCart = search(null, List.of("x"), false);
        assertTrue(
                "bags first with a bag in the cart: " + withBagInCart,
                TinyShop.candles().stream().noneMatch(withBagInCart.subList(0, 2)::contains));
    }

    public void testNewEventsCountAtOnceWithoutRetraining() throws IOException {
        TinyShop.trainedModel(client());
        // a new shopper: no profile, so the plain order; then they buy a bag, and their next search favours bags
        List<String> before = search("newcomer", List.of(), false);
        assertThat(before, equalTo(search(null, List.of(), false)));
        TinyShop.event(client(), "newcomer", "y", TinyShop.NOVEMBER + 86_400_000L)
                .setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE)
                .get();
        List<String> after = search("newcomer", List.of(), false);
        assertTrue(
                "bags first after buying one: " + after,
                TinyShop.candles().stream().noneMatch(after.subList(0, 2)::contains));
    }

    public void testExplainShowsTheParts() throws IOException {
        TinyShop.trainedModel(client());
        SearchResponse response = client().prepareSearch("products")
                .setQuery(QueryBuilders.matchQuery("title", "gift"))
                .setExplain(true)
                .addRescorer(
                        new PersonalizeRescorerBuilder(
                                "shop", "u0", List.of(), SHOPPER_ONLY, QueryNormalization.MINMAX, 20, () -> null),
                        10)
                .get();
        try {
            SearchHit top = response.getHits().getAt(0);
            String explanation = top.getExplanation().toString();
            assertEquals(top.getScore(), top.getExplanation().getValue().floatValue(), 1e-5);
            assertThat(explanation, containsString("item_similarity"));
            assertThat(explanation, containsString("user_affinity"));
            assertThat(explanation, containsString("category = [candles]"));
        } finally {
            response.decRef();
        }
    }

    public void testACatalogueKeyedByUnderscoreIdIsPersonalizedToo() throws IOException {
        // the tiny shop's products have their sku as _id: a model naming _id as the catalogue's id field must rank
        // exactly as the same model keyed by the sku field (_id has no doc values: it is read from stored fields)
        TinyShop.trainedModel(client());
        ModelConfig config = TinyShop.config("products", "_id", "events");
        client().execute(PutModelAction.TYPE, new PutModelAction.Request("by-id", config))
                .actionGet();
        client().execute(TrainModelAction.TYPE, new TrainModelAction.Request("by-id"))
                .actionGet();
        for (String user : List.of("u0", "u1")) {
            List<String> bySku = search("shop", user);
            assertThat(search("by-id", user), equalTo(bySku));
        }
        assertNotEquals(
                "personalized",
                search("by-id", "u0").subList(0, 3),
                search("by-id", "u1").subList(0, 3));
    }

    private List<String> search(String model, String user) {
        SearchResponse response = client().prepareSearch("products")
                .setQuery(QueryBuilders.matchQuery("title", "gift"))
                .setSize(6)
                .addRescorer(
                        new PersonalizeRescorerBuilder(
                                model, user, List.of(), SHOPPER_ONLY, QueryNormalization.MINMAX, 20, () -> null),
                        10)
                .get();
        try {
            return Arrays.stream(response.getHits().getHits())
                    .map(SearchHit::getId)
                    .toList();
        } finally {
            response.decRef();
        }
    }

    public void testUnknownModelIsNotFound() throws IOException {
        TinyShop.index(client());
        Exception e = expectThrows(Exception.class, () -> client().prepareSearch("products")
                .addRescorer(
                        new PersonalizeRescorerBuilder(
                                "nope", "u0", List.of(), SHOPPER_ONLY, QueryNormalization.MINMAX, 20, () -> null),
                        10)
                .get());
        assertTrue(
                e.toString(),
                e instanceof ResourceNotFoundException || e.getCause() instanceof ResourceNotFoundException);
    }
}
