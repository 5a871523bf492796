package io.personalize.compat;

import java.io.IOException;
import org.elasticsearch.action.LegacyActionRequest;
import org.elasticsearch.common.io.stream.StreamInput;

/**
 * The base class of the plugin's action requests on Elasticsearch 9.4.0 to 9.4.3: they already have 9.4's REST
 * handlers hook ({@code RestHandlersServices}) but still call this class {@code LegacyActionRequest}, renamed
 * {@code UntypedActionRequest} in 9.4.4. This directory holds only this class; the others are links to src/es-9.4.
 */
public abstract class PluginActionRequest extends LegacyActionRequest {

    protected PluginActionRequest() {}

    protected PluginActionRequest(StreamInput in) throws IOException {
        super(in);
    }
}
