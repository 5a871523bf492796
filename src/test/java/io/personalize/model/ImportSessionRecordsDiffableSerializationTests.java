package io.personalize.model;

import io.personalize.PersonalizePlugin;
import io.personalize.compat.PluginMetadataCustom;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.elasticsearch.cluster.Diff;
import org.elasticsearch.cluster.metadata.Metadata;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.ChunkedToXContentDiffableSerializationTestCase;
import org.elasticsearch.xcontent.XContentParser;

/**
 * The open import sessions as the cluster state carries them: full and as diffs between two states (what the master
 * publishes), and the form persisted in the gateway and read back at a full restart (a session outlives it).
 */
public class ImportSessionRecordsDiffableSerializationTests
        extends ChunkedToXContentDiffableSerializationTestCase<Metadata.ProjectCustom> {

    static ImportSessionRecords.Record randomRecord(String session) {
        SortedSet<Integer> writing = new TreeSet<>();
        SortedMap<Integer, ImportSessionRecords.Written> parts = new TreeMap<>();
        int n = between(0, 5);
        for (int i = 0; i < n; i++) {
            int part = between(1, 1_000_000);
            if (randomBoolean()) {
                writing.add(part);
            } else {
                parts.put(
                        part,
                        new ImportSessionRecords.Written(
                                randomLongBetween(0, 100_000), randomLongBetween(0, 100_000), between(0, 1)));
            }
        }
        return new ImportSessionRecords.Record(
                session,
                randomAlphaOfLengthBetween(1, 12),
                randomBoolean() ? null : randomAlphaOfLength(22),
                randomLongBetween(1, 1000),
                randomAlphaOfLengthBetween(5, 40),
                randomLongBetween(-1, 1000),
                randomLongBetween(0, Long.MAX_VALUE / 4),
                randomLongBetween(0, Long.MAX_VALUE / 4),
                randomAlphaOfLength(22),
                randomAlphaOfLength(22),
                randomBoolean(),
                randomBoolean(),
                writing,
                parts);
    }

    static ImportSessionRecords randomRecords() {
        Map<String, ImportSessionRecords.Record> sessions = new HashMap<>();
        int n = between(0, 4);
        for (int i = 0; i < n; i++) {
            String session = randomAlphaOfLength(22) + ":" + randomNonNegativeLong();
            sessions.put(session, randomRecord(session));
        }
        return new ImportSessionRecords(sessions);
    }

    @Override
    protected Metadata.ProjectCustom createTestInstance() {
        return randomRecords();
    }

    @Override
    protected Metadata.ProjectCustom mutateInstance(Metadata.ProjectCustom instance) {
        return mutate((ImportSessionRecords) instance);
    }

    @Override
    protected Metadata.ProjectCustom makeTestChanges(Metadata.ProjectCustom instance) {
        return mutate((ImportSessionRecords) instance);
    }

    private static ImportSessionRecords mutate(ImportSessionRecords records) {
        if (records.sessions().isEmpty() == false && randomBoolean()) {
            return records.without(randomFrom(records.sessions().keySet()));
        }
        String session = randomAlphaOfLength(23) + ":" + randomNonNegativeLong();
        return records.with(randomRecord(session));
    }

    @Override
    protected Writeable.Reader<Diff<Metadata.ProjectCustom>> diffReader() {
        return in -> PluginMetadataCustom.readDiff(ImportSessionRecords.TYPE, in);
    }

    @Override
    protected Writeable.Reader<Metadata.ProjectCustom> instanceReader() {
        return ImportSessionRecords::new;
    }

    @Override
    protected NamedWriteableRegistry getNamedWriteableRegistry() {
        return new NamedWriteableRegistry(new PersonalizePlugin().getNamedWriteables());
    }

    @Override
    protected Metadata.ProjectCustom doParseInstance(XContentParser parser) throws IOException {
        return ImportSessionRecords.fromXContent(parser);
    }
}
