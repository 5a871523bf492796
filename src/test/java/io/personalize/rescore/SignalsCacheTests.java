package io.personalize.rescore;

import io.personalize.model.ModelConfig;
import io.personalize.model.ModelStatus;
import io.personalize.profile.ActiveModel;
import io.personalize.profile.RecentItems;
import io.personalize.profile.RecentItemsCache;
import io.personalize.serving.PopularList;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.common.io.stream.BytesStreamOutput;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.settings.ClusterSettings;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.test.ESTestCase;

/**
 * The signals cache's key: whatever the signals are computed from changes the key (a new configuration, a new version,
 * a forgetting, an event through the API, another {@code recent_items}), so a cached entry is never served stale; and
 * the same state gives the same key, so a shopper's next search is served from the cache.
 */
public class SignalsCacheTests extends ESTestCase {

    private static ModelConfig config(ModelConfig.Events.RecentEvents recent, Map<String, Double> weights) {
        return new ModelConfig(
                new ModelConfig.Catalog("products", "sku", List.of("category"), null),
                new ModelConfig.Events("events", null, null, null, null, weights, null, null, recent),
                null,
                null);
    }

    private static ModelStatus.Version version(long number, long createdAt) {
        return new ModelStatus.Version(
                number, ".personalize-data-shop.abc.v" + number, "training", createdAt, 1, 1, 1, 1, 1, "cosine");
    }

    private static ActiveModel model(long configTerm, long configSeqNo, ModelStatus.Version version) {
        return new ActiveModel(
                "shop",
                config(ModelConfig.Events.RecentEvents.API, Map.of("view", 1.0)),
                version,
                configTerm,
                configSeqNo);
    }

    private static RecentItemsCache.Known written(long seqNo) {
        return new RecentItemsCache.Known(RecentItems.EMPTY, 1, seqNo);
    }

    public void testTheSameStateGivesTheSameKeyWhateverTheConfigurationsIdentity() {
        ModelStatus.Version v1 = version(1, 1000);
        SignalsCache.Key key = SignalsCache.keyOf(model(1, 7, v1), "u1", 10, 0, written(3));
        assertNotNull(key);
        // the configuration parsed again from the same write (another instance, equal or not: the write names it)
        ActiveModel again =
                new ActiveModel("shop", config(ModelConfig.Events.RecentEvents.API, Map.of("view", 1.0)), v1, 1, 7);
        assertEquals(key, SignalsCache.keyOf(again, "u1", 10, 0, written(3)));
        assertEquals(
                key.hashCode(),
                SignalsCache.keyOf(again, "u1", 10, 0, written(3)).hashCode());
    }

    public void testEveryChangeOfWhatTheSignalsAreComputedFromIsANewKey() {
        ModelStatus.Version v1 = version(1, 1000);
        SignalsCache.Key key = SignalsCache.keyOf(model(1, 7, v1), "u1", 10, 0, written(3));
        List<SignalsCache.Key> changed = List.of(
                // a PUT of the configuration: a new write of the model's document
                SignalsCache.keyOf(model(1, 8, v1), "u1", 10, 0, written(3)),
                // the same sequence number under a new primary term (the models index's primary moved)
                SignalsCache.keyOf(model(2, 7, v1), "u1", 10, 0, written(3)),
                // a new version activated
                SignalsCache.keyOf(model(1, 7, version(2, 2000)), "u1", 10, 0, written(3)),
                // the same version number in a new incarnation of the model (its index names the new uuid)
                SignalsCache.keyOf(
                        new ActiveModel(
                                "shop",
                                config(ModelConfig.Events.RecentEvents.API, Map.of("view", 1.0)),
                                new ModelStatus.Version(
                                        1, ".personalize-data-shop.def.v1", "training", 1000, 1, 1, 1, 1, 1, "cosine"),
                                1,
                                7),
                        "u1",
                        10,
                        0,
                        written(3)),
                // another shopper, another recent_items
                SignalsCache.keyOf(model(1, 7, v1), "u2", 10, 0, written(3)),
                SignalsCache.keyOf(model(1, 7, v1), "u1", 5, 0, written(3)),
                // the shopper forgotten
                SignalsCache.keyOf(model(1, 7, v1), "u1", 10, 12345, written(3)),
                // an event through the API: a new write of their newest-items document
                SignalsCache.keyOf(model(1, 7, v1), "u1", 10, 0, written(4)),
                SignalsCache.keyOf(model(1, 7, v1), "u1", 10, 0, new RecentItemsCache.Known(RecentItems.EMPTY, 2, 3)));
        assertEquals(changed.size(), Set.copyOf(changed).size());
        for (SignalsCache.Key other : changed) {
            assertNotNull(other);
            assertNotEquals(key, other);
        }
    }

    public void testNothingIsKeptWhenAnInputIsNotKnown() {
        ModelStatus.Version v1 = version(1, 1000);
        // their newest items not in this node's copy yet
        assertNull(SignalsCache.keyOf(model(1, 7, v1), "u1", 10, 0, null));
        // but no newest items counted: none needed
        assertNotNull(SignalsCache.keyOf(model(1, 7, v1), "u1", 0, 0, null));
        // newest items searched in the events index on every request
        ActiveModel fromIndex =
                new ActiveModel("shop", config(ModelConfig.Events.RecentEvents.INDEX, Map.of("view", 1.0)), v1, 1, 7);
        assertNull(SignalsCache.keyOf(fromIndex, "u1", 10, 0, written(3)));
        assertNotNull(SignalsCache.keyOf(fromIndex, "u1", 0, 0, null));
        // a configuration whose write is not known
        ActiveModel unstamped =
                new ActiveModel("shop", config(ModelConfig.Events.RecentEvents.API, Map.of("view", 1.0)), v1);
        assertNull(SignalsCache.keyOf(unstamped, "u1", 0, 0, null));
    }

    public void testAnEntryIsServedForItsKeyOnly() {
        SignalsCache cache =
                new SignalsCache(Settings.EMPTY, new ClusterSettings(Settings.EMPTY, Set.of(SignalsCache.SIZE)));
        ModelStatus.Version v1 = version(1, 1000);
        SignalsCache.Key key = SignalsCache.keyOf(model(1, 7, v1), "u1", 10, 0, written(3));
        PersonalizationSignals signals = new PersonalizationSignals(
                "sku", 1, new String[] {"a"}, new float[] {1}, new float[] {0}, new float[] {0}, null, null, Map.of());
        cache.put(key, signals);
        assertSame(signals, cache.get(SignalsCache.keyOf(model(1, 7, v1), "u1", 10, 0, written(3))));
        assertNull(cache.get(SignalsCache.keyOf(model(1, 8, v1), "u1", 10, 0, written(3))));
        assertNull(cache.get(SignalsCache.keyOf(model(1, 7, v1), "u1", 10, 0, written(4))));
        assertNull(cache.get(SignalsCache.keyOf(model(1, 7, v1), "u1", 10, 99, written(3))));
        // what _recommend/_stats shows of it: one entry, one search served from it, three not
        var stats = cache.stats();
        assertEquals(1, stats.entries());
        assertEquals(SignalsCache.weight(signals), stats.bytes());
        assertEquals(1, stats.hits());
        assertEquals(3, stats.misses());
    }

    /**
     * The node's popular part of a model version: built once and shared while the version and the configuration's
     * write are the same, a new one for either changed; one entry of the cache, weighed once.
     */
    public void testThePopularPartIsKeptOncePerVersionAndConfiguration() {
        SignalsCache cache =
                new SignalsCache(Settings.EMPTY, new ClusterSettings(Settings.EMPTY, Set.of(SignalsCache.SIZE)));
        PopularList list = new PopularList(List.of("a", "b"), new float[] {2f, 1f}, null);
        ModelStatus.Version v1 = version(1, 1000);
        PersonalizationSignals part = cache.popular(model(1, 7, v1), list);
        assertSame(part, cache.popular(model(1, 7, v1), list));
        assertNotSame(part, cache.popular(model(1, 8, v1), list));
        assertNotSame(part, cache.popular(model(1, 7, version(2, 2000)), list));
        assertNull(cache.popular(model(1, 7, v1), null));
        assertEquals(3, cache.stats().entries());
        // a configuration whose write is not known: built, not kept
        ActiveModel unstamped =
                new ActiveModel("shop", config(ModelConfig.Events.RecentEvents.API, Map.of("view", 1.0)), v1);
        assertNotSame(cache.popular(unstamped, list), cache.popular(unstamped, list));
        assertEquals(3, cache.stats().entries());
    }

    /**
     * An entry is weighed once, when it is kept: Elasticsearch's {@code Cache} weighs an entry again each time a look-up
     * moves it to the head of its LRU list (subtracted, then added), which summed a shopper's attribute values twice per
     * search, and subtracts a weight computed anew when it evicts it. Seen here through signals whose own weight grows
     * after they are kept (their UTF-8 ids built on first use): once they are looked up and evicted, the cache's total
     * is exactly what the entries left weighed when kept.
     */
    public void testAnEntryIsWeighedOnceWhenKept() {
        ModelStatus.Version v1 = version(1, 1000);
        PersonalizationSignals growing = signalsOf("a", "b", "c");
        PersonalizationSignals other = signalsOf("d");
        PersonalizationSignals last = signalsOf("e");
        long limit = SignalsCache.weight(growing) + SignalsCache.weight(other) + SignalsCache.weight(last) - 1;
        Settings settings =
                Settings.builder().put(SignalsCache.SIZE.getKey(), limit + "b").build();
        SignalsCache cache = new SignalsCache(settings, new ClusterSettings(settings, Set.of(SignalsCache.SIZE)));
        SignalsCache.Key first = SignalsCache.keyOf(model(1, 7, v1), "u1", 10, 0, written(3));
        SignalsCache.Key second = SignalsCache.keyOf(model(1, 7, v1), "u2", 10, 0, written(3));
        cache.put(first, growing);
        cache.put(second, other);
        long kept = SignalsCache.weight(growing);
        growing.utf8Ids();
        assertThat(SignalsCache.weight(growing), org.hamcrest.Matchers.greaterThan(kept));
        // each look-up moves its entry to the head of the LRU list: the growing one, then the other, which leaves the
        // growing one the least recently used, evicted by the next entry
        assertSame(growing, cache.get(first));
        assertSame(other, cache.get(second));
        cache.put(SignalsCache.keyOf(model(1, 7, v1), "u3", 10, 0, written(3)), last);
        assertNull(cache.get(first));
        assertEquals(2, cache.stats().entries());
        assertEquals(
                SignalsCache.weight(other) + SignalsCache.weight(last),
                cache.stats().bytes());
    }

    private static PersonalizationSignals signalsOf(String... items) {
        float[] scores = new float[items.length];
        return new PersonalizationSignals("sku", 1, items, scores, scores, scores, null, null, Map.of());
    }

    /** A popular list of {@code size} items named {@code prefix}0, 1, ..., scored in decreasing order. */
    private static PopularList popularList(String prefix, int size) {
        List<String> items = new ArrayList<>(size);
        float[] scores = new float[size];
        for (int i = 0; i < size; i++) {
            items.add(prefix + i);
            scores[i] = size - i;
        }
        return new PopularList(items, scores, null);
    }

    /** Runs {@code task} on {@code threads} threads let go at once, and returns what each returned. */
    private static <T> List<T> atOnce(int threads, IntFunction<T> task) {
        Object[] results = new Object[threads];
        startInParallel(threads, thread -> results[thread] = task.apply(thread));
        @SuppressWarnings("unchecked")
        List<T> each = (List<T>) Arrays.asList(results);
        return each;
    }

    /**
     * Many first searches of a version at once (the moment after an activation): the popular part is built once, and
     * every one of them gets that one copy, whose bytes are the list's. A get followed by a put would let each build
     * its own copy, of which all but the last put are held by nobody else (their per-segment ordinals computed anew).
     */
    public void testConcurrentFirstSearchesShareOnePopularPart() {
        SignalsCache cache =
                new SignalsCache(Settings.EMPTY, new ClusterSettings(Settings.EMPTY, Set.of(SignalsCache.SIZE)));
        PopularList list = popularList("p", 50_000);
        ActiveModel model = model(1, 7, version(1, 1000));
        List<PersonalizationSignals> parts = atOnce(16, thread -> cache.popular(model, list));
        PersonalizationSignals first = parts.get(0);
        for (PersonalizationSignals part : parts) {
            assertSame("every first search gets the one part built", first, part);
        }
        assertEquals(1, cache.stats().entries());
        assertArrayEquals(list.items().toArray(new String[0]), Arrays.copyOf(first.items(), first.size()));
        assertEquals(PersonalizationSignals.PopularKey.of(model), first.popularKey());
    }

    /**
     * Searches of the old version, of a new one and of a new write of the configuration at once (an activation or a
     * PUT while the shop searches): each gets the popular part of the model it asked with, never another's.
     */
    public void testConcurrentSearchesAcrossAnActivationEachGetTheirVersionsPopularPart() {
        SignalsCache cache =
                new SignalsCache(Settings.EMPTY, new ClusterSettings(Settings.EMPTY, Set.of(SignalsCache.SIZE)));
        List<ActiveModel> models =
                List.of(model(1, 7, version(1, 1000)), model(1, 7, version(2, 2000)), model(1, 8, version(2, 2000)));
        List<PopularList> lists =
                List.of(popularList("v1-", 20_000), popularList("v2-", 20_000), popularList("v2-", 20_000));
        int rounds = 20;
        List<List<PersonalizationSignals>> seen = atOnce(12, thread -> {
            List<PersonalizationSignals> parts = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                int m = (thread + r) % models.size();
                parts.add(cache.popular(models.get(m), lists.get(m)));
            }
            return parts;
        });
        List<PersonalizationSignals> held = new ArrayList<>();
        for (int m = 0; m < models.size(); m++) {
            held.add(cache.popular(models.get(m), lists.get(m)));
        }
        for (int thread = 0; thread < seen.size(); thread++) {
            for (int r = 0; r < rounds; r++) {
                int m = (thread + r) % models.size();
                PersonalizationSignals part = seen.get(thread).get(r);
                assertSame("thread " + thread + " round " + r, held.get(m), part);
                assertEquals(PersonalizationSignals.PopularKey.of(models.get(m)), part.popularKey());
                assertEquals(lists.get(m).items().get(0), part.items()[0]);
            }
        }
        assertEquals(3, cache.stats().entries());
    }

    /**
     * A shard's node reading popular parts under one key with other bytes at once (a key reused by another cluster in
     * the same JVM, or anything unforeseen): each read gets a part whose bytes are the ones it received.
     */
    public void testConcurrentReadsOfOneKeyWithOtherBytesEachGetTheirOwnBytes() throws Exception {
        ActiveModel model = new ActiveModel(
                "shared-" + randomAlphaOfLength(8),
                config(ModelConfig.Events.RecentEvents.API, Map.of("view", 1.0)),
                version(1, 1000),
                1,
                7);
        List<BytesReference> shipped = new ArrayList<>();
        for (String prefix : List.of("a-", "b-")) {
            PersonalizationSignals part = PersonalizationSignals.popularOf(model, popularList(prefix, 1_000));
            try (BytesStreamOutput out = new BytesStreamOutput()) {
                out.writeOptionalWriteable(part.popularKey());
                out.writeBytesReference(part.wire());
                shipped.add(out.bytes());
            }
        }
        List<List<String>> wrong = atOnce(12, thread -> {
            List<String> faults = new ArrayList<>();
            for (int r = 0; r < 10; r++) {
                int which = (thread + r) % 2;
                try (StreamInput in = shipped.get(which).streamInput()) {
                    PersonalizationSignals read = SharedPopular.read(in);
                    if (read.items()[0].equals(which == 0 ? "a-0" : "b-0") == false) {
                        faults.add("thread " + thread + " round " + r + " read " + read.items()[0]);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return faults;
        });
        assertEquals(List.of(), wrong.stream().flatMap(List::stream).toList());
    }
}
