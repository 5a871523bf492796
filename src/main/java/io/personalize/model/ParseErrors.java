package io.personalize.model;

import org.elasticsearch.xcontent.XContentParseException;

/**
 * The reason to give for a body or line that does not parse. Object parsers wrap a problem in one "failed to parse
 * field [x]" per level of nesting, so that the outermost message names only the top-level field: the reason is the
 * problem itself, with the field it is about.
 */
public final class ParseErrors {

    private ParseErrors() {}

    /**
     * Our own validation messages name their setting ("[k] must be between 1 and 100"): they are the reason. A value
     * parser's bare message ("For input string: \"ten\"") gets the innermost parser's "failed to parse field [k]" in
     * front. Otherwise (an unknown field, malformed JSON) the innermost parse error is the reason.
     */
    public static String reason(XContentParseException e) {
        XContentParseException innermost = e;
        Throwable cause = e.getCause();
        while (cause instanceof XContentParseException nested && cause != innermost) {
            innermost = nested;
            cause = nested.getCause();
        }
        if (cause instanceof IllegalArgumentException) {
            String message = cause.getMessage();
            return message != null && message.contains("[") ? message : innermost.getMessage() + ": " + message;
        }
        return innermost.getMessage();
    }
}
