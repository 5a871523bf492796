package io.personalize.action;

import java.util.Locale;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.AbstractWireSerializingTestCase;

/** {@code POST _recommend/models/{name}/_train}, with whether its outcome is stored, as a node forwards it. */
public class TrainModelRequestSerializationTests extends AbstractWireSerializingTestCase<TrainModelAction.Request> {
    @Override
    protected TrainModelAction.Request createTestInstance() {
        TrainModelAction.Request request = new TrainModelAction.Request(
                randomAlphaOfLengthBetween(1, 20).toLowerCase(Locale.ROOT), randomTuning(), randomBoolean());
        request.setShouldStoreResult(randomBoolean());
        return request;
    }

    @Override
    protected TrainModelAction.Request mutateInstance(TrainModelAction.Request r) {
        TrainModelAction.Request mutated =
                new TrainModelAction.Request(randomBoolean() ? r.name() + "x" : r.name(), r.tuning(), r.untuned());
        mutated.setShouldStoreResult(
                mutated.name().equals(r.name()) ? r.getShouldStoreResult() == false : r.getShouldStoreResult());
        return mutated;
    }

    /** No tuning, the defaults, or any valid specification. */
    static io.personalize.training.TuningSpec randomTuning() {
        return switch (between(0, 2)) {
            case 0 -> null;
            case 1 -> io.personalize.training.TuningSpec.DEFAULTS;
            default ->
                new io.personalize.training.TuningSpec(
                        randomFrom(io.personalize.training.TuningSpec.Validation.values()),
                        randomDoubleBetween(0.01, 0.99, true),
                        randomLong(),
                        randomLongBetween(1_000, 86_400_000),
                        between(1, 100),
                        randomBoolean() ? 0 : randomDoubleBetween(0, 1, true));
        };
    }

    @Override
    protected Writeable.Reader<TrainModelAction.Request> instanceReader() {
        return TrainModelAction.Request::new;
    }
}
