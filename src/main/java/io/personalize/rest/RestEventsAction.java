package io.personalize.rest;

import static org.elasticsearch.rest.RestRequest.Method.POST;

import io.personalize.action.EventsAction;
import io.personalize.profile.CatalogResolver;
import io.personalize.profile.ProfileLoader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.action.RestCancellableNodeClient;
import org.elasticsearch.rest.action.RestToXContentListener;
import org.elasticsearch.xcontent.XContentParser;

/**
 * {@code POST _recommend/models/{m}/_events} with one event ({@code {"user_id": "u1", "sku": "a", "type": "view",
 * "@timestamp": "..."}}, in the model's field names) or many ({@code {"events": [{...}, {...}]}}). The model's events
 * index is resolved first ({@link CatalogResolver#onEvents}), so that the action is authorized as a write there.
 */
public final class RestEventsAction extends BaseRestHandler {

    private final ProfileLoader profiles;

    public RestEventsAction(ProfileLoader profiles) {
        this.profiles = profiles;
    }

    @Override
    public String getName() {
        return "personalize_events";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(POST, "/_recommend/models/{name}/_events"));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) throws IOException {
        String model = request.param("name");
        if (request.hasContent() == false) {
            throw new IllegalArgumentException("no events: send one event, or {\"events\": [...]}");
        }
        List<Map<String, Object>> events = RequestBodies.parse(request, RestEventsAction::parseEvents);
        EventsAction.Request events0 = new EventsAction.Request(model, events);
        return channel -> {
            RestCancellableNodeClient cancellable = new RestCancellableNodeClient(client, request.getHttpChannel());
            CatalogResolver.onEvents(
                    profiles,
                    model,
                    (String index, ActionListener<EventsAction.Response> l) ->
                            cancellable.execute(EventsAction.TYPE, events0.index(index), l),
                    new RestToXContentListener<>(channel));
        };
    }

    /** {@code {"events": [...]}} (only that field) is a bulk; any other object is one event. */
    static List<Map<String, Object>> parseEvents(XContentParser parser) throws IOException {
        if (parser.nextToken() != XContentParser.Token.START_OBJECT) {
            throw new IllegalArgumentException("the body must be an event object, or {\"events\": [...]}");
        }
        Map<String, Object> body = parser.mapOrdered();
        if (body.size() == 1 && body.containsKey("events")) {
            if (body.get("events") instanceof List<?> list) {
                List<Map<String, Object>> events = new ArrayList<>(list.size());
                for (int i = 0; i < list.size(); i++) {
                    if (list.get(i) instanceof Map<?, ?> event) {
                        @SuppressWarnings("unchecked")
                        Map<String, Object> typed = (Map<String, Object>) event;
                        events.add(typed);
                    } else {
                        throw new IllegalArgumentException(
                                "[events] item [" + i + "] must be an object, got [" + list.get(i) + "]");
                    }
                }
                return events;
            }
            throw new IllegalArgumentException("[events] must be an array of event objects");
        }
        return List.of(body);
    }
}
