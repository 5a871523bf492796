package io.personalize.model;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    /** Attribute values kept per user and attribute, strongest first. */
    public static final int ATTRIBUTE_VALUES = 20;

    private final TrainedModel model;
    private final IdDictionary users;
    private final IdDictionary items;
    // every item's id as a String, decoded once: user profiles name up to hundreds of items each
    private final String[] itemNames;
    private final CatalogAttributes attributes;
    private final int userItems;
    private final NeighborhoodScorer scorer;
    private final UserLists lists;
    private final int[][] attributeOffsets;
    private final int[][] attributeValues;
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
        this.attributes = trained.attributes();
        this.userItems = userItems;
        this.lists = new UserLists(model);
        this.scorer = lists.scorer();
        int numAttributes = attributes.names().size();
        this.attributeOffsets = new int[numAttributes][];
        this.attributeValues = new int[numAttributes][];
        for (int a = 0; a < numAttributes; a++) {
            indexAttribute(a);
        }
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
                attributeAffinities(history, scorer.historyFactors(history, weights)));
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

    /** Per attribute, the values of the user's history items weighted by the items' history factors, max scaled to 1. */
    private Map<String, Map<String, Float>> attributeAffinities(int[] history, float[] factors) {
        if (attributes.names().isEmpty()) {
            return Map.of();
        }
        Map<String, Map<String, Float>> result = new LinkedHashMap<>();
        for (int attribute = 0; attribute < attributes.names().size(); attribute++) {
            final int a = attribute;
            Map<Integer, Float> weights = new LinkedHashMap<>();
            for (int x = 0; x < history.length; x++) {
                int item = history[x];
                if (item + 1 < attributeOffsets[a].length) {
                    for (int p = attributeOffsets[a][item]; p < attributeOffsets[a][item + 1]; p++) {
                        weights.merge(attributeValues[a][p], factors[x], Float::sum);
                    }
                }
            }
            if (weights.isEmpty()) {
                continue;
            }
            float max = weights.values().stream().max(Float::compare).orElse(1f);
            Map<String, Float> top = new LinkedHashMap<>();
            weights.entrySet().stream()
                    .sorted((x, y) -> Float.compare(y.getValue(), x.getValue()))
                    .limit(ATTRIBUTE_VALUES)
                    .forEach(e -> top.put(attributes.values(a).get(e.getKey()), max > 0 ? e.getValue() / max : 0f));
            result.put(attributes.names().get(a), top);
        }
        return result;
    }

    // item -> attribute values, as offsets into a values array (counting sort of the (item, value) pairs)
    private void indexAttribute(int a) {
        int numItems = model.numItems();
        int[] offsets = new int[numItems + 1];
        attributes.forEach(a, (item, value) -> {
            if (item < numItems) {
                offsets[item + 1]++;
            }
        });
        for (int i = 0; i < numItems; i++) {
            offsets[i + 1] += offsets[i];
        }
        int[] values = new int[offsets[numItems]];
        int[] fill = Arrays.copyOf(offsets, numItems);
        attributes.forEach(a, (item, value) -> {
            if (item < numItems) {
                values[fill[item]++] = value;
            }
        });
        attributeOffsets[a] = offsets;
        attributeValues[a] = values;
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
