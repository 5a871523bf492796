package io.personalize.action;

import java.util.Locale;
import org.elasticsearch.common.bytes.BytesArray;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.AbstractWireSerializingTestCase;

/** An import session's request, as a node forwards it to the node that holds the session. */
public class ImportSessionRequestSerializationTests
        extends AbstractWireSerializingTestCase<ImportSessionAction.Request> {

    @Override
    protected ImportSessionAction.Request createTestInstance() {
        String name = randomAlphaOfLengthBetween(1, 12).toLowerCase(Locale.ROOT);
        String session = randomAlphaOfLength(22) + ":" + randomNonNegativeInt();
        return switch (randomFrom(ImportSessionAction.Op.values())) {
            case OPEN ->
                ImportSessionAction.Request.open(name, randomBoolean() ? null : randomAlphaOfLengthBetween(1, 256));
            case PART ->
                ImportSessionAction.Request.part(
                        name, session, between(1, 1000), new BytesArray(randomByteArrayOfLength(between(0, 200))));
            case STATUS -> ImportSessionAction.Request.status(name, session);
            case COMPLETE ->
                ImportSessionAction.Request.complete(
                        name, session, randomBoolean() ? null : between(1, 100), randomNonNegativeLong());
            case ABORT -> ImportSessionAction.Request.abort(name, session);
        };
    }

    @Override
    protected ImportSessionAction.Request mutateInstance(ImportSessionAction.Request r) {
        return randomValueOtherThan(r, this::createTestInstance);
    }

    @Override
    protected Writeable.Reader<ImportSessionAction.Request> instanceReader() {
        return ImportSessionAction.Request::new;
    }

    public void testBadParametersAreRefusedByName() {
        assertEquals(
                "[parts] must be at least 1, got [0]",
                expectThrows(
                                IllegalArgumentException.class,
                                () -> ImportSessionAction.Request.complete("shop", "n:1", 0, 0))
                        .getMessage());
        assertEquals(
                "[newest_event] must be epoch milliseconds >= 0, got [-1]",
                expectThrows(
                                IllegalArgumentException.class,
                                () -> ImportSessionAction.Request.complete("shop", "n:1", null, -1))
                        .getMessage());
        // the opening's import_id is checked as _import's is
        for (String bad : new String[] {"", " ", "x".repeat(257)}) {
            assertEquals(
                    "[import_id] must be 1 to 256 characters, not blank, got [" + bad + "]",
                    expectThrows(IllegalArgumentException.class, () -> ImportSessionAction.Request.open("shop", bad))
                            .getMessage());
        }
        assertEquals(
                "x".repeat(256),
                ImportSessionAction.Request.open("shop", "x".repeat(256)).importId());
    }
}
