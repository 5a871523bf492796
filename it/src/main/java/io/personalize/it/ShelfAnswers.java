package io.personalize.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;

/**
 * The answers to a {@code _recommend} shelf asked while a node is disturbed (paused, killed): the undisturbed shelf (same
 * items, same order), or an error with its status, type and reason. A shelf with other or fewer items, or an error
 * without a type or reason or thrown by the plugin's own code (a JDK exception), is a fault.
 */
public final class ShelfAnswers {

    /** What a JDK exception thrown by the plugin's own code looks like in an error answer. */
    private static final Set<String> CODE_FAULTS = Set.of(
            "null_pointer_exception",
            "class_cast_exception",
            "array_index_out_of_bounds_exception",
            "index_out_of_bounds_exception",
            "concurrent_modification_exception",
            "no_such_element_exception",
            "unsupported_operation_exception",
            "illegal_state_exception");

    private ShelfAnswers() {}

    /** The item ids of a shelf, in order. */
    public static List<String> items(JsonNode shelf) {
        List<String> items = new ArrayList<>();
        for (JsonNode r : shelf.path("recommendations")) {
            items.add(r.path("item_id").asText());
        }
        return items;
    }

    /**
     * "shelf" when {@code response} is the undisturbed shelf, else the error's status, type (and root cause's) and
     * reason (with what brackets name left out, so that like errors count together); a fault is added to
     * {@code faults}, naming {@code asked}.
     */
    public static String classify(
            EsClient.Response response, List<String> undisturbed, String asked, Queue<String> faults) {
        if (response.status() == 200) {
            List<String> shelf = items(response.json());
            if (shelf.equals(undisturbed) == false) {
                // the whole answer (each item's reasons say where it came from: what the node knew of the shopper)
                faults.add(asked + " answered " + shelf + " instead of " + undisturbed + ": " + response.body());
            }
            return "shelf";
        }
        JsonNode error = response.json().path("error");
        String type = error.path("type").asText();
        String root = error.path("root_cause").path(0).path("type").asText(type);
        String reason = error.path("reason").asText();
        if (type.isEmpty() || reason.isEmpty() || CODE_FAULTS.contains(type) || CODE_FAULTS.contains(root)) {
            faults.add(asked + " answered " + response.status() + ": " + response.body());
        }
        return response.status() + " " + type + (root.equals(type) ? "" : " (" + root + ")") + ": "
                + reason.replaceAll("\\[[^\\]]*\\]", "[]");
    }
}
