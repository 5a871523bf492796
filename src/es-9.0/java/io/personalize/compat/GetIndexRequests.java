package io.personalize.compat;

import org.elasticsearch.action.admin.indices.get.GetIndexRequest;
import org.elasticsearch.core.TimeValue;

/** A get-index request: Elasticsearch 9 names the master node timeout in the constructor, 8.19 has no argument. */
public final class GetIndexRequests {

    private GetIndexRequests() {}

    /** A new request, with the default master node timeout (30 s). */
    public static GetIndexRequest create() {
        return new GetIndexRequest(TimeValue.THIRTY_SECONDS);
    }
}
