package io.personalize.rescore;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThan;

import io.personalize.model.ModelConfig;
import io.personalize.model.ModelStatus;
import io.personalize.profile.ActiveModel;
import io.personalize.profile.Profile;
import io.personalize.profile.SourceItem;
import io.personalize.serving.NeighborList;
import io.personalize.serving.PopularList;
import io.personalize.serving.UserProfile;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.elasticsearch.common.io.stream.BytesStreamOutput;
import org.elasticsearch.test.ESTestCase;

public class PersonalizationSignalsTests extends ESTestCase {

    static ActiveModel model() {
        ModelConfig config = new ModelConfig(
                new ModelConfig.Catalog("products", "sku", List.of("category"), null),
                new ModelConfig.Events("events", null, null, null, null, null, null, null),
                null,
                null);
        return new ActiveModel(
                "shop",
                config,
                new ModelStatus.Version(3, ".personalize-data-shop.v3", "training", 1, 1, 1, 1, 1, 1, "cosine"));
    }

    /** The item's popularity as a shard scores it: its own entry's, else the shared popular part's, else 0. */
    static float popularity(PersonalizationSignals signals, String item) {
        int own = List.of(signals.items()).indexOf(item);
        if (own >= 0) {
            return signals.popularity(own);
        }
        PersonalizationSignals popular = signals.popular();
        int p = popular == null ? -1 : List.of(popular.items()).indexOf(item);
        return p < 0 ? 0f : popular.popularity(p);
    }

    static NeighborList item(String id, List<String> neighbors, float... scores) {
        return new NeighborList(id, neighbors, scores, 1f);
    }

    public void testSimilaritySumsOverSourcesAndAffinityComesFromTheProfile() throws IOException {
        UserProfile user = new UserProfile(
                "u",
                List.of("h"),
                new float[] {1f},
                List.of("x", "y"),
                new float[] {0.8f, 0.4f},
                Arrays.asList("h", null),
                Map.of("category", Map.of("candles", 1f)));
        Profile profile = new Profile(
                model(),
                "u",
                user,
                List.of(
                        new SourceItem("cart", SourceItem.Origin.CONTEXT),
                        new SourceItem("h", SourceItem.Origin.HISTORY)),
                Map.of("cart", item("cart", List.of("x", "z"), 0.2f, 0.5f), "h", item("h", List.of("z"), 0.3f)),
                Set.of("h"),
                new PopularList(List.of("y", "w"), new float[] {10f, 2.5f}, null));
        PersonalizationSignals signals = PersonalizationSignals.of(profile);
        List<String> items = List.of(signals.items());
        int x = items.indexOf("x");
        int y = items.indexOf("y");
        int z = items.indexOf("z");
        int w = items.indexOf("w");
        assertEquals("z is the most similar (0.5 + 0.3): it scales to 1", 1f, signals.similarity(z), 1e-6);
        assertEquals("max-scaled, then square-rooted", (float) Math.sqrt(0.2f / 0.8f), signals.similarity(x), 1e-6);
        assertEquals(0f, signals.similarity(y), 0f);
        assertThat("the larger contribution names the source", signals.similarTo(z), equalTo("cart"));
        assertEquals(1f, signals.affinity(x), 1e-6);
        assertEquals((float) Math.sqrt(0.5f), signals.affinity(y), 1e-6);
        assertEquals("the most popular item scales to 1", 1f, signals.popularity(y), 1e-6);
        assertEquals("an item only popularity names is not one of the shopper's own", -1, w);
        assertEquals((float) Math.sqrt(0.25f), popularity(signals, "w"), 1e-6);
        assertEquals(1f, popularity(signals, "y"), 1e-6);
        assertEquals(0f, signals.popularity(z), 0f);
        assertThat(signals.because(x), equalTo("h"));
        assertNull(signals.because(y));
        assertThat(signals.attributes(), equalTo(Map.of("category", Map.of("candles", 1f))));
        assertThat(signals.modelVersion(), equalTo(3L));

        BytesStreamOutput out = new BytesStreamOutput();
        signals.writeTo(out);
        assertThat(new PersonalizationSignals(out.bytes().streamInput()), equalTo(signals));

        // without explain, the items behind the signals are not shipped: the scores are, the names are not
        PersonalizationSignals unnamed = signals.withoutNames();
        BytesStreamOutput shorter = new BytesStreamOutput();
        unnamed.writeTo(shorter);
        assertThat(shorter.size(), lessThan(out.size()));
        PersonalizationSignals read = new PersonalizationSignals(shorter.bytes().streamInput());
        assertThat(read, equalTo(unnamed));
        assertNull(read.because(x));
        assertNull(read.similarTo(x));
        assertEquals(signals.affinity(x), read.affinity(x), 0f);
        assertEquals(signals.similarity(y), read.similarity(y), 0f);
    }

    public void testOnlyReadableItemsAreNamedAndHiddenContextItemsAreUnknown() {
        UserProfile user = new UserProfile(
                "u", List.of("h"), new float[] {1f}, List.of("x"), new float[] {0.8f}, List.of("h"), Map.of());
        Profile profile = new Profile(
                model(),
                "u",
                user,
                List.of(
                        new SourceItem("hidden", SourceItem.Origin.CONTEXT),
                        new SourceItem("h", SourceItem.Origin.HISTORY)),
                Map.of("hidden", item("hidden", List.of("x", "z"), 0.9f, 0.9f), "h", item("h", List.of("z"), 0.3f)),
                Set.of("h"),
                null);
        assertThat(io.personalize.recommend.VisibleItems.named(profile), equalTo(Set.of("hidden", "h")));
        // "hidden" cannot be read by the caller, "h" can
        Profile readable = io.personalize.recommend.VisibleItems.withoutHiddenContext(profile, Set.of("h"));
        assertThat(readable.sources().stream().map(SourceItem::item).toList(), equalTo(List.of("h")));
        PersonalizationSignals signals = PersonalizationSignals.of(readable).namingOnly(Set.of("h"));
        List<String> items = List.of(signals.items());
        assertEquals(
                "the hidden context item's neighbours count for nothing",
                0f,
                signals.similarity(items.indexOf("x")),
                0f);
        assertThat(signals.similarTo(items.indexOf("z")), equalTo("h"));
        assertThat(signals.because(items.indexOf("x")), equalTo("h"));
        PersonalizationSignals unnamed = PersonalizationSignals.of(readable).namingOnly(Set.of());
        assertNull("without explain nothing is named", unnamed.similarTo(items.indexOf("z")));
        assertNull(unnamed.because(items.indexOf("x")));
        assertEquals(
                "the scores stay", signals.similarity(items.indexOf("z")), unnamed.similarity(items.indexOf("z")), 0f);
    }

    public void testManyItemsGrowTheArrays() {
        // a thousand popular items, a hundred affinities and neighbours: every signal lands on its own item
        List<String> popular = new java.util.ArrayList<>();
        float[] popularity = new float[1000];
        for (int i = 0; i < 1000; i++) {
            popular.add("p" + i);
            popularity[i] = 1000 - i;
        }
        List<String> items = new java.util.ArrayList<>();
        float[] scores = new float[100];
        for (int i = 0; i < 100; i++) {
            items.add("a" + i);
            scores[i] = 100 - i;
        }
        java.util.Collections.shuffle(items, random());
        UserProfile user = new UserProfile(
                "u", List.of("h"), new float[] {1f}, items, scores, java.util.Collections.nCopies(100, "h"), Map.of());
        Profile profile = new Profile(
                model(),
                "u",
                user,
                List.of(new SourceItem("h", SourceItem.Origin.HISTORY)),
                Map.of("h", item("h", items.subList(0, 50), java.util.Arrays.copyOf(scores, 50))),
                Set.of("h"),
                new PopularList(popular, popularity, null));
        PersonalizationSignals signals = PersonalizationSignals.of(profile);
        List<String> ids = List.of(signals.items());
        assertEquals("the shopper's own items; the popular ones are the shared part's", 100, ids.size());
        assertEquals(1000, signals.popular().size());
        for (int i = 0; i < 1000; i += 97) {
            assertEquals((float) Math.sqrt((1000f - i) / 1000f), popularity(signals, "p" + i), 1e-6);
        }
        for (int r = 0; r < 100; r++) {
            int at = ids.indexOf(items.get(r));
            assertEquals((float) Math.sqrt((100f - r) / 100f), signals.affinity(at), 1e-6);
            assertEquals(r < 50 ? (float) Math.sqrt((100f - r) / 100f) : 0f, signals.similarity(at), 1e-6);
            assertEquals(0f, signals.popularity(at), 0f);
        }
    }

    public void testNothingKnownGivesEmptySignals() {
        Profile profile = new Profile(model(), "stranger", null, List.of(), Map.of(), Set.of(), null);
        assertTrue(PersonalizationSignals.of(profile).isEmpty());
        Profile withPopular = new Profile(
                model(),
                "stranger",
                null,
                List.of(),
                Map.of(),
                Set.of(),
                new PopularList(List.of("y"), new float[] {10f}, null));
        assertTrue(
                "popularity alone does not re-rank a stranger's search",
                PersonalizationSignals.of(withPopular).isEmpty());
    }

    /** A shopper with an affinity for {@code items} and the model's popular list {@code popular}. */
    private static Profile shopper(String user, ActiveModel model, List<String> items, PopularList popular) {
        float[] scores = new float[items.size()];
        Arrays.fill(scores, 1f);
        return new Profile(
                model,
                user,
                new UserProfile(
                        user,
                        List.of("h"),
                        new float[] {1f},
                        items,
                        scores,
                        java.util.Collections.nCopies(items.size(), "h"),
                        Map.of()),
                List.of(),
                Map.of(),
                Set.of("h"),
                popular);
    }

    private static ActiveModel stamped(long configSeqNo) {
        ActiveModel m = model();
        return new ActiveModel(m.name(), m.config(), m.version(), 1, configSeqNo);
    }

    /**
     * The popular list is held once per model version and configuration, not in every shopper's signals: two
     * shoppers' signals share one part; each one's own items are only theirs, those that are popular carrying the
     * part's popularity; and both score every item exactly as signals holding the list themselves did.
     */
    public void testThePopularListIsSharedNotCopiedIntoEachShoppersSignals() throws IOException {
        List<String> popularItems = new java.util.ArrayList<>();
        float[] popularity = new float[500];
        for (int i = 0; i < 500; i++) {
            popularItems.add("p" + i);
            popularity[i] = randomFloat() * 100;
        }
        PopularList list = new PopularList(popularItems, popularity, null);
        ActiveModel model = stamped(7);
        PersonalizationSignals part = PersonalizationSignals.popularOf(model, list);
        PersonalizationSignals first =
                PersonalizationSignals.of(shopper("u1", model, List.of("a", "p3"), list), false, part);
        PersonalizationSignals second =
                PersonalizationSignals.of(shopper("u2", model, List.of("b", "p7", "p9"), list), false, part);
        assertSame(part, first.popular());
        assertSame(part, second.popular());
        assertEquals(2, first.size());
        assertEquals(3, second.size());
        float max = 0;
        for (float p : popularity) {
            max = Math.max(max, p);
        }
        for (PersonalizationSignals signals : List.of(first, second)) {
            for (int i = 0; i < 500; i++) {
                // the formula's popularity: scaled by the list's maximum, then square-rooted, whichever part holds it
                assertEquals("p" + i, (float) Math.sqrt(popularity[i] / max), popularity(signals, "p" + i), 0f);
            }
            assertEquals(0f, popularity(signals, "a"), 0f);
        }
        // each part's signals weigh their own items only: the list is weighed once, as its own entry
        assertThat(SignalsCache.weight(first), lessThan(SignalsCache.weight(part) / 10));
        // and the shipped form each shopper's signals keep holds their own part only, the list's bytes being the part's
        BytesStreamOutput out = new BytesStreamOutput();
        first.writeTo(out);
        assertThat(out.size(), greaterThan(part.wire().length()));
        assertThat(first.wire().length(), lessThan(part.wire().length() / 10));
    }

    /**
     * A shard's node keeps one copy of a shipped popular part per key: every shopper's signals read there share it
     * (and so its per-segment ordinals); a part whose bytes differ under the same key (another list) is read as it is,
     * never replaced by the copy held; and an unshared part (no key) is read on its own.
     */
    public void testAShardsNodeKeepsOneCopyOfAShippedPopularPart() throws IOException {
        ActiveModel model = stamped(randomLongBetween(100, 1_000_000));
        PopularList list = new PopularList(List.of("p1", "p2", "p3"), new float[] {3f, 2f, 1f}, null);
        PersonalizationSignals part = PersonalizationSignals.popularOf(model, list);
        PersonalizationSignals first =
                read(PersonalizationSignals.of(shopper("u1", model, List.of("a"), list), false, part));
        PersonalizationSignals second =
                read(PersonalizationSignals.of(shopper("u2", model, List.of("p2"), list), false, part));
        assertNotNull(first.popular());
        assertSame("one copy per key on the node", first.popular(), second.popular());
        assertEquals(part, first.popular());
        assertEquals((float) Math.sqrt(2f / 3f), popularity(second, "p2"), 0f);

        PopularList other = new PopularList(List.of("p1", "p4"), new float[] {1f, 4f}, null);
        PersonalizationSignals changed = read(PersonalizationSignals.of(
                shopper("u1", model, List.of("a"), other), false, PersonalizationSignals.popularOf(model, other)));
        assertNotSame(first.popular(), changed.popular());
        assertEquals(1f, popularity(changed, "p4"), 0f);
        assertEquals(0f, popularity(changed, "p2"), 0f);

        PersonalizationSignals unshared = PersonalizationSignals.popularOf(model(), list);
        assertNull(unshared.popularKey());
        PersonalizationSignals readUnshared =
                read(PersonalizationSignals.of(shopper("u1", model(), List.of("a"), list), false, unshared));
        assertEquals(unshared, readUnshared.popular());
        assertNotSame(
                readUnshared.popular(),
                read(PersonalizationSignals.of(shopper("u1", model(), List.of("a"), list), false, unshared))
                        .popular());
    }

    private static PersonalizationSignals read(PersonalizationSignals signals) throws IOException {
        BytesStreamOutput out = new BytesStreamOutput();
        signals.writeTo(out);
        PersonalizationSignals read = new PersonalizationSignals(out.bytes().streamInput());
        assertEquals(signals, read);
        return read;
    }
}
