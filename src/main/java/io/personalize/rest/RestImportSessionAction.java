package io.personalize.rest;

import static org.elasticsearch.rest.RestRequest.Method.DELETE;
import static org.elasticsearch.rest.RestRequest.Method.GET;
import static org.elasticsearch.rest.RestRequest.Method.POST;
import static org.elasticsearch.rest.RestRequest.Method.PUT;

import io.personalize.action.ImportSessionAction;
import java.util.List;
import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.common.bytes.BytesArray;
import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.action.RestToXContentListener;
import org.elasticsearch.xcontent.XContentType;

/**
 * An import in parts: open a session, send numbered parts of NDJSON lines (a part sent again replaces itself), ask which
 * parts arrived, complete (validate and activate) or abort. See {@link ImportSessionAction}.
 */
public final class RestImportSessionAction extends BaseRestHandler {

    static final String OPEN = "/_recommend/models/{name}/_import/_session";
    static final String SESSION = "/_recommend/models/{name}/_import/{session}";

    @Override
    public String getName() {
        return "personalize_import_session";
    }

    @Override
    public List<Route> routes() {
        return List.of(
                new Route(POST, OPEN),
                new Route(PUT, SESSION + "/{part}"),
                new Route(GET, SESSION),
                new Route(POST, SESSION + "/_complete"),
                new Route(DELETE, SESSION));
    }

    /** Parts are newline-delimited JSON, as {@code _import}'s body ({@link RestImportModelAction#mediaTypesValid}). */
    @Override
    public boolean mediaTypesValid(RestRequest request) {
        return super.mediaTypesValid(request)
                && (request.hasContent() == false || request.getXContentType().canonical() == XContentType.JSON);
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
        String name = request.param("name");
        String session = request.param("session");
        ImportSessionAction.Request action =
                switch (request.method()) {
                    case POST ->
                        session == null
                                ? ImportSessionAction.Request.open(name, request.param("import_id"))
                                : ImportSessionAction.Request.complete(
                                        name,
                                        session,
                                        request.hasParam("parts") ? request.paramAsInt("parts", 0) : null,
                                        request.paramAsLong("newest_event", 0));
                    case PUT -> ImportSessionAction.Request.part(name, session, part(request), lines(request));
                    case GET -> ImportSessionAction.Request.status(name, session);
                    case DELETE -> ImportSessionAction.Request.abort(name, session);
                    default -> throw new IllegalArgumentException("unexpected method [" + request.method() + "]");
                };
        return channel -> client.execute(ImportSessionAction.TYPE, action, new RestToXContentListener<>(channel));
    }

    private static int part(RestRequest request) {
        String value = request.param("part");
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("[part] must be a number from 1, got [" + value + "]", e);
        }
    }

    private static BytesReference lines(RestRequest request) {
        if (request.hasContent() == false) {
            throw new IllegalArgumentException("part [" + request.param("part") + "] needs a body: NDJSON lines");
        }
        // the request's buffer is released once this method returns: the lines are parsed later, while written
        return new BytesArray(BytesReference.toBytes(request.content()));
    }
}
