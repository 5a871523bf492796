package io.personalize.compat;

import java.io.IOException;
import org.elasticsearch.action.LegacyActionRequest;
import org.elasticsearch.common.io.stream.StreamInput;

/**
 * The base class of the plugin's action requests: {@code LegacyActionRequest} in Elasticsearch 9.1 to 9.3, renamed
 * {@code UntypedActionRequest} in 9.4 (src/es-9.4).
 */
public abstract class PluginActionRequest extends LegacyActionRequest {

    protected PluginActionRequest() {}

    protected PluginActionRequest(StreamInput in) throws IOException {
        super(in);
    }
}
