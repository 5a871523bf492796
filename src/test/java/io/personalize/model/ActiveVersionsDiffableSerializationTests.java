package io.personalize.model;

import io.personalize.PersonalizePlugin;
import io.personalize.compat.PluginMetadataCustom;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.elasticsearch.cluster.Diff;
import org.elasticsearch.cluster.metadata.Metadata;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.ChunkedToXContentDiffableSerializationTestCase;
import org.elasticsearch.xcontent.XContentParser;

/**
 * The active versions as the cluster state carries them: full and as diffs between two states (what the master
 * publishes), and the form persisted in the gateway and read back at a full restart.
 */
public class ActiveVersionsDiffableSerializationTests
        extends ChunkedToXContentDiffableSerializationTestCase<Metadata.ProjectCustom> {

    static ActiveVersions.Entry randomEntry() {
        return new ActiveVersions.Entry(
                randomBoolean() ? null : randomAlphaOfLength(16).toLowerCase(java.util.Locale.ROOT),
                randomLongBetween(1, 1000),
                randomLongBetween(0, Long.MAX_VALUE / 2),
                randomBoolean()
                        ? null
                        : ModelStatusSerializationTests.randomVersion().withSkippedEvents(null));
    }

    static ActiveVersions randomActiveVersions() {
        Map<String, ActiveVersions.Entry> models = new HashMap<>();
        int n = between(0, 4);
        for (int i = 0; i < n; i++) {
            models.put(randomAlphaOfLengthBetween(1, 12), randomEntry());
        }
        return new ActiveVersions(models);
    }

    @Override
    protected Metadata.ProjectCustom createTestInstance() {
        return randomActiveVersions();
    }

    @Override
    protected Metadata.ProjectCustom mutateInstance(Metadata.ProjectCustom instance) {
        return mutate((ActiveVersions) instance);
    }

    @Override
    protected Metadata.ProjectCustom makeTestChanges(Metadata.ProjectCustom instance) {
        return mutate((ActiveVersions) instance);
    }

    private static ActiveVersions mutate(ActiveVersions versions) {
        if (versions.models().isEmpty() == false && randomBoolean()) {
            return versions.remove(randomFrom(versions.models().keySet()));
        }
        return versions.put(randomAlphaOfLengthBetween(13, 15), randomEntry());
    }

    @Override
    protected Writeable.Reader<Diff<Metadata.ProjectCustom>> diffReader() {
        return in -> PluginMetadataCustom.readDiff(ActiveVersions.TYPE, in);
    }

    @Override
    protected Writeable.Reader<Metadata.ProjectCustom> instanceReader() {
        return ActiveVersions::new;
    }

    @Override
    protected NamedWriteableRegistry getNamedWriteableRegistry() {
        return new NamedWriteableRegistry(new PersonalizePlugin().getNamedWriteables());
    }

    @Override
    protected Metadata.ProjectCustom doParseInstance(XContentParser parser) throws IOException {
        return ActiveVersions.fromXContent(parser);
    }
}
