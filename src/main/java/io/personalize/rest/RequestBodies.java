package io.personalize.rest;

import io.personalize.model.ParseErrors;
import java.io.IOException;
import org.elasticsearch.common.ParsingException;
import org.elasticsearch.core.CheckedFunction;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.xcontent.XContentParseException;
import org.elasticsearch.xcontent.XContentParser;

/**
 * Parses REST bodies so that a bad value answers 400 with its own reason first, not "failed to parse field [x]"; and
 * refuses anything after the body's object ({@code {...}garbage}, {@code {...}{"k":5}}), as {@code _search} does: a
 * client whose body was cut or glued to another must not have half of it silently applied.
 */
final class RequestBodies {

    private RequestBodies() {}

    static <T> T parse(RestRequest request, CheckedFunction<XContentParser, T, IOException> parse) throws IOException {
        try (XContentParser parser = request.contentParser()) {
            T parsed = parse.apply(parser);
            XContentParser.Token trailing = parser.nextToken();
            if (trailing != null) {
                throw new ParsingException(
                        parser.getTokenLocation(), "Unexpected token [" + trailing + "] found after the main object");
            }
            return parsed;
        } catch (XContentParseException e) {
            // the outermost message names only the top-level field: answer the problem itself (see ParseErrors)
            throw new IllegalArgumentException(ParseErrors.reason(e), e);
        }
    }
}
