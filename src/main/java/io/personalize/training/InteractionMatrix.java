package io.personalize.training;

/**
 * Immutable sparse user x item matrix of accumulated interaction weights, stored twice: row-wise
 * (CSR, user to items, each row sorted by item id) and column-wise (item to users, each column
 * sorted by user id).
 *
 * <p>Weights are finite and non-negative. Produced by {@link InteractionMatrixBuilder}. The arrays returned by the accessors are the
 * internal arrays, not copies: callers must not modify them.
 */
public final class InteractionMatrix {

    private final int numUsers;
    private final int numItems;
    private final long referenceTime;
    private final int[] userOffsets;
    private final int[] userItems;
    private final float[] userWeights;
    private final int[] userAges;
    private final int[] itemOffsets;
    private final int[] itemUsers;
    private final float[] itemWeights;

    /**
     * Builds the column-wise copy from row-wise arrays. Rows must be sorted by item id and free of
     * duplicates; this is not checked beyond bounds.
     *
     * @param numUsers number of rows
     * @param numItems number of columns
     * @param referenceTime epoch seconds the ages are relative to
     * @param userOffsets row offsets, length numUsers + 1
     * @param userItems column ids, length userOffsets[numUsers]
     * @param userWeights values, same length as userItems
     * @param userAges seconds between the last event of each entry and referenceTime, or null
     */
    public InteractionMatrix(
            int numUsers,
            int numItems,
            long referenceTime,
            int[] userOffsets,
            int[] userItems,
            float[] userWeights,
            int[] userAges) {
        if (userOffsets.length != numUsers + 1) {
            throw new IllegalArgumentException("userOffsets must have numUsers + 1 entries");
        }
        int nnz = userOffsets[numUsers];
        if (userItems.length != nnz || userWeights.length != nnz || (userAges != null && userAges.length != nnz)) {
            throw new IllegalArgumentException("entry arrays must have userOffsets[numUsers] entries");
        }
        for (int u = 0; u < numUsers; u++) {
            if (userOffsets[u + 1] < userOffsets[u]) {
                throw new IllegalArgumentException("userOffsets must be non-decreasing");
            }
        }
        for (float w : userWeights) {
            if (!(w >= 0f) || w == Float.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("weights must be finite and >= 0: " + w);
            }
        }
        this.numUsers = numUsers;
        this.numItems = numItems;
        this.referenceTime = referenceTime;
        this.userOffsets = userOffsets;
        this.userItems = userItems;
        this.userWeights = userWeights;
        this.userAges = userAges != null ? userAges : new int[nnz];
        // transpose with a counting sort; iterating users in order keeps columns sorted by user
        int[] offsets = new int[numItems + 1];
        for (int p = 0; p < nnz; p++) {
            int item = userItems[p];
            if (item < 0 || item >= numItems) {
                throw new IllegalArgumentException("item id out of range: " + item);
            }
            offsets[item + 1]++;
        }
        for (int i = 0; i < numItems; i++) {
            offsets[i + 1] += offsets[i];
        }
        int[] fill = new int[numItems];
        System.arraycopy(offsets, 0, fill, 0, numItems);
        int[] users = new int[nnz];
        float[] weights = new float[nnz];
        for (int u = 0; u < numUsers; u++) {
            for (int p = userOffsets[u], end = userOffsets[u + 1]; p < end; p++) {
                int q = fill[userItems[p]]++;
                users[q] = u;
                weights[q] = userWeights[p];
            }
        }
        this.itemOffsets = offsets;
        this.itemUsers = users;
        this.itemWeights = weights;
    }

    public int numUsers() {
        return numUsers;
    }

    public int numItems() {
        return numItems;
    }

    /** Number of stored (user, item) entries. */
    public int nnz() {
        return userOffsets[numUsers];
    }

    /** Epoch seconds that time decay and {@link #userAges()} are relative to. */
    public long referenceTime() {
        return referenceTime;
    }

    /** Row offsets: user u's entries are at [userOffsets[u], userOffsets[u + 1]). */
    public int[] userOffsets() {
        return userOffsets;
    }

    /** Item id of each row entry (rows sorted by item id). */
    public int[] userItems() {
        return userItems;
    }

    /** Accumulated (time-decayed) weight of each row entry. */
    public float[] userWeights() {
        return userWeights;
    }

    /** Seconds between the newest event of each row entry and {@link #referenceTime()}. */
    public int[] userAges() {
        return userAges;
    }

    /** Column offsets: item i's entries are at [itemOffsets[i], itemOffsets[i + 1]). */
    public int[] itemOffsets() {
        return itemOffsets;
    }

    /** User id of each column entry (columns sorted by user id). */
    public int[] itemUsers() {
        return itemUsers;
    }

    /** Weight of each column entry (same values as the row-wise copy). */
    public float[] itemWeights() {
        return itemWeights;
    }

    /** Number of items of user u. */
    public int userDegree(int u) {
        return userOffsets[u + 1] - userOffsets[u];
    }

    /** Number of users of item i. */
    public int itemDegree(int i) {
        return itemOffsets[i + 1] - itemOffsets[i];
    }

    /** Copy of user u's item ids (sorted by item id). */
    public int[] userItems(int u) {
        return java.util.Arrays.copyOfRange(userItems, userOffsets[u], userOffsets[u + 1]);
    }

    /** Copy of user u's weights, aligned with {@link #userItems(int)}. */
    public float[] userWeights(int u) {
        return java.util.Arrays.copyOfRange(userWeights, userOffsets[u], userOffsets[u + 1]);
    }

    /** Approximate heap footprint of the arrays, in bytes. */
    public long estimatedBytes() {
        long nnz = nnz();
        return 4L * (numUsers + 1) + 4L * (numItems + 1) + nnz * (4 + 4 + 4 + 4 + 4);
    }
}
