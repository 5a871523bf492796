package io.personalize.model;

import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.common.xcontent.XContentHelper;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentFactory;
import org.elasticsearch.xcontent.XContentParseException;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentParserConfiguration;
import org.elasticsearch.xcontent.XContentType;

import java.io.IOException;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The lines of an NDJSON model ({@code _import}) as the documents to write, parsed one at a time while they are
 * written, so that a big import never holds more than one batch of documents. A bad line stops the import with its
 * line number; the half-written version is then deleted.
 */
public final class ModelLines implements Iterator<VersionWriter.Doc> {

    private final BytesReference body;
    private int position;
    private int lineNumber;
    private long items;
    private long users;
    private long popular;
    private VersionWriter.Doc next;

    public ModelLines(BytesReference body) {
        this.body = body;
    }

    @Override
    public boolean hasNext() {
        while (next == null && position < body.length()) {
            int end = body.indexOf((byte) '\n', position);
            if (end < 0) {
                end = body.length();
            }
            BytesReference line = body.slice(position, end - position);
            position = end + 1;
            lineNumber++;
            if (isBlank(line) == false) {
                next = parse(line);
            }
        }
        return next != null;
    }

    @Override
    public VersionWriter.Doc next() {
        if (hasNext() == false) {
            throw new NoSuchElementException();
        }
        VersionWriter.Doc doc = next;
        next = null;
        return doc;
    }

    public long items() {
        return items;
    }

    public long users() {
        return users;
    }

    public long popularLines() {
        return popular;
    }

    private VersionWriter.Doc parse(BytesReference line) {
        try (XContentParser parser = XContentHelper.createParserNotCompressed(XContentParserConfiguration.EMPTY, line, XContentType.JSON)) {
            ToXContentObject doc = ModelDocuments.parseLine(parser);
            if (parser.nextToken() != null) {
                throw new IllegalArgumentException("one JSON object per line");
            }
            String id;
            if (doc instanceof ModelDocuments.ItemDoc item) {
                id = ModelDocuments.itemDocId(item.item());
                items++;
            } else if (doc instanceof ModelDocuments.UserDoc user) {
                id = ModelDocuments.userDocId(user.user());
                users++;
            } else {
                id = ModelDocuments.POPULAR_ID;
                popular++;
            }
            return new VersionWriter.Doc(id, BytesReference.toBytes(BytesReference.bytes(doc.toXContent(XContentFactory.jsonBuilder(), ToXContentObject.EMPTY_PARAMS))));
        } catch (XContentParseException e) {
            throw new IllegalArgumentException("line " + lineNumber + ": " + ParseErrors.reason(e), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("line " + lineNumber + ": " + e.getMessage(), e);
        } catch (IOException e) {
            // malformed JSON: the input's fault, not the node's
            throw new IllegalArgumentException("line " + lineNumber + ": " + e.getMessage(), e);
        }
    }

    /** Whether the body has at least one line that is not blank. */
    public static boolean hasLines(BytesReference body) {
        return body != null && isBlankLines(body) == false;
    }

    private static boolean isBlankLines(BytesReference body) {
        for (int i = 0; i < body.length(); i++) {
            byte b = body.get(i);
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                return false;
            }
        }
        return true;
    }

    private static boolean isBlank(BytesReference line) {
        for (int i = 0; i < line.length(); i++) {
            byte b = line.get(i);
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }
}
