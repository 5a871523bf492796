package io.personalize.action;

import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.AbstractWireSerializingTestCase;

/** The master-node request that records, prunes or drops forgotten users, as a node sends it to the master. */
public class ForgottenUsersRequestSerializationTests
        extends AbstractWireSerializingTestCase<ForgottenUsersAction.Request> {

    @Override
    protected ForgottenUsersAction.Request createTestInstance() {
        return switch (randomFrom(ForgottenUsersAction.Op.values())) {
            case FORGET ->
                ForgottenUsersAction.Request.forget(
                        randomAlphaOfLengthBetween(1, 12), randomAlphaOfLengthBetween(1, 12), randomNonNegativeLong());
            case PRUNE ->
                ForgottenUsersAction.Request.prune(randomAlphaOfLengthBetween(1, 12), randomNonNegativeLong());
            case DROP_MODEL -> ForgottenUsersAction.Request.dropModel(randomAlphaOfLengthBetween(1, 12));
        };
    }

    @Override
    protected ForgottenUsersAction.Request mutateInstance(ForgottenUsersAction.Request r) {
        return randomValueOtherThan(r, this::createTestInstance);
    }

    @Override
    protected Writeable.Reader<ForgottenUsersAction.Request> instanceReader() {
        return ForgottenUsersAction.Request::new;
    }
}
