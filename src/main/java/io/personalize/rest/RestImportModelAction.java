package io.personalize.rest;

import static org.elasticsearch.rest.RestRequest.Method.POST;

import io.personalize.action.ImportModelAction;
import io.personalize.model.ModelLines;
import java.util.List;
import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.common.bytes.BytesArray;
import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.action.RestToXContentListener;
import org.elasticsearch.xcontent.XContentType;

public final class RestImportModelAction extends BaseRestHandler {

    @Override
    public String getName() {
        return "personalize_import_model";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(POST, "/_recommend/models/{name}/_import"));
    }

    /**
     * The lines are newline-delimited JSON ({@code application/x-ndjson} or {@code application/json}): a body declared
     * as CBOR, SMILE or YAML is refused with 406 before it is read, as Elasticsearch answers for a content type a
     * handler does not support ({@code _bulk} does the same for types that cannot be delimited by lines).
     */
    @Override
    public boolean mediaTypesValid(RestRequest request) {
        return super.mediaTypesValid(request) && request.getXContentType().canonical() == XContentType.JSON;
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
        String name = request.param("name");
        // blank lines only would make an empty version: as much an error as no body at all
        if (request.hasContent() == false || ModelLines.hasLines(request.content()) == false) {
            throw new IllegalArgumentException(ImportModelAction.NO_LINES);
        }
        // the request's buffer is released once this method returns: the lines are parsed later, while written
        BytesReference lines = new BytesArray(BytesReference.toBytes(request.content()));
        // the newest event the model was computed from (epoch milliseconds): real time adds only what came after it
        long newestEvent = request.paramAsLong("newest_event", 0);
        // the caller's name for this import: sent again (its answer lost), it is answered with the version it made
        String importId = request.param("import_id");
        ImportModelAction.Request importRequest = new ImportModelAction.Request(name, lines, newestEvent, importId);
        return channel -> client.execute(ImportModelAction.TYPE, importRequest, new RestToXContentListener<>(channel));
    }
}
