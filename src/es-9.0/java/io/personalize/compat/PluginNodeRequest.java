package io.personalize.compat;

import java.io.IOException;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.transport.TransportRequest;

/**
 * The base of the requests the plugin sends to each node (stats, cache clearing): {@code TransportRequest}, a class in
 * Elasticsearch 9.0 and 8.19 (9.1 on: {@code AbstractTransportRequest}, src/es-9.1).
 */
public abstract class PluginNodeRequest extends TransportRequest {

    protected PluginNodeRequest() {}

    protected PluginNodeRequest(StreamInput in) throws IOException {
        super(in);
    }
}
