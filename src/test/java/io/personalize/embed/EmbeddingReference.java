package io.personalize.embed;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentParserConfiguration;
import org.elasticsearch.xcontent.json.JsonXContent;

/**
 * The reference cases of {@code minilm-reference.json}: token ids from the Hugging Face tokenizers library, vectors
 * from langchain4j's all-MiniLM-L6-v2 (quantized) model, made once by
 * {@code src/test/reference/MakeEmbeddingReference.java}; and of {@code e5-reference.json}: the same for "query: " +
 * text through langchain4j's e5-small-v2 (quantized) model, made once by {@code src/test/reference/MakeE5Reference.java}.
 */
record EmbeddingReference(String text, int[] ids, float[] vector) {

    static List<EmbeddingReference> load() throws IOException {
        return load("minilm-reference.json");
    }

    @SuppressWarnings("unchecked")
    static List<EmbeddingReference> load(String resource) throws IOException {
        try (InputStream in = EmbeddingReference.class.getResourceAsStream(resource);
                XContentParser parser = JsonXContent.jsonXContent.createParser(XContentParserConfiguration.EMPTY, in)) {
            List<EmbeddingReference> cases = new ArrayList<>();
            for (Object raw : (List<Object>) parser.map().get("cases")) {
                Map<String, Object> c = (Map<String, Object>) raw;
                List<Number> ids = (List<Number>) c.get("ids");
                List<Number> vector = (List<Number>) c.get("vector");
                float[] v = null;
                if (vector != null) {
                    v = new float[vector.size()];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = vector.get(i).floatValue();
                    }
                }
                cases.add(new EmbeddingReference(
                        (String) c.get("text"),
                        ids.stream().mapToInt(Number::intValue).toArray(),
                        v));
            }
            return cases;
        }
    }
}
