package io.personalize.compat;

import org.elasticsearch.action.support.nodes.BaseNodesRequest;
import org.elasticsearch.core.TimeValue;

/**
 * The base of the plugin's requests sent to every node (stats, cache clearing): {@code BaseNodesRequest}, which 8.19
 * types by the request itself ({@code BaseNodesRequest<R>}, src/es-8.19) and Elasticsearch 9 does not. {@code R} is the
 * request's own class.
 */
public abstract class PluginNodesRequest<R extends PluginNodesRequest<R>> extends BaseNodesRequest<R> {

    protected PluginNodesRequest(String... nodeIds) {
        super(nodeIds);
    }

    /**
     * How long each node has to answer: a node that does not answer in time counts as failed ({@code
     * ReceiveTimeoutTransportException}) and the others' answers are kept, instead of the whole request waiting for it.
     */
    protected final void timeoutAfter(TimeValue timeout) {
        timeout(timeout);
    }
}
