package io.personalize.it.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import io.personalize.it.RealCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A node whose ONNX Runtime natives cannot load (as on a platform the zip ships none for): naming a language model is
 * a 400 that says so, and the node goes on serving everything else. The node is told to look for the natives in a
 * directory that does not exist (ONNX Runtime's own {@code onnxruntime.native.path} property, a JVM option of the node).
 */
class LanguageModelWithoutNativesIT {

    private static RealCluster.Nodes cluster;
    private static EsClient es;

    @BeforeAll
    static void nodeWithoutNatives() {
        String prefix = System.getenv().getOrDefault("PERSONALIZE_IT_NAME", "it");
        int port = Integer.parseInt(System.getenv().getOrDefault("PERSONALIZE_IT_PORT", "19250")) + 45;
        // the option in the node's jvm.options.d from its first start (no restart needed to read it)
        cluster = RealCluster.start(
                prefix + "-nonatives", 1, port, "--jvm-option", "-Donnxruntime.native.path=/nonexistent/onnxruntime");
        es = cluster.any();
    }

    @AfterAll
    static void stopNode() {
        RealCluster.killAll(cluster);
    }

    @Test
    void languageModelIsA400AndTheNodeStaysUp() {
        EsClient.Response response = es.put("/_ingest/pipeline/lm-nonatives", """
            {"processors": [{"item_vector": {"fields": ["title"], "model": "minilm"}}]}""");
        assertEquals(400, response.status(), response.body());
        JsonNode error = response.json().path("error");
        assertEquals("model", error.path("property_name").asText(), response.body());
        assertTrue(error.path("reason").asText().contains("cannot run on this node"), response.body());
        assertTrue(error.path("reason").asText().contains("native"), response.body());

        // the same again (the failure is remembered, not retried into a crash), and the query side says the same
        assertEquals(400, es.put("/_ingest/pipeline/lm-nonatives", """
            {"processors": [{"item_vector": {"fields": ["title"], "model": "minilm"}}]}""").status());
        // hashing does not need the natives
        es.put("/_ingest/pipeline/lm-hashing", """
            {"processors": [{"item_vector": {"fields": ["title"], "dims": 16}}]}""").ok();
        es.put("/nn-products", """
            {"settings": {"number_of_replicas": 0},
             "mappings": {"properties": {"content_vector": {"type": "dense_vector", "dims": 16, "similarity": "cosine"}}}}""").ok();
        es.put("/nn-products/_doc/1?pipeline=lm-hashing&refresh=true", "{\"title\": \"RABBIT NIGHT LIGHT\"}")
                .ok();
        JsonNode search = es.post("/nn-products/_search", """
            {"knn": {"field": "content_vector", "k": 1, "num_candidates": 10,
                     "query_vector_builder": {"personalize_text": {"model": "minilm", "text": "rabbit"}}}}""").json();
        assertEquals(400, search.path("status").asInt(), search.toString());
        assertTrue(search.toString().contains("native"), search.toString());
        assertEquals(
                "green",
                es.get("/_cluster/health?wait_for_status=green&timeout=30s")
                        .ok()
                        .path("status")
                        .asText());
    }
}
