package io.personalize.action;

import java.util.Locale;
import org.elasticsearch.common.bytes.BytesArray;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.AbstractWireSerializingTestCase;

/** An import's lines, as the node that received them forwards them (unparsed: the action parses them once). */
public class ImportModelRequestSerializationTests extends AbstractWireSerializingTestCase<ImportModelAction.Request> {

    @Override
    protected ImportModelAction.Request createTestInstance() {
        return new ImportModelAction.Request(
                randomAlphaOfLengthBetween(1, 12).toLowerCase(Locale.ROOT),
                new BytesArray(randomByteArrayOfLength(between(0, 200))),
                randomBoolean() ? 0 : randomNonNegativeLong(),
                randomBoolean() ? null : randomAlphaOfLengthBetween(1, 20));
    }

    @Override
    protected ImportModelAction.Request mutateInstance(ImportModelAction.Request r) {
        return randomValueOtherThan(r, this::createTestInstance);
    }

    @Override
    protected Writeable.Reader<ImportModelAction.Request> instanceReader() {
        return ImportModelAction.Request::new;
    }
}
