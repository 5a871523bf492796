package io.personalize.it.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.ingest.ContentVectorizer;
import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import io.personalize.it.RealCluster;
import io.personalize.it.Shop;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The item_vector processor on a real node with the built zip installed, over the real Online Retail catalogue. */
class ItemVectorIT {

    private static EsClient es;
    private static OnlineRetail data;

    @BeforeAll
    static void loadCatalogue() {
        es = RealCluster.single().any();
        data = OnlineRetail.load();
        Shop.putVectorPipeline(es);
        Shop.createProductsIndex(es, "iv-products", Shop.VECTOR_PIPELINE, 1, 0);
        Shop.loadProducts(es, "iv-products", data.products());
    }

    @Test
    void pluginIsInstalled() {
        JsonNode plugins = es.get("/_cat/plugins?format=json").ok();
        assertTrue(plugins.toString().contains("\"component\":\"personalize\""), plugins.toString());
    }

    @Test
    void everyProductWithTextGetsAVector() {
        long count = es.get("/iv-products/_count").ok().path("count").asLong();
        assertEquals(data.products().size(), count);
        long withVector = es.post("/iv-products/_count", """
            {"query": {"exists": {"field": "content_vector"}}}""").ok().path("count").asLong();
        long withTitle = data.products().stream().filter(p -> p.title() != null).count();
        assertTrue(withTitle > 3900, "the real catalogue: " + withTitle);
        assertEquals(
                withTitle,
                withVector,
                "the pipeline's ignore_missing leaves only the products without text without a vector");
    }

    @Test
    void knnFindsContentNeighbours() {
        float[] heart = Shop.contentVector(es, "iv-products", "85123A"); // WHITE HANGING HEART T-LIGHT HOLDER
        JsonNode hits = es.post(
                        "/iv-products/_search",
                        Map.of(
                                "knn",
                                        Map.of(
                                                "field",
                                                "content_vector",
                                                "query_vector",
                                                heart,
                                                "k",
                                                6,
                                                "num_candidates",
                                                100),
                                "_source", List.of("title")))
                .ok()
                .path("hits")
                .path("hits");
        assertEquals("85123A", hits.get(0).path("_id").asText(), "an item is its own nearest neighbour");
        int related = 0;
        for (int i = 1; i < hits.size(); i++) {
            String title = hits.get(i).path("_source").path("title").asText();
            if (title.contains("HEART") || title.contains("T-LIGHT") || title.contains("HOLDER")) {
                related++;
            }
        }
        assertTrue(related >= 4, "neighbours of the heart T-light holder: " + hits);
    }

    @Test
    void nodeComputesBitIdenticalVectorsToThisJvm() {
        // The node runs in another JVM process; the plugin's own class computes the same vectors here.
        try (EnglishAnalyzer english = new EnglishAnalyzer()) {
            ContentVectorizer vectorizer = new ContentVectorizer(english, Shop.DIMS, 10_000);
            for (OnlineRetail.Product product : data.products().stream()
                    .filter(p -> p.title() != null)
                    .limit(50)
                    .toList()) {
                ContentVectorizer.Accumulator accumulator = vectorizer.accumulator();
                accumulator.addField(List.of(product.title()), 3.0);
                float[] expected = accumulator.toVector();
                float[] actual = Shop.contentVector(es, "iv-products", product.sku());
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(
                            Float.floatToRawIntBits(expected[i]),
                            Float.floatToRawIntBits(actual[i]),
                            product.sku() + " dimension " + i);
                }
            }
        }
    }

    @Test
    void badConfigurationsAre400sNamingTheOption() {
        String[][] cases = {
            {"{\"fields\": {\"title\": 1}, \"wieghts\": 2}", "wieghts"},
            {"{}", "[fields] required property is missing"},
            {"{\"fields\": {\"title\": -2}}", "weight of field [title] must be a number between 0.000001 and 1000000"},
            {"{\"fields\": {\"title\": \"x\"}}", "weight of field [title] must be a number between 0.000001 and 1000000"
            },
            // positive, but a vector weighted so would be NaN (1e300: its squares overflow) or all zero (1e-300)
            {
                "{\"fields\": {\"title\": 1e300}}",
                "weight of field [title] must be a number between 0.000001 and 1000000, got [1.0E300]"
            },
            {
                "{\"fields\": {\"title\": 1e-300, \"brand\": 1}}",
                "weight of field [title] must be a number between 0.000001 and 1000000, got [1.0E-300]"
            },
            {"{\"fields\": {\"title\": 1}, \"dims\": 2}", "[dims] must be between 8 and 4096"},
            {"{\"fields\": {\"title\": 1}, \"dims\": 10000}", "[dims] must be between 8 and 4096"},
            {"{\"fields\": {\"title\": 1}, \"analyzer\": \"martian\"}", "[analyzer] unknown analyzer [martian]"},
            {"{\"fields\": 7}", "[fields] must be an object"}
        };
        for (String[] c : cases) {
            EsClient.Response response =
                    es.put("/_ingest/pipeline/bad", "{\"processors\": [{\"item_vector\": " + c[0] + "}]}");
            assertEquals(400, response.status(), c[0] + " -> " + response.body());
            assertTrue(response.body().contains(c[1]), c[0] + " -> " + response.body());
        }
    }

    @Test
    void weightsAtTheBoundsGiveIndexableVectors() {
        es.put("/_ingest/pipeline/iv-bounds", """
            {"processors": [{"item_vector": {"fields": {"title": 1000000, "brand": 0.000001}, "dims": 64}}]}""").ok();
        String bulk = String.join(
                "\n",
                "{\"index\": {\"_index\": \"iv-bounds\", \"_id\": \"both\", \"pipeline\": \"iv-bounds\"}}",
                "{\"title\": \"" + "red heart lantern ".repeat(5_000) + "\", \"brand\": \"Acme\"}",
                "{\"index\": {\"_index\": \"iv-bounds\", \"_id\": \"tiny\", \"pipeline\": \"iv-bounds\"}}",
                "{\"brand\": \"Acme\"}",
                "");
        JsonNode response = es.ndjson("/_bulk?refresh=true", bulk).ok();
        assertFalse(response.path("errors").asBoolean(), response.toString());
        for (String id : List.of("both", "tiny")) {
            JsonNode vector = es.get("/iv-bounds/_doc/" + id + "?_source_exclude_vectors=false")
                    .ok()
                    .path("_source")
                    .path("content_vector");
            double norm = 0;
            for (JsonNode v : vector) {
                norm += v.asDouble() * v.asDouble();
            }
            assertEquals(1.0, Math.sqrt(norm), 1e-5, id + ": " + vector);
        }
    }

    @Test
    void badDocumentsFailAloneWithAReason() {
        es.put("/_ingest/pipeline/iv-strict", """
            {"processors": [{"item_vector": {"fields": {"title": 1, "brand": 1}, "dims": 32}}]}""").ok();
        es.put("/_ingest/pipeline/iv-lenient", """
            {"processors": [{"item_vector": {"fields": {"title": 1}, "dims": 32, "ignore_missing": true}}]}""").ok();
        String bigDescription = "lantern ".repeat(131_072); // 1 MB
        String bulk = String.join(
                "\n",
                "{\"index\": {\"_index\": \"iv-docs\", \"_id\": \"empty\", \"pipeline\": \"iv-strict\"}}",
                "{\"price\": 3}",
                "{\"index\": {\"_index\": \"iv-docs\", \"_id\": \"number\", \"pipeline\": \"iv-strict\"}}",
                "{\"title\": 42}",
                "{\"index\": {\"_index\": \"iv-docs\", \"_id\": \"object\", \"pipeline\": \"iv-strict\"}}",
                "{\"title\": {\"en\": \"lamp\"}}",
                "{\"index\": {\"_index\": \"iv-docs\", \"_id\": \"lenient\", \"pipeline\": \"iv-lenient\"}}",
                "{\"price\": 3}",
                "{\"index\": {\"_index\": \"iv-docs\", \"_id\": \"huge\", \"pipeline\": \"iv-strict\"}}",
                "{\"title\": \"" + bigDescription + "\"}",
                "{\"index\": {\"_index\": \"iv-docs\", \"_id\": \"good\", \"pipeline\": \"iv-strict\"}}",
                "{\"title\": \"lamp\", \"brand\": [\"Acme\"]}",
                "");
        JsonNode items = es.ndjson("/_bulk?refresh=true", bulk).ok().path("items");
        List<String> outcomes = new ArrayList<>();
        for (JsonNode item : items) {
            JsonNode index = item.path("index");
            outcomes.add(index.path("_id").asText() + ":" + index.path("status").asInt());
        }
        assertEquals(List.of("empty:400", "number:400", "object:400", "lenient:201", "huge:201", "good:201"), outcomes);
        assertTrue(
                items.get(0).toString().contains("none of the fields [title, brand] has any text"),
                items.get(0).toString());
        assertTrue(items.get(1)
                .toString()
                .contains("field [title] must be a string or an array of strings, found [number 42]"));
        assertTrue(items.get(2)
                .toString()
                .contains("field [title] must be a string or an array of strings, found [object]"));
        JsonNode lenient = es.get("/iv-docs/_doc/lenient?_source_exclude_vectors=false")
                .ok()
                .path("_source");
        assertFalse(lenient.has("content_vector"), "ignore_missing leaves the document without a vector: " + lenient);
        JsonNode huge = es.get("/iv-docs/_doc/huge?_source_exclude_vectors=false&_source_includes=content_vector")
                .ok();
        assertEquals(32, huge.path("_source").path("content_vector").size());
        assertEquals(200, es.get("/_cluster/health").status(), "the node is still serving");
    }
}
