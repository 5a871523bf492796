package io.personalize.it.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import io.personalize.it.RealCluster;
import org.junit.jupiter.api.Test;

/** Every node of a real 3-node cluster computes the same vector, bit for bit, for the same product. */
class ItemVectorThreeNodeIT {

    @Test
    void everyNodeComputesTheSameVector() {
        RealCluster.Nodes cluster = RealCluster.three();
        String simulate = """
            {"pipeline": {"processors": [{"item_vector": {"fields": {"title": 3, "description": 1}, "analyzer": "german", "dims": 128}}]},
             "docs": [{"_source": {"title": "Weißer hängender Herz-Teelichthalter", "description": ["aus Metall", "für Kerzen"]}}]}""";
        String first = null;
        for (EsClient node : cluster.nodes()) {
            JsonNode vector = node.post("/_ingest/pipeline/_simulate", simulate)
                    .ok()
                    .path("docs")
                    .get(0)
                    .path("doc")
                    .path("_source")
                    .path("content_vector");
            assertEquals(128, vector.size(), node.baseUrl());
            if (first == null) {
                first = vector.toString();
            } else {
                assertEquals(first, vector.toString(), "vector computed by " + node.baseUrl());
            }
        }
    }

    @Test
    void everyNodeComputesTheSameLanguageModelVector() {
        // one text per inference call (personalize.embed.batch_size 1): a vector never depends on what else the node
        // was embedding at the time, so a product gets the same vector whichever node runs its pipeline
        RealCluster.Nodes cluster = RealCluster.three();
        String simulate = """
            {"pipeline": {"processors": [{"item_vector": {"fields": {"title": 3, "description": 1}, "model": "minilm"}}]},
             "docs": [{"_source": {"title": "WHITE HANGING HEART T-LIGHT HOLDER", "description": ["metal", "for candles"]}},
                      {"_source": {"title": "RABBIT NIGHT LIGHT"}}]}""";
        String first = null;
        for (EsClient node : cluster.nodes()) {
            JsonNode docs =
                    node.post("/_ingest/pipeline/_simulate", simulate).ok().path("docs");
            StringBuilder vectors = new StringBuilder();
            for (JsonNode doc : docs) {
                JsonNode vector = doc.path("doc").path("_source").path("content_vector");
                assertEquals(384, vector.size(), node.baseUrl() + ": " + doc);
                vectors.append(vector);
            }
            if (first == null) {
                first = vectors.toString();
            } else {
                assertEquals(first, vectors.toString(), "vectors computed by " + node.baseUrl());
            }
        }
    }
}
