package io.personalize.action;

import io.personalize.model.ModelConfigSerializationTests;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.AbstractWireSerializingTestCase;

/** {@code POST _recommend/models/{name}/_evaluate}, with the settings it tries instead of the model's. */
public class EvaluateModelRequestSerializationTests
        extends AbstractWireSerializingTestCase<EvaluateModelAction.Request> {

    @Override
    protected EvaluateModelAction.Request createTestInstance() {
        return new EvaluateModelAction.Request(
                randomAlphaOfLengthBetween(1, 20).toLowerCase(java.util.Locale.ROOT),
                new EvaluateModelAction.Body(
                        randomBoolean()
                                ? io.personalize.model.EvaluationJob.Protocol.time(randomLong())
                                : io.personalize.model.EvaluationJob.Protocol.stratified(
                                        randomDoubleBetween(0.01, 0.99, true), randomLong()),
                        between(1, EvaluateModelAction.MAX_K),
                        randomBoolean() ? null : ModelConfigSerializationTests.randomSimilarity(),
                        randomBoolean() ? null : ModelConfigSerializationTests.randomTraining(),
                        TrainModelRequestSerializationTests.randomTuning()));
    }

    @Override
    protected EvaluateModelAction.Request mutateInstance(EvaluateModelAction.Request r) {
        return randomValueOtherThan(r, this::createTestInstance);
    }

    @Override
    protected Writeable.Reader<EvaluateModelAction.Request> instanceReader() {
        return EvaluateModelAction.Request::new;
    }
}
