package io.personalize.action;

import io.personalize.model.EvaluationResultSerializationTests;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.AbstractWireSerializingTestCase;

/** The answer to an evaluation, as the node that ran it returns it. */
public class EvaluateModelResponseSerializationTests
        extends AbstractWireSerializingTestCase<EvaluateModelAction.Response> {

    @Override
    protected EvaluateModelAction.Response createTestInstance() {
        return new EvaluateModelAction.Response(
                randomAlphaOfLengthBetween(1, 12), EvaluationResultSerializationTests.randomResult());
    }

    @Override
    protected EvaluateModelAction.Response mutateInstance(EvaluateModelAction.Response r) {
        return randomValueOtherThan(r, this::createTestInstance);
    }

    @Override
    protected Writeable.Reader<EvaluateModelAction.Response> instanceReader() {
        return EvaluateModelAction.Response::new;
    }
}
