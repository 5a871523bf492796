package io.personalize.embed;

import io.personalize.compat.WireVersions;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.elasticsearch.TransportVersion;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.search.vectors.QueryVectorBuilder;
import org.elasticsearch.xcontent.ConstructingObjectParser;
import org.elasticsearch.xcontent.ParseField;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.XContentParser;

/**
 * {@code "query_vector_builder": {"personalize_text": {"model": "minilm", "text": "gift for a gardener"}}}: the query
 * vector of a {@code knn} search (or {@code knn} retriever) is the text's sentence embedding, computed on the
 * coordinating node by the same model (and tokenizer, and truncation) that {@code item_vector} used for the products.
 * Inference runs on the {@code personalize_embed} pool; an unknown model is a 400 naming {@code model}.
 */
public final class TextQueryVectorBuilder implements QueryVectorBuilder {

    public static final String NAME = "personalize_text";
    static final ParseField MODEL = new ParseField("model");
    static final ParseField TEXT = new ParseField("text");

    /** The node's models and pool, set once the plugin has created them. */
    public record Services(EmbeddingModels models, EmbeddingService service) {}

    private final String model;
    private final String text;
    private final Supplier<Services> services;

    public TextQueryVectorBuilder(String model, String text, Supplier<Services> services) {
        if (model == null || model.isEmpty()) {
            throw new IllegalArgumentException("[" + NAME + "] requires [model]");
        }
        if (text == null) {
            throw new IllegalArgumentException("[" + NAME + "] requires [text]");
        }
        this.model = model;
        this.text = text;
        this.services = services;
    }

    public TextQueryVectorBuilder(StreamInput in, Supplier<Services> services) throws IOException {
        this(in.readString(), in.readString(), services);
    }

    public static TextQueryVectorBuilder fromXContent(XContentParser parser, Supplier<Services> services) {
        ConstructingObjectParser<TextQueryVectorBuilder, Void> objectParser = new ConstructingObjectParser<>(
                NAME, false, args -> new TextQueryVectorBuilder((String) args[0], (String) args[1], services));
        objectParser.declareString(ConstructingObjectParser.constructorArg(), MODEL);
        objectParser.declareString(ConstructingObjectParser.constructorArg(), TEXT);
        return objectParser.apply(parser, null);
    }

    public String model() {
        return model;
    }

    public String text() {
        return text;
    }

    @Override
    public void buildVector(Client client, ActionListener<float[]> listener) {
        Services node = services.get();
        // on the pool: the first use of a model opens it (about a second), which no search or transport thread waits on
        node.service().executor().execute(() -> {
            final SentenceEmbedder embedder;
            try {
                embedder = node.models().get(model);
            } catch (IllegalArgumentException e) {
                listener.onFailure(new IllegalArgumentException("[" + NAME + "] [model] " + e.getMessage(), e));
                return;
            }
            node.service().embed(embedder, List.of(text), listener.map(vectors -> vectors[0]));
        });
    }

    @Override
    public String getWriteableName() {
        return NAME;
    }

    @Override
    public TransportVersion getMinimalSupportedVersion() {
        return WireVersions.minimumCompatible();
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeString(model);
        out.writeString(text);
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject();
        builder.field(MODEL.getPreferredName(), model);
        builder.field(TEXT.getPreferredName(), text);
        return builder.endObject();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TextQueryVectorBuilder other && model.equals(other.model) && text.equals(other.text);
    }

    @Override
    public int hashCode() {
        return Objects.hash(model, text);
    }
}
