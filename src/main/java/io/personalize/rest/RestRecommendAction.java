package io.personalize.rest;

import static org.elasticsearch.rest.RestRequest.Method.GET;
import static org.elasticsearch.rest.RestRequest.Method.POST;

import io.personalize.action.RecommendAction;
import io.personalize.profile.CatalogResolver;
import io.personalize.profile.ProfileLoader;
import io.personalize.recommend.ShelfQuery;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.common.Strings;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.action.RestCancellableNodeClient;
import org.elasticsearch.rest.action.RestToXContentListener;
import org.elasticsearch.search.fetch.subphase.FetchSourceContext;
import org.elasticsearch.xcontent.XContentParser;

/**
 * {@code POST _recommend} with a body, or {@code GET _recommend?model=shop&user_id=...&item_ids=a,b&size=10} for the
 * simple cases. The model's catalogue index is resolved first ({@link CatalogResolver}), so that the action is
 * authorized against it.
 */
public final class RestRecommendAction extends BaseRestHandler {

    private final ProfileLoader profiles;

    /** With the node's profile loader, whose copy of the model gives the catalogue index without a read. */
    public RestRecommendAction(ProfileLoader profiles) {
        this.profiles = profiles;
    }

    @Override
    public String getName() {
        return "personalize_recommend";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(GET, "/_recommend"), new Route(POST, "/_recommend"));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) throws IOException {
        ShelfQuery.Builder body = request.hasContent()
                ? RequestBodies.parse(request, ShelfQuery.Builder::parse)
                : new ShelfQuery.Builder();
        refuseConflicts(request);
        if (request.hasParam("model")) {
            body.model(request.param("model"));
        }
        if (request.hasParam("user_id")) {
            body.userId(request.param("user_id"));
        }
        if (request.hasParam("item_ids")) {
            body.itemIds(Arrays.asList(Strings.splitStringByCommaToArray(request.param("item_ids"))));
        }
        if (request.hasParam("size")) {
            body.size(request.paramAsInt("size", ShelfQuery.DEFAULT_SIZE));
        }
        if (request.hasParam("exclude_seen")) {
            body.excludeSeen(request.paramAsBoolean("exclude_seen", true));
        }
        if (request.hasParam("diversity")) {
            String diversity = request.param("diversity");
            try {
                body.diversity(Float.parseFloat(diversity));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "[diversity] must be a number between 0 and 1, got [" + diversity + "]");
            }
        }
        if (request.hasParam("explain")) {
            body.explain(request.paramAsBoolean("explain", false));
        }
        FetchSourceContext source = FetchSourceContext.parseFromRestRequest(request);
        if (source != null) {
            body.source(source);
        }
        RecommendAction.Request recommend = new RecommendAction.Request(body.build());
        String model = body.modelName();
        return channel -> {
            RestToXContentListener<RecommendAction.Response> listener = new RestToXContentListener<>(channel);
            if (model == null) {
                // let validation say what is missing
                client.execute(RecommendAction.TYPE, recommend, listener);
                return;
            }
            RestCancellableNodeClient cancellable = new RestCancellableNodeClient(client, request.getHttpChannel());
            CatalogResolver.onCatalog(
                    profiles,
                    model,
                    (String catalog, ActionListener<RecommendAction.Response> l) ->
                            cancellable.execute(RecommendAction.TYPE, recommend.index(catalog), l),
                    listener);
        };
    }

    /** The URL parameters that set a field of the body, with the field. */
    private static final Map<String, String> PARAMETER_FIELDS = Map.of(
            "model", "model",
            "user_id", "user_id",
            "item_ids", "item_ids",
            "size", "size",
            "exclude_seen", "exclude_seen",
            "diversity", "diversity",
            "explain", "explain",
            "_source", "_source",
            "_source_includes", "_source",
            "_source_excludes", "_source");

    /**
     * A URL parameter that also sits in the body is a 400 naming it: the two would conflict, and silently preferring one
     * hides a caller's mistake (a front end adding {@code user_id} to a URL whose body names another user).
     */
    private static void refuseConflicts(RestRequest request) throws IOException {
        if (request.hasContent() == false || PARAMETER_FIELDS.keySet().stream().noneMatch(request::hasParam)) {
            return;
        }
        Set<String> fields = new HashSet<>();
        try (XContentParser parser = request.contentParser()) {
            if (parser.nextToken() == XContentParser.Token.START_OBJECT) {
                for (XContentParser.Token token = parser.nextToken();
                        token == XContentParser.Token.FIELD_NAME;
                        token = parser.nextToken()) {
                    fields.add(parser.currentName());
                    parser.nextToken();
                    parser.skipChildren();
                }
            }
        }
        for (Map.Entry<String, String> parameter : new TreeMap<>(PARAMETER_FIELDS).entrySet()) {
            if (request.hasParam(parameter.getKey()) && fields.contains(parameter.getValue())) {
                throw new IllegalArgumentException(
                        "[" + parameter.getKey() + "] is given both as a URL parameter and in the body (["
                                + parameter.getValue() + "]): give it once");
            }
        }
    }
}
