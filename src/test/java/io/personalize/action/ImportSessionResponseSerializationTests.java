package io.personalize.action;

import io.personalize.model.ImportParts;
import io.personalize.model.ImportSessions;
import io.personalize.model.ModelStatusSerializationTests;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.AbstractWireSerializingTestCase;

/** An import session's answer, as the node that holds the session sends it back to the node the client called. */
public class ImportSessionResponseSerializationTests
        extends AbstractWireSerializingTestCase<ImportSessionAction.Response> {

    @Override
    protected ImportSessionAction.Response createTestInstance() {
        return new ImportSessionAction.Response(new ImportSessions.Info(
                randomAlphaOfLength(22) + ":" + randomNonNegativeInt(),
                randomAlphaOfLengthBetween(1, 12),
                randomNonNegativeLong(),
                randomFrom("open", "completing", "aborting", "activated"),
                randomNonNegativeLong(),
                randomList(
                        0,
                        5,
                        () -> new ImportParts.Summary(
                                between(1, 1000),
                                randomFrom(ImportParts.State.values()),
                                randomNonNegativeLong(),
                                randomNonNegativeLong(),
                                randomNonNegativeLong(),
                                randomNonNegativeLong())),
                randomBoolean() ? null : ModelStatusSerializationTests.randomVersion()));
    }

    @Override
    protected ImportSessionAction.Response mutateInstance(ImportSessionAction.Response r) {
        return randomValueOtherThan(r, this::createTestInstance);
    }

    @Override
    protected Writeable.Reader<ImportSessionAction.Response> instanceReader() {
        return ImportSessionAction.Response::new;
    }
}
