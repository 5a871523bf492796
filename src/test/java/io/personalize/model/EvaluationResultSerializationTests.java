package io.personalize.model;

import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.AbstractWireSerializingTestCase;

/** What an evaluation measured, as the node that ran it answers the coordinating node. */
public class EvaluationResultSerializationTests extends AbstractWireSerializingTestCase<EvaluationJob.Result> {

    static EvaluationJob.Metrics randomMetrics() {
        return new EvaluationJob.Metrics(
                randomDouble(), randomDouble(), randomDouble(), randomDouble(), randomDouble(), randomDouble());
    }

    static EvaluationJob.Protocol randomProtocol() {
        return randomBoolean()
                ? EvaluationJob.Protocol.time(randomLong())
                : EvaluationJob.Protocol.stratified(randomDoubleBetween(0.01, 0.99, true), randomLong());
    }

    @Override
    protected EvaluationJob.Result createTestInstance() {
        return randomResult();
    }

    public static EvaluationJob.Result randomResult() {
        return new EvaluationJob.Result(
                between(1, 100),
                randomProtocol(),
                randomNonNegativeLong(),
                randomNonNegativeLong(),
                randomNonNegativeLong(),
                randomFrom(ModelConfig.Similarity.ALGORITHMS),
                randomMetrics(),
                randomMetrics(),
                randomNonNegativeLong(),
                randomNonNegativeLong());
    }

    @Override
    protected EvaluationJob.Result mutateInstance(EvaluationJob.Result r) {
        return switch (between(0, 4)) {
            case 0 ->
                new EvaluationJob.Result(
                        r.k() + 1,
                        r.protocol(),
                        r.trainEvents(),
                        r.testUsers(),
                        r.catalogItems(),
                        r.algorithm(),
                        r.model(),
                        r.popularity(),
                        r.trainMillis(),
                        r.tookMillis());
            case 1 ->
                new EvaluationJob.Result(
                        r.k(),
                        r.protocol(),
                        r.trainEvents(),
                        r.testUsers(),
                        r.catalogItems(),
                        r.algorithm() + "x",
                        r.model(),
                        r.popularity(),
                        r.trainMillis(),
                        r.tookMillis());
            case 2 ->
                new EvaluationJob.Result(
                        r.k(),
                        r.protocol(),
                        r.trainEvents(),
                        r.testUsers(),
                        r.catalogItems(),
                        r.algorithm(),
                        randomValueOtherThan(r.model(), EvaluationResultSerializationTests::randomMetrics),
                        r.popularity(),
                        r.trainMillis(),
                        r.tookMillis());
            case 3 ->
                new EvaluationJob.Result(
                        r.k(),
                        randomValueOtherThan(r.protocol(), EvaluationResultSerializationTests::randomProtocol),
                        r.trainEvents(),
                        r.testUsers(),
                        r.catalogItems(),
                        r.algorithm(),
                        r.model(),
                        r.popularity(),
                        r.trainMillis(),
                        r.tookMillis());
            default ->
                new EvaluationJob.Result(
                        r.k(),
                        r.protocol(),
                        r.trainEvents(),
                        r.testUsers(),
                        r.catalogItems(),
                        r.algorithm(),
                        r.model(),
                        randomValueOtherThan(r.popularity(), EvaluationResultSerializationTests::randomMetrics),
                        r.trainMillis(),
                        r.tookMillis());
        };
    }

    @Override
    protected Writeable.Reader<EvaluationJob.Result> instanceReader() {
        return EvaluationJob.Result::new;
    }
}
