package io.personalize.profile;

import io.personalize.serving.NumberedItems;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.common.xcontent.XContentHelper;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentParserConfiguration;

/**
 * A user's newest distinct items, newest first, each with the time of its newest event: the per-user document the
 * events API keeps ({@code {"items": [...], "times": [...]}}) and serving reads by id beside the profile, in place of a
 * search of the events index. At most {@link #KEEP} items: more than any request's {@code recent_items} by default.
 */
public record RecentItems(List<SourceItem> items, NumberedItems numbered) implements ToXContentObject {

    public static final int KEEP = 100;
    public static final RecentItems EMPTY = new RecentItems(List.of());

    public RecentItems(List<SourceItem> items) {
        this(items, null);
    }

    /**
     * {@code numbered}: the items' slots in a version's numbering, memoized while a node keeps this write of the document
     * ({@link NumberedItems}); always made from these items (not part of the document, nor of equality).
     */
    public RecentItems {
        List<SourceItem> own = items;
        numbered = new NumberedItems(own.size(), i -> own.get(i).item());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RecentItems other && items.equals(other.items);
    }

    @Override
    public int hashCode() {
        return items.hashCode();
    }

    /** One item seen at a time (epoch milliseconds). */
    public record Seen(String item, long time) {}

    /**
     * With {@code seen} merged in: each item once, at its newest time; newest first (ties by item id, so that the order
     * does not depend on arrival); the {@link #KEEP} newest kept.
     */
    public RecentItems with(List<Seen> seen) {
        return with(seen, 0);
    }

    /**
     * As {@link #with(List)}, keeping only the items seen after {@code forgottenAt} (epoch milliseconds, 0 when the user
     * was never forgotten): what a user did before being forgotten is not stored again by a write that raced the
     * forgetting.
     */
    public RecentItems with(List<Seen> seen, long forgottenAt) {
        Map<String, Long> newest = new HashMap<>();
        for (SourceItem item : items) {
            if (item.time() > forgottenAt) {
                newest.merge(item.item(), item.time(), Math::max);
            }
        }
        for (Seen s : seen) {
            if (s.time() > forgottenAt) {
                newest.merge(s.item(), s.time(), Math::max);
            }
        }
        List<SourceItem> merged = new ArrayList<>(newest.size());
        newest.forEach((item, time) -> merged.add(new SourceItem(item, SourceItem.Origin.RECENT, time)));
        merged.sort(Comparator.comparingLong(SourceItem::time).reversed().thenComparing(SourceItem::item));
        return new RecentItems(List.copyOf(merged.subList(0, Math.min(KEEP, merged.size()))));
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject().startArray("items");
        for (SourceItem item : items) {
            builder.value(item.item());
        }
        builder.endArray().startArray("times");
        for (SourceItem item : items) {
            builder.value(item.time());
        }
        return builder.endArray().endObject();
    }

    public static RecentItems parse(BytesReference source) throws IOException {
        try (XContentParser parser = XContentHelper.createParser(XContentParserConfiguration.EMPTY, source)) {
            Map<String, Object> map = parser.map();
            List<?> items = map.get("items") instanceof List<?> l ? l : List.of();
            List<?> times = map.get("times") instanceof List<?> l ? l : List.of();
            List<SourceItem> parsed = new ArrayList<>(items.size());
            for (int i = 0; i < items.size() && i < times.size(); i++) {
                parsed.add(new SourceItem(
                        String.valueOf(items.get(i)), SourceItem.Origin.RECENT, ((Number) times.get(i)).longValue()));
            }
            return new RecentItems(List.copyOf(parsed));
        }
    }
}
