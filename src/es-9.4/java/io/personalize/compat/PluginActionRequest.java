package io.personalize.compat;

import java.io.IOException;
import org.elasticsearch.action.UntypedActionRequest;
import org.elasticsearch.common.io.stream.StreamInput;

/**
 * The base class of the plugin's action requests. Elasticsearch 9.4.4 renamed it {@code UntypedActionRequest} (9.3.8
 * has the new name too: src/es-9.3.8 links here); 9.1 to 9.3.4 and 9.4.0 to 9.4.3 call it {@code LegacyActionRequest}
 * (src/es-9.2, src/es-9.4.0). One class per API generation, chosen by the build ({@code es.api}).
 */
public abstract class PluginActionRequest extends UntypedActionRequest {

    protected PluginActionRequest() {}

    protected PluginActionRequest(StreamInput in) throws IOException {
        super(in);
    }
}
