package io.personalize.model;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.AbstractXContentSerializingTestCase;
import org.elasticsearch.test.ESTestCase;
import org.elasticsearch.xcontent.XContentParser;

/** Random model statuses survive the wire and their stored (JSON) form unchanged. */
public class ModelStatusSerializationTests extends AbstractXContentSerializingTestCase<ModelStatus> {

    public static ModelStatus randomModelStatus() {
        return new ModelStatus(
                randomNonNegativeLong(),
                randomNonNegativeLong(),
                randomList(0, 3, ModelStatusSerializationTests::randomVersion),
                randomBoolean() ? null : randomTraining(),
                randomBoolean() ? null : randomAlphaOfLength(22),
                randomBoolean() ? null : randomTraining());
    }

    public static ModelStatus.Version randomVersion() {
        return new ModelStatus.Version(
                        randomNonNegativeLong(),
                        randomAlphaOfLengthBetween(1, 20),
                        randomFrom(ModelStatus.Version.TRAINED, ModelStatus.Version.IMPORTED),
                        randomNonNegativeLong(),
                        randomNonNegativeLong(),
                        randomNonNegativeLong(),
                        randomNonNegativeLong(),
                        randomBoolean() ? 0 : randomNonNegativeLong(),
                        randomNonNegativeLong(),
                        randomBoolean() ? null : randomFrom(ModelConfig.Similarity.ALGORITHMS),
                        randomBoolean() ? 0 : randomNonNegativeLong(),
                        randomBoolean() ? null : SkippedEventsSerializationTests.randomSkippedEvents(1))
                .withTuning(
                        randomBoolean()
                                ? null
                                : java.util.Map.of(
                                        "metric",
                                        "ndcg",
                                        "took_ms",
                                        randomDouble(),
                                        "candidates",
                                        java.util.List.of(java.util.Map.of(
                                                "algorithm", randomAlphaOfLength(5), "ndcg", randomDouble()))))
                .withImportId(randomBoolean() ? null : randomAlphaOfLengthBetween(1, 20));
    }

    static ModelStatus.Training randomTraining() {
        return new ModelStatus.Training(
                randomFrom(ModelStatus.Training.State.values()),
                randomBoolean() ? null : randomAlphaOfLengthBetween(1, 20),
                randomBoolean() ? null : randomAlphaOfLengthBetween(1, 20),
                randomNonNegativeLong(),
                randomBoolean() ? 0 : randomNonNegativeLong(),
                randomBoolean() ? 0 : randomNonNegativeLong(),
                randomBoolean() ? null : randomAlphaOfLengthBetween(1, 40),
                randomBoolean() ? null : randomAlphaOfLengthBetween(1, 256));
    }

    @Override
    protected ModelStatus createTestInstance() {
        return randomModelStatus();
    }

    @Override
    protected ModelStatus mutateInstance(ModelStatus s) {
        return switch (between(0, 5)) {
            case 0 ->
                new ModelStatus(
                        randomValueOtherThan(s.activeVersion(), ESTestCase::randomNonNegativeLong),
                        s.lastVersion(),
                        s.versions(),
                        s.training(),
                        s.uuid(),
                        s.importing());
            case 1 ->
                new ModelStatus(
                        s.activeVersion(),
                        randomValueOtherThan(s.lastVersion(), ESTestCase::randomNonNegativeLong),
                        s.versions(),
                        s.training(),
                        s.uuid(),
                        s.importing());
            case 2 -> {
                List<ModelStatus.Version> versions = new ArrayList<>(s.versions());
                versions.add(randomVersion());
                yield new ModelStatus(
                        s.activeVersion(), s.lastVersion(), versions, s.training(), s.uuid(), s.importing());
            }
            case 3 -> s.withTraining(randomValueOtherThan(s.training(), ModelStatusSerializationTests::randomTraining));
            case 4 ->
                new ModelStatus(
                        s.activeVersion(),
                        s.lastVersion(),
                        s.versions(),
                        s.training(),
                        s.uuid() == null ? "u" : s.uuid() + "x",
                        s.importing());
            default -> s.withImport(randomValueOtherThan(s.importing(), ModelStatusSerializationTests::randomTraining));
        };
    }

    @Override
    protected Writeable.Reader<ModelStatus> instanceReader() {
        return ModelStatus::new;
    }

    @Override
    protected ModelStatus doParseInstance(XContentParser parser) throws IOException {
        return ModelStatus.PARSER.apply(parser, null);
    }
}
