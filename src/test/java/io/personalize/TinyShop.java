package io.personalize;

import io.personalize.action.PutModelAction;
import io.personalize.action.RecommendAction;
import io.personalize.action.TrainModelAction;
import io.personalize.model.ModelConfig;
import io.personalize.profile.CatalogResolver;
import io.personalize.profile.ProfileLoader;
import io.personalize.recommend.Recommendation;
import io.personalize.recommend.ShelfQuery;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.bulk.BulkRequestBuilder;
import org.elasticsearch.action.support.PlainActionFuture;
import org.elasticsearch.action.support.WriteRequest;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentParserConfiguration;
import org.elasticsearch.xcontent.json.JsonXContent;

/**
 * A shop small enough to reason about, for tests inside one node: two tastes, candles (a, b, c) and bags (x, y, z).
 * Each of 40 users buys two items of their kind in October 2011 and the third in November.
 */
public final class TinyShop {

    public static final long OCTOBER = 1317427200000L; // 2011-10-01
    public static final long NOVEMBER = 1320105600000L; // 2011-11-01

    private TinyShop() {}

    /** The mapping of the shop's events index. */
    public static final String EVENTS_MAPPING = """
        {"properties": {"user_id": {"type": "keyword"}, "sku": {"type": "keyword"}, "type": {"type": "keyword"},
                        "@timestamp": {"type": "date"}}}""";

    public static void index(Client client) {
        client.admin()
                .indices()
                .prepareCreate("events")
                .setMapping(EVENTS_MAPPING)
                .get();
        client.admin().indices().prepareCreate("products").setMapping("""
            {"properties": {"sku": {"type": "keyword"}, "title": {"type": "text"}, "category": {"type": "keyword"}}}""").get();
        BulkRequestBuilder bulk = client.prepareBulk().setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE);
        for (int u = 0; u < 40; u++) {
            String[] kind = u % 2 == 0 ? new String[] {"a", "b", "c"} : new String[] {"x", "y", "z"};
            int first = u % 3;
            bulk.add(event(client, "u" + u, kind[first], OCTOBER + u * 60_000L));
            bulk.add(event(client, "u" + u, kind[(first + 1) % 3], OCTOBER + u * 60_000L + 1000));
            bulk.add(event(client, "u" + u, kind[(first + 2) % 3], NOVEMBER + u * 60_000L));
        }
        Map<String, String> titles = Map.of(
                "a",
                "red gift candle",
                "b",
                "white gift candle",
                "c",
                "scented gift candle",
                "x",
                "red gift bag",
                "y",
                "white gift bag",
                "z",
                "jumbo gift bag");
        titles.forEach((sku, title) -> bulk.add(client.prepareIndex("products")
                .setId(sku)
                .setSource(Map.of("sku", sku, "title", title, "category", "abc".contains(sku) ? "candles" : "bags"))));
        if (bulk.get().hasFailures()) {
            throw new IllegalStateException("could not index the tiny shop");
        }
    }

    public static org.elasticsearch.action.index.IndexRequestBuilder event(
            Client client, String user, String sku, long time) {
        return client.prepareIndex("events")
                .setSource(Map.of("user_id", user, "sku", sku, "type", "purchase", "@timestamp", time));
    }

    public static ModelConfig config() throws IOException {
        return config("products", "sku", "events");
    }

    /** The shop's model over another catalogue index, id field or events index. */
    public static ModelConfig config(String catalog, String idField, String events) throws IOException {
        return config(catalog, idField, events, "index");
    }

    /** ... and the shoppers' newest items read from the events index ("index") or the events API's ("api"). */
    public static ModelConfig config(String catalog, String idField, String events, String recentEvents)
            throws IOException {
        try (XContentParser parser = JsonXContent.jsonXContent.createParser(
                XContentParserConfiguration.EMPTY,
                String.format(Locale.ROOT, """
            {"catalog": {"index": "%s", "id_field": "%s", "attributes": ["category"]},
             "events": {"index": "%s", "user_field": "user_id", "item_field": "sku", "recent_events": "%s"}}""", catalog, idField, events, recentEvents))) {
            return ModelConfig.parse(parser);
        }
    }

    /** Indexes the shop, creates the model "shop" and trains it. */
    public static TrainModelAction.Response trainedModel(Client client) throws IOException {
        index(client);
        return train(client);
    }

    /**
     * Indexes the shop with "half", who has bought two candles (a and b: the third is what the model should suggest),
     * creates the model "shop" and trains it. The events index is refreshed whole: a test cluster may give it several
     * shards.
     */
    public static TrainModelAction.Response trainedWithHalf(Client client) throws IOException {
        index(client);
        event(client, "half", "a", OCTOBER).get();
        event(client, "half", "b", OCTOBER + 1000).get();
        client.admin().indices().prepareRefresh("events").get();
        return train(client);
    }

    private static TrainModelAction.Response train(Client client) throws IOException {
        client.execute(PutModelAction.TYPE, new PutModelAction.Request("shop", config()))
                .actionGet();
        return client.execute(TrainModelAction.TYPE, new TrainModelAction.Request("shop"))
                .actionGet();
    }

    /**
     * A shelf of the model "shop" as the node of {@code client} and {@code loader} asks for it: the catalogue resolved
     * from the node's copy of the model, read again if it moved, as the REST handler does.
     */
    public static List<Recommendation> shelf(Client client, ProfileLoader loader, ShelfQuery.Builder body) {
        RecommendAction.Request request =
                new RecommendAction.Request(body.model("shop").build());
        PlainActionFuture<RecommendAction.Response> shelf = new PlainActionFuture<>();
        CatalogResolver.onCatalog(
                loader,
                "shop",
                (String catalog, ActionListener<RecommendAction.Response> l) ->
                        client.execute(RecommendAction.TYPE, request.index(catalog), l),
                shelf);
        return shelf.actionGet().recommendations();
    }

    public static List<String> candles() {
        return List.of("a", "b", "c");
    }
}
