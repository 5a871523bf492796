package io.personalize.it.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.bench.RescoreCases;
import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import io.personalize.it.RealCluster;
import io.personalize.it.Shop;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * item_vector's language models and the personalize_text query vector builder on a real node with the built zip: the
 * built-in MiniLM and E5, a model a shop brings under config/personalize/models/, semantic knn over the real catalogue, the
 * request that combines BM25, knn from text and the personalize rescorer, and every bad input.
 */
class LanguageModelIT {

    static final String PRODUCTS = "lm-products";
    static final String EVENTS = "lm-events";
    static final String MODEL = "lm-shop";
    static final String PIPELINE = "lm-minilm";

    private static EsClient es;
    private static OnlineRetail data;

    @BeforeAll
    static void shop() {
        es = RealCluster.single().any();
        data = OnlineRetail.load();
        putPipeline(PIPELINE, "\"model\": \"minilm\"");
        createIndex(PRODUCTS, PIPELINE, 384);
        Shop.loadProducts(es, PRODUCTS, data.products());
    }

    static void putPipeline(String name, String options) {
        es.put("/_ingest/pipeline/" + name, String.format(Locale.ROOT, """
            {"processors": [{"item_vector": {"fields": {"title": 3.0, "description": 1.0}, %s, "ignore_missing": true}}]}""", options))
                .ok();
    }

    static void createIndex(String index, String pipeline, int dims) {
        Shop.createProductsIndex(es, index, pipeline, 1, 0, dims);
    }

    static JsonNode putPipelineExpectingError(String processor) {
        return status400(
                es.put("/_ingest/pipeline/lm-bad", "{\"processors\": [{\"item_vector\": " + processor + "}]}"));
    }

    static JsonNode status400(EsClient.Response response) {
        assertEquals(400, response.status(), response.body());
        return response.json();
    }

    static String reason(JsonNode error) {
        return error.path("error").path("reason").asText();
    }

    static JsonNode semantic(String index, String text, int k) {
        return semantic(index, "minilm", text, k);
    }

    static JsonNode semantic(String index, String model, String text, int k) {
        return es.post("/" + index + "/_search", String.format(Locale.ROOT, """
            {"size": %d, "_source": ["title"],
             "knn": {"field": "content_vector", "k": %d, "num_candidates": 100,
                     "query_vector_builder": {"personalize_text": {"model": "%s", "text": "%s"}}}}""", k, k, model, text))
                .ok()
                .path("hits")
                .path("hits");
    }

    @Test
    void everyProductWithATitleGetsA384DimVector() {
        long withTitle = data.products().stream().filter(p -> p.title() != null).count();
        long withVector =
                es.post("/" + PRODUCTS + "/_count", """
            {"query": {"exists": {"field": "content_vector"}}}""").ok().path("count").asLong();
        assertEquals(withTitle, withVector);
        float[] vector = Shop.contentVector(es, PRODUCTS, "85123A");
        assertEquals(384, vector.length);
        double norm = 0;
        for (float v : vector) {
            norm += v * v;
        }
        assertEquals(1.0, norm, 1e-4, "unit length");
    }

    @Test
    void aProductsTitleFindsTheProductFirst() {
        // the query builder and the processor run the same model, tokenizer and pooling: a product's own title as the
        // query gives its stored vector (the title is its only field), cosine 1, score (1 + cos) / 2 = 1
        for (String sku : List.of("85123A", "23084", "22423")) {
            String title = data.products().stream()
                    .filter(p -> p.sku().equals(sku))
                    .findFirst()
                    .orElseThrow()
                    .title();
            JsonNode hits = semantic(PRODUCTS, title, 1);
            assertEquals(sku, hits.get(0).path("_id").asText(), title);
            assertEquals(1.0, hits.get(0).path("_score").asDouble(), 1e-4, title);
        }
    }

    @Test
    void textQueryFindsProductsWithoutItsWords() {
        // semantic search: "gift for a gardener" shares no word with watering cans, seed tins or plant pots
        JsonNode hits = semantic(PRODUCTS, "gift for a gardener", 10);
        assertEquals(10, hits.size());
        int garden = 0;
        List<String> titles = new ArrayList<>();
        for (JsonNode hit : hits) {
            String title = hit.path("_source").path("title").asText();
            titles.add(title);
            if (title.matches(".*(GARDEN|PLANT|WATERING|SEED|HERB|FLOWER|TROWEL|POT ).*")) {
                garden++;
            }
        }
        assertTrue(garden >= 5, "garden things among the first 10: " + titles);
    }

    @Test
    void bm25KnnFromTextAndThePersonalizeRescorerInOneRequest() {
        List<OnlineRetail.Purchase> train = RescoreCases.trainEvents(data, OnlineRetail.SPLIT);
        Shop.createEventsIndex(es, EVENTS, 1, 0);
        Shop.loadEvents(es, EVENTS, train.subList(0, Math.min(train.size(), 60_000)));
        es.delete("/_recommend/models/" + MODEL);
        es.put("/_recommend/models/" + MODEL, Shop.modelConfig(PRODUCTS, EVENTS))
                .ok();
        es.post("/_recommend/models/" + MODEL + "/_train", null).ok();

        String request = """
            {"size": 20, "_source": ["title"],
             "retriever": {"rescorer": {
               "retriever": {"standard": {"query": {"bool": {"should": [
                 {"match": {"title": "christmas gift"}},
                 {"knn": {"field": "content_vector", "k": 50, "num_candidates": 200,
                          "query_vector_builder": {"personalize_text": {"model": "minilm", "text": "christmas gift"}}}}]}}}},
               "rescore": {"window_size": 100, "personalize": {"model": "%s", "user_id": "%s"}}}}}""";
        String plain = """
            {"size": 20, "_source": ["title"],
             "query": {"bool": {"should": [
               {"match": {"title": "christmas gift"}},
               {"knn": {"field": "content_vector", "k": 50, "num_candidates": 200,
                        "query_vector_builder": {"personalize_text": {"model": "minilm", "text": "christmas gift"}}}}]}}}""";
        List<String> unpersonalized =
                ids(es.post("/" + PRODUCTS + "/_search", plain).ok());
        assertEquals(20, unpersonalized.size());
        Set<List<String>> pages = new HashSet<>();
        for (String shopper : shoppers(train.subList(0, Math.min(train.size(), 60_000)))) {
            List<String> mine =
                    ids(es.post("/" + PRODUCTS + "/_search", String.format(Locale.ROOT, request, MODEL, shopper))
                            .ok());
            assertEquals(20, mine.size());
            pages.add(mine);
        }
        assertTrue(pages.size() > 1, "shoppers get different pages: " + pages);
        assertTrue(
                pages.stream().anyMatch(p -> p.equals(unpersonalized) == false),
                "the rescorer re-ranks BM25 + semantic hits");
    }

    /** The three shoppers with the most events in {@code events}. */
    private static List<String> shoppers(List<OnlineRetail.Purchase> events) {
        Map<String, Long> counts = new java.util.HashMap<>();
        events.forEach(e -> counts.merge(e.user(), 1L, Long::sum));
        return counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(3)
                .map(Map.Entry::getKey)
                .toList();
    }

    private static List<String> ids(JsonNode response) {
        List<String> ids = new ArrayList<>();
        response.path("hits")
                .path("hits")
                .forEach(hit -> ids.add(hit.path("_id").asText()));
        return ids;
    }

    @Test
    void e5IsBuiltInAndItsQueryPrefixIsAddedOnBothSides() throws IOException {
        // the built-in e5 through a pipeline and bulk indexing, then knn from text with the same model: a product's own
        // title finds it first at cosine 1 (the products and the query get the same "query: " prefix)
        putPipeline("lm-e5", "\"model\": \"e5\"");
        createIndex("lm-e5-products", "lm-e5", 384);
        List<OnlineRetail.Product> products = data.products().subList(0, 600);
        Shop.loadProducts(es, "lm-e5-products", products);
        long withTitle = products.stream().filter(p -> p.title() != null).count();
        assertEquals(
                withTitle,
                es.post("/lm-e5-products/_count", """
            {"query": {"exists": {"field": "content_vector"}}}""").ok().path("count").asLong());
        for (OnlineRetail.Product p : List.of(products.get(0), products.get(299), products.get(599))) {
            JsonNode hits = semantic("lm-e5-products", "e5", p.title(), 1);
            assertEquals(p.sku(), hits.get(0).path("_id").asText(), p.title());
            assertEquals(1.0, hits.get(0).path("_score").asDouble(), 1e-4, p.title());
        }
        // the same files brought under another name, with the prefix written into the text (as the README asked before
        // e5 was built in): the same vector as the built-in e5 of the bare title
        Path dir = nodeConfig().resolve("personalize/models/shop-e5");
        Files.createDirectories(dir);
        copyResource("e5-small-v2-q.onnx", dir.resolve("model.onnx"));
        copyResource("e5-small-v2-q-tokenizer.json", dir.resolve("tokenizer.json"));
        putPipeline("lm-shop-e5", "\"model\": \"shop-e5\"");
        createIndex("lm-shop-e5-products", "lm-shop-e5", 384);
        OnlineRetail.Product first = products.get(0);
        es.put("/lm-shop-e5-products/_doc/" + first.sku() + "?refresh=true", Map.of("title", "query: " + first.title()))
                .ok();
        float[] brought = Shop.contentVector(es, "lm-shop-e5-products", first.sku());
        float[] builtIn = Shop.contentVector(es, "lm-e5-products", first.sku());
        for (int d = 0; d < builtIn.length; d++) {
            assertEquals(brought[d], builtIn[d], 1e-6, "dimension " + d);
        }
        // and not MiniLM's vector: the name chose another model
        float[] minilm = Shop.contentVector(es, PRODUCTS, first.sku());
        double dot = 0;
        for (int d = 0; d < builtIn.length; d++) {
            dot += builtIn[d] * minilm[d];
        }
        assertTrue(Math.abs(dot) < 0.9, "e5 is not MiniLM: cosine " + dot);
    }

    @Test
    void e5DimsNotMatchingIsA400NamingDims() {
        JsonNode error = putPipelineExpectingError("{\"fields\": [\"title\"], \"model\": \"e5\", \"dims\": 256}");
        assertEquals("dims", error.path("error").path("property_name").asText(), error.toString());
        assertTrue(reason(error).contains("model [e5] makes vectors of 384 dims"), reason(error));
        assertEquals(404, es.get("/_ingest/pipeline/lm-bad").status(), "nothing stored");
        // a text query with e5 against a field of another size: a 400 saying both sizes, not a 5xx
        createIndex("lm-64-e5", null, 64);
        JsonNode query = status400(es.post("/lm-64-e5/_search", """
            {"knn": {"field": "content_vector", "k": 5, "num_candidates": 10,
                     "query_vector_builder": {"personalize_text": {"model": "e5", "text": "rabbit"}}}}"""));
        assertTrue(query.toString().contains("384") && query.toString().contains("64"), query.toString());
    }

    @Test
    void aModelTheShopBroughtIsUsedByName() throws IOException {
        // MiniLM's own files, placed where a shop places its model: the same vectors as the built-in model
        bringMiniLm("shop-minilm");
        putPipeline("lm-own", "\"model\": \"shop-minilm\", \"dims\": 384");
        createIndex("lm-own-products", "lm-own", 384);
        es.put("/lm-own-products/_doc/85123A?refresh=true", Map.of("title", "WHITE HANGING HEART T-LIGHT HOLDER"))
                .ok();
        float[] own = Shop.contentVector(es, "lm-own-products", "85123A");
        float[] builtIn = Shop.contentVector(es, PRODUCTS, "85123A");
        assertEquals(384, own.length);
        for (int d = 0; d < own.length; d++) {
            assertEquals(builtIn[d], own[d], 1e-6, "dimension " + d);
        }
    }

    @Test
    void aBroughtModelsPoolingFileChoosesClsPooling() throws IOException {
        // MiniLM's files with sentence-transformers' pooling file asking for the [CLS] token (as BGE's does): a vector
        // of the same size that is not the mean-pooled one
        Path dir = bringMiniLm("shop-minilm-cls");
        Files.createDirectories(dir.resolve("1_Pooling"));
        Files.writeString(dir.resolve("1_Pooling/config.json"), """
            {"word_embedding_dimension": 384, "pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}""");
        putPipeline("lm-cls", "\"model\": \"shop-minilm-cls\"");
        createIndex("lm-cls-products", "lm-cls", 384);
        es.put("/lm-cls-products/_doc/85123A?refresh=true", Map.of("title", "WHITE HANGING HEART T-LIGHT HOLDER"))
                .ok();
        float[] cls = Shop.contentVector(es, "lm-cls-products", "85123A");
        float[] mean = Shop.contentVector(es, PRODUCTS, "85123A");
        assertEquals(384, cls.length);
        double dot = 0;
        for (int d = 0; d < cls.length; d++) {
            dot += cls[d] * mean[d];
        }
        assertTrue(dot < 0.99, "CLS pooling gives another vector than the mean: cosine " + dot);
    }

    @Test
    void aPoolingFileTheNodeCannotServeIsA400NamingIt() throws IOException {
        Path dir = bringMiniLm("max-pooled");
        Files.createDirectories(dir.resolve("1_Pooling"));
        Files.writeString(dir.resolve("1_Pooling/config.json"), "{\"pooling_mode_max_tokens\": true}");
        JsonNode error = putPipelineExpectingError("{\"fields\": [\"title\"], \"model\": \"max-pooled\"}");
        assertEquals("model", error.path("error").path("property_name").asText(), error.toString());
        assertTrue(
                reason(error).contains("1_Pooling/config.json: [pooling_mode_max_tokens] is not supported"),
                reason(error));
        assertEquals(404, es.get("/_ingest/pipeline/lm-bad").status(), "nothing stored");
    }

    @Test
    void hashingIsStillTheDefault() {
        putPipeline("lm-hashing", "\"dims\": 64");
        createIndex("lm-hashing-products", "lm-hashing", 64);
        es.put("/lm-hashing-products/_doc/1?refresh=true", Map.of("title", "RABBIT NIGHT LIGHT"))
                .ok();
        assertEquals(64, Shop.contentVector(es, "lm-hashing-products", "1").length);
        putPipeline("lm-hashing-named", "\"model\": \"hashing\", \"dims\": 64");
    }

    @Test
    void tooLongTextIsTruncatedNotRefused() {
        String description = "hand painted ceramic watering can for the garden ".repeat(20_000); // about 1 MB
        es.put(
                        "/" + PRODUCTS + "/_doc/long-one?refresh=true",
                        Map.of("title", "WATERING CAN", "description", description))
                .ok();
        assertEquals(384, Shop.contentVector(es, PRODUCTS, "long-one").length);
        es.delete("/" + PRODUCTS + "/_doc/long-one?refresh=true");
    }

    @Test
    void unknownModelIsA400NamingModel() {
        JsonNode error = putPipelineExpectingError("{\"fields\": [\"title\"], \"model\": \"gpt-17\"}");
        assertEquals("model", error.path("error").path("property_name").asText(), error.toString());
        assertTrue(reason(error).contains("unknown model [gpt-17]"), reason(error));
    }

    @Test
    void modelDirectoryWithoutItsFilesIsA400NamingTheFile() throws IOException {
        Files.createDirectories(nodeConfig().resolve("personalize/models/half-copied"));
        JsonNode error = putPipelineExpectingError("{\"fields\": [\"title\"], \"model\": \"half-copied\"}");
        assertEquals("model", error.path("error").path("property_name").asText(), error.toString());
        assertTrue(reason(error).contains("has no [model.onnx]"), reason(error));
    }

    @Test
    void dimsNotMatchingTheModelIsA400NamingDims() {
        JsonNode error = putPipelineExpectingError("{\"fields\": [\"title\"], \"model\": \"minilm\", \"dims\": 256}");
        assertEquals("dims", error.path("error").path("property_name").asText(), error.toString());
        assertTrue(reason(error).contains("384"), reason(error));
    }

    @Test
    void hashingOptionsWithALanguageModelAreA400() {
        JsonNode error = putPipelineExpectingError(
                "{\"fields\": [\"title\"], \"model\": \"minilm\", \"analyzer\": \"english\"}");
        assertEquals("analyzer", error.path("error").path("property_name").asText(), error.toString());
    }

    @Test
    void unknownModelInTheQueryIsA400() {
        JsonNode error = status400(es.post("/" + PRODUCTS + "/_search", """
            {"knn": {"field": "content_vector", "k": 5, "num_candidates": 10,
                     "query_vector_builder": {"personalize_text": {"model": "gpt-17", "text": "x"}}}}"""));
        assertTrue(error.toString().contains("unknown model [gpt-17]"), error.toString());
        JsonNode missingText = status400(es.post("/" + PRODUCTS + "/_search", """
            {"knn": {"field": "content_vector", "k": 5, "num_candidates": 10,
                     "query_vector_builder": {"personalize_text": {"model": "minilm"}}}}"""));
        assertTrue(missingText.toString().contains("text"), missingText.toString());
    }

    @Test
    void queryVectorOfAnotherSizeThanTheFieldIsA400() {
        createIndex("lm-64-dims", null, 64);
        JsonNode error = status400(es.post("/lm-64-dims/_search", """
            {"knn": {"field": "content_vector", "k": 5, "num_candidates": 10,
                     "query_vector_builder": {"personalize_text": {"model": "minilm", "text": "rabbit"}}}}"""));
        assertNotEquals("", error.path("error").path("reason").asText(), error.toString());
    }

    static Path nodeConfig() {
        return RealCluster.root()
                .resolve("target/clusters")
                .resolve(RealCluster.single().name())
                .resolve("node-0/config");
    }

    /** MiniLM's own files placed where a shop places a model it brings: the node's config/personalize/models/NAME. */
    private static Path bringMiniLm(String name) throws IOException {
        Path dir = nodeConfig().resolve("personalize/models/" + name);
        Files.createDirectories(dir);
        copyResource("all-minilm-l6-v2-q.onnx", dir.resolve("model.onnx"));
        copyResource("all-minilm-l6-v2-q-tokenizer.json", dir.resolve("tokenizer.json"));
        return dir;
    }

    private static void copyResource(String resource, Path target) {
        try (InputStream in = LanguageModelIT.class.getClassLoader().getResourceAsStream(resource)) {
            Files.write(target, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
