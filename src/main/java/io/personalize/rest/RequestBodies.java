package io.personalize.rest;

import io.personalize.model.ParseErrors;

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
            // the outermost message names only the top-level field: answer the problem itself (see ParseErrors)
            throw new IllegalArgumentException(ParseErrors.reason(e), e);
        }
    }
}
