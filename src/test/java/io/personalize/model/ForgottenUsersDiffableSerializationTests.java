package io.personalize.model;

import io.personalize.PersonalizePlugin;
import io.personalize.compat.PluginMetadataCustom;
import java.io.IOException;
import org.elasticsearch.cluster.Diff;
import org.elasticsearch.cluster.metadata.Metadata;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.ChunkedToXContentDiffableSerializationTestCase;
import org.elasticsearch.xcontent.XContentParser;

/**
 * The forgotten users as the cluster state carries them: full and as diffs between two states (what the master
 * publishes), and the form persisted in the gateway and read back at a full restart.
 */
public class ForgottenUsersDiffableSerializationTests
        extends ChunkedToXContentDiffableSerializationTestCase<Metadata.ProjectCustom> {

    @Override
    protected Metadata.ProjectCustom createTestInstance() {
        return ForgottenUsersSerializationTests.randomForgottenUsers();
    }

    @Override
    protected Metadata.ProjectCustom mutateInstance(Metadata.ProjectCustom instance) {
        return mutate((ForgottenUsers) instance);
    }

    @Override
    protected Metadata.ProjectCustom makeTestChanges(Metadata.ProjectCustom instance) {
        return mutate((ForgottenUsers) instance);
    }

    private static ForgottenUsers mutate(ForgottenUsers users) {
        if (users.size() > 0 && randomBoolean()) {
            return users.prune(randomFrom(users.models().keySet()), at -> true);
        }
        return users.forget(
                randomAlphaOfLengthBetween(13, 15),
                randomAlphaOfLengthBetween(1, 12),
                randomLongBetween(1, Long.MAX_VALUE));
    }

    @Override
    protected Writeable.Reader<Diff<Metadata.ProjectCustom>> diffReader() {
        return in -> PluginMetadataCustom.readDiff(ForgottenUsers.TYPE, in);
    }

    @Override
    protected Writeable.Reader<Metadata.ProjectCustom> instanceReader() {
        return ForgottenUsers::new;
    }

    @Override
    protected NamedWriteableRegistry getNamedWriteableRegistry() {
        return new NamedWriteableRegistry(new PersonalizePlugin().getNamedWriteables());
    }

    @Override
    protected Metadata.ProjectCustom doParseInstance(XContentParser parser) throws IOException {
        return ForgottenUsers.fromXContent(parser);
    }
}
