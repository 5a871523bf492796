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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Loads what a request needs from the active model version, in at most three round trips, all by id or by a small
 * sorted search: the model's status; the user's profile, the popular list and the context items' neighbours together
 * with the user's newest events; then the neighbours of their recent and history items. Reads go through the plugin's
 * system client: serving needs the model and the events, whoever searches (the events only ever shape the ranking).
 * <p>
 * With a {@link ProfileCache}, the documents of a version are read and parsed once per node, and
 * {@link #loadActive} reads the model's status in parallel with the profile instead of before it: a request then
 * costs one round trip, the search of the shopper's newest events, which is never cached.
 */
public final class ProfileLoader {

    /** Events read per request for real-time history: a few more than the items wanted, as items repeat. */
    static final int EVENTS_PER_RECENT_ITEM = 3;

    private final ModelStore store;
    private final Client client;
    private final ProfileCache cache;

    public ProfileLoader(ModelStore store) {
        this(store, ProfileCache.disabled());
    }

    public ProfileLoader(ModelStore store, ProfileCache cache) {
        this.store = store;
        this.client = store.systemClient();
        this.cache = cache;
    }

    /** The model and its serving version; 404 when the model does not exist or has no version yet. */
    public void activeModel(String name, ActionListener<ActiveModel> listener) {
        store.get(name, ActionListener.wrap(model -> {
            ModelStatus.Version version = model.status().active();
            if (version == null) {
                cache.activeModel(name, null);
                listener.onFailure(new ResourceNotFoundException("model [" + name + "] has no trained version yet: train it or import one"));
                return;
            }
            ActiveModel active = new ActiveModel(name, model.config(), version);
            cache.activeModel(name, active);
            listener.onResponse(active);
        }, e -> {
            if (e instanceof ResourceNotFoundException) {
                cache.activeModel(name, null);
            }
            listener.onFailure(e);
        }));
    }

    /**
     * The profile from the model's active version, as {@link #activeModel} then {@link #load}. When this node has seen
     * the model before, the profile is loaded from the version it saw while the model's document is read; if the
     * document names another version or configuration, the profile is loaded again from that one. Either way the
     * profile comes from the version that is active when the request is served.
     */
    public void loadActive(String name, String user, List<String> context, int recent, ActionListener<Profile> listener) {
        ActiveModel guess = cache.activeModel(name);
        if (guess == null) {
            activeModel(name, listener.delegateFailureAndWrap((l, active) -> load(active, user, context, recent, l)));
            return;
        }
        Speculation speculation = new Speculation(guess, fresh -> load(fresh, user, context, recent, listener), listener);
        activeModel(name, ActionListener.wrap(speculation::model, speculation::modelFailed));
        load(guess, user, context, recent, ActionListener.wrap(speculation::profile, speculation::profileFailed));
    }

    /** Joins the model's document and a profile loaded from the version guessed before reading it. */
    private static final class Speculation {
        private final ActiveModel guess;
        private final Consumer<ActiveModel> reload;
        private final ActionListener<Profile> listener;
        private final AtomicInteger pending = new AtomicInteger(2);
        private volatile ActiveModel fresh;
        private volatile Exception modelFailure;
        private volatile Profile profile;
        private volatile Exception profileFailure;

        Speculation(ActiveModel guess, Consumer<ActiveModel> reload, ActionListener<Profile> listener) {
            this.guess = guess;
            this.reload = reload;
            this.listener = listener;
        }

        void model(ActiveModel model) {
            fresh = model;
            arrived();
        }

        void modelFailed(Exception e) {
            modelFailure = e;
            arrived();
        }

        void profile(Profile loaded) {
            profile = loaded;
            arrived();
        }

        void profileFailed(Exception e) {
            profileFailure = e;
            arrived();
        }

        private void arrived() {
            if (pending.decrementAndGet() != 0) {
                return;
            }
            if (modelFailure != null) {
                listener.onFailure(modelFailure);
            } else if (fresh.equals(guess) == false) {
                reload.accept(fresh);
            } else if (profileFailure != null) {
                listener.onFailure(profileFailure);
            } else {
                listener.onResponse(profile);
            }
        }
    }

    /**
     * The profile of {@code user} (may be null) with {@code context} items, counting the user's {@code recent} newest
     * items from the events index, topped up from their stored history.
     */
    public void load(ActiveModel model, String user, List<String> context, int recent, ActionListener<Profile> listener) {
        Map<String, ModelDocuments.ItemDoc> neighbors = new ConcurrentHashMap<>();
        AtomicReference<ModelDocuments.UserDoc> userDoc = new AtomicReference<>();
        AtomicReference<ModelDocuments.PopularDoc> popular = new AtomicReference<>();
        AtomicReference<List<SourceItem>> recentItems = new AtomicReference<>(List.of());
        Consumer<ToXContentObject> sink = doc -> {
            if (doc instanceof ModelDocuments.UserDoc u) {
                userDoc.set(u);
            } else if (doc instanceof ModelDocuments.PopularDoc p) {
                popular.set(p);
            } else if (doc instanceof ModelDocuments.ItemDoc i) {
                neighbors.put(i.item(), i);
            }
        };
        List<String> ids = new ArrayList<>();
        if (user != null) {
            ids.add(ModelDocuments.userDocId(user));
        }
        ids.add(ModelDocuments.POPULAR_ID);
        for (String item : new LinkedHashSet<>(context)) {
            ids.add(ModelDocuments.itemDocId(item));
        }
        ActionListener<Void> firstRound = listener.delegateFailureAndWrap(
            (l, ignored) -> secondRound(model, user, context, recent, userDoc.get(), recentItems.get(), neighbors, popular.get(), l)
        );
        try (RefCountingListener refs = new RefCountingListener(firstRound)) {
            fetch(model, ids, sink, refs.acquire());
            if (user != null && recent > 0) {
                recentEvents(model, user, recent, refs.acquire(recentItems::set));
            }
        }
    }

    /** Hands the documents with these ids to {@code sink}: from the cache, the others with one multi-get. */
    private void fetch(ActiveModel model, List<String> ids, Consumer<ToXContentObject> sink, ActionListener<Void> listener) {
        MultiGetRequest mget = new MultiGetRequest().realtime(true);
        for (String id : ids) {
            Object cached = cache.get(model, id);
            if (cached == null) {
                mget.add(model.index(), id);
            } else if (cached instanceof ToXContentObject doc) {
                sink.accept(doc);
            }
        }
        if (mget.getItems().isEmpty()) {
            listener.onResponse(null);
            return;
        }
        client.multiGet(mget, listener.map(response -> {
            for (MultiGetItemResponse item : response.getResponses()) {
                if (item.isFailed()) {
                    // a version index that vanished under us (deleted by a newer activation): missing, and not cached
                    continue;
                }
                GetResponse get = item.getResponse();
                if (get.isExists() == false) {
                    cache.put(model, item.getId(), ProfileCache.MISSING, 0);
                    continue;
                }
                BytesReference source = get.getSourceAsBytesRef();
                ToXContentObject doc = parse(source);
                cache.put(model, item.getId(), doc, source.length());
                sink.accept(doc);
            }
            return null;
        }));
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
        List<String> ids = new ArrayList<>();
        for (SourceItem source : sources) {
            if (neighbors.containsKey(source.item()) == false && source.origin() != SourceItem.Origin.CONTEXT) {
                ids.add(ModelDocuments.itemDocId(source.item()));
            }
        }
        fetch(model, ids, doc -> {
            if (doc instanceof ModelDocuments.ItemDoc item) {
                neighbors.put(item.item(), item);
            }
        }, listener.map(ignored -> new Profile(model, user, userDoc, sources, new HashMap<>(neighbors), seen, popular)));
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

    static ToXContentObject parse(BytesReference source) throws IOException {
        try (XContentParser parser = XContentHelper.createParser(XContentParserConfiguration.EMPTY, source)) {
            return ModelDocuments.parseLine(parser);
        }
    }
}
