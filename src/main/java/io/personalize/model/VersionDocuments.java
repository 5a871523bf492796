package io.personalize.model;

import io.personalize.serving.AttributeAffinities;
import io.personalize.serving.ModelDocument;
import io.personalize.serving.NeighborList;
import io.personalize.serving.NeighborhoodScorer;
import io.personalize.serving.PopularList;
import io.personalize.serving.Recommendations;
import io.personalize.serving.UserLists;
import io.personalize.serving.UserProfile;
import io.personalize.training.InteractionMatrix;
import io.personalize.training.ItemNeighbors;
import io.personalize.training.TrainedModel;
import io.personalize.training.Workers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.xcontent.XContentFactory;

/**
 * The documents of a trained version, produced one at a time while they are written: every item's neighbour list,
 * every user's profile (history, precomputed top items with their main reason, attribute affinities), and the
 * popular list. User profiles are computed here, lazily, so that a million users never sit in memory at once.
 *
 * <p>Items' and users' documents are built {@link #CHUNK} at a time, shared out among the training's threads ({@link
 * io.personalize.training.TrainingConfig#workers()}: ranking users' lists from EASE's whole B or ALS's factors is most
 * of a version's writing), and handed out in id order: each document depends on its own item or user only, so the
 * version is the same to the last bit on any number of threads, and at most one chunk is held beside the batch the
 * writer builds.
 */
public final class VersionDocuments implements Iterator<VersionWriter.Doc> {

    /** Popular items stored: the fallback list is never longer than this. */
    public static final int POPULAR = 1000;

    /** Documents built at a time (items, then users), in {@link #TASK}-sized tasks. */
    static final int CHUNK = 1024;

    static final int TASK = 16;

    private final TrainedModel model;
    private final IdDictionary users;
    private final IdDictionary items;
    // every item's id as a String, decoded once: user profiles name up to hundreds of items each
    private final String[] itemNames;
    private final AttributeAffinities affinities;
    private final int userItems;
    private final NeighborhoodScorer scorer;
    private final Workers workers;
    // one UserLists per thread taking part (each owns catalogue-sized scratch), reused from chunk to chunk
    private final ArrayDeque<UserLists> idle = new ArrayDeque<>();
    private final VersionWriter.Doc[] chunk = new VersionWriter.Doc[CHUNK];
    private final long documents; // items then users
    private long chunkStart;
    private int chunkSize;
    private int inChunk;
    private boolean popularWritten;

    public VersionDocuments(TrainingJob.Result trained, int userItems) {
        this.model = trained.model();
        this.users = trained.users();
        this.items = trained.items();
        this.itemNames = new String[model.numItems()];
        for (int i = 0; i < itemNames.length; i++) {
            itemNames[i] = items.get(i);
        }
        this.userItems = userItems;
        UserLists lists = new UserLists(model);
        idle.add(lists);
        this.scorer = lists.scorer();
        this.affinities = affinities(trained.attributes(), model.numItems());
        this.workers = model.config().workers();
        this.documents = (long) model.numItems() + model.numUsers();
    }

    /** Documents in all: items, users, and the popular list. */
    public long total() {
        return (long) model.numItems() + model.numUsers() + 1;
    }

    @Override
    public boolean hasNext() {
        return inChunk < chunkSize || chunkStart + chunkSize < documents || popularWritten == false;
    }

    @Override
    public VersionWriter.Doc next() {
        if (inChunk == chunkSize && chunkStart + chunkSize < documents) {
            nextChunk();
        }
        if (inChunk < chunkSize) {
            VersionWriter.Doc doc = chunk[inChunk];
            chunk[inChunk++] = null;
            return doc;
        }
        if (popularWritten == false) {
            popularWritten = true;
            return new VersionWriter.Doc(ModelDocuments.POPULAR_ID, json(popularList()));
        }
        throw new NoSuchElementException();
    }

    /** Builds the documents after the current chunk, on the training's threads, each into its own slot. */
    private void nextChunk() {
        chunkStart += chunkSize;
        chunkSize = (int) Math.min(CHUNK, documents - chunkStart);
        inChunk = 0;
        List<UserLists> taken = new ArrayList<>();
        try {
            workers.forEach(
                    (chunkSize + TASK - 1) / TASK,
                    () -> {
                        synchronized (taken) {
                            UserLists lists = idle.poll();
                            taken.add(lists = lists == null ? new UserLists(model) : lists);
                            return lists;
                        }
                    },
                    (lists, task) -> {
                        for (int d = task * TASK, end = Math.min(chunkSize, d + TASK); d < end; d++) {
                            chunk[d] = document(chunkStart + d, lists);
                        }
                    });
        } finally {
            idle.addAll(taken);
        }
    }

    /** Document {@code d}: item {@code d}, or user {@code d - items}. */
    private VersionWriter.Doc document(long d, UserLists lists) {
        if (d < model.numItems()) {
            int item = (int) d;
            return new VersionWriter.Doc(ModelDocuments.itemDocId(itemNames[item]), json(neighborList(item)));
        }
        int user = (int) (d - model.numItems());
        return new VersionWriter.Doc(ModelDocuments.userDocId(users.get(user)), json(userProfile(user, lists)));
    }

    NeighborList neighborList(int item) {
        ItemNeighbors neighbors = model.neighbors();
        int[] ids = neighbors.neighbors(item);
        return new NeighborList(itemNames[item], names(ids), neighbors.scores(item), model.popularity()[item]);
    }

    /**
     * A user's profile with their stored "for you" list: the model's formula over the whole catalogue (training's
     * arrays), which {@link io.personalize.serving.ProfileScorer} computes again from the stored documents.
     */
    private UserProfile userProfile(int user, UserLists lists) {
        InteractionMatrix matrix = model.matrix();
        int[] history = newestFirst(matrix, user);
        float[] weights = new float[history.length];
        float[] rowWeights = matrix.userWeights(user);
        int[] rowItems = matrix.userItems(user);
        for (int x = 0; x < history.length; x++) {
            weights[x] = rowWeights[history[x]];
            history[x] = rowItems[history[x]];
        }
        Recommendations recommendations = lists.recommend(user, history, weights, history, userItems, 1);
        List<String> because = new ArrayList<>(recommendations.size());
        for (int r = 0; r < recommendations.size(); r++) {
            int[] reasons = recommendations.reasonItems(r);
            because.add(reasons.length == 0 ? null : itemNames[reasons[0]]);
        }
        return new UserProfile(
                users.get(user),
                names(history),
                weights,
                names(recommendations.items()),
                recommendations.scores(),
                because,
                affinities.of(history, scorer.historyFactors(history, weights)));
    }

    PopularList popularList() {
        float[] popularity = model.popularity();
        Integer[] order = new Integer[popularity.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(
                order,
                (a, b) -> popularity[a] != popularity[b]
                        ? Float.compare(popularity[b], popularity[a])
                        : Integer.compare(a, b));
        int n = Math.min(POPULAR, order.length);
        List<String> popular = new ArrayList<>(n);
        float[] scores = new float[n];
        for (int r = 0; r < n; r++) {
            popular.add(itemNames[order[r]]);
            scores[r] = popularity[order[r]];
        }
        return new PopularList(popular, scores, scorer.params());
    }

    /** The catalogue's attribute values of the model's items, indexed for {@link AttributeAffinities#of}. */
    static AttributeAffinities affinities(CatalogAttributes attributes, int numItems) {
        if (attributes.names().isEmpty()) {
            return AttributeAffinities.none();
        }
        String[][] valueNames = new String[attributes.names().size()][];
        for (int a = 0; a < valueNames.length; a++) {
            IdDictionary values = attributes.values(a);
            valueNames[a] = new String[values.size()];
            for (int v = 0; v < valueNames[a].length; v++) {
                valueNames[a][v] = values.get(v);
            }
        }
        return AttributeAffinities.index(
                attributes.names(), valueNames, numItems, (a, pairs) -> attributes.forEach(a, pairs::accept));
    }

    /** Positions in the user's matrix row, most recent entry first (ties: row order). */
    private static int[] newestFirst(InteractionMatrix matrix, int user) {
        int start = matrix.userOffsets()[user];
        int length = matrix.userDegree(user);
        int[] ages = matrix.userAges();
        Integer[] order = new Integer[length];
        for (int x = 0; x < length; x++) {
            order[x] = x;
        }
        if (ages != null) {
            Arrays.sort(order, (x, y) -> Integer.compare(ages[start + x], ages[start + y]));
        }
        int[] positions = new int[length];
        for (int x = 0; x < length; x++) {
            positions[x] = order[x];
        }
        return positions;
    }

    private List<String> names(int[] ids) {
        String[] names = new String[ids.length];
        for (int x = 0; x < ids.length; x++) {
            names[x] = itemNames[ids[x]];
        }
        return Arrays.asList(names);
    }

    private static byte[] json(ModelDocument doc) {
        try {
            return BytesReference.toBytes(
                    BytesReference.bytes(ModelDocuments.toXContent(doc, XContentFactory.jsonBuilder())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
