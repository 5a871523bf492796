package io.personalize.action;

import io.personalize.model.ModelStatusSerializationTests;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.AbstractWireSerializingTestCase;

/** The answer to an import: the version it built. */
public class ImportModelResponseSerializationTests extends AbstractWireSerializingTestCase<ImportModelAction.Response> {

    @Override
    protected ImportModelAction.Response createTestInstance() {
        return new ImportModelAction.Response(
                randomAlphaOfLengthBetween(1, 12), ModelStatusSerializationTests.randomVersion(), randomBoolean());
    }

    @Override
    protected ImportModelAction.Response mutateInstance(ImportModelAction.Response r) {
        return randomValueOtherThan(r, this::createTestInstance);
    }

    @Override
    protected Writeable.Reader<ImportModelAction.Response> instanceReader() {
        return ImportModelAction.Response::new;
    }
}
