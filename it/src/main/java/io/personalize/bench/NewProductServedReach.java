package io.personalize.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Part of {@code bin/bench recommend-quality}: what the served term reaches, beside the replay's reach ({@link
 * NewProductReach}), and what keeps a reached new product off a shelf. For each judged shopper who bought a new
 * product: one uncapped shelf ({@code content_weight} 1, {@code content_slots} = size = 100, {@code content_support} 1)
 * whose {@code content_similar} items are the products the served term reaches, each with its sum over the shopper's
 * best sum (the reason's weight); one shelf without the term (size 10), whose 8th to 10th scores are what a new
 * product must beat. Pairs (shopper, new product bought) are then counted: reached by the replay, by the node, both; on
 * at least 2 of the shopper's lists; the shopper's first or second new product by sum; and, at the default weight 0.5,
 * whether {@code 0.5 · sum / best} beats the 10th item's score.
 */
final class NewProductServedReach {

    static final int WIDE = 100;

    private NewProductServedReach() {}

    static void run(
            EsClient es,
            String vectors,
            String model,
            ContentColdStart.Split split,
            Map<String, NewProductReach.Reach> replayed) {
        List<String> buyers = new ArrayList<>();
        for (String user : split.users()) {
            if (split.truth().get(user).stream().anyMatch(split.newItems()::contains)) {
                buyers.add(user);
            }
        }
        Map<String, JsonNode> wide = RecommendQualityBench.responses(
                es,
                buyers,
                user -> "{\"model\": \"" + model + "\", \"user_id\": " + EsClient.toJson(user) + ", \"size\": " + WIDE
                        + ", \"exclude_seen\": true, \"content_weight\": 1, \"content_slots\": " + WIDE
                        + ", \"content_support\": 1, \"explain\": true}");
        Map<String, JsonNode> plain = RecommendQualityBench.responses(
                es,
                buyers,
                user -> "{\"model\": \"" + model + "\", \"user_id\": " + EsClient.toJson(user)
                        + ", \"size\": 10, \"exclude_seen\": true, \"content_weight\": 0}");
        int pairs = 0, byReplay = 0, byNode = 0, both = 0, supported = 0, firstTwo = 0, beatsTenth = 0;
        double ratioSum = 0, tenthSum = 0, eighthSum = 0;
        int tenthCount = 0;
        // a product whose sum / best is below the wide shelf's last score is cut from it: reached, yet not counted
        double lastWideSum = 0;
        int lastWideCount = 0;
        for (String user : buyers) {
            Map<String, Double> reached = new HashMap<>(); // new product -> sum / best
            Map<String, Integer> lists = new HashMap<>();
            for (JsonNode r : wide.get(user).path("recommendations")) {
                for (JsonNode reason : r.path("reasons")) {
                    if (reason.path("type").asText().equals("content_similar")
                            && reason.path("item_id").isMissingNode()) {
                        reached.put(
                                r.path("item_id").asText(),
                                reason.path("weight").asDouble());
                    }
                }
            }
            List<String> ranked = reached.entrySet().stream()
                    .filter(e -> split.newItems().contains(e.getKey()))
                    .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                    .map(Map.Entry::getKey)
                    .toList();
            JsonNode wideShelf = wide.get(user).path("recommendations");
            if (wideShelf.size() > 0) {
                lastWideSum += wideShelf.get(wideShelf.size() - 1).path("score").asDouble();
                lastWideCount++;
            }
            JsonNode shelf = plain.get(user).path("recommendations");
            double tenth = shelf.size() >= 10 ? shelf.get(9).path("score").asDouble() : 0;
            if (shelf.size() >= 10) {
                tenthSum += tenth;
                eighthSum += shelf.get(7).path("score").asDouble();
                tenthCount++;
            }
            NewProductReach.Reach replay = replayed.get(user);
            Set<String> truth = split.truth().get(user);
            for (String item : truth) {
                if (split.newItems().contains(item) == false) {
                    continue;
                }
                pairs++;
                boolean r = replay != null && replay.newProducts().containsKey(item);
                boolean n = reached.containsKey(item);
                byReplay += r ? 1 : 0;
                byNode += n ? 1 : 0;
                both += r && n ? 1 : 0;
                if (n) {
                    double ratio = reached.get(item);
                    ratioSum += ratio;
                    supported += replay != null
                                    && replay.newProducts().containsKey(item)
                                    && replay.newProducts().get(item)[1] >= 2
                            ? 1
                            : 0;
                    firstTwo += ranked.indexOf(item) < 2 ? 1 : 0;
                    beatsTenth += 0.5 * ratio > tenth ? 1 : 0;
                }
            }
        }
        System.out.printf(
                Locale.ROOT,
                "   %-8s %-10s pairs %d: reached by the replay %d, by the node %d, both %d; of the node's: on >= 2 lists"
                        + " (replay) %d, the shopper's first or second new product by sum %d, mean sum/best %.3f, 0.5 x"
                        + " sum/best above the 10th item's score %d; mean score of the 8th item %.3f, of the 10th %.3f;"
                        + " of the wide shelf's last %.3f%n",
                vectors,
                split.name(),
                pairs,
                byReplay,
                byNode,
                both,
                supported,
                firstTwo,
                byNode == 0 ? 0 : ratioSum / byNode,
                beatsTenth,
                tenthCount == 0 ? 0 : eighthSum / tenthCount,
                tenthCount == 0 ? 0 : tenthSum / tenthCount,
                lastWideCount == 0 ? 0 : lastWideSum / lastWideCount);
    }
}
