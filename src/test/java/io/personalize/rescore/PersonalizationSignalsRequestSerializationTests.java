package io.personalize.rescore;

import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.AbstractWireSerializingTestCase;

/** The rescorer's signals request, authorized against the catalogue index it names. */
public class PersonalizationSignalsRequestSerializationTests
        extends AbstractWireSerializingTestCase<PersonalizationSignalsAction.Request> {

    @Override
    protected PersonalizationSignalsAction.Request createTestInstance() {
        return new PersonalizationSignalsAction.Request(
                randomAlphaOfLengthBetween(1, 12),
                randomBoolean() ? null : randomAlphaOfLengthBetween(1, 20),
                randomList(0, 4, () -> randomAlphaOfLengthBetween(1, 10)),
                between(0, 100),
                randomBoolean(),
                randomAlphaOfLengthBetween(1, 12));
    }

    @Override
    protected PersonalizationSignalsAction.Request mutateInstance(PersonalizationSignalsAction.Request r) {
        return randomValueOtherThan(r, this::createTestInstance);
    }

    @Override
    protected Writeable.Reader<PersonalizationSignalsAction.Request> instanceReader() {
        return PersonalizationSignalsAction.Request::new;
    }

    public void testIsAuthorizedAgainstTheCatalogue() {
        PersonalizationSignalsAction.Request request = createTestInstance();
        assertArrayEquals(new String[] {request.index()}, request.indices());
    }
}
