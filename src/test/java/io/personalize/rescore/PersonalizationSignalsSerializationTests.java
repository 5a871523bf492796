package io.personalize.rescore;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.lucene.util.BytesRef;
import org.elasticsearch.common.io.stream.BytesStreamOutput;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.AbstractWireSerializingTestCase;

/**
 * The signals as the coordinating node ships them to every shard (and as the signals action answers them): with or
 * without the explain-only names, with items the model has no name for.
 */
public class PersonalizationSignalsSerializationTests extends AbstractWireSerializingTestCase<PersonalizationSignals> {

    static PersonalizationSignals randomSignals() {
        int n = between(0, 20);
        String[] items = new String[n];
        float[] similarity = new float[n];
        float[] affinity = new float[n];
        float[] popularity = new float[n];
        for (int i = 0; i < n; i++) {
            // ids of any script: shipped as UTF-8 bytes
            items[i] =
                    (randomBoolean() ? randomAlphaOfLengthBetween(1, 10) : randomRealisticUnicodeOfLengthBetween(1, 10))
                            + i;
            similarity[i] = randomFloat();
            affinity[i] = randomFloat();
            popularity[i] = randomFloat();
        }
        boolean named = randomBoolean();
        Map<String, Map<String, Float>> attributes = new HashMap<>();
        for (int f = between(0, 3); f > 0; f--) {
            Map<String, Float> values = new HashMap<>();
            for (int v = between(0, 4); v > 0; v--) {
                values.put(randomAlphaOfLengthBetween(1, 8), randomFloat());
            }
            attributes.put(randomAlphaOfLengthBetween(1, 8), values);
        }
        return new PersonalizationSignals(
                randomAlphaOfLengthBetween(1, 10),
                randomNonNegativeLong(),
                items,
                similarity,
                affinity,
                popularity,
                named ? randomNames(n) : null,
                named ? randomNames(n) : null,
                attributes);
    }

    // an item without a source is null: written as "", which no id can be
    private static String[] randomNames(int n) {
        String[] names = new String[n];
        for (int i = 0; i < n; i++) {
            names[i] = randomBoolean() ? null : randomAlphaOfLengthBetween(1, 10);
        }
        return names;
    }

    /**
     * The shipped form is written once per instance and sent as it is to every remote shard: the same bytes each time;
     * read back, the ids come as UTF-8 bytes (no String built until asked for) and decode to the same ids.
     */
    public void testShippedFormWrittenOnceReadsBackTheSameIds() throws IOException {
        PersonalizationSignals signals = randomSignals();
        BytesStreamOutput first = new BytesStreamOutput();
        signals.writeTo(first);
        BytesStreamOutput second = new BytesStreamOutput();
        signals.writeTo(second);
        assertEquals(first.bytes(), second.bytes());
        PersonalizationSignals read = new PersonalizationSignals(first.bytes().streamInput());
        assertEquals(signals.size(), read.size());
        PersonalizationSignals.Utf8Ids ids = read.utf8Ids();
        for (int i = 0; i < signals.size(); i++) {
            BytesRef shipped = new BytesRef(ids.bytes(), ids.start()[i], ids.start()[i + 1] - ids.start()[i]);
            assertEquals(new BytesRef(signals.items()[i]), shipped);
            assertEquals(signals.similarity(i), read.similarity(i), 0f);
            assertEquals(signals.affinity(i), read.affinity(i), 0f);
            assertEquals(signals.popularity(i), read.popularity(i), 0f);
        }
        assertArrayEquals(signals.items(), read.items());
    }

    @Override
    protected PersonalizationSignals createTestInstance() {
        return randomSignals();
    }

    @Override
    protected PersonalizationSignals mutateInstance(PersonalizationSignals signals) {
        return randomValueOtherThan(signals, PersonalizationSignalsSerializationTests::randomSignals);
    }

    @Override
    protected Writeable.Reader<PersonalizationSignals> instanceReader() {
        return PersonalizationSignals::new;
    }
}
