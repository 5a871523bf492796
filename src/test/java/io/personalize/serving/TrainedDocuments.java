package io.personalize.serving;

import static org.elasticsearch.test.ESTestCase.between;
import static org.elasticsearch.test.ESTestCase.randomAlphaOfLengthBetween;
import static org.elasticsearch.test.ESTestCase.randomBoolean;
import static org.elasticsearch.test.ESTestCase.randomFrom;
import static org.elasticsearch.test.ESTestCase.randomRealisticUnicodeOfCodepointLengthBetween;

import io.personalize.model.CatalogAttributes;
import io.personalize.model.IdDictionary;
import io.personalize.model.ModelDocuments;
import io.personalize.model.TrainingJob;
import io.personalize.model.VersionDocuments;
import io.personalize.model.VersionWriter;
import io.personalize.training.ModelTrainer;
import io.personalize.training.ScoringParams;
import io.personalize.training.TrainedModel;
import io.personalize.training.TrainingConfig;
import io.personalize.training.TrainingMonitor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentParserConfiguration;
import org.elasticsearch.xcontent.json.JsonXContent;

/** The stored documents of a small model trained on random events, parsed back: what serving reads. */
public record TrainedDocuments(Map<String, NeighborList> lists, Map<String, UserProfile> users, PopularList popular) {

    /**
     * Trains on random events (ids numbered as training does) and parses back what the version writer stores, with
     * {@code userItems} items on each stored list. With {@code ties}, every event has weight 1 at the same time: equal
     * popularities and equal similarities abound, so the lists depend on how ties break.
     */
    public static TrainedDocuments train(ScoringParams scoring, boolean ties, int userItems) throws IOException {
        int numUsers = between(30, 60), numItems = between(40, 80);
        IdDictionary users = new IdDictionary(), items = new IdDictionary();
        Set<String> itemNames = new LinkedHashSet<>();
        while (itemNames.size() < numItems) {
            itemNames.add(
                    randomBoolean()
                            ? randomAlphaOfLengthBetween(1, 4)
                            : randomRealisticUnicodeOfCodepointLengthBetween(1, 3));
        }
        List<String> itemList = new ArrayList<>(itemNames);
        int[] u = new int[numUsers * 8], it = new int[u.length];
        float[] w = new float[u.length];
        long[] t = new long[u.length];
        int n = 0;
        for (int user = 0; user < numUsers; user++) {
            int userId = users.add("user" + user);
            for (int e = between(1, 8); e > 0; e--) {
                u[n] = userId;
                // a skewed catalogue: some items popular, many ties among the rest
                it[n] = items.add(itemList.get(randomBoolean() ? between(0, 5) : between(0, numItems - 1)));
                w[n] = ties ? 1f : randomFrom(1f, 3f, 5f);
                t[n] = 1_700_000_000L + (ties ? 0 : between(0, 60 * 86400));
                n++;
            }
        }
        int[] userMap = users.renumberSorted(), itemMap = items.renumberSorted();
        for (int e = 0; e < n; e++) {
            u[e] = userMap[u[e]];
            it[e] = itemMap[it[e]];
        }
        TrainingConfig config = TrainingConfig.builder()
                .neighbors(between(3, 20))
                .scoring(scoring)
                .build();
        TrainedModel model = ModelTrainer.train(
                Arrays.copyOf(u, n),
                Arrays.copyOf(it, n),
                Arrays.copyOf(w, n),
                Arrays.copyOf(t, n),
                config,
                TrainingMonitor.NOOP);
        VersionDocuments documents = new VersionDocuments(
                new TrainingJob.Result(model, users, items, CatalogAttributes.empty(), null, null), userItems);
        Map<String, NeighborList> lists = new HashMap<>();
        Map<String, UserProfile> profiles = new HashMap<>();
        PopularList popular = null;
        while (documents.hasNext()) {
            VersionWriter.Doc doc = documents.next();
            try (XContentParser parser =
                    JsonXContent.jsonXContent.createParser(XContentParserConfiguration.EMPTY, doc.json())) {
                switch (ModelDocuments.parseLine(parser)) {
                    case NeighborList list -> lists.put(list.item(), list);
                    case UserProfile profile -> profiles.put(profile.user(), profile);
                    case PopularList list -> popular = list;
                }
            }
        }
        return new TrainedDocuments(lists, profiles, popular);
    }
}
