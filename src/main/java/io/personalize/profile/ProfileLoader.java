package io.personalize.profile;

import io.personalize.model.EventReader;
import io.personalize.model.ModelDocuments;
import io.personalize.model.ModelStatus;
import io.personalize.model.ModelStore;

import org.elasticsearch.ResourceNotFoundException;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.get.GetResponse;
import org.elasticsearch.action.get.MultiGetItemResponse;
import org.elasticsearch.action.get.MultiGetRequest;
import org.elasticsearch.action.search.SearchRequest;
import org.elasticsearch.action.support.IndicesOptions;
import org.elasticsearch.action.support.RefCountingListener;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.common.xcontent.XContentHelper;
import org.elasticsearch.index.query.QueryBuilders;
import org.elasticsearch.search.SearchHit;
import org.elasticsearch.search.builder.SearchSourceBuilder;
import org.elasticsearch.search.sort.SortOrder;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentParserConfiguration;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Loads what a request needs from the active model version, in at most three round trips, all by id or by a small
 * sorted search: the model's status; the user's profile, the popular list and the context items' neighbours together
 * with the user's newest events; then the neighbours of their recent and history items. Reads go through the plugin's
 * system client: serving needs the model and the events, whoever searches (the events only ever shape the ranking).
 */
public final class ProfileLoader {

    /** Events read per request for real-time history: a few more than the items wanted, as items repeat. */
    static final int EVENTS_PER_RECENT_ITEM = 3;

    private final ModelStore store;
    private final Client client;

    public ProfileLoader(ModelStore store) {
        this.store = store;
        this.client = store.systemClient();
    }

    /** The model and its serving version; 404 when the model does not exist or has no version yet. */
    public void activeModel(String name, ActionListener<ActiveModel> listener) {
        store.get(name, listener.delegateFailureAndWrap((l, model) -> {
            ModelStatus.Version version = model.status().active();
            if (version == null) {
                throw new ResourceNotFoundException("model [" + name + "] has no trained version yet: train it or import one");
            }
            l.onResponse(new ActiveModel(name, model.config(), version));
        }));
    }

    /**
     * The profile of {@code user} (may be null) with {@code context} items, counting the user's {@code recent} newest
     * items from the events index, topped up from their stored history.
     */
    public void load(ActiveModel model, String user, List<String> context, int recent, ActionListener<Profile> listener) {
        MultiGetRequest first = new MultiGetRequest().realtime(true);
        if (user != null) {
            first.add(model.index(), ModelDocuments.userDocId(user));
        }
        first.add(model.index(), ModelDocuments.POPULAR_ID);
        for (String item : new LinkedHashSet<>(context)) {
            first.add(model.index(), ModelDocuments.itemDocId(item));
        }
        Map<String, ModelDocuments.ItemDoc> neighbors = new ConcurrentHashMap<>();
        AtomicReference<ModelDocuments.UserDoc> userDoc = new AtomicReference<>();
        AtomicReference<ModelDocuments.PopularDoc> popular = new AtomicReference<>();
        AtomicReference<List<SourceItem>> recentItems = new AtomicReference<>(List.of());
        ActionListener<Void> firstRound = listener.delegateFailureAndWrap(
            (l, ignored) -> secondRound(model, user, context, recent, userDoc.get(), recentItems.get(), neighbors, popular.get(), l)
        );
        try (RefCountingListener refs = new RefCountingListener(firstRound)) {
            client.multiGet(first, refs.acquire(response -> {
                for (MultiGetItemResponse item : response.getResponses()) {
                    ToXContentObject doc = parse(item);
                    if (doc instanceof ModelDocuments.UserDoc u) {
                        userDoc.set(u);
                    } else if (doc instanceof ModelDocuments.PopularDoc p) {
                        popular.set(p);
                    } else if (doc instanceof ModelDocuments.ItemDoc i) {
                        neighbors.put(i.item(), i);
                    }
                }
            }));
            if (user != null && recent > 0) {
                recentEvents(model, user, recent, refs.acquire(recentItems::set));
            }
        }
    }

    private void secondRound(
        ActiveModel model,
        String user,
        List<String> context,
        int recent,
        ModelDocuments.UserDoc userDoc,
        List<SourceItem> recentItems,
        Map<String, ModelDocuments.ItemDoc> neighbors,
        ModelDocuments.PopularDoc popular,
        ActionListener<Profile> listener
    ) {
        List<SourceItem> sources = new ArrayList<>();
        Set<String> named = new LinkedHashSet<>();
        for (String item : context) {
            if (named.add(item)) {
                sources.add(new SourceItem(item, SourceItem.Origin.CONTEXT));
            }
        }
        int fromUser = 0;
        for (SourceItem item : recentItems) {
            if (fromUser < recent && named.add(item.item())) {
                sources.add(item);
                fromUser++;
            }
        }
        if (userDoc != null) {
            for (String item : userDoc.history()) {
                if (fromUser >= recent) {
                    break;
                }
                if (named.add(item)) {
                    sources.add(new SourceItem(item, SourceItem.Origin.HISTORY));
                    fromUser++;
                }
            }
        }
        Set<String> seen = new LinkedHashSet<>();
        recentItems.forEach(item -> seen.add(item.item()));
        if (userDoc != null) {
            seen.addAll(userDoc.history());
        }
        MultiGetRequest second = new MultiGetRequest().realtime(true);
        for (SourceItem source : sources) {
            if (neighbors.containsKey(source.item()) == false && source.origin() != SourceItem.Origin.CONTEXT) {
                second.add(model.index(), ModelDocuments.itemDocId(source.item()));
            }
        }
        if (second.getItems().isEmpty()) {
            listener.onResponse(new Profile(model, user, userDoc, sources, new HashMap<>(neighbors), seen, popular));
            return;
        }
        client.multiGet(second, listener.delegateFailureAndWrap((l, response) -> {
            for (MultiGetItemResponse item : response.getResponses()) {
                if (parse(item) instanceof ModelDocuments.ItemDoc doc) {
                    neighbors.put(doc.item(), doc);
                }
            }
            l.onResponse(new Profile(model, user, userDoc, sources, new HashMap<>(neighbors), seen, popular));
        }));
    }

    /** The user's newest distinct items in the events index, newest first, each with the time of its newest event. */
    private void recentEvents(ActiveModel model, String user, int recent, ActionListener<List<SourceItem>> listener) {
        var events = model.config().events();
        SearchSourceBuilder source = new SearchSourceBuilder().query(
            QueryBuilders.boolQuery()
                .filter(QueryBuilders.termQuery(events.userField(), user))
                .filter(QueryBuilders.termsQuery(events.typeField(), events.weights().keySet()))
        )
            .sort(events.timeField(), SortOrder.DESC)
            .size(Math.min(10_000, recent * EVENTS_PER_RECENT_ITEM))
            .fetchSource(false)
            .storedFields(List.of("_none_"))
            .docValueField(events.itemField())
            .docValueField(events.timeField(), "epoch_millis")
            .trackTotalHits(false);
        SearchRequest search = new SearchRequest(events.index()).source(source).indicesOptions(IndicesOptions.lenientExpandOpen());
        client.search(search, listener.map(response -> {
            Map<String, SourceItem> items = new java.util.LinkedHashMap<>();
            for (SearchHit hit : response.getHits().getHits()) {
                String item = EventReader.text(hit.field(events.itemField()));
                if (item != null) {
                    items.putIfAbsent(item, new SourceItem(item, SourceItem.Origin.RECENT, EventReader.millis(hit.field(events.timeField()))));
                }
            }
            return List.copyOf(items.values());
        }));
    }

    private static ToXContentObject parse(MultiGetItemResponse item) throws IOException {
        if (item.isFailed()) {
            // a version index that vanished under us (deleted by a newer activation): treat as missing
            return null;
        }
        GetResponse response = item.getResponse();
        if (response.isExists() == false) {
            return null;
        }
        return parse(response.getSourceAsBytesRef());
    }

    static ToXContentObject parse(BytesReference source) throws IOException {
        try (XContentParser parser = XContentHelper.createParser(XContentParserConfiguration.EMPTY, source)) {
            return ModelDocuments.parseLine(parser);
        }
    }
}
