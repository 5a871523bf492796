package io.personalize.rescore;

import io.personalize.profile.ActiveModel;
import io.personalize.profile.Profile;
import io.personalize.profile.SourceItem;
import io.personalize.serving.NeighborSums;
import io.personalize.serving.PopularList;
import io.personalize.serving.UserProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.lucene.util.Accountable;
import org.apache.lucene.util.RamUsageEstimator;
import org.apache.lucene.util.UnicodeUtil;
import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.common.io.stream.BytesStreamOutput;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.common.io.stream.Writeable;

/**
 * What the rescorer needs on every shard, computed once on the coordinating node from the shopper's {@link Profile}
 * and shipped compactly: per item, its similarity to the shopper's context and recent items, its precomputed affinity
 * and its popularity, each scaled to [0, 1] by its maximum and square-rooted ({@link #scale}), with the item behind
 * the similarity and the affinity; per attribute value, the shopper's affinity. The model's popular items not among the
 * shopper's own are in a popular part ({@link #popularOf}: these same signals without similarity, affinity or
 * attributes), one per model version and configuration on a node, which every shopper's signals refer to. On a shard
 * each hit then costs doc-value reads and hash look-ups.
 */
public final class PersonalizationSignals implements Writeable, Accountable {

    private static final VarHandle FLOATS =
            MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);

    private final String idField;
    private final long modelVersion;
    private final int size;
    // the items as Strings when given so (as computed on the coordinating node); null in what a shard's node reads and
    // in the copy the signals cache keeps (withoutNames), which then decode utf8 each time asked, keeping nothing (a
    // keyword id never asks: its segments look the UTF-8 bytes up)
    private final String[] items;
    // the items' ids as UTF-8, one array: what is shipped, and what a keyword id's segments look up
    private volatile Utf8Ids utf8;
    // a popular part's shipped form, written once: it is shipped with every shopper's signals that share it, and a
    // shard's node compares it with the copy it holds (SharedPopular). A shopper's own signals are written anew for
    // each remote shard (a copy of their bytes, about 20 an item, is not kept with each cached shopper)
    private volatile BytesReference wire;
    private final float[] similarity;
    private final float[] affinity;
    private final float[] popularity;
    // explain only, null without explain (not shipped to the shards then): per item, the source item contributing most
    // to its similarity and the history item behind its affinity, each null when there is none or it is not shown
    private final String[] similarTo;
    private final String[] because;
    private final Map<String, Map<String, Float>> attributes;
    // the model's popular items, kept once per model version and configuration on a node and shared by every shopper's
    // signals (null: none); these signals' own items carry their popularity too, so that only a document whose item is
    // not among them looks its item up in the popular part. A popular part itself has no similarity nor affinity
    // (null arrays), no attributes and no popular part, and carries its key (null when it is not shared)
    private final PersonalizationSignals popular;
    private final PopularKey popularKey;
    // the shard side of these signals, built once per instance on the node that scores: a coordinating node's copy of
    // a shopper's signals (SignalsCache) reaches its local shards as the same instance, request after request
    private volatile ShardSignals shardSide;

    PersonalizationSignals(
            String idField,
            long modelVersion,
            String[] items,
            float[] similarity,
            float[] affinity,
            float[] popularity,
            String[] similarTo,
            String[] because,
            Map<String, Map<String, Float>> attributes) {
        this(
                idField,
                modelVersion,
                items,
                null,
                similarity,
                affinity,
                popularity,
                similarTo,
                because,
                attributes,
                null,
                null);
    }

    /** {@code items} or {@code utf8}: the items as Strings, or as UTF-8 bytes only (then {@code items} is null). */
    private PersonalizationSignals(
            String idField,
            long modelVersion,
            String[] items,
            Utf8Ids utf8,
            float[] similarity,
            float[] affinity,
            float[] popularity,
            String[] similarTo,
            String[] because,
            Map<String, Map<String, Float>> attributes,
            PersonalizationSignals popular,
            PopularKey popularKey) {
        this.idField = idField;
        this.modelVersion = modelVersion;
        this.size = items != null ? items.length : utf8.start().length - 1;
        this.items = items;
        this.utf8 = utf8;
        this.similarity = similarity;
        this.affinity = affinity;
        this.popularity = popularity;
        this.similarTo = similarTo;
        this.because = because;
        this.attributes = attributes;
        this.popular = popular;
        this.popularKey = popularKey;
    }

    /** The items' ids as UTF-8 bytes: item i is {@code bytes[start[i], start[i + 1])}. */
    record Utf8Ids(byte[] bytes, int[] start) {
        /** Exactly the ids' bytes (no spare room: a shopper's are kept in the signals cache). */
        static Utf8Ids of(String[] ids) {
            int[] start = new int[ids.length + 1];
            byte[] bytes = new byte[Math.max(16, ids.length * 8)];
            for (int i = 0; i < ids.length; i++) {
                int max = start[i] + ids[i].length() * 3;
                if (max > bytes.length) {
                    bytes = Arrays.copyOf(bytes, Math.max(max, bytes.length * 2));
                }
                start[i + 1] = UnicodeUtil.UTF16toUTF8(ids[i], 0, ids[i].length(), bytes, start[i]);
            }
            return new Utf8Ids(
                    bytes.length == start[ids.length] ? bytes : Arrays.copyOf(bytes, start[ids.length]), start);
        }
    }

    /**
     * Read in the compact form {@link #writeTo} writes: the ids as one array of UTF-8 bytes with their lengths (no
     * String is built on the shard's node unless asked for), the scores as raw little-endian floats.
     */
    public PersonalizationSignals(StreamInput in) throws IOException {
        this(in, false, null, null);
    }

    /** A popular part read from {@code wire}, its shipped form, under {@code key} ({@link SharedPopular}). */
    PersonalizationSignals(StreamInput in, PopularKey key, BytesReference wire) throws IOException {
        this(in, true, key, wire);
    }

    private PersonalizationSignals(StreamInput in, boolean popularPart, PopularKey key, BytesReference wire)
            throws IOException {
        this.idField = in.readString();
        this.modelVersion = in.readVLong();
        this.size = in.readVInt();
        byte[] bytes = new byte[in.readVInt()];
        in.readBytes(bytes, 0, bytes.length);
        int[] start = new int[size + 1];
        for (int i = 0; i < size; i++) {
            start[i + 1] = start[i] + in.readVInt();
        }
        if (start[size] != bytes.length) {
            throw new IllegalArgumentException("the signals' ids do not add up to their bytes");
        }
        this.utf8 = new Utf8Ids(bytes, start);
        this.items = null;
        boolean personal = in.readBoolean();
        this.similarity = personal ? readFloats(in, size) : null;
        this.affinity = personal ? readFloats(in, size) : null;
        this.popularity = readFloats(in, size);
        boolean named = in.readBoolean();
        this.similarTo = named ? readNullable(in) : null;
        this.because = named ? readNullable(in) : null;
        this.attributes = in.readImmutableMap(i -> i.readImmutableMap(StreamInput::readFloat));
        this.popularKey = key;
        this.popular = popularPart == false && in.readBoolean() ? SharedPopular.read(in) : null;
        this.wire = wire;
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        writeFields(out);
        out.writeBoolean(popular != null);
        if (popular != null) {
            // the popular part's key, by which a shard's node finds the copy it holds, and its bytes (written once per
            // part, not kept in each shopper's): shipped whole, so that a node that holds no copy, or another one,
            // never scores with other items
            out.writeOptionalWriteable(popular.popularKey);
            out.writeBytesReference(popular.wire());
        }
    }

    private void writeFields(StreamOutput out) throws IOException {
        out.writeString(idField);
        out.writeVLong(modelVersion);
        out.writeVInt(size);
        Utf8Ids ids = utf8Ids();
        out.writeVInt(ids.start()[size]);
        out.writeBytes(ids.bytes(), 0, ids.start()[size]);
        for (int i = 0; i < size; i++) {
            out.writeVInt(ids.start()[i + 1] - ids.start()[i]);
        }
        out.writeBoolean(similarity != null);
        if (similarity != null) {
            writeFloats(out, similarity);
            writeFloats(out, affinity);
        }
        writeFloats(out, popularity);
        out.writeBoolean(similarTo != null);
        if (similarTo != null) {
            writeNullable(out, similarTo);
            writeNullable(out, because);
        }
        out.writeMap(attributes, (o, values) -> o.writeMap(values, StreamOutput::writeFloat));
    }

    /** A popular part's shipped form ({@link #writeFields}), written once. */
    BytesReference wire() throws IOException {
        BytesReference written = wire;
        if (written == null) {
            try (BytesStreamOutput fields = new BytesStreamOutput()) {
                writeFields(fields);
                written = fields.copyBytes();
            }
            wire = written;
        }
        return written;
    }

    // floats as their raw bytes in one block: a float array of thousands written and read element by element was a
    // visible part of a remote shard request's cost
    private static void writeFloats(StreamOutput out, float[] values) throws IOException {
        byte[] bytes = new byte[values.length * Float.BYTES];
        for (int i = 0; i < values.length; i++) {
            FLOATS.set(bytes, i * Float.BYTES, values[i]);
        }
        out.writeBytes(bytes);
    }

    private static float[] readFloats(StreamInput in, int size) throws IOException {
        byte[] bytes = new byte[size * Float.BYTES];
        in.readBytes(bytes, 0, bytes.length);
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) FLOATS.get(bytes, i * Float.BYTES);
        }
        return values;
    }

    // ids are never empty: "" stands for "no item"
    private static void writeNullable(StreamOutput out, String[] values) throws IOException {
        out.writeVInt(values.length);
        for (String value : values) {
            out.writeString(value == null ? "" : value);
        }
    }

    private static String[] readNullable(StreamInput in) throws IOException {
        String[] values = new String[in.readVInt()];
        for (int i = 0; i < values.length; i++) {
            String value = in.readString();
            values[i] = value.isEmpty() ? null : value;
        }
        return values;
    }

    /**
     * The signals of a profile: sums of neighbour scores over its source items, the user's stored affinities, and the
     * model's popular items. Nothing known about the shopper (no stored profile, no context or recent item) gives
     * empty signals: the first-pass order stays, popularity included.
     */
    public static PersonalizationSignals of(Profile profile) {
        return of(profile, true);
    }

    /**
     * The signals of a profile; {@code named}: with the items behind them (for explain), else without (the strongest
     * source of each similarity is then not even looked for). The popular part is built for these signals alone.
     */
    public static PersonalizationSignals of(Profile profile, boolean named) {
        return of(profile, named, profile.popular() == null ? null : popularOf(profile.model(), profile.popular()));
    }

    /**
     * The signals of a profile with {@code popular}, the popular part of the profile's model version and configuration
     * ({@link #popularOf}, shared by every shopper: {@link SignalsCache#popular}).
     */
    public static PersonalizationSignals of(Profile profile, boolean named, PersonalizationSignals popular) {
        String idField = profile.model().config().catalog().idField();
        long version = profile.model().version().version();
        if (profile.isEmpty()) {
            return new Builder(NeighborSums.of(List.of(), Map.of(), Set.of(), false), 0)
                    .build(idField, version, Map.of(), null);
        }
        List<String> sources = profile.sources().stream().map(SourceItem::item).toList();
        // the same sums and sources as ProfileScorer.sum, unranked: the signals need no order
        UserProfile user = profile.user();
        // the items only affinity names: at most the user's list
        Builder b = new Builder(
                NeighborSums.of(sources, profile.neighbors(), Set.of(), named),
                user == null ? 0 : user.recommended().size());
        if (user != null) {
            for (int r = 0; r < user.recommended().size(); r++) {
                b.setAffinity(user.recommended().get(r), user.scores()[r], user.because(r));
            }
        }
        if (popular != null) {
            // the shopper's own items carry their popularity (a document whose item is one of them looks up nothing
            // else); the others' is the popular part's, scaled there as it was here over the same list
            String[] popularItems = popular.items();
            for (int p = 0; p < popularItems.length; p++) {
                b.setPopularityIfNamed(popularItems[p], popular.popularity[p]);
            }
        }
        return b.build(idField, version, user == null ? Map.of() : user.attributes(), popular);
    }

    /**
     * The popular part of a model version's signals: the popular list's items with their popularity scaled as every
     * shopper's signals scale it ({@link #scale}); {@code model} names it (null key when its configuration's write is not
     * known: then it is not shared).
     */
    static PersonalizationSignals popularOf(ActiveModel model, PopularList list) {
        Builder b = new Builder(
                NeighborSums.of(List.of(), Map.of(), Set.of(), false),
                list.items().size());
        for (int r = 0; r < list.items().size(); r++) {
            b.setPopularity(list.items().get(r), list.scores()[r]);
        }
        int n = b.size;
        scale(b.pop, n);
        PersonalizationSignals part = popularPart(
                model.config().catalog().idField(),
                model.version().version(),
                Arrays.copyOf(b.ids, n),
                Arrays.copyOf(b.pop, n),
                PopularKey.of(model));
        try {
            part.wire(); // written at once, so that the signals cache weighs it with the part
        } catch (IOException e) {
            throw new UncheckedIOException(e); // never: written to memory
        }
        return part;
    }

    /** A popular part: items (distinct) and their scaled popularity, under {@code key} (null: not shared). */
    static PersonalizationSignals popularPart(
            String idField, long modelVersion, String[] items, float[] popularity, PopularKey key) {
        return new PersonalizationSignals(
                idField, modelVersion, items, null, null, null, popularity, null, null, Map.of(), null, key);
    }

    /**
     * These signals sharing {@code popular} (a {@link #popularPart}): their own items must carry the popularity the
     * part gives them.
     */
    PersonalizationSignals withPopular(PersonalizationSignals popular) {
        return new PersonalizationSignals(
                idField,
                modelVersion,
                items(),
                null,
                similarity,
                affinity,
                popularity,
                similarTo,
                because,
                attributes,
                popular,
                null);
    }

    /**
     * What a popular part is computed from, and a shopper's signals too ({@link SignalsCache.Key}): the model's active
     * version (its index names the model's incarnation, so a model deleted and created again, whose document's writes
     * start over, has other keys) and the write of the model's document its configuration was read from
     * ({@code configTerm}/{@code configSeqNo}: each PUT is a new write), a stamp of the configuration that costs two
     * longs to hash and compare on every search, where the configuration itself (a record of records, maps and lists)
     * would be hashed whole.
     */
    record PopularKey(String model, String versionIndex, long versionCreatedAt, long configTerm, long configSeqNo)
            implements Writeable {

        /** The key of a model's popular part, null when the write of its configuration is not known. */
        static PopularKey of(ActiveModel model) {
            return model.configStamped()
                    ? new PopularKey(
                            model.name(),
                            model.index(),
                            model.version().createdAt(),
                            model.configTerm(),
                            model.configSeqNo())
                    : null;
        }

        PopularKey(StreamInput in) throws IOException {
            this(in.readString(), in.readString(), in.readLong(), in.readLong(), in.readLong());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(model);
            out.writeString(versionIndex);
            out.writeLong(versionCreatedAt);
            out.writeLong(configTerm);
            out.writeLong(configSeqNo);
        }
    }

    /** The popular part these signals share (null: none), whose items are looked up after their own. */
    PersonalizationSignals popular() {
        return popular;
    }

    /** This popular part's key (null: not shared, or not a popular part). */
    PopularKey popularKey() {
        return popularKey;
    }

    /**
     * These signals naming only {@code visible} items: explain shows the item behind a similarity or an affinity, and
     * one the caller may not read is left unnamed (its part of the score stays).
     */
    public PersonalizationSignals namingOnly(Set<String> visible) {
        return new PersonalizationSignals(
                idField,
                modelVersion,
                items(),
                null,
                similarity,
                affinity,
                popularity,
                onlyVisible(similarTo, visible),
                onlyVisible(because, visible),
                attributes,
                popular,
                null);
    }

    /**
     * These signals without the items behind them: what a search that does not explain ships to its shards, and what
     * the signals cache keeps. Their items are kept as UTF-8 bytes only (no String an item).
     */
    public PersonalizationSignals withoutNames() {
        return new PersonalizationSignals(
                idField,
                modelVersion,
                null,
                utf8Ids(),
                similarity,
                affinity,
                popularity,
                null,
                null,
                attributes,
                popular,
                null);
    }

    private static String[] onlyVisible(String[] names, Set<String> visible) {
        if (names == null) {
            return null;
        }
        String[] kept = new String[names.length];
        for (int i = 0; i < names.length; i++) {
            kept[i] = names[i] != null && visible.contains(names[i]) ? names[i] : null;
        }
        return kept;
    }

    /** Accumulates per-item signals in parallel arrays. */
    private static final class Builder {
        // the similarities' items are numbered by the sums; the items only affinity or popularity name, here
        private final NeighborSums sums;
        private final Map<String, Integer> others;
        private int size;
        private String[] ids;
        private float[] sim;
        private float[] aff;
        private float[] pop;
        private String[] similarTo;
        private String[] because;

        /** Starts with the similarities, so that the other signals add to one index of the items. */
        Builder(NeighborSums sums, int expectedOthers) {
            // sized once for what may come: no rehash of the map nor copy of the arrays on the way
            others = new HashMap<>(Math.max(16, expectedOthers * 4 / 3 + 1));
            size = sums.size();
            int capacity = Math.max(16, size + expectedOthers);
            this.sums = sums;
            ids = new String[capacity];
            sim = new float[capacity];
            aff = new float[capacity];
            pop = new float[capacity];
            similarTo = new String[capacity];
            because = new String[capacity];
            for (int j = 0; j < size; j++) {
                ids[j] = sums.item(j);
                sim[j] = sums.sum(j);
                similarTo[j] = sums.source(j);
            }
        }

        private int slot(String item) {
            int known = sums.indexOf(item);
            if (known >= 0) {
                return known;
            }
            Integer existing = others.putIfAbsent(item, size);
            if (existing != null) {
                return existing;
            }
            if (size == sim.length) {
                int capacity = sim.length * 2;
                ids = Arrays.copyOf(ids, capacity);
                sim = Arrays.copyOf(sim, capacity);
                aff = Arrays.copyOf(aff, capacity);
                pop = Arrays.copyOf(pop, capacity);
                similarTo = Arrays.copyOf(similarTo, capacity);
                because = Arrays.copyOf(because, capacity);
            }
            ids[size] = item;
            return size++;
        }

        void setAffinity(String item, float score, String reason) {
            int i = slot(item);
            aff[i] = score;
            because[i] = reason;
        }

        void setPopularity(String item, float score) {
            int i = slot(item); // may grow the arrays: pop is read after it
            pop[i] = score;
        }

        /** Sets an item's popularity if it is one of the items already named (none is added). */
        void setPopularityIfNamed(String item, float score) {
            int i = sums.indexOf(item);
            if (i < 0) {
                Integer other = others.get(item);
                i = other == null ? -1 : other;
            }
            if (i >= 0) {
                pop[i] = score;
            }
        }

        /** The shopper's signals, their popularity already scaled (copied from {@code popular}). */
        PersonalizationSignals build(
                String idField,
                long version,
                Map<String, Map<String, Float>> attributes,
                PersonalizationSignals popular) {
            int n = size;
            scale(sim, n);
            scale(aff, n);
            return new PersonalizationSignals(
                    idField,
                    version,
                    Arrays.copyOf(ids, n),
                    null,
                    Arrays.copyOf(sim, n),
                    Arrays.copyOf(aff, n),
                    Arrays.copyOf(pop, n),
                    Arrays.copyOf(similarTo, n),
                    Arrays.copyOf(because, n),
                    attributes,
                    popular,
                    null);
        }
    }

    /**
     * Maps a signal onto [0, 1]: divided by its maximum over the profile's items, then square-rooted, so that the
     * long tail of weaker signals still counts against the first-pass score (chosen on the validation split).
     */
    static void scale(float[] values, int n) {
        float max = 0;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, values[i]);
        }
        if (max > 0) {
            for (int i = 0; i < n; i++) {
                values[i] = (float) Math.sqrt(Math.max(0f, values[i] / max));
            }
        }
    }

    /** Whether the items behind the signals are shipped: only for a search that explains. */
    public boolean named() {
        return similarTo != null;
    }

    public boolean isEmpty() {
        return size == 0 && attributes.isEmpty() && (popular == null || popular.size == 0);
    }

    /** How many items carry signals. */
    public int size() {
        return size;
    }

    public String idField() {
        return idField;
    }

    public long modelVersion() {
        return modelVersion;
    }

    /** The items, in the order of every per-item array: decoded anew at each call when not given as Strings. */
    public String[] items() {
        if (items != null) {
            return items;
        }
        Utf8Ids ids = utf8;
        String[] decoded = new String[size];
        for (int i = 0; i < size; i++) {
            decoded[i] = new String(
                    ids.bytes(), ids.start()[i], ids.start()[i + 1] - ids.start()[i], StandardCharsets.UTF_8);
        }
        return decoded;
    }

    /** The items' ids as UTF-8 bytes (encoded once per instance when they came as Strings). */
    Utf8Ids utf8Ids() {
        Utf8Ids ids = utf8;
        if (ids == null) {
            ids = Utf8Ids.of(items);
            utf8 = ids;
        }
        return ids;
    }

    public float similarity(int i) {
        return similarity[i];
    }

    public float affinity(int i) {
        return affinity[i];
    }

    public float popularity(int i) {
        return popularity[i];
    }

    /** The source item contributing most to item {@code i}'s similarity; null when none, hidden, or not explaining. */
    public String similarTo(int i) {
        return similarTo == null ? null : similarTo[i];
    }

    /** The history item behind item {@code i}'s affinity; null when none, hidden, or not explaining. */
    public String because(int i) {
        return because == null ? null : because[i];
    }

    /** Attribute field to value to weight in [0, 1]. */
    public Map<String, Map<String, Float>> attributes() {
        return attributes;
    }

    public List<String> attributeFields() {
        return List.copyOf(attributes.keySet());
    }

    private static final long SHALLOW = RamUsageEstimator.shallowSizeOfInstance(PersonalizationSignals.class);
    private static final long UTF8_SHALLOW = RamUsageEstimator.shallowSizeOfInstance(Utf8Ids.class);

    /**
     * What these signals hold themselves, as {@link RamUsageEstimator} counts it: their ids (as UTF-8, and as Strings
     * when given so), the scores, the names when explaining, the attribute weights and a popular part's shipped form;
     * not the popular part they share nor their shard side ({@link ShardSignals#bytesOnceBuilt}).
     */
    @Override
    public long ramBytesUsed() {
        Utf8Ids ids = utf8;
        BytesReference written = wire;
        return SHALLOW
                + RamUsageEstimator.sizeOf(idField)
                + (items == null ? 0 : RamUsageEstimator.sizeOf(items))
                + (ids == null
                        ? 0
                        : UTF8_SHALLOW + RamUsageEstimator.sizeOf(ids.bytes()) + RamUsageEstimator.sizeOf(ids.start()))
                + (similarity == null ? 0 : RamUsageEstimator.sizeOf(similarity) + RamUsageEstimator.sizeOf(affinity))
                + RamUsageEstimator.sizeOf(popularity)
                + (similarTo == null ? 0 : RamUsageEstimator.sizeOf(similarTo) + RamUsageEstimator.sizeOf(because))
                + attributesBytes()
                + (written == null ? 0 : written.ramBytesUsed());
    }

    // a map's entry: a HashMap node (32 bytes) and about two slots of its table (RamUsageEstimator.sizeOfMap would
    // count an unknown 256 bytes per Float)
    private static final long MAP_ENTRY = 32 + 2L * RamUsageEstimator.NUM_BYTES_OBJECT_REF;
    private static final long MAP =
            RamUsageEstimator.shallowSizeOfInstance(HashMap.class) + RamUsageEstimator.NUM_BYTES_ARRAY_HEADER;
    private static final long FLOAT = RamUsageEstimator.shallowSizeOfInstance(Float.class);

    private long attributesBytes() {
        long bytes = MAP;
        for (Map.Entry<String, Map<String, Float>> field : attributes.entrySet()) {
            bytes += MAP_ENTRY + RamUsageEstimator.sizeOf(field.getKey()) + MAP;
            for (String value : field.getValue().keySet()) {
                bytes += MAP_ENTRY + RamUsageEstimator.sizeOf(value) + FLOAT;
            }
        }
        return bytes;
    }

    /** These signals indexed for a shard's hot loop, built on first use and shared by every shard that scores them. */
    ShardSignals shardSignals() {
        ShardSignals built = shardSide;
        if (built == null) {
            built = new ShardSignals(this);
            shardSide = built; // two threads may each build one: equal, and the first is simply dropped
        }
        return built;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        return o instanceof PersonalizationSignals other
                && idField.equals(other.idField)
                && modelVersion == other.modelVersion
                && size == other.size
                && Arrays.equals(items(), other.items())
                && Arrays.equals(similarity, other.similarity)
                && Arrays.equals(affinity, other.affinity)
                && Arrays.equals(popularity, other.popularity)
                && Arrays.equals(similarTo, other.similarTo)
                && Arrays.equals(because, other.because)
                && attributes.equals(other.attributes)
                && Objects.equals(popular, other.popular);
    }

    @Override
    public int hashCode() {
        // without the ids, which a shard's node keeps as bytes: equal signals have equal scores
        return Objects.hash(idField, modelVersion, size, Arrays.hashCode(similarity), attributes);
    }
}
