package io.personalize.training;

import java.util.Arrays;

/**
 * Accumulates interaction events and turns them into an {@link InteractionMatrix}.
 *
 * <p>Users and items are dense ids ({@code 0..n-1}) mapped by the caller. Each event has a weight
 * (for example the event type weight: view 1, cart 3, purchase 5, optionally times a value
 * multiplier) and a time in epoch seconds. {@link #build} then
 * <ol>
 *   <li>multiplies every event weight by the time decay {@code 0.5^((ref - t) / halfLife)}, where
 *       {@code ref} is the newest event time (or {@link #referenceTime(long)}); events newer than
 *       {@code ref} are not decayed; the decay never goes below {@link #MIN_DECAY} (20 half-lives),
 *       so that no event's weight underflows to zero: a single recent outlier among old events
 *       must not zero every other weight (a float underflows after about 150 half-lives);</li>
 *   <li>sums the decayed weights of all events of the same (user, item) and keeps the newest time;</li>
 *   <li>keeps at most {@link #maxItemsPerUser(int)} items per user: the most recently used ones
 *       (ties: the smaller item id);</li>
 *   <li>computes time-decayed item popularity from all events, before the per-user cap: the sum
 *       over events of {@code weight * 0.5^((ref - t) / popularityHalfLife)}, or, with
 *       {@link #popularityCountsUsers(boolean)}, the sum over distinct (user, item) pairs of
 *       {@code 0.5^((ref - newest t of the pair) / popularityHalfLife)};</li>
 *   <li>returns the row-wise matrix and its transpose.</li>
 * </ol>
 *
 * <p>Memory: 16 bytes per buffered event while adding (use {@link #InteractionMatrixBuilder(int)}
 * to size it), plus 12 bytes per event during {@link #build}, then about 20 bytes per kept
 * (user, item) entry for the matrix; no per-event objects. 20 million events need about 600 MB at
 * the peak of {@code build}. A builder can be built only once; its buffers are released by
 * {@code build}.
 */
public final class InteractionMatrixBuilder {

    /**
     * The smallest time decay factor, 2^-20 (reached after 20 half-lives): older events all weigh this fraction of their
     * weight, which keeps them, and the products of two of them, well within a float's range.
     */
    public static final double MIN_DECAY = 0x1p-20;

    /** Default number of most recent items kept per user. */
    public static final int DEFAULT_MAX_ITEMS_PER_USER = 500;

    private int size;
    private int[] users;
    private int[] items;
    private float[] weights;
    private int[] times; // seconds relative to baseTime
    private long baseTime;
    private long minTime = Long.MAX_VALUE;
    private long maxTime = Long.MIN_VALUE;
    private int maxUser = -1;
    private int maxItem = -1;
    private boolean built;

    private int numUsers;
    private int numItems;
    private double halfLifeSeconds = Double.POSITIVE_INFINITY;
    private double popularityHalfLifeSeconds = Double.POSITIVE_INFINITY;
    private boolean popularityCountsUsers;
    private int maxItemsPerUser = DEFAULT_MAX_ITEMS_PER_USER;
    private long referenceTime = Long.MIN_VALUE;

    public InteractionMatrixBuilder() {
        this(1024);
    }

    /** @param expectedEvents initial buffer capacity (buffers grow by 1.5x when full) */
    public InteractionMatrixBuilder(int expectedEvents) {
        int cap = Math.max(16, expectedEvents);
        users = new int[cap];
        items = new int[cap];
        weights = new float[cap];
        times = new int[cap];
    }

    /** Minimum number of users of the matrix (default: largest user id seen + 1). */
    public InteractionMatrixBuilder numUsers(int numUsers) {
        this.numUsers = numUsers;
        return this;
    }

    /** Minimum number of items of the matrix (default: largest item id seen + 1). */
    public InteractionMatrixBuilder numItems(int numItems) {
        this.numItems = numItems;
        return this;
    }

    /**
     * Half-life of event weights, in seconds; {@code Double.POSITIVE_INFINITY} (the default) or
     * 0 disables decay.
     */
    public InteractionMatrixBuilder halfLifeSeconds(double halfLifeSeconds) {
        this.halfLifeSeconds = checkHalfLife(halfLifeSeconds);
        return this;
    }

    /** Half-life of item popularity, in seconds; infinite (the default) or 0 disables decay. */
    public InteractionMatrixBuilder popularityHalfLifeSeconds(double halfLifeSeconds) {
        this.popularityHalfLifeSeconds = checkHalfLife(halfLifeSeconds);
        return this;
    }

    /**
     * If true, popularity counts distinct users (each decayed by the user's newest event on the
     * item) instead of summing decayed event weights. Default false.
     */
    public InteractionMatrixBuilder popularityCountsUsers(boolean countUsers) {
        this.popularityCountsUsers = countUsers;
        return this;
    }

    /** Most recent items kept per user (default {@value #DEFAULT_MAX_ITEMS_PER_USER}). */
    public InteractionMatrixBuilder maxItemsPerUser(int maxItemsPerUser) {
        if (maxItemsPerUser < 1) {
            throw new IllegalArgumentException("maxItemsPerUser must be >= 1");
        }
        this.maxItemsPerUser = maxItemsPerUser;
        return this;
    }

    /** Time decay reference, epoch seconds (default: the newest event time). */
    public InteractionMatrixBuilder referenceTime(long epochSeconds) {
        this.referenceTime = epochSeconds;
        return this;
    }

    private static double checkHalfLife(double h) {
        if (Double.isNaN(h) || h < 0) {
            throw new IllegalArgumentException("half-life must be >= 0");
        }
        return h == 0 ? Double.POSITIVE_INFINITY : h;
    }

    /** Number of events added so far. */
    public int size() {
        return size;
    }

    /**
     * Adds one event.
     *
     * @param user dense user id, >= 0
     * @param item dense item id, >= 0
     * @param weight event weight, finite and >= 0
     * @param epochSeconds event time
     */
    public void add(int user, int item, float weight, long epochSeconds) {
        if (built) {
            throw new IllegalStateException("already built");
        }
        if (user < 0 || item < 0) {
            throw new IllegalArgumentException("negative id");
        }
        if (!(weight >= 0) || weight == Float.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("weight must be finite and >= 0: " + weight);
        }
        if (size == 0) {
            baseTime = epochSeconds;
        }
        long rel = epochSeconds - baseTime;
        long newMin = Math.min(minTime, epochSeconds);
        long newMax = Math.max(maxTime, epochSeconds);
        if (rel < Integer.MIN_VALUE || rel > Integer.MAX_VALUE || newMax - newMin > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("events must span less than 68 years");
        }
        if (size == users.length) {
            grow();
        }
        users[size] = user;
        items[size] = item;
        weights[size] = weight;
        times[size] = (int) rel;
        size++;
        minTime = newMin;
        maxTime = newMax;
        if (user > maxUser) {
            maxUser = user;
        }
        if (item > maxItem) {
            maxItem = item;
        }
    }

    /**
     * Drops every event added; the settings stay. For a reading of the events that starts again from the first (its
     * point in time lost a shard copy), so that no event is counted twice.
     */
    public void clear() {
        if (built) {
            throw new IllegalStateException("already built");
        }
        size = 0;
        minTime = Long.MAX_VALUE;
        maxTime = Long.MIN_VALUE;
        maxUser = -1;
        maxItem = -1;
    }

    /**
     * Adds events from parallel arrays.
     *
     * @param weights event weights, or null for weight 1
     */
    public void addAll(int[] users, int[] items, float[] weights, long[] epochSeconds) {
        int n = users.length;
        if (items.length != n || epochSeconds.length != n || (weights != null && weights.length != n)) {
            throw new IllegalArgumentException("arrays must have the same length");
        }
        ensureCapacity(size + n);
        for (int e = 0; e < n; e++) {
            add(users[e], items[e], weights == null ? 1f : weights[e], epochSeconds[e]);
        }
    }

    /**
     * Gives the events' users and items new ids, {@code users[e] = userMap[users[e]]}: both maps must be bijections
     * over the ids added. Training gives the same ids to the same data this way, however the events arrived.
     */
    public void relabel(int[] userMap, int[] itemMap) {
        if (built) {
            throw new IllegalStateException("already built");
        }
        if (userMap.length <= maxUser || itemMap.length <= maxItem) {
            throw new IllegalArgumentException("the maps must cover every id added");
        }
        for (int e = 0; e < size; e++) {
            users[e] = userMap[users[e]];
            items[e] = itemMap[items[e]];
        }
        maxUser = -1;
        maxItem = -1;
        for (int e = 0; e < size; e++) {
            maxUser = Math.max(maxUser, users[e]);
            maxItem = Math.max(maxItem, items[e]);
        }
    }

    private void ensureCapacity(long needed) {
        if (needed > Integer.MAX_VALUE - 16) {
            throw new IllegalStateException("too many events");
        }
        if (needed > users.length) {
            resize((int) needed);
        }
    }

    private void grow() {
        long cap = Math.min((long) Integer.MAX_VALUE - 16, users.length + (users.length >> 1) + 16L);
        if (cap <= users.length) {
            throw new IllegalStateException("too many events");
        }
        resize((int) cap);
    }

    private void resize(int cap) {
        users = Arrays.copyOf(users, cap);
        items = Arrays.copyOf(items, cap);
        weights = Arrays.copyOf(weights, cap);
        times = Arrays.copyOf(times, cap);
    }

    /** Same as {@code build(TrainingMonitor.NOOP)}. */
    public InteractionMatrix build() {
        return build(TrainingMonitor.NOOP);
    }

    /** Builds the matrix (see the class comment). Can be called once. */
    public InteractionMatrix build(TrainingMonitor monitor) {
        if (built) {
            throw new IllegalStateException("already built");
        }
        built = true;
        final int n = size;
        final int nu = Math.max(numUsers, maxUser + 1);
        final int ni = Math.max(numItems, maxItem + 1);
        final long ref = referenceTime != Long.MIN_VALUE ? referenceTime : (n > 0 ? maxTime : 0L);
        // relative reference: ages are computed as refRel - t with t relative to baseTime
        final long refRel = ref - baseTime;
        final double decayRate = Math.log(2) / halfLifeSeconds; // 0 when infinite
        final double popRate = Math.log(2) / popularityHalfLifeSeconds;
        monitor.checkCancelled();

        // 1. counting sort of the events by user, decaying the weights on the way
        int[] start = new int[nu + 1];
        for (int e = 0; e < n; e++) {
            start[users[e] + 1]++;
        }
        int maxDegree = 0;
        for (int u = 0; u < nu; u++) {
            maxDegree = Math.max(maxDegree, start[u + 1]);
            start[u + 1] += start[u];
        }
        int[] fill = Arrays.copyOf(start, nu);
        int[] sItems = new int[n];
        float[] sWeights = new float[n];
        int[] sTimes = new int[n];
        double[] popularity = new double[ni];
        for (int e = 0; e < n; e++) {
            int p = fill[users[e]]++;
            sItems[p] = items[e];
            sWeights[p] = weights[e]; // decayed in step 2, where the order of the sums no longer depends on arrival
            sTimes[p] = times[e];
            if ((e & 0xFFFFF) == 0) {
                monitor.checkCancelled();
                monitor.progress("sort events", e, n);
            }
        }
        fill = null;
        users = null;
        items = null;
        weights = null;
        times = null;

        // 2. per user: merge duplicates, cap to the most recent items, compact in place
        long[] keys = new long[maxDegree];
        int[] gItems = new int[maxDegree];
        float[] gWeights = new float[maxDegree];
        int[] gTimes = new int[maxDegree];
        float[] tmpW = new float[maxDegree];
        long[] byTime = new long[maxDegree];
        int[] tmpT = new int[maxDegree];
        int[] offsets = new int[nu + 1];
        int out = 0;
        for (int u = 0; u < nu; u++) {
            int s = start[u];
            int len = start[u + 1] - s;
            for (int k = 0; k < len; k++) {
                keys[k] = ((long) sItems[s + k] << 32) | k;
                tmpW[k] = sWeights[s + k];
                tmpT[k] = sTimes[s + k];
            }
            Arrays.sort(keys, 0, len);
            int groups = 0;
            for (int k = 0; k < len; ) {
                int item = (int) (keys[k] >>> 32);
                // the pair's events in (time, weight) order, so that floating-point sums are the same in every run
                int events = 0;
                for (; k < len && (int) (keys[k] >>> 32) == item; k++) {
                    int idx = (int) keys[k];
                    byTime[events++] = ((long) tmpT[idx] << 32) | (Float.floatToIntBits(tmpW[idx]) & 0xFFFFFFFFL);
                }
                Arrays.sort(byTime, 0, events);
                double w = 0;
                int t = Integer.MIN_VALUE;
                for (int x = 0; x < events; x++) {
                    int time = (int) (byTime[x] >> 32);
                    float raw = Float.intBitsToFloat((int) byTime[x]);
                    long age = Math.max(0L, refRel - time);
                    w += decayRate == 0 ? raw : (float) (raw * decay(decayRate, age));
                    if (!popularityCountsUsers) {
                        popularity[item] += popRate == 0 ? raw : raw * decay(popRate, age);
                    }
                    t = Math.max(t, time);
                }
                gItems[groups] = item;
                gWeights[groups] = (float) w;
                gTimes[groups] = t;
                if (popularityCountsUsers) {
                    long age = Math.max(0L, refRel - t);
                    popularity[item] += popRate == 0 ? 1.0 : decay(popRate, age);
                }
                groups++;
            }
            if (groups > maxItemsPerUser) {
                // keep the most recent: sort by (newest time desc, item asc); times span < 2^31
                int newest = Integer.MIN_VALUE;
                for (int g = 0; g < groups; g++) {
                    newest = Math.max(newest, gTimes[g]);
                }
                for (int g = 0; g < groups; g++) {
                    keys[g] = (((long) newest - gTimes[g]) << 32) | g;
                }
                Arrays.sort(keys, 0, groups);
                for (int g = 0; g < maxItemsPerUser; g++) {
                    keys[g] = keys[g] & 0xFFFFFFFFL; // group index; groups are in item order
                }
                Arrays.sort(keys, 0, maxItemsPerUser);
                for (int g = 0; g < maxItemsPerUser; g++) {
                    int idx = (int) keys[g];
                    writeEntry(sItems, sWeights, sTimes, out++, gItems[idx], gWeights[idx], gTimes[idx]);
                }
            } else {
                for (int g = 0; g < groups; g++) {
                    writeEntry(sItems, sWeights, sTimes, out++, gItems[g], gWeights[g], gTimes[g]);
                }
            }
            offsets[u + 1] = out;
            if ((u & 0x3FFF) == 0) {
                monitor.checkCancelled();
                monitor.progress("merge events", u, nu);
            }
        }
        keys = null;
        int[] rowItems = Arrays.copyOf(sItems, out);
        sItems = null;
        float[] rowWeights = Arrays.copyOf(sWeights, out);
        sWeights = null;
        int[] ages = new int[out];
        for (int p = 0; p < out; p++) {
            ages[p] = (int) Math.min(Integer.MAX_VALUE, Math.max(0L, refRel - sTimes[p]));
        }
        sTimes = null;
        float[] pop = new float[ni];
        for (int i = 0; i < ni; i++) {
            pop[i] = (float) popularity[i];
        }
        monitor.checkCancelled();
        InteractionMatrix matrix = new InteractionMatrix(nu, ni, ref, offsets, rowItems, rowWeights, ages);
        lastPopularity = pop;
        return matrix;
    }

    private float[] lastPopularity;

    /**
     * Time-decayed popularity of every item computed by {@link #build} (see the class comment);
     * null before build.
     */
    public float[] popularity() {
        return lastPopularity;
    }

    private static double decay(double rate, long age) {
        return Math.max(MIN_DECAY, Math.exp(-rate * age));
    }

    private static void writeEntry(int[] items, float[] weights, int[] times, int p, int item, float w, int t) {
        items[p] = item;
        weights[p] = w;
        times[p] = t;
    }
}
