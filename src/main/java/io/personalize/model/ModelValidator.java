package io.personalize.model;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.fieldcaps.FieldCapabilities;
import org.elasticsearch.action.fieldcaps.FieldCapabilitiesRequest;
import org.elasticsearch.action.fieldcaps.FieldCapabilitiesResponse;
import org.elasticsearch.action.support.IndicesOptions;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.index.IndexNotFoundException;

/**
 * Checks that a model's indices exist and that its fields have types training and serving can read (doc values of
 * the right kind), before the model is stored: a typo in a field name is a 400 at {@code PUT}, not a failed training
 * an hour later. It runs as the calling user, so nobody configures a model over indices they cannot see.
 */
public final class ModelValidator {

    static final Set<String> ID_TYPES =
            Set.of("keyword", "constant_keyword", "long", "integer", "short", "byte", "unsigned_long");
    static final Set<String> KEYWORD_TYPES = Set.of("keyword", "constant_keyword");
    static final Set<String> TIME_TYPES = Set.of("date", "date_nanos");
    static final Set<String> NUMBER_TYPES = Set.of(
            "long", "integer", "short", "byte", "double", "float", "half_float", "scaled_float", "unsigned_long");
    static final Set<String> VECTOR_TYPES = Set.of("dense_vector");

    private final Client client;

    public ModelValidator(Client client) {
        this.client = client;
    }

    public void validate(ModelConfig config, ActionListener<Void> listener) {
        ModelConfig.Events events = config.events();
        // a list, not a map by field name: one field in two roles (item and time, say) must suit both
        List<Map.Entry<String, Set<String>>> eventFields = new ArrayList<>();
        eventFields.add(Map.entry(events.userField(), ID_TYPES));
        eventFields.add(Map.entry(events.itemField(), ID_TYPES));
        eventFields.add(Map.entry(events.typeField(), KEYWORD_TYPES));
        eventFields.add(Map.entry(events.timeField(), TIME_TYPES));
        if (events.valueField() != null) {
            eventFields.add(Map.entry(events.valueField(), NUMBER_TYPES));
        }
        ModelConfig.Catalog catalog = config.catalog();
        List<Map.Entry<String, Set<String>>> catalogFields = new ArrayList<>();
        if (catalog.idField().equals("_id") == false) {
            catalogFields.add(Map.entry(catalog.idField(), ID_TYPES));
        }
        for (String attribute : catalog.attributes()) {
            catalogFields.add(Map.entry(attribute, KEYWORD_TYPES));
        }
        if (catalog.vectorField() != null) {
            catalogFields.add(Map.entry(catalog.vectorField(), VECTOR_TYPES));
        }
        if (catalog.createdField() != null) {
            catalogFields.add(Map.entry(catalog.createdField(), TIME_TYPES));
        }
        check(
                "events",
                events.index(),
                eventFields,
                listener.delegateFailureAndWrap((l, ignored) -> check("catalog", catalog.index(), catalogFields, l)));
    }

    private void check(
            String section, String index, List<Map.Entry<String, Set<String>>> fields, ActionListener<Void> listener) {
        String[] names = fields.stream().map(Map.Entry::getKey).distinct().toArray(String[]::new);
        FieldCapabilitiesRequest request = new FieldCapabilitiesRequest()
                .indices(index)
                .fields(names.length == 0 ? new String[] {"_id"} : names)
                .indicesOptions(IndicesOptions.strictExpandOpenAndForbidClosed());
        client.fieldCaps(
                request,
                ActionListener.wrap(
                        response -> {
                            if (response.getIndices().length == 0) {
                                // a pattern that matches nothing: say so, rather than that every field is missing
                                listener.onFailure(new IllegalArgumentException(
                                        "[" + section + ".index] [" + index + "] matches no index"));
                                return;
                            }
                            List<String> problems = problems(section, response, fields);
                            if (problems.isEmpty()) {
                                listener.onResponse(null);
                            } else {
                                listener.onFailure(new IllegalArgumentException(String.join("; ", problems)));
                            }
                        },
                        e -> {
                            if (e instanceof IndexNotFoundException) {
                                listener.onFailure(new IllegalArgumentException(
                                        "[" + section + ".index] no such index [" + index + "]", e));
                            } else {
                                listener.onFailure(e);
                            }
                        }));
    }

    static List<String> problems(
            String section, FieldCapabilitiesResponse response, List<Map.Entry<String, Set<String>>> fields) {
        Set<String> problems = new LinkedHashSet<>();
        for (Map.Entry<String, Set<String>> field : fields) {
            Map<String, FieldCapabilities> caps = response.getField(field.getKey());
            if (caps == null || caps.isEmpty()) {
                problems.add("[" + section + "] field [" + field.getKey() + "] is not mapped in ["
                        + String.join(",", response.getIndices()) + "]");
                continue;
            }
            for (String type : caps.keySet()) {
                if (field.getValue().contains(type) == false) {
                    problems.add("[" + section + "] field [" + field.getKey() + "] is of type [" + type
                            + "], expected one of "
                            + field.getValue().stream().sorted().toList());
                }
            }
        }
        return new ArrayList<>(problems);
    }
}
