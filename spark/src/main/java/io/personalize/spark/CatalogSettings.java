package io.personalize.spark;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * What the job needs of a model's {@code catalog} ({@code GET _recommend/models/{m}}): the catalogue index, its id
 * field and the attributes users get affinities to. Without attributes the job does not read the catalogue.
 */
public record CatalogSettings(String index, String idField, List<String> attributes) implements Serializable {

    public static CatalogSettings parse(JsonNode config) {
        JsonNode catalog = config.path("catalog");
        List<String> attributes = new ArrayList<>();
        catalog.path("attributes").forEach(a -> attributes.add(a.asText()));
        return new CatalogSettings(
                catalog.path("index").asText(), catalog.path("id_field").asText("_id"), List.copyOf(attributes));
    }

    public boolean hasAttributes() {
        return attributes.isEmpty() == false;
    }
}
