package io.personalize.rest;

import org.elasticsearch.core.CheckedFunction;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.xcontent.XContentParseException;
import org.elasticsearch.xcontent.XContentParser;

import java.io.IOException;

/** Parses REST bodies so that a bad value answers 400 with its own reason first, not "failed to parse field [x]". */
final class RequestBodies {

    private RequestBodies() {}

    static <T> T parse(RestRequest request, CheckedFunction<XContentParser, T, IOException> parse) throws IOException {
        try (XContentParser parser = request.contentParser()) {
            return parse.apply(parser);
        } catch (XContentParseException e) {
            // ObjectParser wraps the validation error of a nested object in one "failed to parse" per level
            Throwable cause = e;
            while (cause.getCause() != null && cause.getCause() != cause) {
                cause = cause.getCause();
            }
            if (cause instanceof IllegalArgumentException && cause instanceof XContentParseException == false) {
                throw new IllegalArgumentException(cause.getMessage(), e);
            }
            throw e;
        }
    }
}
