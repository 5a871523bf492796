package io.personalize.spark;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.personalize.serving.AttributeAffinities;
import io.personalize.serving.NeighborhoodScorer;
import io.personalize.serving.Recommendations;
import io.personalize.serving.UserLists;
import io.personalize.training.FactorModel;
import io.personalize.training.InteractionMatrix;
import io.personalize.training.ItemNeighbors;
import io.personalize.training.ModelTrainer;
import io.personalize.training.ScoringParams;
import io.personalize.training.UserRanker;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * The trained model as {@code _import} lines, exactly the documents the node's training writes
 * ({@code io.personalize.model.VersionDocuments}): every item's neighbours and popularity, every user's history (newest
 * first) with their stored list (the plugin's {@link NeighborhoodScorer}, run in the users' partitions with the
 * neighbours and popularity broadcast) and attribute affinities (the plugin's {@link AttributeAffinities}, the catalogue's
 * values broadcast), and the popular list with the scoring parameters.
 */
public final class ModelLinesWriter {

    /** Popular items stored, as the node stores them. */
    static final int POPULAR = 1000;

    private static final JsonFactory JSON = new JsonFactory();

    private ModelLinesWriter() {}

    /** Writes every line to {@code out}; returns the number of lines. */
    public static long write(SparkTrainer.Result model, AttributeAffinities affinities, OutputStream out)
            throws IOException {
        Writer writer = new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8);
        long lines = 0;
        for (int i = 0; i < model.itemNames().length; i++) {
            writer.write(itemLine(model, i));
            writer.write('\n');
            lines++;
        }
        // computed in parallel first (toLocalIterator alone would run the partitions one after the other), kept
        // serialized, spilling to disk, then streamed to the driver a partition at a time
        JavaRDD<String> userLines = userLines(model, affinities).persist(StorageLevel.MEMORY_AND_DISK_SER());
        userLines.count();
        Iterator<String> users = userLines.toLocalIterator();
        while (users.hasNext()) {
            writer.write(users.next());
            writer.write('\n');
            lines++;
        }
        userLines.unpersist();
        writer.write(popularLine(model));
        writer.write('\n');
        writer.flush();
        return lines + 1;
    }

    static String itemLine(SparkTrainer.Result model, int item) {
        ItemNeighbors nb = model.neighbors();
        return json(g -> {
            g.writeStartObject();
            g.writeStringField("item", model.itemNames()[item]);
            g.writeArrayFieldStart("neighbors");
            for (int j : nb.neighbors(item)) {
                g.writeString(model.itemNames()[j]);
            }
            g.writeEndArray();
            floats(g, "scores", nb.scores(item));
            g.writeNumberField("popularity", model.popularity()[item]);
            g.writeEndObject();
        });
    }

    /** Users' lines, computed in the users' partitions. */
    public static JavaRDD<String> userLines(SparkTrainer.Result model, AttributeAffinities affinities) {
        JavaSparkContext context =
                JavaSparkContext.fromSparkContext(model.parts().context());
        // the plugin's arrays are not Serializable: broadcast as arrays, one ItemNeighbors per task
        Broadcast<SparkTrainer.NeighborRows> neighbors =
                context.broadcast(new SparkTrainer.NeighborRows(model.neighbors()));
        Broadcast<float[]> popularity = context.broadcast(model.popularity());
        Broadcast<String[]> names = context.broadcast(model.itemNames());
        Broadcast<AttributeAffinities> attributes = affinities.isEmpty() ? null : context.broadcast(affinities);
        ModelSettings settings = model.settings(); // ScoringParams is not Serializable
        int userItems = model.settings().userItems();
        // als: the item factors and their fold-in broadcast, each partition's users' factors zipped with its users;
        // each task builds the plugin's FactorModel of its users, FactorNeighbors and ranker
        Broadcast<SparkTrainer.Factors> factors = model.factors() == null ? null : context.broadcast(model.factors());
        // user_knn: every user's row (the nearest users of a partition's user may be anyone), one copy per executor
        Broadcast<SparkTrainer.AllUsers> knnUsers =
                model.knnUsers() == null ? null : context.broadcast(model.knnUsers());
        // ease: its whole B (the users' lists score histories against it, negative weights included)
        Broadcast<SparkTrainer.EaseWeightsRows> ease =
                model.easeWeights() == null ? null : context.broadcast(model.easeWeights());
        // the popularity discount of the rankers' candidates (als, ease, user_knn), as the node's rankers apply it
        float[] discount = model.discount();
        JavaRDD<Tuple2<UserPart, float[]>> withFactors = model.userFactors() == null
                ? model.parts().map(p -> new Tuple2<>(p, (float[]) null))
                : model.parts().zipPartitions(model.userFactors(), ModelLinesWriter::zip);
        return withFactors.mapPartitionsWithIndex(
                (index, parts) -> {
                    java.util.function.Function<float[], Lister> listers = null;
                    Lister lister = null;
                    if (knnUsers != null) {
                        SparkTrainer.AllUsers all = knnUsers.value();
                        UserRanker ranker = ModelTrainer.discounted(
                                KnnRankers.of(knnUsers, neighbors, popularity, settings)
                                        .apply(settings.trainingConfig().scoring()),
                                discount);
                        int[] globalIndex = all.globalIndex();
                        lister = (user, history, weights) -> UserLists.recommendations(
                                ranker.rank(globalIndex[user], history, weights, history, userItems), 1);
                    } else if (ease != null) {
                        SparkTrainer.EaseWeightsRows b = ease.value();
                        UserRanker ranker = ModelTrainer.discounted(
                                ModelTrainer.easeRanker(
                                        b.weights(),
                                        neighbors.value().toItemNeighbors(),
                                        popularity.value(),
                                        settings.trainingConfig().scoring(),
                                        b.historyEntries()),
                                discount);
                        lister = (user, history, weights) ->
                                UserLists.recommendations(ranker.rank(user, history, weights, history, userItems), 1);
                    } else if (factors == null) {
                        NeighborhoodScorer scorer = new NeighborhoodScorer(
                                neighbors.value().toItemNeighbors(),
                                popularity.value(),
                                settings.trainingConfig().scoring());
                        NeighborhoodScorer.Workspace workspace = scorer.newWorkspace();
                        lister = (user, history, weights) ->
                                scorer.recommend(history, weights, history, userItems, 1, workspace);
                    } else {
                        // per part: the factor model of its users (their rows), every item's factors
                        SparkTrainer.Factors f = factors.value();
                        ItemNeighbors raw = f.rawNeighbors().toItemNeighbors();
                        listers = users -> {
                            FactorModel fm =
                                    new FactorModel(users.length / f.rank(), f.numItems(), f.rank(), users, f.items());
                            UserRanker ranker = ModelTrainer.discounted(
                                    ModelTrainer.factorRanker(
                                            fm,
                                            f.neighbors(fm),
                                            raw,
                                            popularity.value(),
                                            settings.trainingConfig().scoring(),
                                            f.numUsers()),
                                    discount);
                            return (user, history, weights) -> UserLists.recommendations(
                                    ranker.rank(user, history, weights, history, userItems), 1);
                        };
                    }
                    Lister partitionLister = lister;
                    java.util.function.Function<float[], Lister> partListers =
                            listers != null ? listers : users -> partitionLister;
                    String[] itemNames = names.value();
                    Affinities affinity = attributes == null
                            ? null
                            : affinityOf(
                                    attributes.value(),
                                    settings.trainingConfig().scoring());
                    // the user's number in the whole model (user_knn's AllUsers); als: in its part's factors
                    int first = knnUsers != null ? knnUsers.value().partOffsets()[index] : 0;
                    // one line at a time: a partition's lines never sit in memory together
                    return new Iterator<String>() {
                        private UserPart part;
                        private InteractionMatrix m;
                        private Lister partLister;
                        private int u;
                        private int base = first;

                        @Override
                        public boolean hasNext() {
                            while ((part == null || u == part.size()) && parts.hasNext()) {
                                Tuple2<UserPart, float[]> next = parts.next();
                                if (part != null) {
                                    base += factors != null ? 0 : part.size();
                                }
                                part = next._1();
                                if (next._2() != null
                                        && next._2().length
                                                != part.size() * factors.value().rank()) {
                                    throw new IllegalStateException(
                                            "a user partition's factors do not match its users");
                                }
                                partLister = partListers.apply(next._2());
                                m = part.matrix();
                                u = 0;
                            }
                            return part != null && u < part.size();
                        }

                        @Override
                        public String next() {
                            if (hasNext() == false) {
                                throw new java.util.NoSuchElementException();
                            }
                            int user = u++;
                            return userLine(part.users[user], m, user, base + user, partLister, affinity, itemNames);
                        }
                    };
                },
                true);
    }

    /** A user partition's parts with their users' factors: one of each per partition, in order. */
    private static Iterator<Tuple2<UserPart, float[]>> zip(Iterator<UserPart> parts, Iterator<float[]> factors) {
        java.util.List<Tuple2<UserPart, float[]>> out = new java.util.ArrayList<>(1);
        while (parts.hasNext()) {
            if (factors.hasNext() == false) {
                throw new IllegalStateException("a user partition without its users' factors");
            }
            out.add(new Tuple2<>(parts.next(), factors.next()));
        }
        return out.iterator();
    }

    /**
     * {@code user_knn}'s rankers over the broadcast matrix: built once per executor (the matrix with its column-wise
     * copy and the users' norms, {@code UserKnnRanker.Shared}) and shared by its tasks, each task its own ranker (one
     * accumulator of the users' size).
     */
    static final class KnnRankers {
        private static long built = -1;
        private static java.util.function.Function<ScoringParams, UserRanker> rankers;

        static synchronized java.util.function.Function<ScoringParams, UserRanker> of(
                Broadcast<SparkTrainer.AllUsers> users,
                Broadcast<SparkTrainer.NeighborRows> neighbors,
                Broadcast<float[]> popularity,
                ModelSettings settings) {
            if (built != users.id()) {
                rankers = null; // the previous job's, if any, before the new one is built
                rankers = ModelTrainer.userKnnRankers(
                        settings.trainingConfig(),
                        users.value().matrix(),
                        neighbors.value().toItemNeighbors(),
                        popularity.value());
                built = users.id();
            }
            return rankers;
        }
    }

    /** A user's stored list: {@code user} is the user's number in the whole model (the factors' row). */
    interface Lister {
        Recommendations list(int user, int[] history, float[] weights);
    }

    /** A user's attribute affinities from their history, newest first, and its weights. */
    interface Affinities {
        Map<String, Map<String, Float>> of(int[] history, float[] weights);
    }

    /** The node's: the plugin's formula over the history factors of the model's scoring parameters. */
    static Affinities affinityOf(AttributeAffinities attributes, ScoringParams scoring) {
        return (history, weights) -> attributes.of(history, scoring.historyFactors(history.length, weights));
    }

    static String userLine(
            String user,
            InteractionMatrix m,
            int u,
            int modelUser,
            Lister lister,
            Affinities affinities,
            String[] itemNames) {
        int start = m.userOffsets()[u];
        int length = m.userDegree(u);
        int[] ages = m.userAges();
        // newest first, ties in row order (the node's order)
        Integer[] order = new Integer[length];
        for (int x = 0; x < length; x++) {
            order[x] = x;
        }
        Arrays.sort(order, (x, y) -> Integer.compare(ages[start + x], ages[start + y]));
        int[] history = new int[length];
        float[] weights = new float[length];
        for (int x = 0; x < length; x++) {
            history[x] = m.userItems()[start + order[x]];
            weights[x] = m.userWeights()[start + order[x]];
        }
        Recommendations recs = lister.list(modelUser, history, weights);
        Map<String, Map<String, Float>> attributes = affinities == null ? Map.of() : affinities.of(history, weights);
        return json(g -> {
            g.writeStartObject();
            g.writeStringField("user", user);
            names(g, "history", history, itemNames);
            floats(g, "history_weights", weights);
            names(g, "items", recs.items(), itemNames);
            floats(g, "scores", recs.scores());
            g.writeArrayFieldStart("because");
            for (int r = 0; r < recs.size(); r++) {
                int[] reasons = recs.reasonItems(r);
                if (reasons.length == 0) {
                    g.writeNull();
                } else {
                    g.writeString(itemNames[reasons[0]]);
                }
            }
            g.writeEndArray();
            if (attributes.isEmpty() == false) {
                g.writeObjectFieldStart("attributes");
                for (Map.Entry<String, Map<String, Float>> attribute : attributes.entrySet()) {
                    g.writeObjectFieldStart(attribute.getKey());
                    for (Map.Entry<String, Float> value : attribute.getValue().entrySet()) {
                        g.writeNumberField(value.getKey(), value.getValue());
                    }
                    g.writeEndObject();
                }
                g.writeEndObject();
            }
            g.writeEndObject();
        });
    }

    static String popularLine(SparkTrainer.Result model) {
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
        ScoringParams scoring = model.config().scoring();
        return json(g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("popular");
            for (int r = 0; r < n; r++) {
                g.writeString(model.itemNames()[order[r]]);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("scores");
            for (int r = 0; r < n; r++) {
                g.writeNumber(popularity[order[r]]);
            }
            g.writeEndArray();
            g.writeObjectFieldStart("scoring");
            g.writeNumberField("history_weight_exponent", scoring.historyWeightExponent());
            g.writeNumberField("history_norm_exponent", scoring.historyNormExponent());
            g.writeNumberField("popularity_weight", scoring.popularityWeight());
            g.writeEndObject();
            g.writeEndObject();
        });
    }

    private static void names(JsonGenerator g, String field, int[] ids, String[] itemNames) throws IOException {
        g.writeArrayFieldStart(field);
        for (int i : ids) {
            g.writeString(itemNames[i]);
        }
        g.writeEndArray();
    }

    private static void floats(JsonGenerator g, String field, float[] values) throws IOException {
        g.writeArrayFieldStart(field);
        for (float v : values) {
            g.writeNumber(v);
        }
        g.writeEndArray();
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private static String json(Body body) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
