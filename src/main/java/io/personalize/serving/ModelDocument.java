package io.personalize.serving;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A document of a model version, parsed once (from a stored document or an {@code _import} line, in
 * {@code io.personalize.model.ModelDocuments}) and then served and cached as this type: an item's
 * {@link NeighborList}, a user's {@link UserProfile} or the model's {@link PopularList}. Ids are non-empty strings of
 * at most {@link #MAX_ID_BYTES} UTF-8 bytes; parallel arrays have the same length; scores and weights are finite.
 */
public sealed interface ModelDocument permits NeighborList, UserProfile, PopularList {

    /**
     * The longest user or item id, in UTF-8 bytes: Elasticsearch's {@code _id} is at most 512 bytes, and a model
     * document's id is the id with a two-byte prefix ({@code u:}, {@code i:}).
     */
    int MAX_ID_BYTES = 510;

    /** Whether an id is longer than {@link #MAX_ID_BYTES} UTF-8 bytes. */
    static boolean tooLong(String id) {
        // a char is at most 3 UTF-8 bytes (a surrogate pair, 2 chars, is 4): only long strings need encoding
        return id.length() * 3 > MAX_ID_BYTES && id.getBytes(StandardCharsets.UTF_8).length > MAX_ID_BYTES;
    }

    static void requireId(String id, String field) {
        if (id == null || id.isEmpty() || tooLong(id)) {
            throw new IllegalArgumentException(
                    "[" + field + "] must be a non-empty id of at most " + MAX_ID_BYTES + " bytes");
        }
    }

    static void sameLength(int a, int b, String what, String fieldA, String fieldB) {
        if (a != b) {
            throw new IllegalArgumentException(
                    what + ": [" + fieldA + "] has " + a + " entries but [" + fieldB + "] has " + b);
        }
    }

    static void requireFinite(float[] values, String what) {
        for (float v : values) {
            if (Float.isFinite(v) == false) {
                throw new IllegalArgumentException(what + " must be finite numbers, got [" + v + "]");
            }
        }
    }

    static List<String> copy(List<String> list) {
        return list == null ? List.of() : List.copyOf(list);
    }
}
