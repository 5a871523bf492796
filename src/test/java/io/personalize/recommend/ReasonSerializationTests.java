package io.personalize.recommend;

import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.AbstractWireSerializingTestCase;

/** Why an item is recommended, as the recommending node answers the coordinating node. */
public class ReasonSerializationTests extends AbstractWireSerializingTestCase<Reason> {

    @Override
    protected Reason createTestInstance() {
        boolean attribute = randomBoolean();
        return new Reason(
                randomFrom(Reason.Type.values()),
                randomBoolean() ? null : randomAlphaOfLengthBetween(1, 12),
                attribute ? randomAlphaOfLengthBetween(1, 12) : null,
                attribute ? randomAlphaOfLengthBetween(1, 12) : null,
                randomFloat());
    }

    @Override
    protected Reason mutateInstance(Reason r) {
        return switch (between(0, 2)) {
            case 0 ->
                new Reason(
                        randomValueOtherThan(r.type(), () -> randomFrom(Reason.Type.values())),
                        r.itemId(),
                        r.attribute(),
                        r.value(),
                        r.weight());
            case 1 ->
                new Reason(r.type(), r.itemId() == null ? "i" : r.itemId() + "x", r.attribute(), r.value(), r.weight());
            default -> new Reason(r.type(), r.itemId(), r.attribute(), r.value(), r.weight() + 1);
        };
    }

    @Override
    protected Writeable.Reader<Reason> instanceReader() {
        return Reason::new;
    }
}
