package io.personalize.ingest;

import io.personalize.compat.PluginProcessorFactory;
import io.personalize.embed.EmbeddingModels;
import io.personalize.embed.EmbeddingService;
import io.personalize.embed.SentenceEmbedder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.ingest.AbstractProcessor;
import org.elasticsearch.ingest.ConfigurationUtils;
import org.elasticsearch.ingest.IngestDocument;
import org.elasticsearch.ingest.Processor;

/**
 * The {@code item_vector} ingest processor: computes a product's content vector from its text fields and stores it
 * where a {@code dense_vector} field can index it. Content vectors are what let a product nobody has bought yet be
 * recommended.
 * <p>
 * {@code "model": "hashing"} (the default) hashes the fields' words ({@link ContentVectorizer}), in the calling thread.
 * Any other model is a sentence embedding ({@link EmbeddingModels}): each field's text (its values joined by a space)
 * is embedded on its own, truncated at the model's limit, and the vector is the weighted mean of the fields' vectors,
 * L2-normalised; inference runs on the {@code personalize_embed} pool, batched across the documents of a bulk request
 * ({@link EmbeddingService}), and the processor is asynchronous.
 */
public final class ItemVectorProcessor extends AbstractProcessor {

    public static final String TYPE = "item_vector";
    public static final String DEFAULT_TARGET_FIELD = "content_vector";
    public static final int DEFAULT_DIMS = 256;
    public static final String DEFAULT_ANALYZER = "standard";
    // Enough for any real product text; bounds time and memory when a description is megabytes long.
    public static final int DEFAULT_MAX_TOKENS = 10_000;
    /** The bounds of a field's weight (see {@code Factory#weight}). */
    public static final double MIN_WEIGHT = 1e-6;

    public static final double MAX_WEIGHT = 1e6;

    private final Map<String, Double> fields;
    private final String targetField;
    private final boolean ignoreMissing;
    private final ContentVectorizer vectorizer;
    // null for hashing; then vectorizer is set
    private final SentenceEmbedder model;
    private final Supplier<EmbeddingService> embeddings;

    ItemVectorProcessor(
            String tag,
            String description,
            Map<String, Double> fields,
            String targetField,
            boolean ignoreMissing,
            ContentVectorizer vectorizer) {
        this(tag, description, fields, targetField, ignoreMissing, vectorizer, null, null);
    }

    ItemVectorProcessor(
            String tag,
            String description,
            Map<String, Double> fields,
            String targetField,
            boolean ignoreMissing,
            ContentVectorizer vectorizer,
            SentenceEmbedder model,
            Supplier<EmbeddingService> embeddings) {
        super(tag, description);
        this.fields = fields;
        this.targetField = targetField;
        this.ignoreMissing = ignoreMissing;
        this.vectorizer = vectorizer;
        this.model = model;
        this.embeddings = embeddings;
    }

    @Override
    public String getType() {
        return TYPE;
    }

    Map<String, Double> fields() {
        return fields;
    }

    String targetField() {
        return targetField;
    }

    int dims() {
        return model != null ? model.dims() : vectorizer.dims();
    }

    /** The model's name: {@code hashing} or a language model's. */
    String model() {
        return model != null ? model.name() : EmbeddingModels.HASHING;
    }

    @Override
    public boolean isAsync() {
        return model != null;
    }

    @Override
    public void execute(IngestDocument document, BiConsumer<IngestDocument, Exception> handler) {
        if (model == null) {
            try {
                handler.accept(execute(document), null);
            } catch (Exception e) {
                handler.accept(null, e);
            }
            return;
        }
        List<String> texts = new ArrayList<>(fields.size());
        List<Double> weights = new ArrayList<>(fields.size());
        try {
            for (Map.Entry<String, Double> field : fields.entrySet()) {
                String text = String.join(" ", textValues(document, field.getKey()));
                if (text.isBlank() == false) {
                    texts.add(text);
                    weights.add(field.getValue());
                }
            }
            if (texts.isEmpty()) {
                if (ignoreMissing) {
                    handler.accept(document, null);
                } else {
                    handler.accept(null, noText());
                }
                return;
            }
        } catch (Exception e) {
            handler.accept(null, e);
            return;
        }
        embeddings
                .get()
                .embed(
                        model,
                        texts,
                        ActionListener.wrap(
                                vectors -> {
                                    document.setFieldValue(targetField, weightedMean(vectors, weights));
                                    handler.accept(document, null);
                                },
                                e -> handler.accept(null, e)));
    }

    /** The fields' unit vectors weighted by the fields' weights, summed and L2-normalised (cosine only needs the direction). */
    static List<Float> weightedMean(float[][] vectors, List<Double> weights) {
        int dims = vectors[0].length;
        double[] sum = new double[dims];
        for (int f = 0; f < vectors.length; f++) {
            double w = weights.get(f);
            for (int d = 0; d < dims; d++) {
                sum[d] += w * vectors[f][d];
            }
        }
        double norm = 0;
        for (double v : sum) {
            norm += v * v;
        }
        norm = Math.max(Math.sqrt(norm), 1e-12);
        List<Float> values = new ArrayList<>(dims);
        for (double v : sum) {
            values.add((float) (v / norm));
        }
        return values;
    }

    private IllegalArgumentException noText() {
        return new IllegalArgumentException("["
                + TYPE
                + "] none of the fields "
                + fields.keySet()
                + " has any text to vectorize; set [ignore_missing] to true to index such documents without ["
                + targetField
                + "]");
    }

    @Override
    public IngestDocument execute(IngestDocument document) {
        if (model != null) {
            throw new UnsupportedOperationException("[" + TYPE + "] with a language model runs asynchronously");
        }
        ContentVectorizer.Accumulator accumulator = vectorizer.accumulator();
        for (Map.Entry<String, Double> field : fields.entrySet()) {
            List<String> values = textValues(document, field.getKey());
            if (values.isEmpty() == false) {
                accumulator.addField(values, field.getValue());
            }
        }
        float[] vector = accumulator.toVector();
        if (vector == null) {
            if (ignoreMissing) {
                return document;
            }
            throw noText();
        }
        List<Float> values = new ArrayList<>(vector.length);
        for (float v : vector) {
            values.add(v);
        }
        document.setFieldValue(targetField, values);
        return document;
    }

    /** The field's text: a string or an array of strings; missing and null give an empty list, other types an error. */
    private static List<String> textValues(IngestDocument document, String path) {
        Object value = document.getFieldValue(path, Object.class, true);
        if (value == null) {
            return Collections.emptyList();
        }
        if (value instanceof String text) {
            return List.of(text);
        }
        if (value instanceof List<?> list) {
            List<String> texts = new ArrayList<>(list.size());
            for (Object element : list) {
                if (element instanceof String text) {
                    texts.add(text);
                } else if (element != null) {
                    throw notText(path, element);
                }
            }
            return texts;
        }
        throw notText(path, value);
    }

    private static IllegalArgumentException notText(String path, Object value) {
        return new IllegalArgumentException("[" + TYPE + "] field [" + path
                + "] must be a string or an array of strings, found [" + describe(value) + "]");
    }

    private static String describe(Object value) {
        if (value instanceof Map<?, ?>) {
            return "object";
        }
        if (value instanceof Number) {
            return "number " + value;
        }
        if (value instanceof Boolean) {
            return "boolean " + value;
        }
        if (value instanceof List<?>) {
            return "array";
        }
        return value.getClass().getSimpleName();
    }

    public static final class Factory implements PluginProcessorFactory {

        private final AnalyzerCatalog analyzers;
        private final Supplier<EmbeddingModels> models;
        private final Supplier<EmbeddingService> embeddings;

        public Factory(AnalyzerCatalog analyzers) {
            this(analyzers, null, null);
        }

        public Factory(
                AnalyzerCatalog analyzers, Supplier<EmbeddingModels> models, Supplier<EmbeddingService> embeddings) {
            this.analyzers = analyzers;
            this.models = models;
            this.embeddings = embeddings;
        }

        @Override
        public ItemVectorProcessor create(
                Map<String, Processor.Factory> registry, String tag, String description, Map<String, Object> config) {
            Map<String, Double> fields = readFields(tag, config);
            String targetField =
                    ConfigurationUtils.readStringProperty(TYPE, tag, config, "target_field", DEFAULT_TARGET_FIELD);
            String modelName =
                    ConfigurationUtils.readStringProperty(TYPE, tag, config, "model", EmbeddingModels.HASHING);
            if (EmbeddingModels.HASHING.equals(modelName) == false) {
                return createWithModel(tag, description, config, fields, targetField, modelName);
            }
            int dims = ConfigurationUtils.readIntProperty(TYPE, tag, config, "dims", DEFAULT_DIMS);
            if (dims < ContentVectorizer.MIN_DIMS || dims > ContentVectorizer.MAX_DIMS) {
                throw ConfigurationUtils.newConfigurationException(
                        TYPE,
                        tag,
                        "dims",
                        "must be between " + ContentVectorizer.MIN_DIMS + " and " + ContentVectorizer.MAX_DIMS
                                + ", got [" + dims + "]");
            }
            int maxTokens = ConfigurationUtils.readIntProperty(TYPE, tag, config, "max_tokens", DEFAULT_MAX_TOKENS);
            if (maxTokens < 1) {
                throw ConfigurationUtils.newConfigurationException(
                        TYPE, tag, "max_tokens", "must be positive, got [" + maxTokens + "]");
            }
            String analyzerName =
                    ConfigurationUtils.readStringProperty(TYPE, tag, config, "analyzer", DEFAULT_ANALYZER);
            boolean ignoreMissing = ConfigurationUtils.readBooleanProperty(TYPE, tag, config, "ignore_missing", false);
            if (fields.containsKey(targetField)) {
                throw ConfigurationUtils.newConfigurationException(
                        TYPE, tag, "target_field", "[" + targetField + "] is also one of the source fields");
            }
            final ContentVectorizer vectorizer;
            try {
                vectorizer = new ContentVectorizer(analyzers.get(analyzerName), dims, maxTokens);
            } catch (IllegalArgumentException e) {
                throw ConfigurationUtils.newConfigurationException(TYPE, tag, "analyzer", e.getMessage());
            }
            return new ItemVectorProcessor(tag, description, fields, targetField, ignoreMissing, vectorizer);
        }

        private ItemVectorProcessor createWithModel(
                String tag,
                String description,
                Map<String, Object> config,
                Map<String, Double> fields,
                String targetField,
                String modelName) {
            // hashing's options mean nothing to a language model: refuse them rather than ignore them
            for (String hashingOnly : List.of("analyzer", "max_tokens")) {
                if (config.containsKey(hashingOnly)) {
                    throw ConfigurationUtils.newConfigurationException(
                            TYPE,
                            tag,
                            hashingOnly,
                            "applies to the [hashing] model only; model [" + modelName
                                    + "] reads at most its own token limit per field");
                }
            }
            Integer dims = ConfigurationUtils.readIntProperty(TYPE, tag, config, "dims", null);
            boolean ignoreMissing = ConfigurationUtils.readBooleanProperty(TYPE, tag, config, "ignore_missing", false);
            if (fields.containsKey(targetField)) {
                throw ConfigurationUtils.newConfigurationException(
                        TYPE, tag, "target_field", "[" + targetField + "] is also one of the source fields");
            }
            if (models == null) {
                throw ConfigurationUtils.newConfigurationException(
                        TYPE, tag, "model", "language models are not available in this context");
            }
            final SentenceEmbedder model;
            try {
                model = models.get().get(modelName);
            } catch (IllegalArgumentException e) {
                throw ConfigurationUtils.newConfigurationException(TYPE, tag, "model", e.getMessage());
            }
            if (dims != null && dims != model.dims()) {
                throw ConfigurationUtils.newConfigurationException(
                        TYPE,
                        tag,
                        "dims",
                        "model [" + modelName + "] makes vectors of " + model.dims() + " dims, not [" + dims
                                + "]: leave [dims] out or set it to " + model.dims()
                                + " (and the dense_vector field's dims too)");
            }
            return new ItemVectorProcessor(
                    tag, description, fields, targetField, ignoreMissing, null, model, embeddings);
        }

        /** {@code fields} is a map of field path to positive weight, or a list of paths that all weigh 1. */
        private static Map<String, Double> readFields(String tag, Map<String, Object> config) {
            Object raw = ConfigurationUtils.readObject(TYPE, tag, config, "fields");
            Map<String, Double> fields = new LinkedHashMap<>();
            if (raw instanceof Map<?, ?> map) {
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    fields.put(String.valueOf(entry.getKey()), weight(tag, entry.getKey(), entry.getValue()));
                }
            } else if (raw instanceof List<?> list) {
                for (Object path : list) {
                    if (path instanceof String name && name.isEmpty() == false) {
                        fields.put(name, 1.0);
                    } else {
                        throw ConfigurationUtils.newConfigurationException(
                                TYPE, tag, "fields", "must list field names, found [" + path + "]");
                    }
                }
            } else {
                throw ConfigurationUtils.newConfigurationException(
                        TYPE, tag, "fields", "must be an object of field names to weights, or an array of field names");
            }
            if (fields.isEmpty()) {
                throw ConfigurationUtils.newConfigurationException(TYPE, tag, "fields", "must name at least one field");
            }
            return Collections.unmodifiableMap(fields);
        }

        /**
         * A field's weight, between {@link #MIN_WEIGHT} and {@link #MAX_WEIGHT}. A vector sums up to 20,000 features
         * of {@code weight × (1 + ln tf)} per field and is divided by its L2 norm: the squares of weights near 1e-160 or
         * 1e155 underflow to 0 or overflow to Infinity in doubles, which gives an all-zero or NaN vector that every
         * document then fails to index. Within these bounds the norm stays far from both limits, and a ratio of 1e12
         * between two fields' weights is already more than any shop needs.
         */
        private static double weight(String tag, Object field, Object value) {
            if (value instanceof Number number) {
                double weight = number.doubleValue();
                if (weight >= MIN_WEIGHT && weight <= MAX_WEIGHT) {
                    return weight;
                }
            }
            throw ConfigurationUtils.newConfigurationException(
                    TYPE,
                    tag,
                    "fields",
                    "weight of field [" + field + "] must be a number between 0.000001 and 1000000, got [" + value
                            + "]");
        }
    }
}
