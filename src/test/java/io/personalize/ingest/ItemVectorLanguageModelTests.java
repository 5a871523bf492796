package io.personalize.ingest;

import io.personalize.embed.EmbeddingModels;
import io.personalize.embed.EmbeddingService;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.elasticsearch.ElasticsearchParseException;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.ingest.IngestDocument;
import org.elasticsearch.ingest.TestIngestDocument;
import org.elasticsearch.test.ESTestCase;
import org.junit.AfterClass;
import org.junit.BeforeClass;

/** item_vector with "model": options, the weighted mean of the fields' vectors, missing text. */
public class ItemVectorLanguageModelTests extends ESTestCase {

    private static EmbeddingModels models;
    private static ItemVectorProcessor.Factory factory;
    private static final AnalyzerCatalog ANALYZERS = new AnalyzerCatalog();

    @BeforeClass
    public static void open() {
        models = new EmbeddingModels(createTempDir());
        // inference in the calling thread: the processor's answer arrives before execute returns
        EmbeddingService service = new EmbeddingService(Runnable::run, null, Settings.EMPTY);
        factory = new ItemVectorProcessor.Factory(ANALYZERS, () -> models, () -> service);
    }

    @AfterClass
    public static void close() {
        models.close();
        ANALYZERS.close();
    }

    private static ItemVectorProcessor create(Map<String, Object> config) {
        return factory.create(Map.of(), "tag", null, new HashMap<>(config));
    }

    private static float[] run(ItemVectorProcessor processor, Map<String, Object> source) {
        IngestDocument doc = TestIngestDocument.withDefaultVersion(new HashMap<>(source));
        AtomicReference<Exception> failure = new AtomicReference<>();
        AtomicReference<IngestDocument> result = new AtomicReference<>();
        processor.execute(doc, (d, e) -> {
            result.set(d);
            failure.set(e);
        });
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        @SuppressWarnings("unchecked")
        List<Float> vector = (List<Float>) result.get().getSourceAndMetadata().get("content_vector");
        if (vector == null) {
            return null;
        }
        float[] out = new float[vector.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = vector.get(i);
        }
        return out;
    }

    public void testOneFieldGivesTheModelsVectorOfItsText() throws Exception {
        ItemVectorProcessor processor = create(Map.of("fields", Map.of("title", 3.0), "model", "minilm"));
        assertTrue(processor.isAsync());
        assertEquals(384, processor.dims());
        float[] expected = models.get("minilm").embed(List.of("RABBIT NIGHT LIGHT"))[0];
        float[] actual = run(processor, Map.of("title", "RABBIT NIGHT LIGHT"));
        for (int d = 0; d < expected.length; d++) {
            assertEquals("a weight scales out in the normalisation", expected[d], actual[d], 1e-6);
        }
    }

    public void testFieldsAreAWeightedMeanOfTheirVectors() throws Exception {
        ItemVectorProcessor processor =
                create(Map.of("fields", Map.of("title", 3.0, "description", 1.0), "model", "minilm"));
        float[][] fields = models.get("minilm").embed(List.of("RABBIT NIGHT LIGHT"));
        float[] description = models.get("minilm").embed(List.of("a lamp for a child's room"))[0];
        float[] actual =
                run(processor, Map.of("title", "RABBIT NIGHT LIGHT", "description", "a lamp for a child's room"));
        double[] sum = new double[384];
        double norm = 0;
        for (int d = 0; d < 384; d++) {
            sum[d] = 3.0 * fields[0][d] + description[d];
            norm += sum[d] * sum[d];
        }
        for (int d = 0; d < 384; d++) {
            assertEquals(sum[d] / Math.sqrt(norm), actual[d], 1e-6);
        }
    }

    public void testDocumentWithoutTextFailsOrIsSkipped() {
        ItemVectorProcessor strict = create(Map.of("fields", List.of("title"), "model", "minilm"));
        AssertionError e = expectThrows(AssertionError.class, () -> run(strict, Map.of("sku", "1")));
        assertTrue(e.getCause().getMessage(), e.getCause().getMessage().contains("has any text to vectorize"));
        ItemVectorProcessor lenient =
                create(Map.of("fields", List.of("title"), "model", "minilm", "ignore_missing", true));
        assertNull(run(lenient, Map.of("sku", "1", "title", "   ")));
    }

    public void testOptionsThatMeanNothingToTheModelAreRefusedByName() {
        ElasticsearchParseException dims = expectThrows(
                ElasticsearchParseException.class,
                () -> create(Map.of("fields", List.of("title"), "model", "minilm", "dims", 256)));
        assertTrue(dims.getMessage(), dims.getMessage().contains("[dims]"));
        assertTrue(dims.getMessage(), dims.getMessage().contains("384"));
        for (String option : List.of("analyzer", "max_tokens")) {
            Object value = option.equals("analyzer") ? "english" : 10;
            ElasticsearchParseException e = expectThrows(
                    ElasticsearchParseException.class,
                    () -> create(Map.of("fields", List.of("title"), "model", "minilm", option, value)));
            assertTrue(e.getMessage(), e.getMessage().startsWith("[" + option + "]"));
        }
        ElasticsearchParseException unknown = expectThrows(
                ElasticsearchParseException.class, () -> create(Map.of("fields", List.of("title"), "model", "nosuch")));
        assertTrue(unknown.getMessage(), unknown.getMessage().startsWith("[model] unknown model [nosuch]"));
        assertFalse(
                "hashing stays synchronous",
                create(Map.of("fields", List.of("title"), "model", "hashing")).isAsync());
    }
}
