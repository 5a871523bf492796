package io.personalize.spark;

import io.personalize.training.InteractionMatrix;
import io.personalize.training.InteractionMatrixBuilder;
import io.personalize.training.TrainingConfig;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Row;

/**
 * One Spark partition's users, each with all their events, trained by the plugin's own
 * {@link InteractionMatrixBuilder} (time decay, merge per item, the {@code max_history} most recent items, popularity):
 * the users' rows of the interaction matrix, with the partition's share of every item's popularity. Users are in the
 * order of their ids' bytes, as the node numbers them; items carry the model's global ids.
 */
public final class UserPart implements Serializable {

    final String[] users;
    final int numItems;
    final long referenceTime;
    final int[] offsets;
    final int[] items;
    final float[] weights;
    final int[] ages;
    final float[] popularity;
    private transient InteractionMatrix matrix;

    private UserPart(String[] users, InteractionMatrix m, float[] popularity) {
        this.users = users;
        this.numItems = m.numItems();
        this.referenceTime = m.referenceTime();
        this.offsets = m.userOffsets();
        this.items = m.userItems();
        this.weights = m.userWeights();
        this.ages = m.userAges();
        this.popularity = popularity;
        this.matrix = m;
    }

    /**
     * The part of events sorted by user: rows of {@code user} (string), {@code item_id} (int), {@code weight} (float),
     * {@code time} (epoch milliseconds).
     */
    static UserPart of(Iterator<Row> events, int numItems, long referenceSeconds, TrainingConfig config) {
        InteractionMatrixBuilder builder =
                config.newMatrixBuilder(1 << 12).numItems(numItems).referenceTime(referenceSeconds);
        List<String> users = new ArrayList<>();
        String current = null;
        while (events.hasNext()) {
            Row e = events.next();
            String user = e.getString(0);
            if (user.equals(current) == false) {
                users.add(user);
                current = user;
            }
            // the node's reader turns milliseconds into seconds the same way (floor division for any date after 1970)
            builder.add(users.size() - 1, e.getInt(1), e.getFloat(2), e.getLong(3) / 1000);
        }
        InteractionMatrix m = builder.numUsers(users.size()).build();
        return new UserPart(users.toArray(new String[0]), m, builder.popularity());
    }

    /** The rows as the plugin's matrix (built once per task that uses it: the transpose is not stored). */
    InteractionMatrix matrix() {
        if (matrix == null) {
            matrix = new InteractionMatrix(users.length, numItems, referenceTime, offsets, items, weights, ages);
        }
        return matrix;
    }

    /** {@code degrees[i]}: this part's users whose histories hold item i. */
    int[] itemDegrees() {
        int[] degrees = new int[numItems];
        for (int i : items) {
            degrees[i]++;
        }
        return degrees;
    }

    int size() {
        return users.length;
    }
}
