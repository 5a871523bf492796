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
import java.io.IOException;
import java.io.UncheckedIOException;
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
 */
public final class VersionDocuments implements Iterator<VersionWriter.Doc> {

    /** Popular items stored: the fallback list is never longer than this. */
    public static final int POPULAR = 1000;

    private final TrainedModel model;
    private final IdDictionary users;
    private final IdDictionary items;
    // every item's id as a String, decoded once: user profiles name up to hundreds of items each
    private final String[] itemNames;
    private final AttributeAffinities affinities;
    private final int userItems;
    private final NeighborhoodScorer scorer;
    private final UserLists lists;
    private int nextItem;
    private int nextUser;
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
        this.lists = new UserLists(model);
        this.scorer = lists.scorer();
        this.affinities = affinities(trained.attributes(), model.numItems());
    }

    /** Documents in all: items, users, and the popular list. */
    public long total() {
        return (long) model.numItems() + model.numUsers() + 1;
    }

    @Override
    public boolean hasNext() {
        return nextItem < model.numItems() || nextUser < model.numUsers() || popularWritten == false;
    }

    @Override
    public VersionWriter.Doc next() {
        if (nextItem < model.numItems()) {
            int item = nextItem++;
            return new VersionWriter.Doc(ModelDocuments.itemDocId(itemNames[item]), json(neighborList(item)));
        }
        if (nextUser < model.numUsers()) {
            int user = nextUser++;
            return new VersionWriter.Doc(ModelDocuments.userDocId(users.get(user)), json(userProfile(user)));
        }
        if (popularWritten == false) {
            popularWritten = true;
            return new VersionWriter.Doc(ModelDocuments.POPULAR_ID, json(popularList()));
        }
        throw new NoSuchElementException();
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
    UserProfile userProfile(int user) {
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
