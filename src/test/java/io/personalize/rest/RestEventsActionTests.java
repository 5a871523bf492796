package io.personalize.rest;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.elasticsearch.test.ESTestCase;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentParserConfiguration;
import org.elasticsearch.xcontent.json.JsonXContent;

/** The events API's body: one event, or {"events": [...]}; anything else is a 400 naming what is wrong. */
public class RestEventsActionTests extends ESTestCase {

    private static List<Map<String, Object>> parse(String json) throws IOException {
        try (XContentParser parser = JsonXContent.jsonXContent.createParser(XContentParserConfiguration.EMPTY, json)) {
            return RestEventsAction.parseEvents(parser);
        }
    }

    public void testOneEventOrABulk() throws IOException {
        assertEquals(List.of(Map.of("user_id", "u", "sku", "a")), parse("{\"user_id\": \"u\", \"sku\": \"a\"}"));
        assertEquals(
                List.of(Map.of("user_id", "u"), Map.of("user_id", "v")),
                parse("{\"events\": [{\"user_id\": \"u\"}, {\"user_id\": \"v\"}]}"));
        // a schema whose field is called "events" beside others: one event
        assertEquals(1, parse("{\"events\": 3, \"user_id\": \"u\"}").size());
    }

    public void testBadBodiesNameTheProblem() {
        assertEquals(
                "[events] must be an array of event objects",
                expectThrows(IllegalArgumentException.class, () -> parse("{\"events\": \"x\"}"))
                        .getMessage());
        assertEquals(
                "[events] item [1] must be an object, got [2]",
                expectThrows(IllegalArgumentException.class, () -> parse("{\"events\": [{}, 2]}"))
                        .getMessage());
        assertEquals(
                "the body must be an event object, or {\"events\": [...]}",
                expectThrows(IllegalArgumentException.class, () -> parse("[1]")).getMessage());
    }
}
