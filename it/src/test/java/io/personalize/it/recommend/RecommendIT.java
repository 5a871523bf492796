package io.personalize.it.recommend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import io.personalize.it.RealCluster;
import io.personalize.it.ShelfAnswers;
import io.personalize.it.Shop;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The _recommend endpoint on a real node with the built zip, over the real Online Retail data (half of the customers'
 * purchases before 2011-11-01): each mode, each fallback, filters, exclusions, real time, diversity, reasons that are
 * true, the GET form, and each bad request's status and reason.
 */
class RecommendIT {

    private static RecommendWorld world;
    private static EsClient es;
    /** A customer with a long history, whom only read-only tests use. */
    private static String shopper;

    private static final Set<String> REASONS =
            Set.of("similar_to", "because_you_viewed", "affinity", "content_similar", "popular", "catalog");

    @BeforeAll
    static void shop() {
        es = RealCluster.single().any();
        world = RecommendWorld.load(es, "rec", user -> Integer.parseInt(user) % 2 == 0, 1, 0);
        shopper = world.customerWithAtLeast(40);
    }

    private static List<String> items(JsonNode response) {
        return ShelfAnswers.items(response);
    }

    @Test
    void forYouRecommendsUnseenItemsWithTrueReasons() {
        JsonNode response = world.recommend("\"user_id\": \"" + shopper
                + "\", \"size\": 10, \"explain\": true, \"_source\": [\"title\", \"category\"]");
        assertEquals(world.model, response.path("model").asText());
        assertEquals(1, response.path("model_version").asLong());
        List<String> shelf = items(response);
        assertEquals(10, shelf.size(), response.toString());
        assertEquals(10, new HashSet<>(shelf).size(), "no duplicates: " + shelf);
        List<String> seen = world.history.get(shopper);
        assertTrue(shelf.stream().noneMatch(seen::contains), "exclude_seen defaults to true: " + shelf);
        double previous = Double.MAX_VALUE;
        int affinities = 0, because = 0;
        for (JsonNode r : response.path("recommendations")) {
            assertTrue(r.path("score").asDouble() <= previous, "best first: " + response);
            previous = r.path("score").asDouble();
            String item = r.path("item_id").asText();
            assertTrue(r.path("reasons").size() >= 1, r.toString());
            for (JsonNode reason : r.path("reasons")) {
                assertTrue(REASONS.contains(reason.path("type").asText()), reason.toString());
                switch (reason.path("type").asText()) {
                    case "because_you_viewed" -> {
                        because++;
                        String origin = reason.path("item_id").asText();
                        assertTrue(seen.contains(origin), "the reason names an item of the shopper's: " + reason);
                        assertTrue(
                                world.neighbours(origin).contains(item),
                                item + " is a neighbour of " + origin + " in the model");
                    }
                    case "affinity" -> {
                        affinities++;
                        assertEquals("category", reason.path("attribute").asText());
                        assertEquals(
                                r.path("_source").path("category").asText(),
                                reason.path("value").asText(),
                                "the item's own value: " + r);
                        Set<String> categories = seen.stream()
                                .map(s -> RecommendWorld.category(
                                        world.bySku.get(s).title()))
                                .collect(Collectors.toSet());
                        assertTrue(
                                categories.contains(reason.path("value").asText()),
                                "a category the shopper bought from: " + reason);
                    }
                    default -> {}
                }
            }
        }
        assertTrue(because >= 5, "a shopper with a long history gets mostly collaborative reasons: " + response);
        assertTrue(affinities >= 1, "category affinity shows in the reasons: " + response);
        // without explain, only the main reason
        JsonNode plain = world.recommend("\"user_id\": \"" + shopper + "\", \"size\": 10");
        assertEquals(shelf, items(plain));
        plain.path("recommendations")
                .forEach(r -> assertEquals(1, r.path("reasons").size(), r.toString()));
        plain.path("recommendations").forEach(r -> assertFalse(r.has("_source"), "no _source unless asked: " + r));
    }

    @Test
    void similarItemsAreTheModelsNeighbours() {
        JsonNode response = world.recommend("\"item_ids\": [\"22423\"], \"size\": 10, \"_source\": [\"title\"]");
        List<String> shelf = items(response);
        assertEquals(10, shelf.size());
        assertFalse(shelf.contains("22423"), "the item asked about is never recommended");
        for (JsonNode r : response.path("recommendations")) {
            JsonNode reason = r.path("reasons").get(0);
            assertEquals("similar_to", reason.path("type").asText(), r.toString());
            assertEquals("22423", reason.path("item_id").asText());
        }
        long regency = response.path("recommendations").findValues("title").stream()
                .filter(t -> t.asText().contains("REGENCY"))
                .count();
        assertTrue(regency >= 3, "REGENCY CAKESTAND 3 TIER goes with the regency tea set: " + response);
    }

    @Test
    void userAndItemsTogetherAddTheSignals() {
        List<String> asked = List.of("22423", "85123A");
        JsonNode response = world.recommend("\"user_id\": \"" + shopper
                + "\", \"item_ids\": [\"22423\", \"85123A\"], \"size\": 20, \"explain\": true");
        List<String> shelf = items(response);
        assertEquals(20, shelf.size());
        assertTrue(shelf.stream().noneMatch(asked::contains), "items asked about are not recommended: " + shelf);
        assertTrue(
                shelf.stream().noneMatch(world.history.get(shopper)::contains),
                "seen items are not recommended: " + shelf);
        Set<String> types = new HashSet<>();
        for (JsonNode r : response.path("recommendations")) {
            for (JsonNode reason : r.path("reasons")) {
                types.add(reason.path("type").asText());
                if (reason.path("type").asText().equals("similar_to")) {
                    String origin = reason.path("item_id").asText();
                    assertTrue(asked.contains(origin), reason.toString());
                    assertTrue(
                            world.neighbours(origin).contains(r.path("item_id").asText()),
                            r + " is a neighbour of " + origin);
                }
            }
        }
        assertTrue(types.containsAll(Set.of("similar_to", "because_you_viewed")), "both signals count: " + types);
        // a context signal moves the shelf away from the user's alone
        assertNotEquals(items(world.recommend("\"user_id\": \"" + shopper + "\", \"size\": 20")), shelf);
    }

    @Test
    void anUnknownUserGetsWhatIsPopular() {
        JsonNode response = world.recommend("\"user_id\": \"no-such-customer\", \"size\": 10");
        assertEquals(10, items(response).size());
        assertEquals(
                List.of("popular"),
                RecommendWorld.mainReasons(response).stream().distinct().toList());
        assertEquals(items(response), items(world.recommend("\"user_id\": \"another-stranger\", \"size\": 10")));
        // the most popular items of the sample's last weeks lead
        Map<String, Long> buyers = world.purchases.stream()
                .filter(p -> p.time() >= OnlineRetail.SPLIT - 14 * 86_400_000L)
                .collect(Collectors.groupingBy(
                        OnlineRetail.Purchase::sku,
                        Collectors.mapping(
                                OnlineRetail.Purchase::user,
                                Collectors.collectingAndThen(Collectors.toSet(), s -> (long) s.size()))));
        List<String> top = buyers.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(30)
                .map(Map.Entry::getKey)
                .toList();
        assertTrue(
                top.contains(items(response).get(0)),
                "the first popular item is among the most bought lately: " + items(response) + " vs " + top);
    }

    @Test
    void aProductAddedAfterTrainingGetsContentNeighboursThenPopular() {
        es.put("/" + world.products + "/_doc/H6-NEW-HEART?refresh=true", """
            {"sku": "H6-NEW-HEART", "title": "LARGE WHITE HANGING HEART T-LIGHT HOLDER", "price": 3.95, "category": "holder"}""").ok();
        // similar_content_weight 1: the content neighbours above any popular item
        JsonNode response = world.recommend(
                "\"item_ids\": [\"H6-NEW-HEART\"], \"size\": 10, \"_source\": [\"title\"], \"similar_content_weight\": 1");
        assertEquals(10, items(response).size());
        int related = 0;
        for (JsonNode r : response.path("recommendations")) {
            JsonNode reason = r.path("reasons").get(0);
            assertEquals("content_similar", reason.path("type").asText(), r.toString());
            assertEquals("H6-NEW-HEART", reason.path("item_id").asText());
            String title = r.path("_source").path("title").asText();
            related += title.contains("HEART") || title.contains("T-LIGHT") || title.contains("HOLDER") ? 1 : 0;
        }
        assertTrue(related >= 8, "close in content: " + response);
        // by default (0.1, the popular items' scale) the closest in content and the most popular interleave
        JsonNode mixed = world.recommend("\"item_ids\": [\"H6-NEW-HEART\"], \"size\": 10");
        assertEquals(10, items(mixed).size());
        List<String> reasons = RecommendWorld.mainReasons(mixed);
        assertTrue(reasons.contains("content_similar") && reasons.contains("popular"), mixed.toString());
        assertEquals(Set.of("content_similar", "popular"), new HashSet<>(reasons), mixed.toString());
        // 0: no content neighbours, the popular shelf
        assertEquals(
                List.of("popular"),
                RecommendWorld.mainReasons(world.recommend(
                                "\"item_ids\": [\"H6-NEW-HEART\"], \"size\": 10, \"similar_content_weight\": 0"))
                        .stream()
                        .distinct()
                        .toList());

        // without text, no vector: popular items
        es.put("/" + world.products + "/_doc/H6-NEW-BLANK?refresh=true", "{\"sku\": \"H6-NEW-BLANK\", \"price\": 1.0}")
                .ok();
        JsonNode blank = world.recommend("\"item_ids\": [\"H6-NEW-BLANK\"], \"size\": 10");
        assertEquals(10, items(blank).size());
        assertEquals(
                List.of("popular"),
                RecommendWorld.mainReasons(blank).stream().distinct().toList());
        assertEquals(items(world.recommend("\"user_id\": \"no-such-customer\", \"size\": 10")), items(blank));
    }

    @Test
    void aProductNeverBoughtGetsContentNeighbours() {
        Set<String> bought =
                world.purchases.stream().map(OnlineRetail.Purchase::sku).collect(Collectors.toSet());
        OnlineRetail.Product neverBought = world.data.products().stream()
                .filter(p -> p.title() != null && p.title().length() > 15 && bought.contains(p.sku()) == false)
                .findFirst()
                .orElseThrow();
        JsonNode response = world.recommend("\"item_ids\": [" + EsClient.toJson(neverBought.sku())
                + "], \"size\": 5, \"explain\": true, \"similar_content_weight\": 1");
        assertEquals(5, items(response).size());
        for (JsonNode r : response.path("recommendations")) {
            assertEquals(
                    "content_similar", r.path("reasons").get(0).path("type").asText(), neverBought + ": " + response);
            assertEquals(
                    neverBought.sku(), r.path("reasons").get(0).path("item_id").asText());
        }
    }

    @Test
    void aFilterIsAppliedAndTheSizeHonoured() {
        // content_weight 0: this compares the model's ranking; the content term's cap depends on the shelf's size
        JsonNode response = world.recommend("\"user_id\": \"" + shopper
                + "\", \"size\": 20, \"content_weight\": 0, \"filter\": {\"range\": {\"price\": {\"gte\": 0.5, \"lte\": 1.0}}},"
                + " \"_source\": [\"price\"]");
        assertEquals(20, items(response).size(), response.toString());
        for (JsonNode r : response.path("recommendations")) {
            double price = r.path("_source").path("price").asDouble();
            assertTrue(price >= 0.5 && price <= 1.0, r.toString());
        }
        long collaborative = RecommendWorld.mainReasons(response).stream()
                .filter(t -> t.equals("because_you_viewed"))
                .count();
        assertTrue(collaborative >= 10, "the filter keeps the model's ranking among matching items: " + response);
        // the unfiltered shelf's cheap items come in the same order
        List<String> unfiltered = items(world.recommend(
                "\"user_id\": \"" + shopper + "\", \"size\": 100, \"content_weight\": 0, \"_source\": [\"price\"]"));
        List<String> cheapInOrder =
                unfiltered.stream().filter(items(response)::contains).toList();
        assertEquals(cheapInOrder, items(response).subList(0, cheapInOrder.size()));
    }

    @Test
    void aFilterSoSelectiveThatTheCandidatesRunOutStillFillsTheShelf() {
        // products first sold after the training data: no model candidate can pass, the catalogue has plenty
        String newOnly = "\"filter\": {\"range\": {\"first_sold\": {\"gte\": " + OnlineRetail.SPLIT
                + "}}}, \"_source\": [\"first_sold\"]";
        long matching = es.post(
                        "/" + world.products + "/_count",
                        "{\"query\": {\"range\": {\"first_sold\": {\"gte\": " + OnlineRetail.SPLIT + "}}}}")
                .ok()
                .path("count")
                .asLong();
        assertTrue(matching > 12, "the catalogue has " + matching + " new products");
        for (String who : List.of(
                "\"user_id\": \"" + shopper + "\"", "\"item_ids\": [\"22423\"]", "\"user_id\": \"no-such-customer\"")) {
            JsonNode response = world.recommend(who + ", \"size\": 12, " + newOnly);
            assertEquals(12, items(response).size(), who + ": " + response);
            for (JsonNode r : response.path("recommendations")) {
                assertTrue(r.path("_source").path("first_sold").asLong() >= OnlineRetail.SPLIT, r.toString());
            }
        }
        // fewer matches than the size: all of them, never an empty shelf
        List<String> few = world.data.products().stream()
                .map(OnlineRetail.Product::sku)
                .filter(sku -> world.history.get(shopper).contains(sku) == false)
                .skip(100)
                .limit(3)
                .toList();
        JsonNode three = world.recommend("\"user_id\": \"" + shopper
                + "\", \"size\": 10, \"filter\": {\"terms\": {\"sku\": " + EsClient.toJson(few) + "}}");
        assertEquals(Set.copyOf(few), Set.copyOf(items(three)), three.toString());
    }

    @Test
    void exclusions() {
        List<String> shelf = items(world.recommend("\"user_id\": \"" + shopper + "\", \"size\": 10"));
        List<String> excluded = shelf.subList(0, 3);
        List<String> without = items(world.recommend(
                "\"user_id\": \"" + shopper + "\", \"size\": 10, \"exclude\": " + EsClient.toJson(excluded)));
        assertEquals(10, without.size());
        assertTrue(without.stream().noneMatch(excluded::contains), without.toString());
        assertEquals(shelf.subList(3, 10), without.subList(0, 7), "the rest keeps its order");

        List<String> seen = world.history.get(shopper);
        List<String> withSeen =
                items(world.recommend("\"user_id\": \"" + shopper + "\", \"size\": 100, \"exclude_seen\": false"));
        assertTrue(
                withSeen.stream().anyMatch(seen::contains),
                "exclude_seen false lets the shopper's own items back: " + withSeen);
        List<String> withoutSeen =
                items(world.recommend("\"user_id\": \"" + shopper + "\", \"size\": 100, \"exclude_seen\": true"));
        assertEquals(100, withoutSeen.size());
        assertTrue(withoutSeen.stream().noneMatch(seen::contains), withoutSeen.toString());
    }

    @Test
    void anEventIndexedAfterTrainingCountsAtOnce() {
        // another customer than the read-only tests' shopper: this one changes
        String customer = world.history.entrySet().stream()
                .filter(e -> e.getValue().size() >= 20 && e.getKey().equals(shopper) == false)
                .map(Map.Entry::getKey)
                .sorted()
                .skip(1)
                .findFirst()
                .orElseThrow();
        List<String> before = items(world.recommend("\"user_id\": \"" + customer + "\", \"size\": 10"));
        String bought = before.get(0);
        es.post(
                        "/" + world.events + "/_doc?refresh=true",
                        Map.of(
                                "user_id",
                                customer,
                                "sku",
                                bought,
                                "type",
                                "purchase",
                                "@timestamp",
                                System.currentTimeMillis(),
                                "quantity",
                                1))
                .ok();
        JsonNode after = world.recommend("\"user_id\": \"" + customer + "\", \"size\": 10, \"explain\": true");
        assertFalse(items(after).contains(bought), "bought a second ago, so seen: " + after);
        boolean realTime = false;
        for (JsonNode r : after.path("recommendations")) {
            for (JsonNode reason : r.path("reasons")) {
                if (reason.path("type").asText().equals("because_you_viewed")
                        && reason.path("item_id").asText().equals(bought)) {
                    realTime = true;
                    assertTrue(
                            world.neighbours(bought).contains(r.path("item_id").asText()), r.toString());
                }
            }
        }
        assertTrue(realTime, "the neighbours of what was just bought come in, without retraining: " + after);
        assertTrue(items(world.recommend("\"user_id\": \"" + customer + "\", \"size\": 100, \"exclude_seen\": false"))
                        .size()
                == 100);
    }

    @Test
    void diversityChangesTheShelfTowardsVariety() {
        List<String> plain = items(world.recommend("\"user_id\": \"" + shopper + "\", \"size\": 10"));
        List<String> diverse =
                items(world.recommend("\"user_id\": \"" + shopper + "\", \"size\": 10, \"diversity\": 0.7"));
        assertEquals(10, diverse.size());
        assertNotEquals(plain, diverse);
        assertEquals(plain.get(0), diverse.get(0), "maximal marginal relevance starts with the best item");
        assertTrue(
                meanPairwiseCosine(diverse) < meanPairwiseCosine(plain),
                "MMR on the content vectors: " + meanPairwiseCosine(diverse) + " vs " + meanPairwiseCosine(plain));
        assertEquals(plain, items(world.recommend("\"user_id\": \"" + shopper + "\", \"size\": 10, \"diversity\": 0")));
    }

    private static double meanPairwiseCosine(List<String> items) {
        List<float[]> vectors = new ArrayList<>();
        for (String item : items) {
            float[] v = Shop.contentVector(es, world.products, item);
            if (v.length > 0) {
                vectors.add(v);
            }
        }
        double sum = 0;
        int pairs = 0;
        for (int a = 0; a < vectors.size(); a++) {
            for (int b = a + 1; b < vectors.size(); b++) {
                double dot = 0;
                for (int i = 0; i < vectors.get(a).length; i++) {
                    dot += vectors.get(a)[i] * vectors.get(b)[i];
                }
                sum += dot;
                pairs++;
            }
        }
        return sum / pairs;
    }

    @Test
    void theGetForm() {
        JsonNode get = es.get("/_recommend?model=" + world.model + "&user_id=" + shopper
                        + "&size=5&explain=true&_source=title")
                .ok();
        JsonNode post = world.recommend(
                "\"user_id\": \"" + shopper + "\", \"size\": 5, \"explain\": true, \"_source\": [\"title\"]");
        // each parameter is read: full shelves (size), reasons (explain) and titles (_source) in the GET form's answer
        assertEquals(5, items(get).size(), get.toString());
        for (JsonNode recommendation : get.path("recommendations")) {
            assertTrue(recommendation.path("reasons").size() > 0, recommendation.toString());
            assertTrue(recommendation.path("_source").path("title").isTextual(), recommendation.toString());
        }
        assertEquals(items(post), items(get));
        assertEquals(
                post.path("recommendations").toString(),
                get.path("recommendations").toString());
        JsonNode items = es.get("/_recommend?model=" + world.model + "&item_ids=22423,85123A&size=7")
                .ok();
        assertEquals(7, items(items).size(), items.toString());
        assertEquals(items(world.recommend("\"item_ids\": [\"22423\", \"85123A\"], \"size\": 7")), items(items));
        JsonNode diverse = es.get("/_recommend?model=" + world.model + "&user_id=" + shopper
                        + "&size=5&diversity=0.5&exclude_seen=false")
                .ok();
        assertEquals(5, items(diverse).size(), diverse.toString());
        assertEquals(
                items(world.recommend(
                        "\"user_id\": \"" + shopper + "\", \"size\": 5, \"diversity\": 0.5, \"exclude_seen\": false")),
                items(diverse));
    }

    @Test
    void badRequestsGetA4xxWithTheReason() {
        es.delete("/_recommend/models/rec-untrained");
        es.put("/_recommend/models/rec-untrained", Shop.modelConfig(world.products, world.events))
                .ok();
        String m = "\"model\": \"" + world.model + "\"";
        String manyIds = EsClient.toJson(
                java.util.stream.IntStream.range(0, 101).mapToObj(i -> "i" + i).toList());
        String manyExcluded = EsClient.toJson(
                java.util.stream.IntStream.range(0, 1001).mapToObj(i -> "i" + i).toList());
        Object[][] cases = {
            {"{\"model\": \"no-such-model\", \"user_id\": \"1\"}", 404, "model [no-such-model] not found"},
            {
                "{\"model\": \"rec-untrained\", \"user_id\": \"1\"}",
                404,
                "model [rec-untrained] has no trained version yet"
            },
            {"{\"user_id\": \"1\"}", 400, "[model] is required"},
            {"{" + m + "}", 400, "give a [user_id], [item_ids], or both"},
            {"{" + m + ", \"user_id\": \"1\", \"size\": 0}", 400, "[size] must be at least 1, got [0]"},
            {
                "{" + m + ", \"user_id\": \"1\", \"size\": 101}",
                400,
                "[size] is [101], more than the limit of [100] set by [personalize.recommend.max_size]"
            },
            {
                "{" + m + ", \"user_id\": \"1\", \"filter\": {\"no_such_query\": {}}}",
                400,
                "unknown query [no_such_query]"
            },
            {"{" + m + ", \"user_id\": \"1\", \"filter\": \"cheap\"}", 400, "filter"},
            {"{" + m + ", \"user_id\": \"1\", \"filter\": {\"range\": {\"price\": {\"lte\": \"cheap\"}}}}", 400, "cheap"
            },
            {
                "{" + m + ", \"item_ids\": " + manyIds + "}",
                400,
                "[item_ids] is [101], more than the limit of [100] set by [personalize.recommend.max_item_ids]"
            },
            {
                "{" + m + ", \"user_id\": \"1\", \"exclude\": " + manyExcluded + "}",
                400,
                "[exclude] is [1001], more than the limit of [1000] set by [personalize.recommend.max_exclude]"
            },
            {"{" + m + ", \"user_id\": \"1\", \"colour\": \"red\"}", 400, "unknown field [colour]"},
            {
                "{" + m + ", \"user_id\": \"1\", \"diversity\": 1.5}",
                400,
                "[diversity] must be between 0 and 1, got [1.5]"
            },
            {
                "{" + m + ", \"user_id\": \"1\", \"diversity\": -0.1}",
                400,
                "[diversity] must be between 0 and 1, got [-0.1]"
            },
            {
                "{" + m + ", \"user_id\": \"1\", \"content_weight\": 1.5}",
                400,
                "[content_weight] must be between 0 and 1, got [1.5]"
            },
            {"{" + m + ", \"user_id\": \"1\", \"content_weight\": \"much\"}", 400, "content_weight"},
            {"{" + m + ", \"user_id\": \"1\", \"content_slots\": 0}", 400, "[content_slots] must be at least 1, got [0]"
            },
            {"{" + m + ", \"user_id\": \"1\", \"content_slots\": \"many\"}", 400, "content_slots"},
            {
                "{" + m + ", \"user_id\": \"1\", \"content_neighbors\": 0}",
                400,
                "[content_neighbors] must be between 1 and 100, got [0]"
            },
            {"{" + m + ", \"user_id\": \"1\", \"content_neighbors\": \"ten\"}", 400, "content_neighbors"},
            {
                "{" + m + ", \"user_id\": \"1\", \"content_support\": 0}",
                400,
                "[content_support] must be between 1 and 100, got [0]"
            },
            {
                "{" + m + ", \"user_id\": \"1\", \"content_sources\": 0}",
                400,
                "[content_sources] must be between 1 and 100, got [0]"
            },
            {
                "{" + m + ", \"user_id\": \"1\", \"content_directions\": -1}",
                400,
                "[content_directions] must be between 0 and 64, got [-1]"
            },
            {
                "{" + m + ", \"item_ids\": [\"1\"], \"similar_content_weight\": -1}",
                400,
                "[similar_content_weight] must be between 0 and 1, got [-1.0]"
            },
            {
                "{" + m + ", \"user_id\": \"1\", \"recent_items\": 101}",
                400,
                "[recent_items] is [101], more than the limit of [100] set by [personalize.max_recent_items]"
            },
            {"{" + m + ", \"user_id\": \"\"}", 400, "[user_id] must be 1 to 512 characters"},
            {"{" + m + ", \"user_id\": \"1\"", 400, ""}
        };
        for (Object[] c : cases) {
            EsClient.Response response = es.post("/_recommend", c[0]);
            assertEquals((int) c[1], response.status(), c[0] + " -> " + response.body());
            assertTrue(response.body().contains((String) c[2]), c[0] + " -> " + response.body());
        }
        EsClient.Response noModel = es.post("/_recommend", "{\"user_id\": \"1\"}");
        assertFalse(
                noModel.body().contains("catalogue index is not set"),
                "only what the caller got wrong: " + noModel.body());
        String[][] gets = {
            {"/_recommend?model=no-such-model&user_id=1", "404", "model [no-such-model] not found"},
            {"/_recommend?model=" + world.model, "400", "give a [user_id], [item_ids], or both"},
            {
                "/_recommend?model=" + world.model + "&user_id=1&size=1000",
                "400",
                "[size] is [1000], more than the limit of [100]"
            },
            {"/_recommend?model=" + world.model + "&user_id=1&size=ten", "400", "size"},
            {"/_recommend?model=" + world.model + "&user_id=1&diversity=lots", "400", "diversity"},
            {"/_recommend?model=" + world.model + "&user_id=1&diversity=2", "400", "[diversity] must be between 0 and 1"
            },
            {"/_recommend?model=" + world.model + "&user_id=1&colour=red", "400", "colour"}
        };
        for (String[] c : gets) {
            EsClient.Response response = es.get(c[0]);
            assertEquals(Integer.parseInt(c[1]), response.status(), c[0] + " -> " + response.body());
            assertTrue(response.body().contains(c[2]), c[0] + " -> " + response.body());
        }
        es.delete("/_recommend/models/rec-untrained").ok();
    }

    /**
     * A product added after training, that no one has bought, reaches a "for you" shelf through its content vector:
     * a shopper the model does not know bought one product a second ago, and a new product with the same text is the
     * closest in content to what they bought. With content_weight 0 it does not come (nothing else knows it). With the
     * content_slots 3 it takes one of the shelf's last 3 slots (the last with content_slots 1). Each of the
     * shopper's items lends its nearest items their cosine: the new product, the one nearest item of what they
     * bought, comes even when each item lends only its nearest one.
     */
    @Test
    void aNewProductReachesAForYouShelfThroughItsVector() {
        // a product the read-only tests' shopper never bought, so that their shelves keep what they check
        String bought = world.history.entrySet().stream()
                .filter(e -> e.getKey().equals(shopper) == false)
                .sorted(Map.Entry.comparingByKey())
                .flatMap(e -> e.getValue().stream())
                .filter(i -> world.history.get(shopper).contains(i) == false
                        && world.bySku.get(i).title() != null
                        // no other product with its title: the new product below is its one nearest item
                        && world.bySku.values().stream()
                                        .filter(p -> world.bySku.get(i).title().equals(p.title()))
                                        .count()
                                == 1)
                .findFirst()
                .orElseThrow();
        String title = world.bySku.get(bought).title();
        es.put(
                        "/" + world.products + "/_doc/H6-FORYOU-NEW?refresh=true",
                        Map.of("sku", "H6-FORYOU-NEW", "title", title))
                .ok();
        String customer = "new-customer-content";
        es.post(
                        "/" + world.events + "/_doc?refresh=true",
                        Map.of(
                                "user_id",
                                customer,
                                "sku",
                                bought,
                                "type",
                                "purchase",
                                "@timestamp",
                                System.currentTimeMillis(),
                                "quantity",
                                1))
                .ok();
        // a node keeps each item's content neighbours for 10 minutes: other tests' shelves may have read the list of
        // what they bought before the new product was indexed, so these shelves ask for counts no other test asks for
        JsonNode shelf = world.recommend(
                "\"user_id\": \"" + customer
                        + "\", \"size\": 10, \"content_weight\": 1, \"content_support\": 1, \"content_neighbors\": 11, \"content_slots\": 3, \"explain\": true");
        assertEquals(10, items(shelf).size(), shelf.toString());
        assertTrue(items(shelf).contains("H6-FORYOU-NEW"), "the new product is on the shelf: " + shelf);
        assertFalse(items(shelf).contains(bought), "seen: " + shelf);
        for (JsonNode r : shelf.path("recommendations")) {
            if (r.path("item_id").asText().equals("H6-FORYOU-NEW")) {
                assertEquals(
                        "content_similar", r.path("reasons").get(0).path("type").asText(), r.toString());
                assertTrue(r.path("reasons").get(0).path("item_id").isMissingNode(), "no one item made it: " + r);
            }
        }
        // the collaborative signal still leads: the neighbours of what they bought are on the shelf
        assertTrue(RecommendWorld.mainReasons(shelf).contains("because_you_viewed"), shelf.toString());
        // content_slots 3: new products take only the shelf's last 3 slots, below the 7 best items
        assertTrue(items(shelf).indexOf("H6-FORYOU-NEW") >= 7, shelf.toString());
        JsonNode lastSlot = world.recommend(
                "\"user_id\": \"" + customer
                        + "\", \"size\": 10, \"content_weight\": 1, \"content_support\": 1, \"content_neighbors\": 11, \"content_slots\": 1");
        assertEquals("H6-FORYOU-NEW", items(lastSlot).get(9), lastSlot.toString());
        JsonNode uncapped = world.recommend(
                "\"user_id\": \"" + customer
                        + "\", \"size\": 10, \"content_weight\": 1, \"content_support\": 1, \"content_neighbors\": 11, \"content_slots\": 10");
        assertTrue(items(uncapped).indexOf("H6-FORYOU-NEW") >= 0, uncapped.toString());
        // item to item: the new product is the one nearest item of what they bought, so it comes when each item lends
        // only its nearest one, with or without the catalogue's strongest directions removed
        for (String rule : List.of(
                "\"content_neighbors\": 1",
                "\"content_neighbors\": 1, \"content_directions\": 0",
                "\"content_neighbors\": 12, \"content_directions\": 64")) {
            JsonNode nearest = world.recommend("\"user_id\": \"" + customer
                    + "\", \"size\": 10, \"content_weight\": 1, \"content_support\": 1, \"content_slots\": 3, " + rule);
            assertTrue(items(nearest).indexOf("H6-FORYOU-NEW") >= 7, rule + ": " + nearest);
        }
        // content_support (default 2): one item of theirs leads to it, not two
        JsonNode oneItem = world.recommend("\"user_id\": \"" + customer + "\", \"size\": 10, \"content_weight\": 1");
        assertFalse(items(oneItem).contains("H6-FORYOU-NEW"), oneItem.toString());
        JsonNode without = world.recommend("\"user_id\": \"" + customer + "\", \"size\": 10, \"content_weight\": 0");
        assertFalse(items(without).contains("H6-FORYOU-NEW"), without.toString());
        assertFalse(RecommendWorld.mainReasons(without).contains("content_similar"), without.toString());
    }

    /**
     * A "for you" shelf with a content term searches the catalogue the first time (the knn searches of the shopper's
     * items, their vectors); once the node keeps the lists, it makes no search at all: its catalogue read (no filter,
     * a keyword id field) is a read of the catalogue's shards, not a search. The same shelf, the same items, as the
     * first time.
     */
    @Test
    void aForYouShelfWithItsContentTermMakesNoSearchOfTheCatalogueOnceTheNodeKeepsItsLists() {
        // a count of neighbours no other test asks for: this test's first shelf finds no list kept
        String body = "\"user_id\": \"" + shopper
                + "\", \"size\": 10, \"content_weight\": 1, \"content_slots\": 10, \"content_neighbors\": 13";
        long before = catalogueQueries();
        es.post("/" + world.products + "/_search", Map.of("size", 0)).ok();
        long perSearch = catalogueQueries() - before; // one per shard
        assertTrue(perSearch >= 1, "counted: " + perSearch);
        before = catalogueQueries();
        JsonNode first = world.recommend(body);
        // the content chain searched (a knn per shopper item, their vectors) beside the shelf's catalogue read
        assertTrue(catalogueQueries() - before > perSearch, "the first shelf's content term searched");
        before = catalogueQueries();
        JsonNode second = world.recommend(body);
        // the node keeps the items' neighbour lists and which items the model knows, and the shelf's catalogue read is
        // no search (any would mean a knn or a vector read again, or the candidates searched)
        assertEquals(0, catalogueQueries() - before, "searches of the catalogue x shards");
        assertEquals(items(first), items(second));
    }

    private static long catalogueQueries() {
        return es.searchQueries(world.products);
    }

    /** A model whose catalogue has no vector field: shelves work, with no content term, new products get popular items. */
    @Test
    void aCatalogueWithoutVectorsStillWorks() {
        es.delete("/_recommend/models/rec-novectors");
        es.put(
                        "/_recommend/models/rec-novectors",
                        Shop.modelConfig(world.products, world.events)
                                .replace(", \"vector_field\": \"content_vector\"", ""))
                .ok();
        assertTrue(es.get("/_recommend/models/rec-novectors")
                .ok()
                .path("config")
                .path("catalog")
                .path("vector_field")
                .isMissingNode());
        es.post("/_recommend/models/rec-novectors/_train", null).ok();
        JsonNode forYou = es.post(
                        "/_recommend",
                        "{\"model\": \"rec-novectors\", \"user_id\": \"" + shopper
                                + "\", \"size\": 10, \"content_weight\": 1, \"explain\": true}")
                .ok();
        assertEquals(10, items(forYou).size(), forYou.toString());
        for (JsonNode r : forYou.path("recommendations")) {
            for (JsonNode reason : r.path("reasons")) {
                assertNotEquals("content_similar", reason.path("type").asText(), r.toString());
            }
        }
        es.put(
                        "/" + world.products + "/_doc/H6-NOVECTORS-NEW?refresh=true",
                        Map.of("sku", "H6-NOVECTORS-NEW", "title", "PINK PAPER PARASOL"))
                .ok();
        JsonNode similar = es.post(
                        "/_recommend",
                        "{\"model\": \"rec-novectors\", \"item_ids\": [\"H6-NOVECTORS-NEW\"], \"size\": 10}")
                .ok();
        assertEquals(10, items(similar).size(), similar.toString());
        assertEquals(
                List.of("popular"),
                RecommendWorld.mainReasons(similar).stream().distinct().toList());
        es.delete("/_recommend/models/rec-novectors").ok();
    }
}
