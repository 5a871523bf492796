package io.personalize.compat;

import java.io.IOException;
import org.elasticsearch.action.ActionRequest;
import org.elasticsearch.common.io.stream.StreamInput;

/**
 * The base class of the plugin's action requests: {@code ActionRequest} itself in Elasticsearch 9.0 and 8.19,
 * {@code LegacyActionRequest} in 9.1 to 9.3 (src/es-9.1), {@code UntypedActionRequest} from 9.4 (src/es-9.4).
 */
public abstract class PluginActionRequest extends ActionRequest {

    protected PluginActionRequest() {}

    protected PluginActionRequest(StreamInput in) throws IOException {
        super(in);
    }
}
