package io.personalize.compat;

import java.io.IOException;
import java.util.List;
import org.elasticsearch.cluster.AbstractNamedDiffable;
import org.elasticsearch.cluster.NamedDiff;
import org.elasticsearch.cluster.metadata.Metadata;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.xcontent.NamedXContentRegistry;
import org.elasticsearch.xcontent.ParseField;
import org.elasticsearch.xcontent.XContentParser;

/**
 * The base of the plugin's cluster state metadata (the forgotten users, the active versions): Elasticsearch 9.0 and
 * 8.19 have no projects, so it is a cluster-wide {@code Metadata.Custom} (9.1 on: a custom of the default project,
 * src/es-9.1). Either way it is in every node's cluster state and persisted.
 */
public abstract class PluginMetadataCustom extends AbstractNamedDiffable<Metadata.Custom> implements Metadata.Custom {

    /** Reads the diff that a master sent of the custom named {@code type}. */
    public static NamedDiff<Metadata.Custom> readDiff(String type, StreamInput in) throws IOException {
        return AbstractNamedDiffable.readDiffFrom(Metadata.Custom.class, type, in);
    }

    /** The registrations that let nodes read the custom and its diffs from the wire. */
    public static List<NamedWriteableRegistry.Entry> namedWriteables(
            String type, Writeable.Reader<? extends PluginMetadataCustom> reader) {
        return List.of(
                new NamedWriteableRegistry.Entry(Metadata.Custom.class, type, reader),
                new NamedWriteableRegistry.Entry(NamedDiff.class, type, in -> readDiff(type, in)));
    }

    /** The registration that reads the custom back from the persisted cluster state at startup. */
    public static NamedXContentRegistry.Entry namedXContent(
            String type, CheckedParser<? extends PluginMetadataCustom> parser) {
        return new NamedXContentRegistry.Entry(Metadata.Custom.class, new ParseField(type), parser::parse);
    }

    /** A parser of the persisted form. */
    @FunctionalInterface
    public interface CheckedParser<T> {
        T parse(XContentParser parser) throws IOException;
    }
}
