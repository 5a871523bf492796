package io.personalize.compat;

import java.io.IOException;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.transport.AbstractTransportRequest;

/**
 * The base of the requests the plugin sends to each node (stats, cache clearing): {@code AbstractTransportRequest}
 * from Elasticsearch 9.1 on, {@code TransportRequest} (then a class) in 9.0 and 8.19 (src/es-9.0).
 */
public abstract class PluginNodeRequest extends AbstractTransportRequest {

    protected PluginNodeRequest() {}

    protected PluginNodeRequest(StreamInput in) throws IOException {
        super(in);
    }
}
