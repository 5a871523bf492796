package io.personalize.model;

import org.elasticsearch.ElasticsearchStatusException;
import org.elasticsearch.rest.RestStatus;

/**
 * The active version's index is gone (deleted behind the plugin's back, or lost with its shards): serving answers this
 * error rather than a shelf or a ranking without the model, and {@code GET _recommend/models/{name}} shows the index as
 * missing. 503: the request is fine and the cluster cannot serve the model until a new version is trained or
 * imported (or the index restored), which a retry after that fixes; it is not a bug of the request (4xx).
 */
public final class VersionDataMissingException extends ElasticsearchStatusException {

    public VersionDataMissingException(String model, long version, String index) {
        super(
                "model [" + model + "]: the index [" + index + "] of its active version [" + version
                        + "] is missing; train or import a new " + "version (GET _recommend/models/" + model
                        + " shows it)",
                RestStatus.SERVICE_UNAVAILABLE);
    }
}
