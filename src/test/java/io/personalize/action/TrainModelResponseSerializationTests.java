package io.personalize.action;

import io.personalize.model.ModelStatusSerializationTests;
import java.util.LinkedHashMap;
import java.util.Map;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.AbstractWireSerializingTestCase;

/** A training's answer: the version it built and the time of each phase, in order. */
public class TrainModelResponseSerializationTests extends AbstractWireSerializingTestCase<TrainModelAction.Response> {

    private static Map<String, Long> randomPhases() {
        Map<String, Long> phases = new LinkedHashMap<>();
        int n = between(0, 5);
        for (int i = 0; i < n; i++) {
            phases.put(randomAlphaOfLengthBetween(1, 10), randomNonNegativeLong());
        }
        return phases;
    }

    @Override
    protected TrainModelAction.Response createTestInstance() {
        return new TrainModelAction.Response(
                randomAlphaOfLengthBetween(1, 12), ModelStatusSerializationTests.randomVersion(), randomPhases());
    }

    @Override
    protected TrainModelAction.Response mutateInstance(TrainModelAction.Response r) {
        return randomValueOtherThan(r, this::createTestInstance);
    }

    @Override
    protected Writeable.Reader<TrainModelAction.Response> instanceReader() {
        return TrainModelAction.Response::new;
    }
}
