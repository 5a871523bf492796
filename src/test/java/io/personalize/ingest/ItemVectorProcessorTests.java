package io.personalize.ingest;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.elasticsearch.ElasticsearchParseException;
import org.elasticsearch.ingest.IngestDocument;
import org.elasticsearch.ingest.TestIngestDocument;
import org.elasticsearch.test.ESTestCase;
import org.junit.AfterClass;
import org.junit.BeforeClass;

public class ItemVectorProcessorTests extends ESTestCase {

    private static AnalyzerCatalog analyzers;
    private static ItemVectorProcessor.Factory factory;

    @BeforeClass
    public static void createFactory() {
        analyzers = new AnalyzerCatalog();
        factory = new ItemVectorProcessor.Factory(analyzers);
    }

    @AfterClass
    public static void closeAnalyzers() {
        analyzers.close();
    }

    private static ItemVectorProcessor create(Map<String, Object> config) {
        return factory.create(Map.of(), "tag", null, new HashMap<>(config));
    }

    private static Map<String, Object> config(Object... keyValues) {
        Map<String, Object> config = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            config.put((String) keyValues[i], keyValues[i + 1]);
        }
        return config;
    }

    public void testDefaults() {
        ItemVectorProcessor processor = create(config("fields", Map.of("title", 3.0)));
        assertThat(processor.targetField(), equalTo("content_vector"));
        assertThat(processor.dims(), equalTo(256));
        assertThat(processor.fields(), equalTo(Map.of("title", 3.0)));
    }

    public void testFieldsAsListWeighOne() {
        ItemVectorProcessor processor = create(config("fields", List.of("title", "brand.name")));
        assertThat(processor.fields(), equalTo(Map.of("title", 1.0, "brand.name", 1.0)));
    }

    public void testWritesUnitVectorFromDottedPaths() throws Exception {
        ItemVectorProcessor processor =
                create(config("fields", Map.of("title", 3, "brand.name", 2), "dims", 64, "analyzer", "english"));
        IngestDocument document = TestIngestDocument.withDefaultVersion(new HashMap<>(
                Map.of("title", "Red heart holder", "brand", Map.of("name", List.of("Acme", "Acme Home")))));
        processor.execute(document);
        @SuppressWarnings("unchecked")
        List<Float> vector = document.getFieldValue("content_vector", List.class);
        assertThat(vector, hasSize(64));
        double norm = 0;
        for (float v : vector) {
            norm += v * v;
        }
        assertEquals(1.0, Math.sqrt(norm), 1e-6);
    }

    public void testExtremeAcceptedWeightsGiveUnitVectors() throws Exception {
        // the bounds themselves, on the longest text a field reads, mixed with a normal weight: finite, non-zero, unit
        // length
        String longText = String.join(" ", java.util.Collections.nCopies(20_000, "heart holder candle"));
        for (double weight : new double[] {ItemVectorProcessor.MIN_WEIGHT, ItemVectorProcessor.MAX_WEIGHT}) {
            for (Map<String, Object> fields :
                    List.<Map<String, Object>>of(Map.of("title", weight), Map.of("title", weight, "description", 1))) {
                ItemVectorProcessor processor = create(config("fields", fields, "dims", 4096));
                IngestDocument document = TestIngestDocument.withDefaultVersion(
                        new HashMap<>(Map.of("title", longText, "description", "Red heart")));
                processor.execute(document);
                @SuppressWarnings("unchecked")
                List<Float> vector = document.getFieldValue("content_vector", List.class);
                double norm = 0;
                for (float v : vector) {
                    assertTrue("weight " + weight + " gave " + v, Float.isFinite(v));
                    norm += v * v;
                }
                assertEquals("weight " + weight, 1.0, Math.sqrt(norm), 1e-5);
            }
        }
    }

    public void testMissingFieldsAreSkippedWhileOneHasText() throws Exception {
        ItemVectorProcessor processor = create(config("fields", Map.of("title", 1, "brand", 1)));
        IngestDocument document = TestIngestDocument.withDefaultVersion(new HashMap<>(Map.of("title", "lantern")));
        processor.execute(document);
        assertTrue(document.hasField("content_vector"));
    }

    public void testDocumentWithoutTextFails() {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("title", 1);
        fields.put("brand", 1);
        ItemVectorProcessor processor = create(config("fields", fields));
        Map<String, Object> source = new HashMap<>();
        source.put("title", "  ");
        source.put("brand", null);
        IngestDocument document = TestIngestDocument.withDefaultVersion(source);
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> processor.execute(document));
        assertThat(e.getMessage(), containsString("none of the fields [title, brand] has any text to vectorize"));
    }

    public void testDocumentWithoutTextIsLeftAloneWithIgnoreMissing() throws Exception {
        ItemVectorProcessor processor = create(config("fields", Map.of("title", 1), "ignore_missing", true));
        IngestDocument document = TestIngestDocument.withDefaultVersion(new HashMap<>(Map.of("price", 3)));
        processor.execute(document);
        assertFalse(document.hasField("content_vector"));
    }

    public void testNonTextValuesFail() {
        ItemVectorProcessor processor = create(config("fields", Map.of("title", 1)));
        for (Object bad : List.of(12.5, Map.of("en", "lantern"), true, List.of("ok", 3))) {
            IngestDocument document = TestIngestDocument.withDefaultVersion(new HashMap<>(Map.of("title", bad)));
            IllegalArgumentException e =
                    expectThrows(IllegalArgumentException.class, () -> processor.execute(document));
            assertThat(e.getMessage(), containsString("field [title] must be a string or an array of strings"));
        }
    }

    public void testSameDocumentSameVector() throws Exception {
        ItemVectorProcessor first =
                create(config("fields", Map.of("title", 2, "description", 1), "analyzer", "french"));
        ItemVectorProcessor second =
                create(config("fields", Map.of("title", 2, "description", 1), "analyzer", "french"));
        Map<String, Object> source = Map.of("title", "Bougeoir coeur blanc", "description", "Un joli bougeoir");
        IngestDocument a = TestIngestDocument.withDefaultVersion(new HashMap<>(source));
        IngestDocument b = TestIngestDocument.withDefaultVersion(new HashMap<>(source));
        first.execute(a);
        second.execute(b);
        assertThat(
                a.getFieldValue("content_vector", List.class), equalTo(b.getFieldValue("content_vector", List.class)));
    }

    public void testBadConfigurationsNameTheOption() {
        assertBadConfig(config(), "[fields] required property is missing");
        assertBadConfig(config("fields", "title"), "[fields] must be an object of field names to weights");
        assertBadConfig(config("fields", Map.of()), "[fields] must name at least one field");
        assertBadConfig(
                config("fields", Map.of("title", -1)),
                "[fields] weight of field [title] must be a number between 0.000001 and 1000000, got [-1]");
        assertBadConfig(
                config("fields", Map.of("title", 0)),
                "[fields] weight of field [title] must be a number between 0.000001 and 1000000");
        assertBadConfig(
                config("fields", Map.of("title", "heavy")),
                "[fields] weight of field [title] must be a number between 0.000001 and 1000000");
        assertBadConfig(
                config("fields", Map.of("title", Double.NaN)),
                "[fields] weight of field [title] must be a number between 0.000001 and 1000000");
        // positive and finite, but their squares leave the range of a double: the vectors would be NaN or all zero
        assertBadConfig(
                config("fields", Map.of("title", 1e-300)),
                "[fields] weight of field [title] must be a number between 0.000001 and 1000000, got [1.0E-300]");
        assertBadConfig(
                config("fields", Map.of("title", 1e300)),
                "[fields] weight of field [title] must be a number between 0.000001 and 1000000, got [1.0E300]");
        List<Object> names = new ArrayList<>();
        names.add(3);
        assertBadConfig(config("fields", names), "[fields] must list field names, found [3]");
        assertBadConfig(config("fields", Map.of("title", 1), "dims", 4), "[dims] must be between 8 and 4096, got [4]");
        assertBadConfig(
                config("fields", Map.of("title", 1), "dims", 5000), "[dims] must be between 8 and 4096, got [5000]");
        assertBadConfig(config("fields", Map.of("title", 1), "dims", "many"), "[dims]");
        assertBadConfig(
                config("fields", Map.of("title", 1), "analyzer", "klingon"), "[analyzer] unknown analyzer [klingon]");
        assertBadConfig(config("fields", Map.of("title", 1), "max_tokens", 0), "[max_tokens] must be positive");
        assertBadConfig(
                config("fields", Map.of("title", 1), "target_field", "title"),
                "[target_field] [title] is also one of the");
        assertBadConfig(config("fields", Map.of("title", 1), "ignore_missing", "maybe"), "[ignore_missing]");
    }

    private static void assertBadConfig(Map<String, Object> config, String message) {
        ElasticsearchParseException e = expectThrows(ElasticsearchParseException.class, () -> create(config));
        assertThat(e.getMessage(), containsString(message));
    }
}
