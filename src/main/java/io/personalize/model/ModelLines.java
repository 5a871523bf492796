package io.personalize.model;

import io.personalize.serving.ModelDocument;
import io.personalize.serving.NeighborList;
import io.personalize.serving.PopularList;
import io.personalize.serving.UserProfile;
import java.io.IOException;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.lucene.util.ArrayUtil;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.BytesRefHash;
import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.common.xcontent.XContentHelper;
import org.elasticsearch.xcontent.XContentFactory;
import org.elasticsearch.xcontent.XContentParseException;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentParserConfiguration;
import org.elasticsearch.xcontent.XContentType;

/**
 * The lines of an NDJSON model ({@code _import}) as the documents to write, parsed one at a time while they are
 * written, so that a big import never holds more than one batch of documents. A bad line stops the import with its
 * line number; the half-written version is then deleted.
 *
 * <p>An import holds what a training could have produced and what serving can query: at most
 * {@link #MAX_NEIGHBORS} neighbours per item, {@link #MAX_HISTORY} history items and {@link #MAX_USER_ITEMS} items
 * per user, {@link #MAX_POPULAR} popular items and {@link #MAX_ATTRIBUTE_VALUES} values per attribute (a user whose
 * history exceeds what a search may name could never be served); and each item, user and the popular list once: a
 * second line for the same id is refused, naming both lines, instead of silently replacing the first. The ids seen
 * are kept in a {@link BytesRefHash} (their bytes in shared blocks, plus an int per id for the line), never the lines.
 */
public final class ModelLines implements Iterator<VersionWriter.Doc> {

    private final BytesReference body;
    private int position;
    private int lineNumber;
    private long items;
    private long users;
    private long popular;
    private VersionWriter.Doc next;
    private final Ids ids;

    /** The most neighbours per item: a model's largest {@code similarity.neighbors}. */
    public static final int MAX_NEIGHBORS = ModelConfig.Similarity.MAX_NEIGHBORS;
    /** The most history items per user: a model's largest {@code training.max_history}. */
    public static final int MAX_HISTORY = 10_000;
    /** The most recommended items per user: a model's largest {@code training.user_items}. */
    public static final int MAX_USER_ITEMS = 1000;
    /** The most popular items: as many as a training stores. */
    public static final int MAX_POPULAR = VersionDocuments.POPULAR;
    /** The most values per attribute of a user. */
    public static final int MAX_ATTRIBUTE_VALUES = 1000;

    public ModelLines(BytesReference body) {
        this(body, new LineIds());
    }

    /** Lines whose ids are checked by {@code ids}: an import session checks them across all its parts. */
    public ModelLines(BytesReference body, Ids ids) {
        this.body = body;
        this.ids = ids;
    }

    /**
     * The document ids seen so far: refuses an id seen before (an {@link IllegalArgumentException} naming where it was
     * first seen), so that a later line never silently replaces an earlier one.
     */
    public interface Ids {
        /** Records {@code id} (its document id; {@code what} names it for a message) read at {@code line}. */
        void once(String id, String what, int line);
    }

    /** The ids of one body, in a {@link BytesRefHash}: their bytes in shared blocks plus an int per id for the line. */
    private static final class LineIds implements Ids {
        private final BytesRefHash ids = new BytesRefHash();
        private int[] firstLines = new int[16];

        @Override
        public void once(String id, String what, int line) {
            int ord = ids.add(new BytesRef(id));
            if (ord < 0) {
                throw new IllegalArgumentException(
                        what + " appears twice (first at line " + firstLines[-ord - 1] + ")");
            }
            firstLines = ArrayUtil.grow(firstLines, ord + 1);
            firstLines[ord] = line;
        }
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
        try (XContentParser parser =
                XContentHelper.createParserNotCompressed(XContentParserConfiguration.EMPTY, line, XContentType.JSON)) {
            ModelDocument doc = ModelDocuments.parseLine(parser);
            if (parser.nextToken() != null) {
                throw new IllegalArgumentException("one JSON object per line");
            }
            String id =
                    switch (doc) {
                        case NeighborList item -> {
                            String itemId = ModelDocuments.itemDocId(item.item());
                            String what = "item [" + item.item() + "]";
                            atMost(what, "neighbors", item.neighbors().size(), MAX_NEIGHBORS);
                            once(itemId, what);
                            items++;
                            yield itemId;
                        }
                        case UserProfile user -> {
                            String userId = ModelDocuments.userDocId(user.user());
                            String what = "user [" + user.user() + "]";
                            atMost(what, "history", user.history().size(), MAX_HISTORY);
                            atMost(what, "items", user.recommended().size(), MAX_USER_ITEMS);
                            for (Map.Entry<String, Map<String, Float>> attribute :
                                    user.attributes().entrySet()) {
                                atMost(
                                        what,
                                        "attributes." + attribute.getKey(),
                                        attribute.getValue().size(),
                                        MAX_ATTRIBUTE_VALUES);
                            }
                            once(userId, what);
                            users++;
                            yield userId;
                        }
                        case PopularList list -> {
                            atMost("the [popular] line", "popular", list.items().size(), MAX_POPULAR);
                            once(ModelDocuments.POPULAR_ID, "the [popular] line");
                            popular++;
                            yield ModelDocuments.POPULAR_ID;
                        }
                    };
            return new VersionWriter.Doc(
                    id,
                    BytesReference.toBytes(
                            BytesReference.bytes(ModelDocuments.toXContent(doc, XContentFactory.jsonBuilder()))));
        } catch (XContentParseException e) {
            throw new IllegalArgumentException("line " + lineNumber + ": " + ParseErrors.reason(e), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("line " + lineNumber + ": " + e.getMessage(), e);
        } catch (IOException e) {
            // malformed JSON: the input's fault, not the node's
            throw new IllegalArgumentException("line " + lineNumber + ": " + e.getMessage(), e);
        }
    }

    private static void atMost(String what, String field, int size, int max) {
        if (size > max) {
            throw new IllegalArgumentException(
                    what + " has " + size + " [" + field + "] entries, at most " + max + " are allowed");
        }
    }

    /** Refuses a second line for the same document id, naming the first. */
    private void once(String id, String what) {
        ids.once(id, what, lineNumber);
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
