package io.personalize.recommend;

import io.personalize.model.ModelConfig;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.elasticsearch.action.ActionListener;

/**
 * Reads which of some ids the caller may read in the catalogue, with their attribute values, without a search: a shard
 * read per shard of the catalogue, authorized and secured as an index read of it. Answers null when the catalogue
 * cannot be read that way (its id field or an attribute is not a keyword, a shard has no active copy): the shelf then
 * searches, as before.
 */
public interface CatalogLookup {

    void read(
            ModelConfig.Catalog catalog,
            Collection<String> ids,
            int maxValues,
            ActionListener<Map<String, Map<String, List<String>>>> listener);
}
