package io.personalize.model;

import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.common.xcontent.XContentHelper;
import org.elasticsearch.core.CheckedFunction;
import org.elasticsearch.xcontent.ToXContent;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentFactory;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentParserConfiguration;
import org.elasticsearch.xcontent.XContentType;

import java.io.IOException;

/**
 * Configuration objects travel between nodes as the JSON they are stored and shown in, parsed by the same parsers
 * as REST bodies: one form to keep compatible instead of two.
 */
public final class JsonWire {

    private JsonWire() {}

    public static void write(StreamOutput out, ToXContentObject value) throws IOException {
        out.writeBytesReference(BytesReference.bytes(value.toXContent(XContentFactory.jsonBuilder(), ToXContent.EMPTY_PARAMS)));
    }

    public static <T> T read(StreamInput in, CheckedFunction<XContentParser, T, IOException> parse) throws IOException {
        try (XContentParser parser = XContentHelper.createParser(XContentParserConfiguration.EMPTY, in.readBytesReference(), XContentType.JSON)) {
            return parse.apply(parser);
        }
    }

    public static void writeOptional(StreamOutput out, ToXContentObject value) throws IOException {
        out.writeBoolean(value != null);
        if (value != null) {
            write(out, value);
        }
    }

    public static <T> T readOptional(StreamInput in, CheckedFunction<XContentParser, T, IOException> parse) throws IOException {
        return in.readBoolean() ? read(in, parse) : null;
    }
}
