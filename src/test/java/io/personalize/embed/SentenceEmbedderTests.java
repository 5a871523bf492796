package io.personalize.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MiniLM through ONNX Runtime against langchain4j's vectors for the same texts (see EmbeddingReference). */
class SentenceEmbedderTests {

    private static EmbeddingModels models;
    private static SentenceEmbedder minilm;
    private static List<EmbeddingReference> reference;

    @BeforeAll
    static void open(@TempDir Path modelsDir) throws IOException {
        models = new EmbeddingModels(modelsDir);
        minilm = models.get(EmbeddingModels.MINILM);
        reference = EmbeddingReference.load();
    }

    @AfterAll
    static void close() {
        models.close();
    }

    @Test
    void vectorsAreTheReferenceImplementations() throws Exception {
        assertEquals(384, minilm.dims());
        List<EmbeddingReference> withVector =
                reference.stream().filter(c -> c.vector() != null).toList();
        assertEquals(13, withVector.size());
        for (EmbeddingReference c : withVector) {
            assertClose(c.vector(), minilm.embed(List.of(c.text()))[0], "[" + c.text() + "]");
        }
    }

    @Test
    void e5IsTheReferenceImplementationsGivenItsQueryPrefix() throws Exception {
        // langchain4j's e5-small-v2 adds no prefix: its vectors of "query: " + text are what the built-in e5 gives for
        // the text alone, on products and queries alike
        SentenceEmbedder e5 = models.get(EmbeddingModels.E5);
        assertEquals(384, e5.dims());
        assertEquals("query: ", e5.prefix());
        List<EmbeddingReference> cases = EmbeddingReference.load("e5-reference.json");
        assertEquals(9, cases.size());
        for (EmbeddingReference c : cases) {
            assertArrayEquals(c.ids(), e5.tokenizer().encode(e5.prefix() + c.text()), "[" + c.text() + "]");
            assertClose(c.vector(), e5.embed(List.of(c.text()))[0], "[" + c.text() + "]");
        }
        // the prefix changes the vector, so a text given with it gets it twice (a shop that added it itself drops it)
        float[] twice = e5.embed(List.of("query: RABBIT NIGHT LIGHT"))[0];
        float[] once = e5.embed(List.of("RABBIT NIGHT LIGHT"))[0];
        double dot = 0;
        for (int d = 0; d < once.length; d++) {
            dot += once[d] * twice[d];
        }
        assertTrue(dot < 0.9999, "a text already prefixed is prefixed again: cosine " + dot);
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        double dot = 0, norm = 0, maxDiff = 0;
        for (int d = 0; d < expected.length; d++) {
            dot += expected[d] * actual[d];
            norm += actual[d] * actual[d];
            maxDiff = Math.max(maxDiff, Math.abs(expected[d] - actual[d]));
        }
        assertEquals(1.0, norm, 1e-5, what + ": unit length");
        assertTrue(dot > 0.99999, what + ": cosine with the reference " + dot);
        assertTrue(maxDiff < 1e-3, what + ": largest difference " + maxDiff);
    }

    @Test
    void longTextIsTruncatedNotRefused() throws Exception {
        String sentence = "hand painted ceramic watering can for the garden ";
        // 2,000 repetitions and 20 (about 180 word pieces) are both past the limit: the model reads the same first 126
        float[][] vectors = new float[3][];
        int i = 0;
        for (int times : new int[] {2000, 20, 5}) {
            vectors[i++] = minilm.embed(List.of(sentence.repeat(times)))[0];
        }
        assertEquals(128, minilm.tokenizer().encode(sentence.repeat(20)).length);
        assertClose(vectors[1], vectors[0], "a text past the limit is read up to the limit");
        double dot = 0;
        for (int d = 0; d < vectors[0].length; d++) {
            dot += vectors[0][d] * vectors[2][d];
        }
        assertTrue(dot < 0.9999, "a text within the limit is read whole: " + dot);
    }

    @Test
    void unknownModelNamesTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> models.get("nosuch"));
        assertTrue(e.getMessage().contains("unknown model [nosuch]"), e.getMessage());
        assertTrue(e.getMessage().contains("config/personalize/models/"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> models.get("../etc"));
        assertTrue(e.getMessage().contains("unknown model"), e.getMessage());
    }

    @Test
    void modelDirectoryWithoutItsFilesNamesTheMissingFile(@TempDir Path dir) throws IOException {
        EmbeddingModels own = new EmbeddingModels(dir);
        Files.createDirectories(dir.resolve("mine"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> own.get("mine"));
        assertTrue(e.getMessage().contains("[model.onnx]"), e.getMessage());
        Files.write(dir.resolve("mine").resolve("model.onnx"), new byte[] {1, 2, 3});
        e = assertThrows(IllegalArgumentException.class, () -> own.get("mine"));
        assertTrue(e.getMessage().contains("[tokenizer.json]"), e.getMessage());
        try (var in = getClass().getClassLoader().getResourceAsStream("all-minilm-l6-v2-q-tokenizer.json")) {
            Files.write(dir.resolve("mine").resolve("tokenizer.json"), in.readAllBytes());
        }
        e = assertThrows(IllegalArgumentException.class, () -> own.get("mine"));
        assertTrue(e.getMessage().contains("not a usable ONNX model"), e.getMessage());
    }

    /** MiniLM's files placed under {@code NAME/}, with {@code 1_Pooling/config.json} when {@code pooling} is given. */
    private static Path broughtMinilm(Path dir, String name, String pooling) throws IOException {
        Path mine = Files.createDirectories(dir.resolve(name));
        for (String[] f : new String[][] {
            {"all-minilm-l6-v2-q.onnx", "model.onnx"}, {"all-minilm-l6-v2-q-tokenizer.json", "tokenizer.json"}
        }) {
            try (var in = SentenceEmbedderTests.class.getClassLoader().getResourceAsStream(f[0])) {
                Files.write(mine.resolve(f[1]), in.readAllBytes());
            }
        }
        if (pooling != null) {
            Files.writeString(Files.createDirectories(mine.resolve("1_Pooling")).resolve("config.json"), pooling);
        }
        return mine;
    }

    @Test
    @SuppressWarnings("unchecked")
    void clsPoolingIsTheReferenceImplementations(@TempDir Path dir) throws Exception {
        broughtMinilm(dir, "cls-minilm", "{\"word_embedding_dimension\": 384, \"pooling_mode_cls_token\": true}");
        List<Object> cases;
        try (var in = getClass().getResourceAsStream("minilm-cls-reference.json");
                var parser = org.elasticsearch.xcontent.json.JsonXContent.jsonXContent.createParser(
                        org.elasticsearch.xcontent.XContentParserConfiguration.EMPTY, in)) {
            cases = (List<Object>) parser.map().get("cases");
        }
        assertEquals(4, cases.size());
        try (EmbeddingModels own = new EmbeddingModels(dir)) {
            SentenceEmbedder cls = own.get("cls-minilm");
            assertEquals(Pooling.CLS, cls.pooling());
            for (Object raw : cases) {
                var c = (java.util.Map<String, Object>) raw;
                List<Number> values = (List<Number>) c.get("vector");
                float[] expected = new float[values.size()];
                for (int d = 0; d < expected.length; d++) {
                    expected[d] = values.get(d).floatValue();
                }
                String text = (String) c.get("text");
                float[] actual = cls.embed(List.of(text))[0];
                assertClose(expected, actual, "CLS [" + text + "]");
                // and it is not the mean: the file changed what the model gives
                float[] mean = minilm.embed(List.of(text))[0];
                double dot = 0;
                for (int d = 0; d < mean.length; d++) {
                    dot += mean[d] * actual[d];
                }
                assertTrue(dot < 0.99, "CLS and mean pooling of [" + text + "] differ: " + dot);
            }
        }
    }

    @Test
    void aPoolingFileThatCannotBeServedNamesTheModelAndTheFile(@TempDir Path dir) throws IOException {
        broughtMinilm(dir, "max-pooled", "{\"pooling_mode_max_tokens\": true}");
        broughtMinilm(dir, "wrong-size", "{\"word_embedding_dimension\": 768, \"pooling_mode_cls_token\": true}");
        try (EmbeddingModels own = new EmbeddingModels(dir)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> own.get("max-pooled"));
            assertEquals(
                    "model [max-pooled]: 1_Pooling/config.json: [pooling_mode_max_tokens] is not supported, set"
                            + " [pooling_mode_cls_token] or [pooling_mode_mean_tokens]",
                    e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> own.get("wrong-size"));
            assertTrue(
                    e.getMessage()
                            .startsWith("model [wrong-size]: 1_Pooling/config.json: [word_embedding_dimension]"
                                    + " is [768] but the ONNX model's output"),
                    e.getMessage());
        }
    }

    @Test
    void broughtModelLoadsFromItsDirectory(@TempDir Path dir) throws IOException {
        // the built-in model's files, placed as a shop would place its own
        Path mine = Files.createDirectories(dir.resolve("shop-minilm"));
        for (String[] f : new String[][] {
            {"all-minilm-l6-v2-q.onnx", "model.onnx"}, {"all-minilm-l6-v2-q-tokenizer.json", "tokenizer.json"}
        }) {
            try (var in = getClass().getClassLoader().getResourceAsStream(f[0])) {
                Files.write(mine.resolve(f[1]), in.readAllBytes());
            }
        }
        try (EmbeddingModels own = new EmbeddingModels(dir)) {
            SentenceEmbedder model = own.get("shop-minilm");
            assertEquals(384, model.dims());
            assertEquals(Pooling.MEAN, model.pooling(), "without 1_Pooling/config.json: the mean");
            assertClose(
                    reference.get(0).vector(),
                    model.embed(List.of(reference.get(0).text()))[0],
                    "brought model");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
