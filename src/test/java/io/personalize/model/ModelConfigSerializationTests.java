package io.personalize.model;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.core.TimeValue;
import org.elasticsearch.test.AbstractXContentSerializingTestCase;
import org.elasticsearch.xcontent.XContentParser;

/** Random model configurations survive the wire and their stored (JSON) form unchanged. */
public class ModelConfigSerializationTests extends AbstractXContentSerializingTestCase<ModelConfig> {

    public static ModelConfig randomModelConfig() {
        return new ModelConfig(
                randomCatalog(),
                randomEvents(),
                randomBoolean() ? null : randomSimilarity(),
                randomBoolean() ? null : randomTraining());
    }

    static ModelConfig.Catalog randomCatalog() {
        return new ModelConfig.Catalog(
                randomAlphaOfLengthBetween(1, 10),
                randomBoolean() ? null : randomAlphaOfLengthBetween(1, 10),
                randomList(0, 4, () -> randomAlphaOfLengthBetween(1, 8)),
                randomBoolean() ? null : randomAlphaOfLengthBetween(1, 10),
                randomBoolean() ? null : randomAlphaOfLengthBetween(1, 10));
    }

    static ModelConfig.Events randomEvents() {
        Map<String, Double> weights = null;
        if (randomBoolean()) {
            weights = new HashMap<>();
            int n = between(1, 4);
            for (int i = 0; i < n; i++) {
                weights.put(randomAlphaOfLengthBetween(1, 8), randomDoubleBetween(0.01, 100, true));
            }
        }
        TimeValue halfLife =
                switch (between(0, 2)) {
                    case 0 -> null; // the default
                    case 1 -> TimeValue.MINUS_ONE; // no decay
                    default ->
                        new TimeValue(
                                between(1, 1000),
                                randomFrom(TimeUnit.MILLISECONDS, TimeUnit.SECONDS, TimeUnit.HOURS, TimeUnit.DAYS));
                };
        return new ModelConfig.Events(
                randomAlphaOfLengthBetween(1, 10),
                randomBoolean() ? null : randomAlphaOfLengthBetween(1, 10),
                randomBoolean() ? null : randomAlphaOfLengthBetween(1, 10),
                randomBoolean() ? null : randomAlphaOfLengthBetween(1, 10),
                randomBoolean() ? null : randomAlphaOfLengthBetween(1, 10),
                weights,
                halfLife,
                randomBoolean() ? null : randomAlphaOfLengthBetween(1, 10),
                randomBoolean() ? null : randomFrom(ModelConfig.Events.RecentEvents.values()));
    }

    public static ModelConfig.Similarity randomSimilarity() {
        String algorithm = randomFrom(ModelConfig.Similarity.ALGORITHMS);
        boolean regularized = algorithm.equals("ease") || algorithm.equals("als");
        boolean als = algorithm.equals("als");
        boolean neighbourhood = algorithm.equals("cosine") || algorithm.equals("rp3beta");
        boolean ease = algorithm.equals("ease");
        String variant = randomBoolean() ? null : randomFrom(ModelConfig.Similarity.EASE_VARIANTS);
        return new ModelConfig.Similarity(
                algorithm,
                between(1, ModelConfig.Similarity.MAX_NEIGHBORS),
                (neighbourhood || algorithm.equals("user_knn")) && randomBoolean()
                        ? randomDoubleBetween(0, 100, true)
                        : null,
                (neighbourhood || als) && randomBoolean() ? randomDoubleBetween(0, 2, true) : null,
                neighbourhood && randomBoolean() ? randomDoubleBetween(0, 2, true) : null,
                regularized && randomBoolean() ? randomDoubleBetween(0.001, 1000, true) : null,
                als && randomBoolean() ? between(1, ModelConfig.Similarity.MAX_FACTORS) : null,
                als && randomBoolean() ? between(1, ModelConfig.Similarity.MAX_ITERATIONS) : null,
                algorithm.equals("user_knn") && randomBoolean()
                        ? between(1, ModelConfig.Similarity.MAX_NEIGHBORS)
                        : null,
                ease ? variant : null,
                ease && "dense".equals(variant) == false && randomBoolean()
                        ? between(1, ModelConfig.Similarity.MAX_SUPPORT)
                        : null);
    }

    public static ModelConfig.Training randomTraining() {
        return new ModelConfig.Training(
                between(1, 10_000),
                between(1, 1_000),
                randomBoolean()
                        ? null
                        : new TimeValue(between(1, 1000), randomFrom(TimeUnit.SECONDS, TimeUnit.HOURS, TimeUnit.DAYS)),
                randomBoolean() ? null : randomDoubleBetween(0, 10, true),
                randomBoolean() ? null : randomDoubleBetween(0, 1, true),
                randomBoolean() ? null : randomDoubleBetween(0, 1, true));
    }

    @Override
    protected ModelConfig createTestInstance() {
        return randomModelConfig();
    }

    @Override
    protected ModelConfig mutateInstance(ModelConfig c) {
        return switch (between(0, 3)) {
            case 0 ->
                new ModelConfig(
                        randomValueOtherThan(c.catalog(), ModelConfigSerializationTests::randomCatalog),
                        c.events(),
                        c.similarity(),
                        c.training());
            case 1 ->
                new ModelConfig(
                        c.catalog(),
                        randomValueOtherThan(c.events(), ModelConfigSerializationTests::randomEvents),
                        c.similarity(),
                        c.training());
            case 2 ->
                new ModelConfig(
                        c.catalog(),
                        c.events(),
                        randomValueOtherThan(c.similarity(), ModelConfigSerializationTests::randomSimilarity),
                        c.training());
            default ->
                new ModelConfig(
                        c.catalog(),
                        c.events(),
                        c.similarity(),
                        randomValueOtherThan(c.training(), ModelConfigSerializationTests::randomTraining));
        };
    }

    @Override
    protected Writeable.Reader<ModelConfig> instanceReader() {
        return ModelConfig::new;
    }

    @Override
    protected ModelConfig doParseInstance(XContentParser parser) throws IOException {
        return ModelConfig.parse(parser);
    }

    /** An explicit check on top of the random ones: "no decay" must not come back as the default half-life. */
    public void testNoDecaySurvivesTheWire() throws IOException {
        ModelConfig.Events events =
                new ModelConfig.Events("e", null, null, null, null, null, TimeValue.MINUS_ONE, null);
        ModelConfig config = new ModelConfig(new ModelConfig.Catalog("p", null, List.of(), null), events, null, null);
        assertNull(copyInstance(config).events().halfLife());
    }
}
