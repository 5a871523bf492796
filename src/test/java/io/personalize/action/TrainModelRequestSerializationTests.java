package io.personalize.action;

import java.util.Locale;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.AbstractWireSerializingTestCase;

/** {@code POST _recommend/models/{name}/_train}, with whether its outcome is stored, as a node forwards it. */
public class TrainModelRequestSerializationTests extends AbstractWireSerializingTestCase<TrainModelAction.Request> {
    @Override
    protected TrainModelAction.Request createTestInstance() {
        TrainModelAction.Request request =
                new TrainModelAction.Request(randomAlphaOfLengthBetween(1, 20).toLowerCase(Locale.ROOT));
        request.setShouldStoreResult(randomBoolean());
        return request;
    }

    @Override
    protected TrainModelAction.Request mutateInstance(TrainModelAction.Request r) {
        TrainModelAction.Request mutated = new TrainModelAction.Request(randomBoolean() ? r.name() + "x" : r.name());
        mutated.setShouldStoreResult(
                mutated.name().equals(r.name()) ? r.getShouldStoreResult() == false : r.getShouldStoreResult());
        return mutated;
    }

    @Override
    protected Writeable.Reader<TrainModelAction.Request> instanceReader() {
        return TrainModelAction.Request::new;
    }
}
