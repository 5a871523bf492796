package io.personalize.recommend;

import java.nio.charset.StandardCharsets;
import org.elasticsearch.common.hash.MessageDigests;
import org.elasticsearch.common.util.concurrent.ThreadContext;

/**
 * Who asks, for the node's copies of what a shelf read from the catalogue (items' vectors, items' content neighbours):
 * those reads run as the caller, so under document-level security two callers may see different items, and a copy
 * read by one must not shape another's shelf. The key is a digest of the authentication Elasticsearch's security
 * puts in the request's context (the same user authenticated the same way gives the same key); without security
 * there is no such header and every caller shares one key.
 */
final class Caller {

    /** The header Elasticsearch's security layer writes the request's authentication to. */
    static final String AUTHENTICATION_HEADER = "_xpack_security_authentication";

    private Caller() {}

    static String key(ThreadContext context) {
        String authentication = context.getHeader(AUTHENTICATION_HEADER);
        if (authentication == null) {
            return "";
        }
        return MessageDigests.toHexString(
                MessageDigests.sha256().digest(authentication.getBytes(StandardCharsets.UTF_8)));
    }
}
