package io.personalize.embed;

import ai.onnxruntime.OrtException;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The sentence-embedding models of this node, by name, opened on first use and kept until the plugin closes:
 * <ul>
 *   <li>{@value #MINILM}: all-MiniLM-L6-v2, int8-quantized, 384 dims, shipped in the plugin zip;</li>
 *   <li>{@value #E5}: e5-small-v2, int8-quantized, 384 dims, shipped in the plugin zip, every text given
 *       {@value #E5_PREFIX} (products and queries alike: see {@link #E5_PREFIX});</li>
 *   <li>any other name: a model the shop brought, {@code config/personalize/models/NAME/model.onnx} and
 *       {@code tokenizer.json} (a sentence-transformer exported to ONNX with its Hugging Face WordPiece tokenizer), and
 *       optionally sentence-transformers' {@value Pooling#FILE} (mean pooling without it).</li>
 * </ul>
 * {@value #HASHING} is not a model of this registry: it is {@code item_vector}'s feature hashing. Every failure is an
 * {@code IllegalArgumentException} whose message names the model and what is missing or wrong.
 */
public final class EmbeddingModels implements Closeable {

    public static final String HASHING = "hashing";
    public static final String MINILM = "minilm";
    public static final String E5 = "e5";
    /**
     * E5 was trained with "query: " or "passage: " before every text. Products get "query: " as the queries do: the
     * model's card asks for it on both sides of a symmetric task (similar items, content recommendations: a product
     * against products), and on the bench's validation split it was the better text for content recommendations
     * ({@code LanguageModelChoice}: "query: " + cleaned title .0723 against "passage: " + cleaned title .0692). One
     * prefix for both keeps a product's own title, as a query, finding the product first.
     */
    public static final String E5_PREFIX = "query: ";

    public static final String MODEL_FILE = "model.onnx";
    public static final String TOKENIZER_FILE = "tokenizer.json";

    private static final String MINILM_ONNX = "all-minilm-l6-v2-q.onnx";
    private static final String MINILM_TOKENIZER = "all-minilm-l6-v2-q-tokenizer.json";
    private static final String E5_ONNX = "e5-small-v2-q.onnx";
    private static final String E5_TOKENIZER = "e5-small-v2-q-tokenizer.json";
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,99}");

    private final Path modelsDir;
    private final Map<String, SentenceEmbedder> open = new ConcurrentHashMap<>();

    /** {@code modelsDir}: the node's {@code config/personalize/models}; it need not exist. */
    public EmbeddingModels(Path modelsDir) {
        this.modelsDir = modelsDir;
    }

    /** The model {@code name}, opened now if it was not yet: loads natives and weights (about a second for MiniLM). */
    public SentenceEmbedder get(String name) {
        SentenceEmbedder model = open.get(name);
        if (model != null) {
            return model;
        }
        synchronized (this) {
            return open.computeIfAbsent(name, this::load);
        }
    }

    private SentenceEmbedder load(String name) {
        if (HASHING.equals(name)) {
            throw new IllegalArgumentException("[hashing] is item_vector's feature hashing, not a language model");
        }
        if (NAME.matcher(name).matches() == false) {
            throw unknown(name);
        }
        byte[] onnx;
        WordPieceTokenizer tokenizer;
        Pooling.Config pooling = new Pooling.Config(Pooling.MEAN, 0);
        String prefix = "";
        if (MINILM.equals(name)) {
            onnx = resource(name, MINILM_ONNX);
            tokenizer = tokenizer(name, resource(name, MINILM_TOKENIZER));
        } else if (E5.equals(name)) {
            onnx = resource(name, E5_ONNX);
            tokenizer = tokenizer(name, resource(name, E5_TOKENIZER));
            prefix = E5_PREFIX;
        } else {
            Path dir = modelsDir.resolve(name);
            if (Files.isDirectory(dir) == false) {
                throw unknown(name);
            }
            onnx = file(name, dir.resolve(MODEL_FILE));
            tokenizer = tokenizer(name, file(name, dir.resolve(TOKENIZER_FILE)));
            Path poolingFile = dir.resolve(Pooling.FILE);
            if (Files.exists(poolingFile)) {
                try {
                    pooling = Pooling.parse(file(name, poolingFile));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("model [" + name + "]: " + e.getMessage(), e);
                }
            }
        }
        try {
            return SentenceEmbedder.open(name, prefix, onnx, tokenizer, pooling);
        } catch (OrtException e) {
            throw new IllegalArgumentException("model [" + name + "] is not a usable ONNX model: " + e.getMessage(), e);
        } catch (OrtRuntime.UnavailableException e) {
            throw new IllegalArgumentException("model [" + name + "] cannot run on this node: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("model [" + name + "]: " + e.getMessage(), e);
        }
    }

    private IllegalArgumentException unknown(String name) {
        return new IllegalArgumentException("unknown model [" + name + "]: expected [" + HASHING + "], [" + MINILM
                + "], [" + E5 + "] or the name of a directory under config/personalize/models/ holding " + MODEL_FILE
                + " and " + TOKENIZER_FILE);
    }

    private static WordPieceTokenizer tokenizer(String name, byte[] json) {
        try (InputStream in = new java.io.ByteArrayInputStream(json)) {
            return WordPieceTokenizer.fromJson(in);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(
                    "model [" + name + "]: " + TOKENIZER_FILE + " is not a usable tokenizer: " + e.getMessage(), e);
        }
    }

    private static byte[] file(String name, Path path) {
        try {
            return Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("model [" + name + "]: the model directory has no [" + path.getFileName()
                    + "] (expected " + MODEL_FILE + " and " + TOKENIZER_FILE + " in config/personalize/models/" + name
                    + "/)");
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "model [" + name + "]: cannot read [" + path.getFileName() + "]: " + e, e);
        }
    }

    private static byte[] resource(String name, String resource) {
        try (InputStream in = EmbeddingModels.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("model [" + name + "]: the plugin's model jar is missing ["
                        + resource + "]: reinstall the plugin");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalArgumentException("model [" + name + "]: cannot read [" + resource + "]: " + e, e);
        }
    }

    @Override
    public void close() {
        open.values().forEach(SentenceEmbedder::close);
        open.clear();
    }
}
